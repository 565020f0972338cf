//! The HTTP surface: both back ends' paths, auth, the request log, model listing and lookup,
//! Google's error bodies and the faults every route shares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::{Backend, Catalog, Family, Route, VertexLocation};

use crate::faults::Faults;
use crate::{LoggedRequest, MockModel, State, ACCESS_TOKEN, USER_ACCESS_TOKEN};

pub(crate) type Shared = Arc<State>;

pub(crate) fn router(state: Shared) -> Router {
    let vertex_models = "/projects/{project}/locations/{location}/publishers/google/models/{*rest}";
    Router::new()
        .route("/v1beta/models", get(gemini_list))
        .route("/v1beta/models/{*rest}", post(gemini_post).get(gemini_get))
        .route("/v1beta/files/{*rest}", get(gemini_file))
        .route(
            "/v1beta/interactions",
            post(crate::interactions::gemini_create)
                .layer(axum::middleware::from_fn(crate::interactions::error_shape)),
        )
        .route(
            "/v1beta/interactions/{id}",
            get(crate::interactions::gemini_get)
                .layer(axum::middleware::from_fn(crate::interactions::error_shape)),
        )
        .route("/v1beta1/publishers/google/models", get(vertex_list))
        .route(&format!("/v1{vertex_models}"), post(vertex_post))
        .route(&format!("/v1beta1{vertex_models}"), post(vertex_post))
        .route(
            "/v1beta1/projects/{project}/locations/{location}/interactions",
            post(crate::interactions::vertex_create)
                .layer(axum::middleware::from_fn(crate::interactions::error_shape)),
        )
        .route(
            "/v1beta1/projects/{project}/locations/{location}/interactions/{id}",
            get(crate::interactions::vertex_get)
                .layer(axum::middleware::from_fn(crate::interactions::error_shape)),
        )
        .route("/storage/v1/b/{bucket}/o/{*object}", get(gcs_object))
        .route(
            "/download/storage/v1/b/{bucket}/o/{*object}",
            get(gcs_object),
        )
        .route("/token", post(token))
        .route("/mock/stats", get(stats))
        .fallback(no_route)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            log_requests,
        ))
        .with_state(state)
}

/// The signed-URL host: `GET /signed/TOKEN?X-Goog-Signature=…`, on an origin of its own.
pub(crate) fn signed_router(state: Shared) -> Router {
    Router::new()
        .route("/signed/{token}", get(signed_download))
        .fallback(no_route)
        .with_state(state)
}

// ------------------------------------------------------------------------------ request log

/// What a handler learnt about its request (model, prompt), for the request log.
#[derive(Clone, Default)]
pub(crate) struct Note(Arc<Mutex<(Option<String>, Option<String>)>>);

impl Note {
    pub(crate) fn model(&self, model: &str) {
        self.0.lock().expect("note lock").0 = Some(model.to_owned());
    }
    pub(crate) fn prompt(&self, prompt: &str) {
        self.0.lock().expect("note lock").1 = Some(prompt.to_owned());
    }
}

/// Marks an answer given before authentication succeeded: not logged.
#[derive(Clone, Copy)]
pub(crate) struct Unauthenticated;

async fn log_requests(AxState(state): AxState<Shared>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/mock/") {
        return next.run(req).await;
    }
    let at_ms = state.started.elapsed().as_millis() as u64;
    let method = req.method().to_string();
    let note = Note::default();
    req.extensions_mut().insert(note.clone());
    let response = next.run(req).await;
    if response.extensions().get::<Unauthenticated>().is_some() {
        return response;
    }
    let (model, prompt) = note.0.lock().expect("note lock").clone();
    let entry = LoggedRequest {
        at_ms,
        method,
        model: model.or_else(|| model_in_path(&path)),
        path,
        prompt,
        status: response.status().as_u16(),
    };
    let mut stats = state.stats.lock().expect("stats lock");
    // Answers finish out of order; the log is in order of arrival.
    let at = stats.requests.partition_point(|r| r.at_ms <= entry.at_ms);
    stats.requests.insert(at, entry);
    response
}

