//! A create request, checked as Google checks it: the fields each message type has, the input
//! content, the video format (duration, aspect ratio, resolution, delivery), the task and its
//! images, and the flags. Each step refuses with Google's 400; they run in the order Google
//! reports them, so the first broken rule is the one refused.

use axum::response::Response;
use serde_json::{json, Value};
use studio_catalog::Family;

use crate::extend::{self, InputVideo};
use crate::routes::{invalid, refuse_unknown, Site};
use crate::rules::{self, image_from, InputImage};

pub(super) const TOP: &[&str] = &[
    "input",
    "model",
    "background",
    "environment",
    "generation_config",
    "labels",
    "previous_interaction_id",
    "response_format",
    "response_mime_type",
    "response_modalities",
    "safety_settings",
    "service_tier",
    "store",
    "stream",
    "system_instruction",
    "tools",
    "webhook_config",
];
const VIDEO_FORMAT: &[&str] = &[
    "type",
    "aspect_ratio",
    "delivery",
    "duration",
    "gcs_uri",
    "resolution",
];
const GENERATION_CONFIG: &[&str] = &[
    "video_config",
    "image_config",
    "speech_config",
    "temperature",
    "top_p",
    "seed",
    "stop_sequences",
    "max_output_tokens",
    "thinking_level",
    "thinking_summaries",
    "tool_choice",
];
const TASKS: &[&str] = &[
    "text_to_video",
    "image_to_video",
    "reference_to_video",
    "edit",
    "extend",
];

/// A checked create request.
pub(super) struct Ask {
    pub(super) model: String,
    pub(super) prompt: String,
    /// Inline images (None: given by `uri`).
    pub(super) images: Vec<Option<InputImage>>,
    pub(super) duration: u32,
    pub(super) aspect: String,
    pub(super) resolution: String,
    pub(super) delivery_uri: bool,
    pub(super) gcs_prefix: Option<String>,
    pub(super) background: bool,
    pub(super) store: bool,
    /// The user's content as echoed in the `user_input` step (without image bytes).
    pub(super) user_content: Vec<Value>,
    /// The second image is the clip's last frame (`<FIRST_FRAME> <LAST_FRAME>`).
    pub(super) last_frame: bool,
    /// The clip to extend (`task: "extend"`): the answer is the whole clip.
    pub(super) video: Option<InputVideo>,
}

/// The checked `input`: its prompt, its images, its video, and the content echoed back.
struct Input {
    prompt: String,
    images: Vec<Option<InputImage>>,
    video: Option<InputVideo>,
    user_content: Vec<Value>,
}

/// The content blocks of `input`: a string, one content block, a list of blocks, or a list of
/// `user_input` steps.
pub(super) fn blocks(input: &Value) -> Result<Vec<Value>, Response> {
    match input {
        Value::String(s) => Ok(vec![json!({"type": "text", "text": s})]),
        Value::Object(_) => Ok(vec![input.clone()]),
        Value::Array(items) if items.is_empty() => Err(invalid("input must not be empty.")),
        Value::Array(items) => {
            let steps = items.iter().filter(|i| i["type"] == "user_input").count();
            if steps == 0 {
                return Ok(items.clone());
            }
            if steps != items.len() {
                return Err(invalid(
                    "input must be a list of content blocks or a list of steps, not both.",
                ));
            }
            let mut out = Vec::new();
            for (i, step) in items.iter().enumerate() {
                refuse_unknown(step, &["type", "content"], &format!("input[{i}]"))?;
                match &step["content"] {
                    Value::Array(c) => out.extend(c.iter().cloned()),
                    _ => {
                        return Err(invalid(format!(
                            "input[{i}].content must be a list of content blocks."
                        )))
                    }
                }
            }
            Ok(out)
        }
        Value::Null => Err(invalid("input is required.")),
        other => Err(invalid(format!("Invalid value at 'input', {other}"))),
    }
}

