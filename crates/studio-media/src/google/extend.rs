//! Video extension: a clip continued by the model that made it (media Part B §1).
//!
//! - Veo on Vertex: `predictLongRunning` with the clip as `instances[0].video`
//!   (`{bytesBase64Encoded, mimeType}`; the retired Gemini API took `{encodedVideo, encoding}`)
//!   and `parameters.durationSeconds` the seconds to add (7), as Google's notebook sends it;
//!   `aspectRatio` is the clip's own (absent, it means 16:9, and a 9:16 clip is refused with
//!   "Aspect ratio of the input video must be 16:9, but got: 9:16": googleapis/js-genai#1176)
//!   and `resolution` 720p, the only one Veo extends at ("1080, except for video extension":
//!   Vertex model page 3-1-generate; "capped at 720p": juliandickie/banana-claude
//!   skills/video/references/veo-models.md).
//! - Omni: an interaction with the clip as a `video` block, `task: "extend"` and the added
//!   seconds as `response_format.duration` (the seconds ADDED: 3.0 s + "3s" gave 6.0 s, live
//!   [3p search-index file 58523410548]), and no `aspect_ratio`: Omni keeps the input's and
//!   refuses one ("Aspect ratio cannot be set in response format for extend task." [3p, three
//!   independent live reports]); `resolution` is taken and honoured [3p].
//!
//! Billing (issue 32): both are priced per ADDED second. Omni was measured billing the added
//! seconds (a 13 s answer to a 3 s input billed about 10 s of new video plus the input's
//! tokens [3p 58523410548]); for Veo on Vertex no Google statement was found, and resellers
//! (fal.ai `veo3.1/extend-video`, jiekou.ai) price an extension as its 7 s.
//!
//! Both are documented to answer one combined video (the input and the continuation). Sources
//! disagree on little here, but no live answer was seen: an answer no longer than the added
//! seconds is taken for the continuation alone and joined after the input, so the result is
//! always the WHOLE clip.

use std::path::Path;

use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::{check_extend, Choice, Route};

