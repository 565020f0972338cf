//! The offline provider's two frame-bound renders, done for real with ffmpeg so the engine's
//! extension and end-frame paths are tested on real H.264:
//!
//! - **ending on a frame**: the clip's picture dissolves into the given image over its second
//!   half and holds it for the last quarter second, so the clip's final frame IS the image (as
//!   far as H.264 at CRF 20 keeps it), like first-and-last-frame generation;
//! - **extension**: the continuation starts from the clip's own last frame and slowly pushes in
//!   on it, with the new prompt fading in as a caption and a tone of its own, and the whole clip
//!   (the input, then the continuation) is written, as Google's extension answers.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use image::{RgbImage, Rgba, RgbaImage};

use super::{caption, digest, save_png};
use crate::error::MediaError;
use crate::ffmpeg::{Ffmpeg, StillClip, BITEXACT, H264};
use crate::provider::ExtendRequest;
use crate::task::TaskCtx;

/// AAC as every other offline encode writes it (48 kHz stereo, as Veo delivers).
const AAC: &[&str] = &["-c:a", "aac", "-b:a", "128k"];

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// How long the end image holds, fully shown, at the clip's end (seconds).
const END_HOLD: f64 = 0.25;

/// Rewrites `body` (an offline clip of `seconds`) to `out` with its picture dissolving into
/// `end` over the clip's second half and holding it for the last [`END_HOLD`]: the final frame
/// is `end`, scaled to the clip's size. The sound is copied; `clip` says the size, the length
/// and the file's record (its comment).
pub(super) async fn end_on(
    ffmpeg: &Ffmpeg,
    body: &Path,
    end: &Path,
    clip: &StillClip<'_>,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let ((w, h), seconds) = (clip.size, clip.seconds);
    let total = f64::from(seconds);
    let start = total / 2.0;
    let fade = (total - start - END_HOLD).max(1.0 / 24.0);
    let graph = format!(
        "[1:v]scale={w}:{h},setsar=1,format=rgba,fade=t=in:st={start}:d={fade}:alpha=1[end];\
         [0:v][end]overlay=0:0:shortest=1,format=yuv420p[v]"
    );
    let mut args = os(&["-i"]);
    args.push(body.into());
    args.extend(os(&["-loop", "1", "-framerate", "24", "-i"]));
    args.push(end.into());
    args.extend(os(&[
        "-filter_complex",
        &graph,
        "-map",
        "[v]",
        "-map",
        "0:a?",
    ]));
    args.extend(os(&[
        "-t",
        &seconds.to_string(),
        "-r",
        "24",
        "-c:a",
        "copy",
    ]));
    args.extend(os(H264));
    args.extend(os(&["-movflags", "+faststart"]));
    args.extend(os(BITEXACT));
    if let Some(comment) = clip.comment {
        args.extend(os(&["-metadata", &format!("comment={comment}")]));
    }
    args.extend(os(&["-f", "mp4"]));
    args.push(out.into());
    ffmpeg
        .run(args, Some(Duration::from_secs(seconds.into())), task)
        .await
}

/// The caption a continuation fades in: "EXTENDED +Ns" and the new prompt, on a transparent
/// canvas of the clip's size.
fn paint_extension_caption(req: &ExtendRequest, (w, h): (u32, u32)) -> RgbaImage {
    let mut band = RgbImage::new(w, h / 3);
    let label = format!("EXTENDED +{}s", req.seconds);
    let height = caption(&mut band, 0, &label, &req.prompt).min(band.height() as i32) as u32;
    let mut img = RgbaImage::new(w, h);
    for (x, y, px) in band.enumerate_pixels() {
        if y < height {
            let alpha = if px.0 == [0, 0, 0] { 170 } else { 255 };
            img.put_pixel(x, y, Rgba([px[0], px[1], px[2], alpha]));
        }
    }
    img
}

/// The continuation's tone (Hz, 220-880), from the new prompt: its sound is its own.
fn extension_tone(req: &ExtendRequest) -> u32 {
    let seed = digest(&["extend", &req.prompt, &req.seconds.to_string()]);
    220 + u32::from(u16::from_be_bytes([seed[0], seed[1]])) % 661
}

/// Continues `req.clip` by `req.seconds` and writes the whole clip to `out` (see the module
/// doc). The checks of the model's rules are the caller's; a clip ffprobe cannot read, or one
/// with no picture, is refused as invalid input.
pub(super) async fn extend(
    ffmpeg: &Ffmpeg,
    req: &ExtendRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let probe = ffmpeg.probe(&req.clip).await?;
    let video = probe.video.as_ref().ok_or_else(|| MediaError::Artifact {
        uri: req.clip.display().to_string(),
        message: "the clip to extend has no picture".into(),
    })?;
    let size = (video.width.max(2) / 2 * 2, video.height.max(2) / 2 * 2);
    let last = out.with_extension("last.png");
    let caption_path = out.with_extension("extcaption.png");
    let continuation = out.with_extension("continuation.mp4");
    let result = async {
        let sub = TaskCtx::new(task.cancel.clone(), None);
        ffmpeg.last_frame(&req.clip, &last, &sub).await?;
        let painted = {
            let (req, path) = (req.clone(), caption_path.clone());
            tokio::task::spawn_blocking(move || {
                save_png(&paint_extension_caption(&req, size), &path)
            })
        };
        painted
            .await
            .map_err(|e| MediaError::Image(e.to_string()))??;
        continue_from(ffmpeg, &last, &caption_path, size, req, &continuation, &sub).await?;
        ffmpeg
            .stitch(&[req.clip.clone(), continuation.clone()], out, task)
            .await
            .map(|_| ())
    }
    .await;
    for scratch in [&last, &caption_path, &continuation] {
        let _ = tokio::fs::remove_file(scratch).await;
    }
    result
}

/// The added seconds: `last` (the clip's last frame) pushed in on slowly from exactly itself,
/// the caption fading in over the first second, a tone beneath.
async fn continue_from(
    ffmpeg: &Ffmpeg,
    last: &Path,
    caption: &Path,
    (w, h): (u32, u32),
    req: &ExtendRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let seconds = req.seconds;
    let frames = seconds * 24;
    let hz = extension_tone(req);
    // zoompan's first frame is the image itself (zoom 1): the join shows no jump.
    let graph = format!(
        "[0:v]scale={w}:{h},setsar=1,zoompan=z='1+0.12*on/{frames}':\
         x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s={w}x{h}:fps=24[bg];\
         [1:v]format=rgba,fade=t=in:st=0:d=1:alpha=1[cap];\
         [bg][cap]overlay=0:0:shortest=1,format=yuv420p[v];\
         sine=frequency={hz}:sample_rate=48000:duration={seconds},\
         aformat=sample_fmts=fltp:channel_layouts=stereo[a]"
    );
    let mut args = os(&["-loop", "1", "-framerate", "24", "-i"]);
    args.push(last.into());
    args.extend(os(&["-loop", "1", "-framerate", "24", "-i"]));
    args.push(caption.into());
    args.extend(os(&["-filter_complex", &graph, "-t", &seconds.to_string()]));
    args.extend(os(&["-map", "[v]", "-r", "24", "-map", "[a]"]));
    args.extend(os(AAC));
    args.extend(os(H264));
    args.extend(os(&["-movflags", "+faststart"]));
    args.extend(os(BITEXACT));
    args.extend(os(&["-f", "mp4"]));
    args.push(out.into());
    ffmpeg
        .run(args, Some(Duration::from_secs(seconds.into())), task)
        .await
}