/// `ID` in `.../models/ID:action` or `.../models/ID/operations/...`.
fn model_in_path(path: &str) -> Option<String> {
    let (_, rest) = path.split_once("/models/")?;
    let id = rest.split(['/', ':']).next().unwrap_or_default();
    (!id.is_empty()).then(|| id.to_owned())
}

// ------------------------------------------------------------------------------ errors

/// Google's error body, `{"error": {"code", "message", "status", "details"}}`.
pub(crate) fn google_error(code: u16, status: &str, message: &str, details: Value) -> Response {
    let body =
        json!({"error": {"code": code, "message": message, "status": status, "details": details}});
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response()
}

/// A 400 `INVALID_ARGUMENT` with `message`.
pub(crate) fn invalid(message: impl AsRef<str>) -> Response {
    google_error(400, "INVALID_ARGUMENT", message.as_ref(), json!([]))
}

/// Google's answer to a field the request's message type does not have.
pub(crate) fn unknown_field(name: &str, at: &str) -> Response {
    let message = if at.is_empty() {
        format!("Invalid JSON payload received. Unknown name \"{name}\": Cannot find field.")
    } else {
        format!(
            "Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field."
        )
    };
    let violation = if at.is_empty() {
        json!({"description": message})
    } else {
        json!({"field": at, "description": message})
    };
    google_error(
        400,
        "INVALID_ARGUMENT",
        &message,
        json!([{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}]),
    )
}

/// The first key of `object` not in `known`, as Google's unknown-field 400.
pub(crate) fn refuse_unknown(object: &Value, known: &[&str], at: &str) -> Result<(), Response> {
    match object.as_object() {
        Some(map) => match map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(unknown_field(k, at)),
            None => Ok(()),
        },
        None if object.is_null() => Ok(()),
        None => Err(invalid(format!(
            "Invalid JSON payload received. Expected an object at '{at}'."
        ))),
    }
}

pub(crate) fn parse_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|e| {
        invalid(format!(
            "Invalid JSON payload received. Unexpected token. ({e})"
        ))
    })
}

// ------------------------------------------------------------------------------ auth

fn unauthenticated(mut r: Response) -> Response {
    r.extensions_mut().insert(Unauthenticated);
    r
}

pub(crate) fn check_gemini_key(state: &State, headers: &HeaderMap) -> Option<Response> {
    let refused = match headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()) {
        None => google_error(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). \
             Please use API Key or other form of API consumer identity to call this API.",
            json!([]),
        ),
        Some(k) if k != state.options.api_key => google_error(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "generativelanguage.googleapis.com"}}]),
        ),
        Some(_) => return None,
    };
    Some(unauthenticated(refused))
}

/// A bearer token the mock issued: a service account's, or user credentials' (which Vertex
/// takes only with a quota project, see [`check_vertex_auth`]).
pub(crate) fn check_bearer(headers: &HeaderMap) -> Option<Response> {
    let ok = matches!(bearer(headers), Some(t) if t == ACCESS_TOKEN || t == USER_ACCESS_TOKEN);
    (!ok).then(|| {
        unauthenticated(google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, \
             login cookie or other valid authentication credential.",
            json!([]),
        ))
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

/// Vertex's check: a valid bearer token and, for user credentials (which bill no project of
/// their own), an `x-goog-user-project` header naming the quota project. Without one Google
/// answers this 403 (its body as users report it; the consumer is gcloud's own project).
pub(crate) fn check_vertex_auth(headers: &HeaderMap) -> Option<Response> {
    if let Some(r) = check_bearer(headers) {
        return Some(r);
    }
    let quota_project = headers
        .get("x-goog-user-project")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| !p.trim().is_empty());
    (bearer(headers) == Some(USER_ACCESS_TOKEN) && !quota_project).then(|| {
        unauthenticated(google_error(
            403,
            "PERMISSION_DENIED",
            "Your application is authenticating by using local Application Default \
             Credentials. The aiplatform.googleapis.com API requires a quota project, which is \
             not set by default. To learn how to set your quota project, see \
             https://cloud.google.com/docs/authentication/adc-troubleshooting/user-creds .",
            json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "SERVICE_DISABLED", "domain": "googleapis.com",
                    "metadata": {"service": "aiplatform.googleapis.com",
                                 "consumer": "projects/764086051850"}}]),
        ))
    })
}

// ------------------------------------------------------------------------------ models

