//! Video extension and last frames, checked as Google checks them (media Part B §1-§3) on both
//! routes, and rendered for real: an extension is the offline provider's continuation of the
//! input clip (the whole clip comes back, input and continuation), a last frame is honoured by
//! the offline render (the clip dissolves into it).
//!
//! Refused with Google's 400: a `video` beside an `image` ("Not allowed if image is provided"),
//! `referenceImages` beside a `video` or a `lastFrame`, a `lastFrame` without an `image`, an
//! extension on a model whose table row has no `extend`, or whose `extend.backends` leave out
//! the back end asked (Google serves extension per back end: Veo Lite extends on Vertex, not
//! on the Gemini API), a `durationSeconds` (or Omni duration) the model does not extend by, a
//! Veo extension at a `resolution` other than 720p or an `aspectRatio` (16:9 when absent) other
//! than the input's, an input that is not an MP4 or whose length is out of the model's range,
//! on Omni an `extend` task without exactly one input video or with an `aspect_ratio` (the
//! input's is kept), and a `<LAST_FRAME>` without `<FIRST_FRAME>` (or without a second image).
//!
//! Wording. Where users quote Google's own message, the mock answers with it (the sources are
//! on each constant, `[3p]` = a third party quoting a live answer). The other refusals are in
//! our own words, no source having been found for them: `video` beside `image`,
//! `referenceImages` beside `video`/`lastFrame`, `lastFrame` without `image` or on a model
//! without last frames (on Vertex), extension on a model without it (on Vertex), the extension's
//! resolution, a non-MP4 input, the input's length and the total's, Omni's duration on an
//! extension (patterned on Omni's own "The value … is not supported for …" message), images
//! beside an extension's video, and the Omni frame tags.

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
    /// The aspect ratio the request says the video has (Veo's `aspectRatio`, 16:9 when
    /// absent), checked against the video's own once it is measured; None: the input's own
    /// is kept (Omni refuses an `aspect_ratio` on an extension).
    pub expect_aspect: Option<String>,
}

/// Whether bytes are an MP4 (an `ftyp` box first).
fn is_mp4(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[4..8] == b"ftyp"
}

/// Our refusal of an input video that is not an MP4 (no quote of Google's found).
pub(crate) const NOT_MP4: &str =
    "Unsupported input video: the video must be an MP4 (video/mp4) for video extension.";

/// Omni's refusal of an `extend` task without exactly one input video, as users quote it
/// ("Exactly one input video is required for extend task." and, for `edit`, "… for edit
/// task.") [3p, live probes quoted in several public repositories: search-index files
/// 58523410548, 60671672681, 55633187417].
pub(crate) const OMNI_ONE_VIDEO: &str = "Exactly one input video is required for extend task.";

/// Omni's refusal of an `aspect_ratio` on an extension (the input's is kept), as users quote
/// it [3p, three independent live reports: search-index files 58523410548, 59338599289,
/// 60397797161].
pub(crate) const OMNI_EXTEND_ASPECT: &str =
    "Aspect ratio cannot be set in response format for extend task.";

/// The only resolution Veo extends at: "Supported resolutions: 720; 1080, except for video
/// extension" [G Vertex model page 3-1-generate (Nov 2025 copy)]; "Scene Extension v2 …
/// capped at 720p" [3p juliandickie/banana-claude skills/video/references/veo-models.md];
/// the Gemini API's input was 720p only [G, media Part B §1].
pub(crate) const VEO_EXTENSION_RESOLUTION: &str = "720p";

/// `instances[0].video` as each back end names it: Vertex `{bytesBase64Encoded | gcsUri,
/// mimeType}`, the Gemini API `{uri | encodedVideo, encoding}` (SDK mapping, Part B §1).
pub(crate) fn veo_video(site: &Site, v: &Value, aspect: &str) -> Result<InputVideo, Response> {
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
    let mut video = decode(data, &format!("{at}.{data_key}"))?;
    video.expect_aspect = Some(aspect.to_owned());
    Ok(video)
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
    Ok(InputVideo {
        bytes,
        expect_aspect: None,
    })
}

/// The rules of a Veo extension request that need no decoding: not beside an image, a last
/// frame or references; a family that extends on this back end; the seconds it adds; 720p.
pub(crate) fn check_veo_shape(
    site: &Site,
    family: &Family,
    instance: &Value,
    params: &Value,
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
        return Err(invalid(LAST_FRAME_NEEDS_IMAGE));
    }
    // Per back end: Veo Lite extends on Vertex, not on the Gemini API (models.toml).
    let Some(x) = family.extension_on(site.backend()) else {
        return Err(invalid(no_extension(site)));
    };
    let seconds = duration.unwrap_or(8);
    if !x.seconds.contains(&seconds) {
        return Err(invalid(veo_duration_refusal(seconds, &x.seconds)));
    }
    check_veo_resolution(params)?;
    Ok(seconds)
}

/// A `lastFrame` on a model without first-and-last-frame generation. The Gemini API answers a
/// mode a model does not offer with "Your use case is currently not supported. Please refer to
/// Gemini API documentation for current model offering." (quoted from live first-and-last-frame
/// and extension calls [3p search-index files 61931973747, 7786800152, 58685082366]); Vertex's
/// answer is not found: our words.
pub(crate) fn no_last_frame(site: &Site) -> &'static str {
    if site.is_gemini() {
        "Your use case is currently not supported. Please refer to Gemini API documentation for \
         current model offering."
    } else {
        "lastFrame is not supported by this model."
    }
}

