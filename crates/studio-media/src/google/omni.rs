//! Gemini Omni through the Interactions API: `POST …/interactions` in the background, poll
//! `GET …/interactions/{id}` until it is no longer running, take the last video block of the
//! model's output steps. Everything on this route is snake_case on the wire
//! (`../shared/google-2026.md` §6). Resuming, retrying and polling are [`super::longrun`]'s.

use std::path::Path;

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use studio_catalog::{clip_plan, Choice};

use super::classify::{interaction_code_class, rpc_code_class, CallSite};
use super::veo::VideoSource;
use super::{b64, longrun, read_image, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::ClipRequest;
use crate::task::TaskCtx;

pub(crate) const ROUTE: &str = "interactions";

#[derive(Deserialize, Default)]
pub(crate) struct Interaction {
    #[serde(default)]
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    steps: Vec<Step>,
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize, Default)]
struct Step {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    content: Vec<Block>,
    error: Option<ErrorEntry>,
}

#[derive(Deserialize, Default)]
struct Block {
    #[serde(default, rename = "type")]
    kind: String,
    data: Option<String>,
    uri: Option<String>,
}

/// `code` is a string in the Interactions API's own error type (python-genai
/// `_gaos/types/interactions/error.py`) and an integer in `google.rpc.Status` (a step's error):
/// take both.
#[derive(Deserialize, Default)]
struct ErrorEntry {
    #[serde(default)]
    code: Value,
    #[serde(default)]
    message: String,
}

impl ErrorEntry {
    fn class(&self) -> ErrorClass {
        match &self.code {
            Value::Number(n) => rpc_code_class(n.as_i64().unwrap_or(0)),
            Value::String(s) => interaction_code_class(s, &self.message),
            _ => ErrorClass::Transient,
        }
    }
}

/// How the clip comes back: inline in the interaction, or by URI (a Gemini file, or an object
/// Vertex writes under `gcs_uri`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delivery {
    Inline,
    Uri { gcs_uri: Option<String> },
}

impl Delivery {
    /// Inline where the clip is expected to fit the inline cap; else by URI, which on Vertex
    /// needs the creator's output bucket (a settings error without one: nothing is sent, so
    /// nothing is paid).
    pub(crate) fn choose(
        p: &GoogleProvider,
        site: &CallSite,
        choice: &Choice,
        resolution: &str,
        seconds: u32,
    ) -> Result<Delivery, MediaError> {
        if choice.family.inline_fits(resolution, seconds) {
            return Ok(Delivery::Inline);
        }
        match &p.config.vertex {
            None => Ok(Delivery::Uri { gcs_uri: None }),
            Some(v) => match &v.output_gcs_uri {
                Some(uri) => Ok(Delivery::Uri {
                    gcs_uri: Some(uri.clone()),
                }),
                None => Err(site.error(
                    ErrorClass::Settings,
                    too_big_for_inline(&choice.model, resolution, seconds),
                    None,
                )),
            },
        }
    }
}

/// The refusal of a clip Vertex cannot return inline when no output bucket is set, with the fix.
pub(crate) fn too_big_for_inline(model: &str, resolution: &str, seconds: u32) -> String {
    format!(
        "a {seconds} s {resolution} clip from {model} is too large to come back inline, and \
         Vertex delivers larger ones only to Cloud Storage: set google.outputGcsUri to a bucket \
         folder the project can write (gs://BUCKET/studio/), or use a shorter clip or a lower \
         quality"
    )
}