/// Every rule of `family` (and of the back end) the request breaks, as Google's 400.
pub(super) fn check(site: &Site, family: &Family, body: &Value) -> Result<Ask, Response> {
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let input = check_input(site, &body["input"])?;
    let format = video_format(&body["response_format"])?;
    let duration = check_duration(family, &format)?;
    let aspect = format_text(&format, "aspect_ratio", "16:9")?;
    rules::check_aspect_ratio(family, &aspect)?;
    let resolution = format_text(&format, "resolution", "720p")?;
    rules::check_resolution(family, &resolution)?;
    let (delivery_uri, gcs_prefix) = check_delivery(site, &format)?;
    let task = video_task(&body["generation_config"])?;
    // Optional and inferred (Part B §2): a video in the input asks for an extension.
    let task = task.or(input.video.as_ref().map(|_| "extend"));
    let mut last_frame = false;
    if task == Some("extend") {
        let videos = usize::from(input.video.is_some());
        extend::check_omni_extend(site, family, &format, videos, input.images.len(), duration)?;
    } else {
        if input.video.is_some() {
            return Err(invalid(format!(
                "The {} task takes no input video.",
                task.unwrap_or("requested")
            )));
        }
        let references = check_images_for_task(family, task, input.images.len())?;
        rules::check_durations_for(family, &resolution, references, duration)?;
        if !references {
            last_frame = extend::check_frame_tags(&input.prompt, input.images.len())?;
        }
    }
    let (background, store) = check_flags(body)?;
    Ok(Ask {
        model,
        prompt: input.prompt,
        images: input.images,
        duration,
        aspect,
        resolution,
        delivery_uri,
        gcs_prefix,
        background,
        store,
        user_content: input.user_content,
        last_frame,
        video: input.video,
    })
}

/// The input's text and image blocks; the text makes the prompt, which must not be empty.
fn check_input(site: &Site, input: &Value) -> Result<Input, Response> {
    let mut prompt: Vec<String> = Vec::new();
    let mut images = Vec::new();
    let mut video = None;
    let mut user_content = Vec::new();
    for (i, block) in blocks(input)?.iter().enumerate() {
        let at = format!("input.content[{i}]");
        match block["type"].as_str() {
            Some("text") => {
                let t = text_block(block, &at)?;
                prompt.push(t.to_owned());
                user_content.push(json!({"type": "text", "text": t}));
            }
            Some("image") => {
                images.push(image_block(site, block, &at)?);
                let mime = block["mime_type"].as_str();
                user_content.push(json!({"type": "image", "mime_type": mime}));
            }
            Some("video") => {
                if video.is_some() {
                    return Err(invalid("At most one input video is supported."));
                }
                video = Some(video_block(block, &at)?);
                user_content.push(json!({"type": "video", "mime_type": "video/mp4"}));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "{at}: content of type \"{other}\" is not supported for video generation."
                )))
            }
            None => return Err(invalid(format!("{at}.type is required."))),
        }
    }
    let prompt = prompt.join("\n");
    if prompt.trim().is_empty() {
        return Err(invalid("input must contain a text prompt."));
    }
    Ok(Input {
        prompt,
        images,
        video,
        user_content,
    })
}

/// A video block: inline MP4 `data` with `mime_type: video/mp4`.
fn video_block(block: &Value, at: &str) -> Result<InputVideo, Response> {
    refuse_unknown(block, &["type", "data", "uri", "mime_type"], at)?;
    if block.get("uri").is_some_and(|u| !u.is_null()) {
        return Err(invalid(format!(
            "{at}.uri: this mock cannot read stored videos; send data."
        )));
    }
    match block["mime_type"].as_str() {
        Some("video/mp4") => {}
        Some(_) => return Err(invalid(extend::NOT_MP4)),
        None => return Err(invalid(format!("{at}.mime_type is required."))),
    }
    let Some(data) = block["data"].as_str() else {
        return Err(invalid(format!("{at}.data is required.")));
    };
    extend::decode(data, &format!("{at}.data"))
}

/// A text block's text.
fn text_block<'a>(block: &'a Value, at: &str) -> Result<&'a str, Response> {
    refuse_unknown(block, &["type", "text", "annotations"], at)?;
    block["text"]
        .as_str()
        .ok_or_else(|| invalid(format!("{at}.text is required.")))
}

