//! The HTTP surface: both back ends' paths, auth and model checks, faults, real media.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::{Angle, ClipRequest, ImageRequest, MediaProvider, TaskCtx};

use crate::faults::Faults;
use crate::{State, ACCESS_TOKEN};

const IMAGE_MODELS: &[&str] = &["gemini-2.5-flash-image", "gemini-2.5-flash-image-preview"];
const VIDEO_MODELS: &[&str] = &[
    "veo-3.0-generate-001",
    "veo-3.0-fast-generate-001",
    "veo-3.1-generate-preview",
    "veo-3.1-generate-001",
];

type Shared = Arc<State>;

pub(crate) struct Op {
    polls_needed: u32,
    polls_seen: u32,
    /// The finished operation's `response` or `error`, once the clip is rendered.
    outcome: Option<Value>,
}

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Gemini,
    Vertex,
}

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1beta/models/{*rest}", post(gemini_post).get(gemini_get))
        .route("/v1beta/files/{*rest}", get(download))
        .route(
            "/v1/projects/{project}/locations/{location}/publishers/google/models/{*rest}",
            post(vertex_post),
        )
        .route("/token", post(token))
        .route("/mock/stats", get(stats))
        .with_state(state)
}

fn google_error(code: u16, status: &str, message: &str, details: Value) -> Response {
    let body =
        json!({"error": {"code": code, "message": message, "status": status, "details": details}});
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response()
}

fn check_gemini_key(state: &State, headers: &HeaderMap) -> Option<Response> {
    match headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()) {
        None => Some(google_error(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). \
             Please use API Key or other form of API consumer identity to call this API.",
            json!([]),
        )),
        Some(k) if k != state.options.api_key => Some(google_error(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com"}]),
        )),
        Some(_) => None,
    }
}

fn check_bearer(headers: &HeaderMap) -> Option<Response> {
    let ok = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {ACCESS_TOKEN}"));
    (!ok).then(|| {
        google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
            json!([]),
        )
    })
}

fn unknown_model(model: &str, method: &str) -> Response {
    google_error(
        404,
        "NOT_FOUND",
        &format!(
            "models/{model} is not found for API version v1beta, or is not supported for {method}."
        ),
        json!([]),
    )
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// Applies the faults every endpoint shares; `None` means "answer normally".
async fn common_faults(state: &State, key: &str, f: &Faults) -> Option<Response> {
    if f.hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if f.reset || f.trickle {
        let body = if f.reset {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"candidates\": [")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "scripted connection reset",
                )),
            ];
            axum::body::Body::from_stream(futures::stream::iter(chunks))
        } else {
            let drip = futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
            });
            axum::body::Body::from_stream(drip)
        };
        let mut r = Response::new(body);
        r.headers_mut().insert(
            "content-type",
            "application/json".parse().expect("header value"),
        );
        return Some(r);
    }
    if f.throttle_once && state.throttled.lock().expect("lock").insert(key.to_owned()) {
        let mut r = google_error(
            429,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
            json!([]),
        );
        r.headers_mut()
            .insert("retry-after", "1".parse().expect("header value"));
        return Some(r);
    }
    if let Some(code) = f.status {
        let status = match code {
            400 => "INVALID_ARGUMENT",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        };
        return Some(google_error(code, status, "scripted failure", json!([])));
    }
    if f.malformed {
        return Some((StatusCode::OK, "{\"candidates\": [").into_response());
    }
    None
}

fn split_action(rest: &str) -> (&str, &str) {
    rest.rsplit_once(':').unwrap_or((rest, ""))
}

async fn gemini_post(
    AxState(state): AxState<Shared>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    dispatch(&state, Backend::Gemini, "models", &rest, &headers, &body).await
}

async fn vertex_post(
    AxState(state): AxState<Shared>,
    Path((project, location, rest)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_bearer(&headers) {
        return r;
    }
    let models = format!("projects/{project}/locations/{location}/publishers/google/models");
    dispatch(&state, Backend::Vertex, &models, &rest, &headers, &body).await
}

/// `POST .../models/MODEL:ACTION` on either back end, once authenticated.
async fn dispatch(
    state: &Shared,
    backend: Backend,
    models: &str,
    rest: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let (model, action) = split_action(rest);
    let body: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let message = format!("Invalid JSON payload: {e}");
            return google_error(400, "INVALID_ARGUMENT", &message, json!([]));
        }
    };
    match (backend, action) {
        (_, "generateContent") => generate_content(state, model, &body).await,
        (_, "predictLongRunning") => {
            let prefix = format!("{models}/{model}");
            predict(state, backend, model, &prefix, &origin(headers), &body).await
        }
        (Backend::Vertex, "fetchPredictOperation") => {
            poll(state, body["operationName"].as_str().unwrap_or_default())
        }
        _ => {
            let message = format!("unknown method {action}");
            google_error(404, "NOT_FOUND", &message, json!([]))
        }
    }
}