/// The create body for `req`, as `choice`'s rules shape it. A clip that ends on a frame sends
/// two images, the first and the last, and opens its text with `<FIRST_FRAME> <LAST_FRAME>`
/// (media Part B §2: `<LAST_FRAME>` must come with `<FIRST_FRAME>`); a model without last
/// frames is refused here, before anything is sent.
pub(crate) async fn request_body(
    choice: &Choice,
    req: &ClipRequest,
    delivery: &Delivery,
) -> Result<Value, MediaError> {
    let family = &choice.family;
    let mut plan = clip_plan(
        family,
        req.quality,
        req.duration.get(),
        req.references.len(),
    );
    if req.last_frame.is_some() {
        if !(family.last_frame && family.first_frame) {
            return Err(MediaError::NoLastFrame {
                provider: "google".into(),
                model: choice.model.clone(),
            });
        }
        plan.references = false;
    }
    let mut content = Vec::new();
    let task = if plan.references {
        for path in req
            .references
            .iter()
            .take(family.max_reference_images as usize)
        {
            let (data, mime) = read_image(path).await?;
            content.push(json!({"type": "image", "data": data, "mime_type": mime}));
        }
        "reference_to_video"
    } else if family.first_frame {
        for path in std::iter::once(&req.image).chain(req.last_frame.as_ref()) {
            let (data, mime) = read_image(path).await?;
            content.push(json!({"type": "image", "data": data, "mime_type": mime}));
        }
        "image_to_video"
    } else {
        "text_to_video"
    };
    // The route has no negative-prompt field: say it in the prompt.
    let mut text = match req
        .negative_prompt
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        Some(neg) => format!("{}\n\nAvoid: {neg}", req.prompt),
        None => req.prompt.clone(),
    };
    if req.last_frame.is_some() {
        text = format!("<FIRST_FRAME> <LAST_FRAME> {text}");
    }
    content.push(json!({"type": "text", "text": text}));
    Ok(create_body(
        choice,
        content,
        &video_format(
            req.aspect_ratio.as_str(),
            Some(&plan.resolution),
            req.duration.get(),
            delivery,
        ),
        task,
    ))
}

/// The `response_format` of a video of `seconds` (a string with its unit: December update 4).
pub(crate) fn video_format(
    aspect: &str,
    resolution: Option<&str>,
    seconds: u32,
    delivery: &Delivery,
) -> Value {
    let mut format = json!({
        "type": "video",
        "aspect_ratio": aspect,
        "duration": format!("{seconds}s"),
        "delivery": "inline"
    });
    if let Some(r) = resolution {
        format["resolution"] = json!(r);
    }
    if let Delivery::Uri { gcs_uri } = delivery {
        format["delivery"] = json!("uri");
        if let Some(uri) = gcs_uri {
            format["gcs_uri"] = json!(uri);
        }
    }
    format
}

/// A background, stored interaction of `choice`'s model: `content` as the user's input, the
/// video `format`, and the task said outright.
pub(crate) fn create_body(
    choice: &Choice,
    content: Vec<Value>,
    format: &Value,
    task: &str,
) -> Value {
    json!({
        "model": choice.model,
        "input": [{"type": "user_input", "content": content}],
        "response_format": format,
        "generation_config": {"video_config": {"task": task}},
        "background": true,
        "store": true
    })
}

pub(super) async fn generate(
    p: &GoogleProvider,
    choice: &Choice,
    req: &ClipRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let site = &p.site(&choice.model);
    let plan = clip_plan(
        &choice.family,
        req.quality,
        req.duration.get(),
        req.references.len(),
    );
    let delivery = Delivery::choose(p, site, choice, &plan.resolution, req.duration.get())?;
    let body = request_body(choice, req, &delivery).await?;
    run(p, choice, &body, out, task).await
}

/// Creates the interaction `body` asks for, polls it and saves its video to `out` (a clip, or
/// an extended one: the same route).
pub(super) async fn run(
    p: &GoogleProvider,
    choice: &Choice,
    body: &Value,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let model = choice.model.as_str();
    let site = &p.site(model);
    let url = &p.config.interactions_url(model)?;
    let url = url.as_str();
    let route = longrun::Route {
        name: ROUTE,
        id_key: "interaction",
        model,
    };
    let submit = move || async move {
        let created: Interaction = p.send_json(site, task, |c| c.post(url).json(body)).await?;
        if created.id.is_empty() {
            return Err(site.error(
                ErrorClass::Transient,
                "the interaction was created without an id".into(),
                None,
            ));
        }
        Ok(created.id)
    };
    let poll_once = move |id: String| async move {
        let url = format!("{url}/{id}");
        let i: Interaction = p
            .send_json(site, task, |c| c.get(&url).query(&[("stream", "false")]))
            .await?;
        Ok((!is_running(&i.status)).then(|| outcome(site, i)))
    };
    longrun::generate(p, site, route, out, task, submit, poll_once).await
}

