//! The mock's clips, rendered for real by the offline provider: a clip from a first frame (or
//! a drawn character) that may end on a last frame, and an extended clip (the input, then the
//! continuation: the whole clip, as Google's extension answers).

use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::{ClipRequest, ExtendRequest, MediaProvider, TaskCtx};

use crate::extend::InputVideo;
use crate::rules::InputImage;
use crate::State;

/// The images a clip starts from and ends on.
#[derive(Clone, Copy, Default)]
pub(crate) struct Frames<'a> {
    pub first: Option<&'a InputImage>,
    pub last: Option<&'a InputImage>,
}

/// Renders a clip of `(seconds, aspect)` with the offline provider (which gives it its picture
/// and sound), starting from `frames.first` or, without one, from a drawn character, and ending
/// on `frames.last` when given.
pub(crate) async fn render_clip(
    state: &State,
    model: &str,
    prompt: &str,
    frames: Frames<'_>,
    (seconds, aspect): (u32, &str),
    negative: Option<String>,
) -> Result<Vec<u8>, String> {
    let first = frames.first;
    let aspect_ratio: AspectRatio = aspect.parse().unwrap_or_default();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (image_bytes, ext) = match first {
        Some(img) => (img.bytes.clone(), img.extension()),
        None => (
            crate::images::draw_png(
                state,
                model,
                prompt,
                studio_media::Angle::Front,
                aspect_ratio,
            )
            .await?,
            "png",
        ),
    };
    let work = state.work.path();
    let image_path = work.join(format!("{id}.{ext}"));
    let out = work.join(format!("{id}.mp4"));
    std::fs::write(&image_path, image_bytes).map_err(|e| e.to_string())?;
    let last_path = match frames.last {
        Some(img) => {
            let path = work.join(format!("{id}-last.{}", img.extension()));
            std::fs::write(&path, &img.bytes).map_err(|e| e.to_string())?;
            Some(path)
        }
        None => None,
    };
    let req = ClipRequest {
        prompt: prompt.to_owned(),
        negative_prompt: negative,
        duration: ClipSeconds::try_from(seconds).map_err(|e| e.to_string())?,
        aspect_ratio,
        quality: Quality::Standard,
        image: image_path.clone(),
        references: vec![],
        model: Some(model.to_owned()),
        variant: 0,
        last_frame: last_path.clone(),
    };
    let r = state
        .offline
        .video_clip(&req, &out, &TaskCtx::detached())
        .await
        .map_err(|e| e.to_string());
    let bytes = std::fs::read(&out).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&image_path);
    let _ = std::fs::remove_file(&out);
    if let Some(p) = &last_path {
        let _ = std::fs::remove_file(p);
    }
    r?;
    bytes
}

/// The whole extended clip (the input, then `seconds` more), rendered by the offline provider.
pub(crate) async fn render_extension(
    state: &State,
    video: &InputVideo,
    prompt: &str,
    seconds: u32,
    aspect: &str,
) -> Result<Vec<u8>, String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let work = state.work.path();
    let input = work.join(format!("{id}-in.mp4"));
    let out = work.join(format!("{id}-out.mp4"));
    std::fs::write(&input, &video.bytes).map_err(|e| e.to_string())?;
    let req = ExtendRequest {
        clip: input.clone(),
        prompt: prompt.to_owned(),
        seconds,
        aspect_ratio: aspect.parse::<AspectRatio>().unwrap_or_default(),
        model: None,
    };
    let r = state
        .offline
        .extend_clip(&req, &out, &TaskCtx::detached())
        .await
        .map_err(|e| e.to_string());
    let bytes = std::fs::read(&out).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&out);
    r?;
    bytes
}