async fn gemini_get(
    AxState(state): AxState<Shared>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    poll(&state, &format!("models/{rest}"))
}

async fn generate_content(state: &State, model: &str, body: &Value) -> Response {
    if !IMAGE_MODELS.contains(&model) {
        return unknown_model(model, "generateContent");
    }
    let parts = body["contents"][0]["parts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let prompt = parts
        .iter()
        .find_map(|p| p["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    *state
        .stats
        .lock()
        .expect("lock")
        .image_requests
        .entry(prompt.clone())
        .or_default() += 1;
    let faults = Faults::parse(&prompt);
    // One scripted 429 per character, whichever of its three angles asks first: the angles are
    // requested together, so a per-angle 429 would depend on which requests the first failure
    // cancelled.
    let character = Angle::ALL
        .iter()
        .find_map(|a| prompt.strip_suffix(&format!(", {}", a.phrase())))
        .unwrap_or(&prompt);
    if let Some(r) = common_faults(state, &format!("image:{character}"), &faults).await {
        return r;
    }
    if faults.safety {
        return Json(json!({"promptFeedback": {"blockReason": "SAFETY"},
                           "usageMetadata": {"promptTokenCount": 12}}))
        .into_response();
    }
    if faults.no_image {
        return Json(json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "I cannot draw that."}]},
                                           "finishReason": "STOP"}]}))
        .into_response();
    }
    let aspect = body["generationConfig"]["imageConfig"]["aspectRatio"]
        .as_str()
        .and_then(|a| a.parse::<AspectRatio>().ok())
        .unwrap_or_default();
    let angle = if prompt.ends_with(Angle::ThreeQuarter.phrase()) {
        Angle::ThreeQuarter
    } else if prompt.ends_with(Angle::Profile.phrase()) {
        Angle::Profile
    } else {
        Angle::Front
    };
    let out = state
        .work
        .path()
        .join(format!("{}.png", uuid::Uuid::new_v4()));
    let req = ImageRequest {
        name: "mock".into(),
        prompt: prompt.clone(),
        angle,
        aspect_ratio: aspect,
        references: vec![],
    };
    if let Err(e) = state
        .offline
        .character_image(&req, &out, &TaskCtx::detached())
        .await
    {
        return google_error(
            500,
            "INTERNAL",
            &format!("mock could not draw: {e}"),
            json!([]),
        );
    }
    let png = std::fs::read(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    Json(json!({
        "candidates": [{
            "content": {"role": "model", "parts": [
                {"text": "Here is your character."},
                {"inlineData": {"mimeType": "image/png", "data": data}}
            ]},
            "finishReason": "STOP"
        }],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1290}
    }))
    .into_response()
}

#[allow(clippy::too_many_arguments)]
async fn outcome(
    state: &State,
    backend: Backend,
    faults: &Faults,
    prompt: &str,
    image_b64: &str,
    duration: ClipSeconds,
    params: &Value,
    origin: &str,
) -> Value {
    if faults.op_error {
        return json!({"error": {"code": 13, "message": "Video generation failed due to an internal error."}});
    }
    if faults.safety {
        let filtered = json!({"raiMediaFilteredCount": 1,
                              "raiMediaFilteredReasons": ["The prompt could not be submitted: it may violate our policies (scripted)."]});
        return match backend {
            Backend::Gemini => {
                json!({"response": {"@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
                                                    "generateVideoResponse": filtered}})
            }
            Backend::Vertex => json!({"response": filtered}),
        };
    }
    let bytes = match render_clip(state, prompt, image_b64, duration, params).await {
        Ok(b) => b,
        Err(e) => return json!({"error": {"code": 13, "message": e}}),
    };
    match backend {
        Backend::Gemini => {
            let id = uuid::Uuid::new_v4().simple().to_string();
            state.files.lock().expect("lock").insert(id.clone(), bytes);
            let uri = format!("{origin}/v1beta/files/{id}:download?alt=media");
            json!({"response": {"@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
                                "generateVideoResponse": {"generatedSamples": [{"video": {"uri": uri}}]}}})
        }
        Backend::Vertex => {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            json!({"response": {"@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                                "videos": [{"bytesBase64Encoded": data, "mimeType": "video/mp4"}]}})
        }
    }
}

async fn predict(
    state: &Shared,
    backend: Backend,
    model: &str,
    op_prefix: &str,
    origin: &str,
    body: &Value,
) -> Response {
    if !VIDEO_MODELS.contains(&model) {
        return unknown_model(model, "predictLongRunning");
    }
    let instance = &body["instances"][0];
    let prompt = instance["prompt"].as_str().unwrap_or_default().to_owned();
    let faults = Faults::parse(&prompt);
    if let Some(r) = common_faults(state, &format!("video:{prompt}"), &faults).await {
        return r;
    }
    let params = &body["parameters"];
    let duration = params["durationSeconds"]
        .as_u64()
        .and_then(|d| ClipSeconds::try_from(d as u32).ok());
    let Some(duration) = duration else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "durationSeconds must be 4, 6 or 8.",
            json!([]),
        );
    };
    let Some(image_b64) = instance["image"]["bytesBase64Encoded"].as_str() else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "instances[0].image is required by this mock.",
            json!([]),
        );
    };
    *state
        .stats
        .lock()
        .expect("lock")
        .video_submissions
        .entry(prompt.clone())
        .or_default() += 1;

    let name = format!("{op_prefix}/operations/{}", uuid::Uuid::new_v4().simple());
    state.ops.lock().expect("lock").insert(
        name.clone(),
        Op {
            polls_needed: faults.polls.unwrap_or(state.options.polls),
            polls_seen: 0,
            outcome: None,
        },
    );
    // Like Veo, answer at once and render in the background.
    let (state2, name2, origin) = (state.clone(), name.clone(), origin.to_owned());
    let (prompt, image_b64, params) = (prompt.clone(), image_b64.to_owned(), params.clone());
    tokio::spawn(async move {
        let outcome = outcome(
            &state2, backend, &faults, &prompt, &image_b64, duration, &params, &origin,
        )
        .await;
        if let Some(op) = state2.ops.lock().expect("lock").get_mut(&name2) {
            op.outcome = Some(outcome);
        }
    });
    Json(json!({"name": name})).into_response()
}

