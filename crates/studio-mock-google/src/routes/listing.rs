//! Model listings, paged as Google pages them: `GET /v1beta/models` (and one model's entry) on
//! the Gemini API, `GET /v1beta1/publishers/google/models` on Vertex.

use axum::extract::{RawQuery, State as AxState};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::{Backend, Catalog, Route};

use super::{check_gemini_key, check_vertex_auth, invalid, parse_query, Shared};
use crate::{MockModel, State};

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

pub(super) fn gemini_entry(m: &MockModel) -> Value {
    let has = |x: &str| m.methods.iter().any(|y| y == x);
    let family = Catalog::builtin().family_of(&m.id);
    let (input, output) = match family.map(|f| f.route) {
        _ if family.and_then(|f| f.input_token_limit).is_some() => (
            family.and_then(|f| f.input_token_limit).unwrap_or(8192),
            16384,
        ),
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

pub(super) async fn gemini_list(
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

pub(super) async fn vertex_list(
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
