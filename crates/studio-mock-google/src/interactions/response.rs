//! What the Interactions API answers: an interaction as JSON (its steps and usage once it
//! ended), the view of one that ended but is not to be told yet, and the API's own error shape.

use axum::response::Response;
use serde_json::{json, Value};

use super::state::{Ending, Stored};

/// Video tokens per second of output (Omni Flash's published rate).
const TOKENS_PER_SECOND: u32 = 5792;

/// The interaction as JSON (a video asked by URI is always given by URI).
pub(super) fn body_of(id: &str, s: &Stored) -> Value {
    let mut body = json!({
        "id": id,
        "object": "interaction",
        "model": s.model,
        "role": "model",
        "created": s.created,
        "updated": s.updated,
    });
    let user = json!({"type": "user_input", "content": s.user_content});
    match &s.ending {
        None => body["status"] = json!("in_progress"),
        Some(Ending::Completed { data, uri, seconds }) => {
            body["status"] = json!("completed");
            let mut content = Vec::new();
            match (data, uri) {
                (Some(_), Some(u)) => {
                    content.push(json!({"type": "video", "mime_type": "video/mp4", "uri": u}))
                }
                (Some(d), _) => {
                    content.push(json!({"type": "video", "mime_type": "video/mp4", "data": d}))
                }
                (None, _) => content.push(
                    json!({"type": "text", "text": "I could not make a video for this request."}),
                ),
            }
            body["steps"] = json!([
                user,
                {"type": "thought", "summary": [{"type": "text", "text": "Planning the shot and the camera move."}]},
                {"type": "model_output", "content": content}
            ]);
            let out = if data.is_some() {
                TOKENS_PER_SECOND * seconds
            } else {
                16
            };
            let modality = if data.is_some() { "video" } else { "text" };
            body["usage"] = json!({
                "total_input_tokens": 24,
                "total_output_tokens": out,
                "total_thought_tokens": 64,
                "total_tokens": 24 + out + 64,
                "input_tokens_by_modality": [{"modality": "text", "tokens": 24}],
                "output_tokens_by_modality": [{"modality": modality, "tokens": out}]
            });
        }
        Some(Ending::Failed {
            code,
            kind,
            message,
        }) => {
            body["status"] = json!("failed");
            body["errors"] = json!([{"code": kind, "message": message}]);
            body["steps"] = json!([
                user,
                {"type": "model_output",
                 "error": {"code": code, "message": message, "details": []}}
            ]);
        }
    }
    body
}

/// An interaction that ended but has not had its polls yet: as if still running.
pub(super) fn pending(id: &str, s: &Stored) -> Value {
    let mut pending = body_of(id, s);
    pending["status"] = json!("in_progress");
    for k in ["steps", "usage", "errors"] {
        if let Some(o) = pending.as_object_mut() {
            o.remove(k);
        }
    }
    pending
}

/// Rewrites a refusal of an Interactions route into that API's own error shape, `{"error":
/// {"code": "<string>", "message": …}}` (python-genai `_gaos/types/interactions/error.py`), not
/// google.rpc.Status: no `status`, no `details`. A wait a 429 asks for goes in `Retry-After`,
/// which the SDK's Interactions client honours. Refusals of the credentials (made by Google's
/// front end before the API is reached) keep the google.rpc.Status shape.
pub(crate) async fn error_shape(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let resp = next.run(req).await;
    if resp.status().is_success()
        || resp
            .extensions()
            .get::<crate::routes::Unauthenticated>()
            .is_some()
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let Some(status) = v["error"]["status"].as_str() else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let delay = v["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| {
            d["retryDelay"]
                .as_str()?
                .strip_suffix('s')?
                .parse::<f64>()
                .ok()
        });
    if let Some(secs) = delay {
        let header = format!("{}", secs.ceil() as u64);
        if let Ok(h) = axum::http::HeaderValue::from_str(&header) {
            parts.headers.insert("retry-after", h);
        }
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = json!({"error": {
        "code": status.to_ascii_lowercase(),
        "message": v["error"]["message"].as_str().unwrap_or_default(),
    }});
    Response::from_parts(parts, axum::body::Body::from(body.to_string()))
}
