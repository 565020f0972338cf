//! Calls of a model on either back end: `POST .../models/MODEL:ACTION` (`generateContent`,
//! `predictLongRunning`, `predict` (Lyria 2), Vertex's `fetchPredictOperation`), and the Gemini
//! API's `GET` of one model or of an operation.

use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use studio_catalog::{Role, Route};

use super::listing::gemini_entry;
use super::{check_gemini_key, check_vertex_auth, invalid, origin, parse_body, Note, Shared, Site};

fn split_action(rest: &str) -> (&str, &str) {
    rest.rsplit_once(':').unwrap_or((rest, ""))
}

pub(super) async fn gemini_post(
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

pub(super) async fn vertex_post(
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
        "predict" => Route::Predict,
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
    if action == "generateContent" {
        // The request log names a call by its first text part, whichever model it asks.
        if let Some(p) = body["contents"][0]["parts"]
            .as_array()
            .and_then(|ps| ps.iter().find_map(|p| p["text"].as_str()))
        {
            note.prompt(p);
        }
    }
    match (action, family) {
        ("generateContent", Some(family)) if family.role == Role::Text => {
            crate::text::generate_content(state, &site, model, &body).await
        }
        ("generateContent", Some(family)) if family.role == Role::Speech => {
            crate::speech::generate_content(state, &site, model, family, &body).await
        }
        ("generateContent", Some(family)) if family.role == Role::Music => {
            crate::music::generate_content(state, &site, model, family, &body).await
        }
        ("predict", Some(family)) if family.role == Role::Music => {
            crate::music::predict(state, model, family, &body).await
        }
        ("generateContent", family) => {
            crate::images::generate_content(state, &site, model, family, &body).await
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
pub(super) async fn gemini_get(
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