fn is_running(status: &str) -> bool {
    matches!(status, "in_progress" | "queued" | "")
}

/// The video of a finished interaction (the last video block of the trailing model-output
/// steps, as the SDK's `output_video` is built), or why there is none.
pub(crate) fn outcome(site: &CallSite, i: Interaction) -> Result<VideoSource, MediaError> {
    let failed =
        |e: &ErrorEntry, what: &str| site.error(e.class(), format!("{what}: {}", e.message), None);
    match i.status.as_str() {
        "completed" => {}
        "failed" => {
            let e = i
                .errors
                .first()
                .or_else(|| i.steps.iter().rev().find_map(|s| s.error.as_ref()));
            return Err(match e {
                Some(e) => failed(e, "interaction failed"),
                None => site.error(ErrorClass::Transient, "interaction failed".into(), None),
            });
        }
        "budget_exceeded" => {
            return Err(site.error(
                ErrorClass::QuotaExceeded,
                "interaction stopped: budget exceeded".into(),
                None,
            ))
        }
        other => {
            return Err(site.error(
                ErrorClass::Transient,
                format!("interaction ended as {other:?}"),
                None,
            ))
        }
    }
    let video = i
        .steps
        .iter()
        .rev()
        .take_while(|s| s.kind != "user_input")
        .filter(|s| s.kind == "model_output")
        .flat_map(|s| s.content.iter().rev())
        .find(|b| b.kind == "video");
    if let Some(e) = i.steps.iter().rev().find_map(|s| s.error.as_ref()) {
        if video.is_none() {
            return Err(failed(e, "the model reported"));
        }
    }
    let Some(video) = video else {
        return Err(site.error(
            ErrorClass::Transient,
            "interaction completed without a video".into(),
            None,
        ));
    };
    if let Some(data) = &video.data {
        return b64()
            .decode(data.as_bytes())
            .map(VideoSource::Inline)
            .map_err(|e| {
                site.error(
                    ErrorClass::Transient,
                    format!("malformed video data: {e}"),
                    None,
                )
            });
    }
    match &video.uri {
        Some(u) => VideoSource::of_uri(u).ok_or_else(|| {
            site.error(
                ErrorClass::InvalidInput,
                format!("video delivered to {u}, which the studio cannot read"),
                None,
            )
        }),
        None => Err(site.error(ErrorClass::Transient, "empty video block".into(), None)),
    }
}