/// Our refusal of a `lastFrame` without an `image` (no quote of Google's found).
pub(crate) const LAST_FRAME_NEEDS_IMAGE: &str = "lastFrame requires image (the first frame).";

/// A Veo extension on a model without it. The Gemini API's answer is quoted by users
/// ("encodedVideo isn't supported by this model", measured live [3p search-index file
/// 61931973747]); Vertex's is not found: our words.
fn no_extension(site: &Site) -> &'static str {
    if site.is_gemini() {
        "encodedVideo isn't supported by this model."
    } else {
        "Video extension is not supported by this model."
    }
}

/// Vertex's refusal of an extension's `durationSeconds`, word for word as clients quote it:
/// "Unsupported output video duration N seconds, supported durations are [7] for feature
/// video_extension" [3p juliandickie/banana-claude skills/video/scripts/_vertex_backend.py;
/// 3p search-index file 58523410548, a live call on veo-3.1-generate-001]; the same message
/// names `[8,4,6] for feature text_to_video` elsewhere (banana-claude video_generate.py).
pub(crate) fn veo_duration_refusal(seconds: u32, allowed: &[u32]) -> String {
    let list: Vec<String> = allowed.iter().map(u32::to_string).collect();
    format!(
        "Unsupported output video duration {seconds} seconds, supported durations are [{}] for \
         feature video_extension.",
        list.join(",")
    )
}

/// `parameters.resolution` on a Veo extension: absent or 720p ([`VEO_EXTENSION_RESOLUTION`]).
/// Our words, patterned on the duration's message (Google's own is not quoted anywhere found).
fn check_veo_resolution(params: &Value) -> Result<(), Response> {
    match params.get("resolution") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(r)) if r == VEO_EXTENSION_RESOLUTION => Ok(()),
        Some(other) => {
            let got = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned);
            Err(invalid(format!(
                "Unsupported output video resolution {got}, supported resolutions are \
                 [{VEO_EXTENSION_RESOLUTION}] for feature video_extension."
            )))
        }
    }
}

/// The rules of an Omni `extend` task: exactly one input video and no image, no
/// `aspect_ratio` (the input's is kept), a family that extends on this back end, by seconds it
/// adds (the input's length is measured once the shape is accepted).
pub(crate) fn check_omni_extend(
    site: &Site,
    family: &Family,
    format: &Value,
    videos: usize,
    images: usize,
    seconds: u32,
) -> Result<(), Response> {
    if videos != 1 {
        return Err(invalid(OMNI_ONE_VIDEO));
    }
    if format.get("aspect_ratio").is_some_and(|a| !a.is_null()) {
        return Err(invalid(OMNI_EXTEND_ASPECT));
    }
    if images > 0 {
        return Err(invalid("The extend task takes no input images."));
    }
    let Some(x) = family.extension_on(site.backend()) else {
        return Err(invalid("Video extension is not supported by this model."));
    };
    if !x.seconds.contains(&seconds) {
        let allowed: Vec<String> = x.seconds.iter().map(|s| format!("'{s}s'")).collect();
        return Err(invalid(format!(
            "The value '{seconds}s' is not supported for 'response_format.duration' in an \
             extend task. Supported values: {}.",
            allowed.join(", ")
        )));
    }
    Ok(())
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

/// The input clip's length, measured, checked against the family's extension range on this
/// back end and the longest clip an extension may make. Returns the input's seconds.
pub(crate) async fn check_input_length(
    state: &State,
    site: &Site,
    family: &Family,
    video: &InputVideo,
    seconds: u32,
) -> Result<f64, Response> {
    let Some(x) = family.extension_on(site.backend()) else {
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
    if let (Some(want), Some(v)) = (&video.expect_aspect, &info.video) {
        let got = if v.height > v.width { "9:16" } else { "16:9" };
        if want != got {
            // Word for word as the Gemini API answered a 9:16 clip extended without
            // `aspectRatio` (googleapis/js-genai#1176).
            return Err(invalid(format!(
                "Aspect ratio of the input video must be {want}, but got: {got}"
            )));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each back end answers a mode its model lacks in its own words: the Gemini API with the
    /// messages users quote from it, Vertex (none quoted) with ours.
    #[test]
    fn unsupported_modes_are_refused_in_each_back_end_s_words() {
        let gemini = Site::Gemini;
        let vertex = Site::Vertex {
            project: "p".into(),
            location: "us-central1".into(),
        };
        assert!(no_last_frame(&gemini).starts_with("Your use case is currently not supported."));
        assert_eq!(
            no_last_frame(&vertex),
            "lastFrame is not supported by this model."
        );
        assert_eq!(
            no_extension(&gemini),
            "encodedVideo isn't supported by this model."
        );
        assert_eq!(
            no_extension(&vertex),
            "Video extension is not supported by this model."
        );
        assert_eq!(
            veo_duration_refusal(8, &[7]),
            "Unsupported output video duration 8 seconds, supported durations are [7] for \
             feature video_extension."
        );
    }
}