/// Which back end (and, on Vertex, which project and location) a request came to.
#[derive(Debug, Clone)]
pub(crate) enum Site {
    Gemini,
    Vertex { project: String, location: String },
}

impl Site {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Site::Gemini => Backend::Gemini,
            Site::Vertex { .. } => Backend::Vertex,
        }
    }

    pub(crate) fn is_gemini(&self) -> bool {
        matches!(self, Site::Gemini)
    }

    /// `models/ID` or `projects/P/locations/L/publishers/google/models/ID`.
    pub(crate) fn model_resource(&self, model: &str) -> String {
        match self {
            Site::Gemini => format!("models/{model}"),
            Site::Vertex { project, location } => {
                format!("projects/{project}/locations/{location}/publishers/google/models/{model}")
            }
        }
    }

    /// Google's 404 for a model this back end does not have (or not for `method`).
    pub(crate) fn not_found(&self, model: &str, method: &str) -> Response {
        let message = match self {
            Site::Gemini => format!(
                "models/{model} is not found for API version v1beta, or is not supported for \
                 {method}. Call ListModels to see the list of available models and their \
                 supported methods."
            ),
            Site::Vertex { .. } => format!(
                "Publisher Model `{}` was not found or your project does not have access to it. \
                 Please ensure you are using a valid model version. For more information, see: \
                 https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
                self.model_resource(model)
            ),
        };
        google_error(404, "NOT_FOUND", &message, json!([]))
    }

    /// The listed methods of `model` on this back end (empty on Vertex), or None if unlisted.
    fn listed(&self, state: &State, model: &str) -> Option<Vec<String>> {
        match self {
            Site::Gemini => state
                .options
                .gemini_models
                .iter()
                .find(|m| m.id == model)
                .map(|m| m.methods.clone()),
            Site::Vertex { .. } => (state.options.vertex_models.iter().any(|m| m == model)
                && !state.options.vertex_no_access.iter().any(|m| m == model))
            .then(Vec::new),
        }
    }

    /// The family that serves `model` through `route` here, or Google's 404. `Ok(None)`: a
    /// listed `generateContent` model with no family in the table (a text model).
    pub(crate) fn resolve(
        &self,
        state: &State,
        model: &str,
        method: &str,
        route: Route,
    ) -> Result<Option<&'static Family>, Response> {
        let Some(methods) = self.listed(state, model) else {
            return Err(self.not_found(model, method));
        };
        if self.is_gemini() {
            if let Some(m) = route.listed_method() {
                if !methods.iter().any(|x| x == m) {
                    return Err(self.not_found(model, method));
                }
            }
        }
        let family = Catalog::builtin().family_of(model);
        if let (Site::Vertex { location, .. }, Some(f)) = (self, family) {
            // Gemini 3.x is served only at `global`, Veo only in regions: anywhere else the
            // model is "not found" (December update 1).
            let served_here = match f.vertex_location {
                Some(VertexLocation::Global) => location == "global",
                Some(VertexLocation::Region) => location != "global",
                None => true,
            };
            if !served_here {
                return Err(self.not_found(model, method));
            }
        }
        match family {
            Some(f) if f.route == route && f.backends.contains(&self.backend()) => Ok(Some(f)),
            None if route == Route::GenerateContent => Ok(None),
            _ => Err(self.not_found(model, method)),
        }
    }
}

// ------------------------------------------------------------------------------ listing

/// `pageSize`/`pageToken` of a listing, as the rows `[start, end)` and the next page's token.
fn page(
    state: &State,
    backend: Backend,
    query: Option<&str>,
    total: usize,
) -> Result<(usize, usize, Option<String>), Response> {
    let params = parse_query(query.unwrap_or_default());
    let requested = match params.get("pageSize") {
        None => 0,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 0 => n as u64,
            Ok(_) => return Err(invalid("page_size must not be negative.")),
            Err(_) => {
                return Err(invalid(format!(
                    "Invalid value at 'page_size' (TYPE_INT32), \"{s}\""
                )))
            }
        },
    };
    let requested = if requested == 0 { 50 } else { requested };
    let size = requested
        .min(1000)
        .min(u64::from(state.options.page_size.max(1))) as usize;
    let start = match params.get("pageToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix(&format!("{}:", backend.as_str()))
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .filter(|n| *n > 0 && *n < total)
            .ok_or_else(|| invalid("Invalid page token."))?,
    };
    let end = (start + size).min(total);
    let next = (end < total).then(|| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{}:{end}", backend.as_str()))
    });
    Ok((start, end, next))
}