/// A poll's answer, parsed (for the fuzz tests).
#[cfg(test)]
pub(crate) fn parse(site: &CallSite, body: &[u8]) -> Result<Interaction, MediaError> {
    serde_json::from_slice(body).map_err(|e| {
        site.error(
            ErrorClass::Transient,
            format!("malformed response: {e}"),
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> CallSite {
        CallSite {
            provider: "gemini",
            model: "m".into(),
        }
    }

    fn interaction(v: Value) -> Interaction {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_last_video_of_the_model_output_is_the_clip() {
        let data = b64().encode(b"\0\0\0\x18ftypmp42");
        let i = interaction(
            json!({"id": "v1_x", "status": "completed", "object": "interaction", "steps": [
                {"type": "user_input", "content": [{"type": "text", "text": "p"}]},
                {"type": "thought", "summary": [{"type": "text", "text": "hmm"}]},
                {"type": "model_output", "content": [{"type": "video", "mime_type": "video/mp4", "data": data}]}
            ]}),
        );
        assert!(matches!(outcome(&site(), i), Ok(VideoSource::Inline(_))));
    }

    #[test]
    fn failures_are_classified() {
        let i = interaction(
            json!({"status": "failed", "errors": [{"code": 13, "message": "internal"}]}),
        );
        assert_eq!(
            outcome(&site(), i).unwrap_err().class(),
            ErrorClass::Transient
        );
        let i = interaction(json!({"status": "failed", "errors": [{"code": 3, "message": "bad"}]}));
        assert_eq!(
            outcome(&site(), i).unwrap_err().class(),
            ErrorClass::InvalidInput
        );
        let i = interaction(json!({"status": "budget_exceeded"}));
        assert_eq!(
            outcome(&site(), i).unwrap_err().class(),
            ErrorClass::QuotaExceeded
        );
        let i = interaction(json!({"status": "completed", "steps": []}));
        assert_eq!(
            outcome(&site(), i).unwrap_err().class(),
            ErrorClass::Transient
        );
    }

    #[test]
    fn a_video_by_uri_is_read_by_the_kind_of_uri() {
        let block = |uri: &str| {
            interaction(json!({"status": "completed", "steps": [
                {"type": "model_output", "content": [{"type": "video", "uri": uri}]}
            ]}))
        };
        let file = "https://generativelanguage.googleapis.com/v1beta/files/abc";
        assert!(
            matches!(outcome(&site(), block(file)), Ok(VideoSource::GeminiFile(u)) if u == file)
        );
        let dl = "https://generativelanguage.googleapis.com/v1beta/files/abc:download?alt=media";
        assert!(matches!(
            outcome(&site(), block(dl)),
            Ok(VideoSource::Download(_))
        ));
        assert!(matches!(
            outcome(&site(), block("gs://bucket/dir/clip.mp4")),
            Ok(VideoSource::Gcs(_))
        ));
        assert_eq!(
            outcome(&site(), block("ftp://x/y")).unwrap_err().class(),
            ErrorClass::InvalidInput
        );
    }

    #[test]
    fn interactions_errors_with_string_codes_are_classified() {
        let failed = |code: &str, message: &str| {
            let i = interaction(
                json!({"status": "failed", "errors": [{"code": code, "message": message}]}),
            );
            outcome(&site(), i).unwrap_err().class()
        };
        assert_eq!(
            failed("invalid_request", "inline too big"),
            ErrorClass::InvalidInput
        );
        assert_eq!(failed("internal", "try again"), ErrorClass::Transient);
        assert_eq!(
            failed("content_filtered", "may violate our usage policies"),
            ErrorClass::ContentPolicy
        );
        assert_eq!(
            failed("resource_exhausted", "per minute"),
            ErrorClass::Transient
        );
        assert_eq!(
            failed("resource_exhausted", "metric: x_per_day, limit: 100"),
            ErrorClass::QuotaExceeded
        );
        assert_eq!(
            failed("not_found", "no such model"),
            ErrorClass::UnsupportedModel
        );
        // A code's name alone does not make a quota final, and an internal error that mentions
        // a filter is still worth another try.
        assert_eq!(
            failed("quota_exceeded", "per minute, retry in 20s"),
            ErrorClass::Transient
        );
        assert_eq!(
            failed("internal", "the filtered stage crashed"),
            ErrorClass::Transient
        );
        // The same shape as an HTTP answer.
        let http = |status: u16, code: &str, message: &str| {
            let body = json!({"error": {"code": code, "message": message}}).to_string();
            super::super::classify::http_error(&site(), status, &body, None)
        };
        assert_eq!(
            http(400, "invalid_argument", "bad").class(),
            ErrorClass::InvalidInput
        );
        assert_eq!(
            http(404, "not_found", "gone").class(),
            ErrorClass::UnsupportedModel
        );
        assert_eq!(
            http(429, "resource_exhausted", "slow down").class(),
            ErrorClass::Transient
        );
        let day = http(
            429,
            "resource_exhausted",
            "quota metric: a_per_day, limit: 100",
        );
        assert_eq!(day.class(), ErrorClass::QuotaExceeded);
        assert!(day.to_string().contains("resource_exhausted"), "{day}");
        assert_eq!(
            http(503, "unavailable", "later").class(),
            ErrorClass::Transient
        );
        // A generated file downloaded before it is ACTIVE will be ready: retried, not lost.
        let early = r#"{"error":{"code":400,"message":"The File abc is not in an ACTIVE state and usage is not allowed.","status":"FAILED_PRECONDITION"}}"#;
        assert_eq!(
            super::super::classify::http_error(&site(), 400, early, None).class(),
            ErrorClass::Transient
        );
        assert!(http(400, "invalid_argument", "bad")
            .to_string()
            .contains("HTTP 400 invalid_argument: bad"));
    }
}