/// An image block: inline `data` (decoded and checked against its `mime_type`), or on Vertex a
/// Cloud Storage `uri` (None: the mock does not read it).
fn image_block(site: &Site, block: &Value, at: &str) -> Result<Option<InputImage>, Response> {
    refuse_unknown(
        block,
        &["type", "data", "uri", "mime_type", "resolution"],
        at,
    )?;
    let mime = block["mime_type"].as_str();
    match (block["data"].as_str(), block["uri"].as_str()) {
        (Some(data), None) => Ok(Some(image_from(data, mime, at, "data", "mime_type")?)),
        (None, Some(uri)) => {
            if site.is_gemini() {
                return Err(invalid(format!(
                    "{at}.uri: this mock takes inline image data on the Gemini API."
                )));
            }
            if !uri.starts_with("gs://") {
                return Err(invalid(format!(
                    "{at}.uri must be a Cloud Storage URI (gs://...)."
                )));
            }
            if mime.is_none() {
                return Err(invalid(format!("{at}.mime_type is required.")));
            }
            Ok(None)
        }
        _ => Err(invalid(format!(
            "{at} must carry exactly one of data and uri."
        ))),
    }
}

/// The `response_format` entry for the video (one object, or a list holding only it).
fn video_format(response_format: &Value) -> Result<Value, Response> {
    let format = match response_format {
        Value::Null => json!({"type": "video"}),
        Value::Array(list) => {
            let videos: Vec<&Value> = list.iter().filter(|f| f["type"] == "video").collect();
            if videos.len() != 1 || list.len() != 1 {
                return Err(invalid(
                    "response_format must hold exactly one entry, of type \"video\", for this model.",
                ));
            }
            videos[0].clone()
        }
        v @ Value::Object(_) => v.clone(),
        other => {
            return Err(invalid(format!(
                "Invalid value at 'response_format', {other}"
            )))
        }
    };
    refuse_unknown(&format, VIDEO_FORMAT, "response_format")?;
    match format["type"].as_str() {
        Some("video") => {}
        Some(other) => {
            return Err(invalid(format!(
            "This model only makes video: response_format.type must be \"video\", not \"{other}\"."
        )))
        }
        None => return Err(invalid("response_format.type is required.")),
    }
    Ok(format)
}

/// `response_format.duration`: a string like `"8s"`, one of the family's durations (8 if
/// absent).
fn check_duration(family: &Family, format: &Value) -> Result<u32, Response> {
    match &format["duration"] {
        Value::Null => Ok(8),
        Value::String(s) => {
            let n = s
                .strip_suffix('s')
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u32>().ok());
            let Some(n) = n else {
                return Err(invalid(format!(
                    "Invalid response_format.duration \"{s}\": expected a whole number of \
                     seconds followed by \"s\", e.g. \"8s\"."
                )));
            };
            if !family.durations.contains(&n) {
                return Err(rules::duration_not_allowed(s, family, "s"));
            }
            Ok(n)
        }
        other => Err(invalid(format!(
            "Invalid value at 'response_format.duration' (TYPE_STRING), {other}"
        ))),
    }
}

/// A string field of the video format, or `default` if absent.
fn format_text(format: &Value, key: &str, default: &str) -> Result<String, Response> {
    match &format[key] {
        Value::Null => Ok(default.to_owned()),
        Value::String(s) => Ok(s.clone()),
        other => Err(invalid(format!(
            "Invalid value at 'response_format.{key}' (TYPE_STRING), {other}"
        ))),
    }
}

/// How the video is delivered: by URI or inline, and on Vertex the Cloud Storage prefix a URI
/// delivery writes under (`gcs_uri`, Vertex only, required there for a URI delivery).
fn check_delivery(site: &Site, format: &Value) -> Result<(bool, Option<String>), Response> {
    let delivery = format_text(format, "delivery", "")?;
    let gcs_uri = match &format["gcs_uri"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => {
            return Err(invalid(format!(
                "Invalid value at 'response_format.gcs_uri' (TYPE_STRING), {other}"
            )))
        }
    };
    let delivery_uri = match delivery.as_str() {
        "" => gcs_uri.is_some(),
        "inline" => false,
        "uri" => true,
        other => {
            return Err(invalid(format!(
                "Invalid response_format.delivery \"{other}\": must be \"inline\" or \"uri\"."
            )))
        }
    };
    let gcs_prefix = match (site, gcs_uri) {
        (Site::Gemini, Some(_)) => {
            return Err(invalid(
                "response_format.gcs_uri is only supported on Vertex AI.",
            ))
        }
        (Site::Vertex { .. }, Some(u)) if !u.starts_with("gs://") || u.len() <= 5 => {
            return Err(invalid(
                "response_format.gcs_uri must be a Cloud Storage URI (gs://BUCKET/PATH).",
            ))
        }
        (Site::Vertex { .. }, None) if delivery_uri => {
            return Err(invalid(
                "response_format.gcs_uri is required on Vertex AI when delivery is \"uri\".",
            ))
        }
        (_, u) => u,
    };
    Ok((delivery_uri, gcs_prefix))
}