pub(crate) fn parse_query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match bytes.get(i + 1..i + 3) {
                Some(h) if h.iter().all(u8::is_ascii_hexdigit) => {
                    let hex = std::str::from_utf8(h).unwrap_or("00");
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn display_name(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn gemini_entry(m: &MockModel) -> Value {
    let has = |x: &str| m.methods.iter().any(|y| y == x);
    let family = Catalog::builtin().family_of(&m.id);
    let (input, output) = match family.map(|f| f.route) {
        Some(Route::PredictLongRunning) => (480, 8192),
        Some(Route::GenerateContent) => (32768, 32768),
        _ if has("embedContent") => (2048, 1),
        _ => (1_048_576, 65536),
    };
    let mut entry = json!({
        "name": format!("models/{}", m.id),
        "baseModelId": m.id,
        "version": "001",
        "displayName": display_name(&m.id),
        "description": format!("{} (mock)", display_name(&m.id)),
        "inputTokenLimit": input,
        "outputTokenLimit": output,
        "supportedGenerationMethods": m.methods,
    });
    if has("generateContent") {
        entry["temperature"] = json!(1.0);
        entry["topP"] = json!(0.95);
        entry["topK"] = json!(64);
        entry["maxTemperature"] = json!(2.0);
        entry["thinking"] = json!(true);
    }
    entry
}

fn vertex_entry(id: &str) -> Value {
    let preview = id.split('-').any(|p| p == "preview" || p == "exp");
    json!({
        "name": format!("publishers/google/models/{id}"),
        "versionId": "001",
        "openSourceCategory": "PROPRIETARY",
        "launchStage": if preview { "PUBLIC_PREVIEW" } else { "GA" },
        "versionState": "VERSION_STATE_STABLE",
    })
}

async fn gemini_list(
    AxState(state): AxState<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    let models = &state.options.gemini_models;
    match page(&state, Backend::Gemini, query.as_deref(), models.len()) {
        Err(r) => r,
        Ok((start, end, next)) => {
            let mut body =
                json!({"models": models[start..end].iter().map(gemini_entry).collect::<Vec<_>>()});
            if let Some(t) = next {
                body["nextPageToken"] = json!(t);
            }
            Json(body).into_response()
        }
    }
}

async fn vertex_list(
    AxState(state): AxState<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(r) = check_vertex_auth(&headers) {
        return r;
    }
    let models = &state.options.vertex_models;
    match page(&state, Backend::Vertex, query.as_deref(), models.len()) {
        Err(r) => r,
        Ok((start, end, next)) => {
            let list: Vec<Value> = models[start..end].iter().map(|m| vertex_entry(m)).collect();
            let mut body = json!({"publisherModels": list});
            if let Some(t) = next {
                body["nextPageToken"] = json!(t);
            }
            Json(body).into_response()
        }
    }
}

// ------------------------------------------------------------------------------ faults

pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// `1500` → `"1.5s"`, `2250` → `"2.25s"`, `2000` → `"2s"`.
pub(crate) fn seconds_text(ms: u64) -> String {
    let whole = ms / 1000;
    let frac = ms % 1000;
    if frac == 0 {
        format!("{whole}s")
    } else {
        let f = format!("{frac:03}");
        format!("{whole}.{}s", f.trim_end_matches('0'))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Quota {
    PerMinute,
    PerDay,
    FreeTier,
}

/// Google's 429: no `Retry-After` header; `QuotaFailure`, `Help` and `RetryInfo` details.
fn quota_error(model: &str, quota: Quota, delay_ms: u64) -> Response {
    let (metric, id, limit) = match quota {
        Quota::PerMinute => (
            "generativelanguage.googleapis.com/generate_requests_per_model",
            "GenerateRequestsPerMinutePerProjectPerModel",
            10,
        ),
        Quota::PerDay => (
            "generativelanguage.googleapis.com/generate_requests_per_model_per_day",
            "GenerateRequestsPerDayPerProjectPerModel",
            100,
        ),
        Quota::FreeTier => (
            "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            0,
        ),
    };
    let delay = seconds_text(delay_ms);
    let message = format!(
        "You exceeded your current quota, please check your plan and billing details. For more \
         information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. \
         To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded \
         for metric: {metric}, limit: {limit}, model: {model}\nPlease retry in {delay}."
    );
    google_error(
        429,
        "RESOURCE_EXHAUSTED",
        &message,
        json!([
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
             "violations": [{"quotaMetric": metric, "quotaId": id,
                             "quotaDimensions": {"location": "global", "model": model},
                             "quotaValue": limit.to_string()}]},
            {"@type": "type.googleapis.com/google.rpc.Help",
             "links": [{"description": "Learn more about Gemini API quotas",
                        "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
        ]),
    )
}

/// Applies the faults every endpoint shares; `None` means "answer normally". `key` names what
/// a scripted 429 is counted against (the prompt, or the character for images).
pub(crate) async fn common_faults(
    state: &State,
    key: &str,
    model: &str,
    f: &Faults,
) -> Option<Response> {
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
    if f.quota_day {
        return Some(quota_error(model, Quota::PerDay, f.retry_delay_ms()));
    }
    if f.free_tier {
        return Some(quota_error(model, Quota::FreeTier, f.retry_delay_ms()));
    }
    if f.throttle_once {
        let now = Instant::now();
        let mut throttled = state.throttled.lock().expect("lock");
        match throttled.get(key) {
            None => {
                let delay = f.retry_delay_ms();
                throttled.insert(key.to_owned(), now + Duration::from_millis(delay));
                return Some(quota_error(model, Quota::PerMinute, delay));
            }
            // Back too soon: Google's quota has not refilled either.
            Some(until) if *until > now => {
                let left = (*until - now).as_millis().max(1) as u64;
                return Some(quota_error(model, Quota::PerMinute, left));
            }
            Some(_) => {}
        }
    }
    let scripted_503 = f.fail_first.is_some_and(|n| {
        let mut failed = state.failed_first.lock().expect("lock");
        let count = failed.entry(key.to_owned()).or_default();
        *count += 1;
        *count <= n
    });
    if let Some(code) = f.status.or(scripted_503.then_some(503)) {
        let status = match code {
            400 => "INVALID_ARGUMENT",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        };
        let message = match code {
            400 => "Request contains an invalid argument. (scripted failure)",
            503 => "The model is overloaded. Please try again later. (scripted failure)",
            _ => "An internal error has occurred. (scripted failure)",
        };
        return Some(google_error(code, status, message, json!([])));
    }
    if f.malformed {
        return Some((StatusCode::OK, "{\"candidates\": [").into_response());
    }
    None
}

// ------------------------------------------------------------------------------ dispatch

fn split_action(rest: &str) -> (&str, &str) {
    rest.rsplit_once(':').unwrap_or((rest, ""))
}

async fn gemini_post(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    dispatch(&state, &note, Site::Gemini, &rest, &headers, &body).await
}

async fn vertex_post(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path((project, location, rest)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_vertex_auth(&headers) {
        return r;
    }
    let site = Site::Vertex { project, location };
    dispatch(&state, &note, site, &rest, &headers, &body).await
}

/// `POST .../models/MODEL:ACTION` on either back end, once authenticated.
async fn dispatch(
    state: &Shared,
    note: &Note,
    site: Site,
    rest: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let (model, action) = split_action(rest);
    note.model(model);
    let route = match action {
        "generateContent" => Route::GenerateContent,
        "predictLongRunning" | "fetchPredictOperation" => Route::PredictLongRunning,
        _ => return site.not_found(model, action),
    };
    if action == "fetchPredictOperation" && site.is_gemini() {
        return site.not_found(model, action);
    }
    let family = match site.resolve(state, model, action, route) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let body = match parse_body(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match (action, family) {
        ("generateContent", family) => {
            crate::images::generate_content(state, note, &site, model, family, &body).await
        }
        ("predictLongRunning", Some(family)) => {
            crate::veo::predict(state, note, &site, model, family, &origin(headers), &body).await
        }
        ("fetchPredictOperation", Some(_)) => {
            let name = body["operationName"].as_str().unwrap_or_default();
            let prefix = format!("{}/operations/", site.model_resource(model));
            if !name.starts_with(&prefix) {
                return invalid(format!(
                    "operationName must name an operation of {}.",
                    site.model_resource(model)
                ));
            }
            crate::veo::poll(state, note, name)
        }
        _ => site.not_found(model, action),
    }
}

/// `GET /v1beta/models/ID` (one model) or `GET /v1beta/models/ID/operations/OP` (a poll).
async fn gemini_get(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    match rest.split_once("/operations/") {
        Some((model, _)) => {
            note.model(model);
            if Site::Gemini.listed(&state, model).is_none() {
                return Site::Gemini.not_found(model, "predictLongRunning");
            }
            crate::veo::poll(&state, &note, &format!("models/{rest}"))
        }
        None => {
            note.model(&rest);
            match state.options.gemini_models.iter().find(|m| m.id == rest) {
                Some(m) => Json(gemini_entry(m)).into_response(),
                None => Site::Gemini.not_found(&rest, "get"),
            }
        }
    }
}

// ------------------------------------------------------------------------------ files

fn video_response(bytes: Vec<u8>) -> Response {
    ([("content-type", "video/mp4")], bytes).into_response()
}

/// `GET /v1beta/files/ID:download?alt=media` (the bytes) or `GET /v1beta/files/ID` (metadata).
async fn gemini_file(
    AxState(state): AxState<Shared>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    let (id, download) = match rest.strip_suffix(":download") {
        Some(id) => (id, true),
        None => (rest.as_str(), false),
    };
    let bytes = state.files.lock().expect("lock").get(id).cloned();
    let Some(bytes) = bytes else {
        let message =
            format!("File files/{id} does not exist or you do not have permission to access it.");
        return google_error(403, "PERMISSION_DENIED", &message, json!([]));
    };
    let processing = {
        let mut all = state.processing.lock().expect("lock");
        let left = all.get(id).copied().unwrap_or(0);
        if !download && left > 0 {
            all.insert(id.to_owned(), left - 1);
        }
        left > 0
    };
    if download {
        if processing {
            return google_error(
                400,
                "FAILED_PRECONDITION",
                &format!("The File {id} is not in an ACTIVE state and usage is not allowed."),
                json!([]),
            );
        }
        if let Some(redirect) = redirect_download(&state, id) {
            return redirect;
        }
        state.stats.lock().expect("lock").downloads += 1;
        return video_response(bytes);
    }
    let uri = format!("{}/v1beta/files/{id}", origin(&headers));
    Json(json!({
        "name": format!("files/{id}"),
        "mimeType": "video/mp4",
        "sizeBytes": bytes.len().to_string(),
        "state": if processing { "PROCESSING" } else { "ACTIVE" },
        "uri": uri,
        "downloadUri": format!("{uri}:download?alt=media"),
        "source": "GENERATED",
    }))
    .into_response()
}

/// Cloud Storage JSON API: `GET /storage/v1/b/B/o/OBJECT?alt=media`.
async fn gcs_object(
    AxState(state): AxState<Shared>,
    Path((bucket, object)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(r) = check_bearer(&headers) {
        return r;
    }
    let uri = format!("gs://{bucket}/{object}");
    let bytes = state.files.lock().expect("lock").get(&uri).cloned();
    let Some(bytes) = bytes else {
        let message = format!("No such object: {bucket}/{object}");
        return google_error(404, "NOT_FOUND", &message, json!([]));
    };
    let media = parse_query(query.as_deref().unwrap_or_default())
        .get("alt")
        .is_some_and(|a| a == "media");
    if media {
        if let Some(redirect) = redirect_download(&state, &uri) {
            return redirect;
        }
        state.stats.lock().expect("lock").downloads += 1;
        return video_response(bytes);
    }
    Json(
        json!({"kind": "storage#object", "bucket": bucket, "name": object,
                "contentType": "video/mp4", "size": bytes.len().to_string()}),
    )
    .into_response()
}

/// Makes the download of `key` (a Gemini file id, a `gs://` URI) redirect when the prompt asks
/// for it (`redirect`).
pub(crate) fn redirect_if_asked(state: &State, faults: &Faults, key: &str) {
    if faults.redirect {
        state
            .redirected
            .lock()
            .expect("lock")
            .insert(key.to_owned());
    }
}

/// A 302 to a fresh signed URL for `key` on the signed-URL host, when `key` redirects.
fn redirect_download(state: &State, key: &str) -> Option<Response> {
    if !state.redirected.lock().expect("lock").contains(key) {
        return None;
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    state
        .signed
        .lock()
        .expect("lock")
        .insert(token.clone(), key.to_owned());
    let location = format!(
        "{}/signed/{token}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=900&\
         X-Goog-Signature={}",
        state.signed_origin,
        uuid::Uuid::new_v4().simple()
    );
    Some((StatusCode::FOUND, [("location", location)]).into_response())
}

/// The signed URL's bytes, for a request that carries no credential of its own (the signature
/// is the credential); the header names of every request are recorded.
async fn signed_download(
    AxState(state): AxState<Shared>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let names: Vec<String> = headers.keys().map(|k| k.as_str().to_owned()).collect();
    let key = state.signed.lock().expect("lock").get(&token).cloned();
    let bytes = key.and_then(|k| state.files.lock().expect("lock").get(&k).cloned());
    let carried = names
        .iter()
        .any(|n| crate::CREDENTIAL_HEADERS.contains(&n.as_str()));
    let response = match bytes {
        None => google_error(404, "NOT_FOUND", "No such signed URL.", json!([])),
        Some(_) if carried => google_error(
            400,
            "INVALID_ARGUMENT",
            "A signed URL takes no other credential: the request carries an API key, a bearer \
             token or a quota project.",
            json!([]),
        ),
        Some(bytes) => {
            state.stats.lock().expect("lock").downloads += 1;
            video_response(bytes)
        }
    };
    state
        .stats
        .lock()
        .expect("lock")
        .signed_downloads
        .push(crate::SignedDownload {
            path: format!("/signed/{token}"),
            headers: names,
            status: response.status().as_u16(),
        });
    response
}

/// Stores a finished video under `gs://...` and returns that URI.
pub(crate) fn put_gcs(state: &State, uri: String, bytes: Vec<u8>) -> String {
    state.files.lock().expect("lock").insert(uri.clone(), bytes);
    uri
}

// ------------------------------------------------------------------------------ the rest

/// OAuth token endpoint for service-account JWT grants (the mock trusts any assertion).
/// OAuth token endpoint: service-account JWT grants (the mock trusts any assertion) get the
/// service account's token; refresh-token grants of user credentials (with their client id and
/// secret) get a user's token.
async fn token(AxState(state): AxState<Shared>, body: String) -> Response {
    state.stats.lock().expect("lock").token_requests += 1;
    let form = parse_query(&body);
    let has = |k: &str| form.get(k).is_some_and(|v| !v.is_empty());
    let token = match form.get("grant_type").map(String::as_str) {
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") if has("assertion") => ACCESS_TOKEN,
        Some("refresh_token")
            if has("refresh_token") && has("client_id") && has("client_secret") =>
        {
            USER_ACCESS_TOKEN
        }
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant", "error_description": "Bad Request"})),
            )
                .into_response()
        }
    };
    Json(json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})).into_response()
}

async fn stats(AxState(state): AxState<Shared>) -> Response {
    Json(state.stats.lock().expect("lock").clone()).into_response()
}

async fn no_route(request: Request) -> Response {
    let message = format!(
        "The requested URL {} was not found on this server.",
        request.uri().path()
    );
    google_error(404, "NOT_FOUND", &message, json!([]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(seconds_text(1500), "1.5s");
        assert_eq!(seconds_text(2250), "2.25s");
        assert_eq!(seconds_text(2000), "2s");
        assert_eq!(seconds_text(5), "0.005s");
        assert_eq!(
            model_in_path("/v1/projects/p/locations/l/publishers/google/models/veo-3:x"),
            Some("veo-3".into())
        );
        assert_eq!(
            model_in_path("/v1beta/models/a.b/operations/c"),
            Some("a.b".into())
        );
        assert_eq!(model_in_path("/token"), None);
        let q = parse_query("pageSize=2&pageToken=a%3Db+c");
        assert_eq!(q["pageToken"], "a=b c");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
