//! Video extension and last frames, checked as Google checks them (media Part B §1-§3) on both
//! routes, and rendered for real: an extension is the offline provider's continuation of the
//! input clip (the whole clip comes back, input and continuation), a last frame is honoured by
//! the offline render (the clip dissolves into it).
//!
//! Refused with Google's 400: a `video` beside an `image` ("Not allowed if image is provided"),
//! `referenceImages` beside a `video` or a `lastFrame`, a `lastFrame` without an `image`, an
//! extension on a model whose table row has no `extend` (Lite), a `durationSeconds` (or Omni
//! duration) the model does not extend by, an input that is not an MP4 or whose length is out
//! of the model's range, and on Omni a `<LAST_FRAME>` without `<FIRST_FRAME>` (or without a
//! second image).

use axum::response::Response;
use base64::Engine;
use serde_json::Value;
use studio_catalog::Family;
use studio_media::Ffmpeg;

use crate::routes::{invalid, refuse_unknown, Site};
use crate::State;

/// An input video, decoded.
#[derive(Debug, Clone)]
pub(crate) struct InputVideo {
    pub bytes: Vec<u8>,
}

/// Whether bytes are an MP4 (an `ftyp` box first).
fn is_mp4(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[4..8] == b"ftyp"
}

/// Google's refusal of an input video that is not an MP4.
const NOT_MP4: &str =
    "Unsupported input video: the video must be an MP4 (video/mp4) for video extension.";

/// `instances[0].video` as each back end names it: Vertex `{bytesBase64Encoded | gcsUri,
/// mimeType}`, the Gemini API `{uri | encodedVideo, encoding}` (SDK mapping, Part B §1).
pub(crate) fn veo_video(site: &Site, v: &Value) -> Result<InputVideo, Response> {
    let at = "instances[0].video";
    let (data_key, mime_key, uri_key) = if site.is_gemini() {
        ("encodedVideo", "encoding", "uri")
    } else {
        ("bytesBase64Encoded", "mimeType", "gcsUri")
    };
    refuse_unknown(v, &[data_key, mime_key, uri_key], at)?;
    if v.get(uri_key).is_some_and(|u| !u.is_null()) {
        return Err(invalid(format!(
            "{at}.{uri_key}: this mock cannot read stored videos; send {data_key}."
        )));
    }
    let Some(data) = v[data_key].as_str() else {
        return Err(invalid(format!("{at}.{data_key} is required.")));
    };
    match v[mime_key].as_str() {
        Some("video/mp4") => {}
        Some(_) => return Err(invalid(NOT_MP4)),
        None => return Err(invalid(format!("{at}.{mime_key} is required."))),
    }
    decode(data, &format!("{at}.{data_key}"))
}

/// Base64 MP4 bytes at `at`.
pub(crate) fn decode(data: &str, at: &str) -> Result<InputVideo, Response> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| {
            invalid(format!(
                "Invalid value at '{at}' (TYPE_BYTES), Base64 decoding failed"
            ))
        })?;
    if !is_mp4(&bytes) {
        return Err(invalid(NOT_MP4));
    }
    Ok(InputVideo { bytes })
}

/// The rules of a Veo extension request that need no decoding: not beside an image, a last
/// frame or references; a family that extends; the seconds it adds.
pub(crate) fn check_veo_shape(
    family: &Family,
    instance: &Value,
    duration: Option<u32>,
) -> Result<u32, Response> {
    let has = |k: &str| instance.get(k).is_some_and(|v| !v.is_null());
    if has("image") {
        return Err(invalid(
            "video and image cannot be used together: an input video is not allowed if an \
             image is provided.",
        ));
    }
    if has("referenceImages") {
        return Err(invalid(
            "referenceImages cannot be used together with video or lastFrame.",
        ));
    }
    if has("lastFrame") {
        return Err(invalid("lastFrame requires image (the first frame)."));
    }
    extension_seconds(family, duration.unwrap_or(8), "s")
}

/// The seconds an extension adds, if the family extends by that many.
pub(crate) fn extension_seconds(
    family: &Family,
    seconds: u32,
    unit: &str,
) -> Result<u32, Response> {
    let Some(x) = &family.extend else {
        return Err(invalid("Video extension is not supported by this model."));
    };
    if !x.seconds.contains(&seconds) {
        let allowed: Vec<String> = x.seconds.iter().map(|s| format!("{s}{unit}")).collect();
        return Err(invalid(format!(
            "The requested duration {seconds}{unit} is not supported for video extension. \
             Duration must be one of {}.",
            crate::rules::list(&allowed)
        )));
    }
    Ok(seconds)
}

/// `referenceImages` beside a `lastFrame` (Part B §3: not combinable).
pub(crate) fn check_last_frame_alone(instance: &Value) -> Result<(), Response> {
    let has = |k: &str| instance.get(k).is_some_and(|v| !v.is_null());
    if has("lastFrame") && has("referenceImages") {
        return Err(invalid(
            "referenceImages cannot be used together with video or lastFrame.",
        ));
    }
    Ok(())
}

/// Omni's frame tags: `<LAST_FRAME>` must come with `<FIRST_FRAME>` and a second image.
/// Returns whether the prompt asks for a last frame.
pub(crate) fn check_frame_tags(prompt: &str, images: usize) -> Result<bool, Response> {
    let (first, last) = (
        prompt.contains("<FIRST_FRAME>"),
        prompt.contains("<LAST_FRAME>"),
    );
    if last && !first {
        return Err(invalid(
            "<LAST_FRAME> must be used with <FIRST_FRAME>: give the first frame too.",
        ));
    }
    if last && images != 2 {
        return Err(invalid(format!(
            "<FIRST_FRAME> <LAST_FRAME> take two input images, the first and the last frame; \
             got {images}."
        )));
    }
    Ok(last)
}

/// The input clip's length, measured, checked against the family's extension range and the
/// longest clip an extension may make. Returns the input's seconds.
pub(crate) async fn check_input_length(
    state: &State,
    family: &Family,
    video: &InputVideo,
    seconds: u32,
) -> Result<f64, Response> {
    let Some(x) = &family.extend else {
        return Err(invalid("Video extension is not supported by this model."));
    };
    let path = state
        .work
        .path()
        .join(format!("{}.mp4", uuid::Uuid::new_v4().simple()));
    if std::fs::write(&path, &video.bytes).is_err() {
        return Err(invalid("Unable to process input video."));
    }
    let probed = Ffmpeg::from_env().probe(&path).await;
    let _ = std::fs::remove_file(&path);
    let Ok(info) = probed else {
        return Err(invalid(NOT_MP4));
    };
    let length = info.duration;
    let max = x.input_max.unwrap_or(x.total_max);
    if length.round() < f64::from(x.input_min) || length.round() > f64::from(max) {
        return Err(invalid(format!(
            "The input video must be {} to {max} seconds long for video extension; it is \
             {length:.1} seconds.",
            x.input_min
        )));
    }
    if length.round() + f64::from(seconds) > f64::from(x.total_max) {
        return Err(invalid(format!(
            "An extended video can be at most {} seconds long; {length:.1} + {seconds} seconds \
             is longer.",
            x.total_max
        )));
    }
    Ok(length)
}