use super::omni::{self, Delivery};
use super::{b64, veo, Backend, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::ExtendRequest;
use crate::task::TaskCtx;

/// The resolution an Omni extension is asked at and judged for inline delivery (the input's
/// own is not sent: the model continues the clip as it is).
const OMNI_RESOLUTION: &str = "720p";

/// The resolution a Veo extension is asked at: the only one Veo extends at (module doc).
const VEO_RESOLUTION: &str = "720p";

/// The input clip as base64, checked to be an MP4 (Google takes only MP4 for extension).
async fn read_clip(p: &GoogleProvider, choice: &Choice, clip: &Path) -> Result<String, MediaError> {
    let bytes = tokio::fs::read(clip)
        .await
        .map_err(|e| MediaError::io(format!("read {}", clip.display()), e))?;
    if !veo::is_mp4(&bytes) {
        return Err(p.site(&choice.model).error(
            ErrorClass::InvalidInput,
            format!(
                "{} is not an MP4: only MP4 clips can be extended",
                clip.display()
            ),
            None,
        ));
    }
    Ok(b64().encode(bytes))
}

/// The `predictLongRunning` body continuing `data` (base64 MP4) by `req.seconds`.
pub(crate) fn veo_body(
    backend: Backend,
    choice: &Choice,
    req: &ExtendRequest,
    data: String,
) -> Value {
    let video = match backend {
        Backend::Vertex => json!({"bytesBase64Encoded": data, "mimeType": "video/mp4"}),
        Backend::Gemini => json!({"encodedVideo": data, "encoding": "video/mp4"}),
    };
    let mut parameters = json!({
        "durationSeconds": req.seconds,
        "sampleCount": 1,
        "aspectRatio": req.aspect_ratio.as_str(),
        "resolution": VEO_RESOLUTION
    });
    if backend == Backend::Vertex {
        parameters["generateAudio"] = json!(choice.family.audio);
    }
    json!({
        "instances": [{"prompt": req.prompt, "video": video}],
        "parameters": parameters
    })
}

/// The interaction continuing `data` (base64 MP4) by `req.seconds`.
pub(crate) fn omni_body(
    choice: &Choice,
    req: &ExtendRequest,
    data: String,
    delivery: &Delivery,
) -> Value {
    let content = vec![
        json!({"type": "video", "data": data, "mime_type": "video/mp4"}),
        json!({"type": "text", "text": req.prompt}),
    ];
    let mut format = omni::video_format(
        req.aspect_ratio.as_str(),
        Some(OMNI_RESOLUTION),
        req.seconds,
        delivery,
    );
    // Omni keeps the input's aspect ratio and refuses one said on an extension (module doc).
    if let Some(f) = format.as_object_mut() {
        f.remove("aspect_ratio");
    }
    omni::create_body(choice, content, &format, "extend")
}

/// Continues `req.clip` on `choice`'s model and writes the whole clip to `out`. The model's
/// extension rules are checked first (nothing is sent, so nothing is paid, when they fail).
pub(super) async fn extend(
    p: &GoogleProvider,
    choice: &Choice,
    req: &ExtendRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let input = p.ffmpeg.probe(&req.clip).await?.duration;
    let problems = check_extend(choice, None, input, req.seconds);
    if !problems.is_empty() {
        let reasons: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(MediaError::CannotExtend {
            provider: p.provider_name().into(),
            model: choice.model.clone(),
            reason: reasons.join("; "),
        });
    }
    let data = read_clip(p, choice, &req.clip).await?;
    let answer = out.with_extension("answer.mp4");
    let made = match choice.family.route {
        Route::Interactions => {
            let site = &p.site(&choice.model);
            let total = (input.round() as u32).saturating_add(req.seconds);
            let delivery = Delivery::choose(p, site, choice, OMNI_RESOLUTION, total)?;
            let body = omni_body(choice, req, data, &delivery);
            omni::run(p, choice, &body, &answer, task).await
        }
        _ => {
            let body = veo_body(p.config.backend, choice, req, data);
            veo::run(p, choice, &body, &answer, task).await
        }
    };
    let result = match made {
        Ok(()) => whole_clip(p, req, input, &answer, out, task).await,
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&answer).await;
    result
}

/// The whole clip in `out`: the answer itself when it holds the input (documented), else the
/// input followed by the answer (a continuation alone).
async fn whole_clip(
    p: &GoogleProvider,
    req: &ExtendRequest,
    input: f64,
    answer: &Path,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let got = p.ffmpeg.probe(answer).await?.duration;
    if got > f64::from(req.seconds) + 0.5 {
        return tokio::fs::rename(answer, out)
            .await
            .map_err(|e| MediaError::io(format!("move {}", answer.display()), e));
    }
    tracing::info!(
        got,
        input,
        "the extension came back alone: joined after the input"
    );
    p.ffmpeg
        .stitch(&[req.clip.clone(), answer.to_owned()], out, task)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    //! The wire shapes of media Part B: Veo's extension and last frame (`instances[0].video` /
    //! `lastFrame` beside `image`, never `referenceImages`), Omni's `extend` task and its two
    //! frame tags. The mock checks the same shapes over HTTP (its strict tests).
    use super::*;
    use crate::provider::ClipRequest;
    use studio_catalog::Catalog;
    use studio_core::{AspectRatio, ClipSeconds, Quality};

    /// A model of the table's `family`, named from its first pattern.
    fn choice(family: &str) -> Choice {
        let c = Catalog::builtin();
        let f = c.family(family).unwrap().clone();
        let model = f.patterns[0].replacen('*', "9.9", 1).replace('*', "x");
        assert_eq!(c.family_of(&model).map(|x| x.id.as_str()), Some(family));
        Choice { model, family: f }
    }

    fn png(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        image::RgbImage::from_pixel(8, 8, image::Rgb([9, 99, 199]))
            .save(&path)
            .unwrap();
        path
    }

    fn ending(dir: &std::path::Path) -> ClipRequest {
        let image = png(dir, "first.png");
        ClipRequest {
            prompt: "the plane lands".into(),
            negative_prompt: None,
            duration: ClipSeconds::try_from(8).unwrap(),
            aspect_ratio: AspectRatio::Landscape,
            quality: Quality::Standard,
            references: vec![image.clone(); 3],
            image,
            model: None,
            variant: 0,
            last_frame: Some(png(dir, "last.png")),
        }
    }

    #[tokio::test]
    async fn veo_ends_on_a_last_frame_beside_the_first_and_without_references() {
        let dir = tempfile::tempdir().unwrap();
        let body = veo::request_body(Backend::Vertex, &choice("veo"), &ending(dir.path()))
            .await
            .unwrap();
        let instance = &body["instances"][0];
        assert_eq!(instance["image"]["mimeType"], "image/png");
        assert_eq!(instance["lastFrame"]["mimeType"], "image/png");
        assert!(instance["lastFrame"]["bytesBase64Encoded"].is_string());
        assert!(instance.get("referenceImages").is_none(), "{body}");
        // A family without last frames is refused before anything is sent.
        let mut cannot = choice("veo");
        cannot.family.last_frame = false;
        let err = veo::request_body(Backend::Vertex, &cannot, &ending(dir.path()))
            .await
            .unwrap_err();
        assert!(matches!(err, MediaError::NoLastFrame { .. }), "{err}");
    }

    #[tokio::test]
    async fn omni_sends_two_images_and_both_frame_tags() {
        let dir = tempfile::tempdir().unwrap();
        let body = omni::request_body(&choice("omni"), &ending(dir.path()), &Delivery::Inline)
            .await
            .unwrap();
        let content = body["input"][0]["content"].as_array().unwrap();
        let kinds: Vec<&str> = content
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["image", "image", "text"]);
        let text = content[2]["text"].as_str().unwrap();
        assert!(text.starts_with("<FIRST_FRAME> <LAST_FRAME> "), "{text}");
        assert_eq!(
            body["generation_config"]["video_config"]["task"],
            "image_to_video"
        );
    }

    #[test]
    fn extensions_go_as_each_route_takes_them() {
        let req = ExtendRequest {
            clip: "in.mp4".into(),
            prompt: "it lifts off".into(),
            seconds: 7,
            aspect_ratio: AspectRatio::Landscape,
            model: None,
        };
        let veo = veo_body(Backend::Vertex, &choice("veo"), &req, "AAAA".into());
        assert_eq!(
            veo,
            json!({"instances": [{"prompt": "it lifts off",
                                  "video": {"bytesBase64Encoded": "AAAA", "mimeType": "video/mp4"}}],
                   "parameters": {"durationSeconds": 7, "sampleCount": 1, "aspectRatio": "16:9",
                                  "resolution": "720p", "generateAudio": true}})
        );
        let gemini = veo_body(Backend::Gemini, &choice("veo"), &req, "AAAA".into());
        assert_eq!(
            gemini["instances"][0]["video"],
            json!({"encodedVideo": "AAAA", "encoding": "video/mp4"})
        );
        assert!(gemini["parameters"].get("generateAudio").is_none());
        let omni = omni_body(&choice("omni"), &req, "AAAA".into(), &Delivery::Inline);
        assert_eq!(omni["generation_config"]["video_config"]["task"], "extend");
        assert_eq!(omni["response_format"]["duration"], "7s");
        assert!(
            omni["response_format"].get("aspect_ratio").is_none(),
            "Omni refuses an aspect ratio on an extension: {omni}"
        );
        let content = &omni["input"][0]["content"];
        assert_eq!(content[0]["type"], "video");
        assert_eq!(content[0]["mime_type"], "video/mp4");
        assert_eq!(content[1]["text"], "it lifts off");
    }
}