/// `generation_config.video_config.task`, if given.
fn video_task(config: &Value) -> Result<Option<&str>, Response> {
    refuse_unknown(config, GENERATION_CONFIG, "generation_config")?;
    let video_config = &config["video_config"];
    refuse_unknown(video_config, &["task"], "generation_config.video_config")?;
    match &video_config["task"] {
        Value::Null => Ok(None),
        Value::String(t) if TASKS.contains(&t.as_str()) => Ok(Some(t.as_str())),
        other => Err(invalid(format!(
            "Invalid value at 'generation_config.video_config.task', {other}"
        ))),
    }
}

/// Whether the `n` input images are references (else a first frame, and maybe a last one), as
/// the task says or, without one, their number; and whether the family takes them.
fn check_images_for_task(family: &Family, task: Option<&str>, n: usize) -> Result<bool, Response> {
    let references = match task {
        // Checked apart ([`extend::check_omni_extend`]); never asked here.
        Some("extend") => return Err(invalid(extend::OMNI_ONE_VIDEO)),
        Some("edit") => return Err(invalid("The edit task requires an input video.")),
        Some("text_to_video") if n > 0 => {
            return Err(invalid("The text_to_video task takes no input images."))
        }
        Some("image_to_video") if family.last_frame && !(1..=2).contains(&n) => {
            return Err(invalid(format!(
                "The image_to_video task takes one or two input images (a first frame, and \
                 optionally a last frame); got {n}."
            )))
        }
        Some("image_to_video") if !family.last_frame && n != 1 => {
            return Err(invalid(format!(
                "The image_to_video task takes exactly one input image; got {n}."
            )))
        }
        Some("image_to_video") => false,
        Some("reference_to_video") if n == 0 => {
            return Err(invalid(
                "The reference_to_video task needs at least one reference image.",
            ))
        }
        Some("reference_to_video") => true,
        _ => n > 1,
    };
    if references {
        rules::check_reference_count(family, n)?;
    } else if n > 0 && !family.first_frame {
        return Err(invalid(
            "A first frame image is not supported by this model.",
        ));
    }
    Ok(references)
}

/// `background` and `store` (a background interaction must be stored); no streaming and no
/// follow-up of an earlier interaction.
fn check_flags(body: &Value) -> Result<(bool, bool), Response> {
    let flag = |key: &str| -> Result<Option<bool>, Response> {
        match &body[key] {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            other => Err(invalid(format!(
                "Invalid value at '{key}' (TYPE_BOOL), {other}"
            ))),
        }
    };
    let background = flag("background")?.unwrap_or(false);
    let store = flag("store")?.unwrap_or(true);
    if background && !store {
        return Err(invalid(
            "background interactions must be stored: store cannot be false when background is true.",
        ));
    }
    if flag("stream")?.unwrap_or(false) {
        return Err(invalid(
            "Streaming is not supported by this mock; send stream: false.",
        ));
    }
    if !body["previous_interaction_id"].is_null() {
        return Err(invalid(
            "previous_interaction_id is not supported by this mock.",
        ));
    }
    Ok((background, store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_forms() {
        assert_eq!(blocks(&json!("hi")).unwrap().len(), 1);
        let steps = json!([{"type": "user_input", "content": [{"type": "text", "text": "a"}, {"type": "image"}]}]);
        assert_eq!(blocks(&steps).unwrap().len(), 2);
        assert!(blocks(&json!([{"type": "user_input", "content": []}, {"type": "text"}])).is_err());
    }
}