async fn render_clip(
    state: &State,
    prompt: &str,
    image_b64: &str,
    duration: ClipSeconds,
    params: &Value,
) -> Result<Vec<u8>, String> {
    let image = base64::engine::general_purpose::STANDARD
        .decode(image_b64)
        .map_err(|e| format!("bad image base64: {e}"))?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let image_path = state.work.path().join(format!("{id}.png"));
    let out = state.work.path().join(format!("{id}.mp4"));
    std::fs::write(&image_path, image).map_err(|e| e.to_string())?;
    let req = ClipRequest {
        prompt: prompt.to_owned(),
        negative_prompt: params["negativePrompt"].as_str().map(str::to_owned),
        duration,
        aspect_ratio: params["aspectRatio"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .unwrap_or_default(),
        quality: Quality::Standard,
        image: image_path.clone(),
        variant: 0,
    };
    let r = state
        .offline
        .video_clip(&req, &out, &TaskCtx::detached())
        .await
        .map_err(|e| e.to_string());
    let bytes = std::fs::read(&out).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&image_path);
    let _ = std::fs::remove_file(&out);
    r?;
    bytes
}

fn poll(state: &State, name: &str) -> Response {
    state.stats.lock().expect("lock").polls += 1;
    let mut ops = state.ops.lock().expect("lock");
    let Some(op) = ops.get_mut(name) else {
        return google_error(
            404,
            "NOT_FOUND",
            &format!("Operation {name} not found."),
            json!([]),
        );
    };
    op.polls_seen += 1;
    let outcome = match &op.outcome {
        Some(o) if op.polls_seen >= op.polls_needed => o,
        _ => return Json(json!({"name": name, "done": false})).into_response(),
    };
    let mut body = json!({"name": name, "done": true});
    if let Some(obj) = outcome.as_object() {
        for (k, v) in obj {
            body[k] = v.clone();
        }
    }
    Json(body).into_response()
}

async fn download(
    AxState(state): AxState<Shared>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    let id = rest.trim_end_matches(":download");
    state.stats.lock().expect("lock").downloads += 1;
    match state.files.lock().expect("lock").get(id) {
        Some(bytes) => ([("content-type", "video/mp4")], bytes.clone()).into_response(),
        None => google_error(
            404,
            "NOT_FOUND",
            &format!("File {id} not found."),
            json!([]),
        ),
    }
}

/// OAuth token endpoint for service-account JWT grants (the mock trusts any assertion).
async fn token(AxState(state): AxState<Shared>, body: String) -> Response {
    state.stats.lock().expect("lock").token_requests += 1;
    if !body.contains("assertion=") && !body.contains("refresh_token=") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "no assertion"})),
        )
            .into_response();
    }
    Json(json!({"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}))
        .into_response()
}

async fn stats(AxState(state): AxState<Shared>) -> Response {
    Json(state.stats.lock().expect("lock").clone()).into_response()
}
