//! The Interactions API (Gemini Omni video), as `/tmp/research/interactions.md` describes it:
//! `POST /v1beta/interactions` (Gemini API, key) and `POST
//! /v1beta1/projects/P/locations/L/interactions` (Vertex, bearer), and `GET .../interactions/ID`.
//! snake_case on the wire, everywhere; `response_format.duration` is a string like `"8s"`;
//! `background: true` answers `in_progress` and completes after N polls; the video is the last
//! `type: "video"` block of the `model_output` step.

mod request;
mod response;
mod state;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};
use studio_catalog::Route;

use crate::faults::Faults;
use crate::routes::{
    check_gemini_key, check_vertex_auth, common_faults, google_error, invalid, origin, parse_body,
    parse_query, refuse_unknown, Note, Shared, Site,
};
use crate::State;
use request::{blocks, check, Ask, TOP};
use response::{body_of, pending};
use state::{finish, now_iso, scope, Render};

pub(crate) use response::error_shape;
pub(crate) use state::Stored;

pub(crate) async fn gemini_create(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    create(&state, &note, Site::Gemini, &origin(&headers), &body).await
}

pub(crate) async fn vertex_create(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path((project, location)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_vertex_auth(&headers) {
        return r;
    }
    let site = Site::Vertex { project, location };
    create(&state, &note, site, &origin(&headers), &body).await
}

pub(crate) async fn gemini_get(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    get(&state, &note, &Site::Gemini, &id, query.as_deref())
}

pub(crate) async fn vertex_get(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path((project, location, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(r) = check_vertex_auth(&headers) {
        return r;
    }
    let site = Site::Vertex { project, location };
    get(&state, &note, &site, &id, query.as_deref())
}

async fn create(state: &Shared, note: &Note, site: Site, origin: &str, body: &Bytes) -> Response {
    let body = match parse_body(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let ask = match checked_request(state, note, &site, &body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Some(video) = &ask.video {
        let family = site.resolve(state, &ask.model, "createInteraction", Route::Interactions);
        if let Ok(Some(family)) = family {
            let checked =
                crate::extend::check_input_length(state, &site, family, video, ask.duration).await;
            if let Err(r) = checked {
                return r;
            }
        }
    }
    let faults = Faults::parse(&ask.prompt);
    let key = format!("video:{}", ask.prompt);
    if let Some(r) = common_faults(state, &key, &ask.model, &faults).await {
        return r;
    }
    record_submission(state, &ask, &body);
    let fail_once =
        faults.op_error_once && state.failed_once.lock().expect("lock").insert(key.clone());
    let id = format!("v1_{}", uuid::Uuid::new_v4().simple());
    let stored = Stored::new(&site, &ask, faults.polls.unwrap_or(state.options.polls));
    let render = Render {
        site,
        faults,
        fail_once,
        ask,
        origin: origin.to_owned(),
    };
    if render.ask.background {
        return Json(in_background(state, id, stored, render)).into_response();
    }
    let ending = finish(state, &render).await;
    let mut stored = stored;
    stored.ending = Some(ending);
    stored.updated = now_iso();
    let answer = body_of(&id, &stored);
    if render.ask.store {
        state.interactions.lock().expect("lock").insert(id, stored);
    }
    Json(answer).into_response()
}

/// The request's fields, its model (served here through Interactions) and every rule of the
/// model's family; the model and prompt go in the request log.
fn checked_request(state: &State, note: &Note, site: &Site, body: &Value) -> Result<Ask, Response> {
    refuse_unknown(body, TOP, "")?;
    let Some(model) = body["model"].as_str().filter(|m| !m.is_empty()) else {
        return Err(invalid("model is required."));
    };
    note.model(model);
    let family = match site.resolve(state, model, "createInteraction", Route::Interactions) {
        Ok(Some(f)) => f,
        Ok(None) => return Err(site.not_found(model, "createInteraction")),
        Err(r) => return Err(r),
    };
    if let Ok(b) = blocks(&body["input"]) {
        let texts: Vec<&str> = b.iter().filter_map(|x| x["text"].as_str()).collect();
        if !texts.is_empty() {
            note.prompt(&texts.join("\n"));
        }
    }
    check(site, family, body)
}

/// Counts an accepted (paid) submission, with its reference images and resolution.
fn record_submission(state: &State, ask: &Ask, body: &Value) {
    let mut stats = state.stats.lock().expect("lock");
    *stats
        .video_submissions
        .entry(ask.prompt.clone())
        .or_default() += 1;
    let task = body["generation_config"]["video_config"]["task"].as_str();
    let refs = if task == Some("reference_to_video") {
        blocks(&body["input"]).map_or(0, |b| b.iter().filter(|x| x["type"] == "image").count())
    } else {
        0
    };
    stats
        .reference_images
        .insert(ask.prompt.clone(), refs as u32);
    let format = &body["response_format"];
    let format = format.as_array().and_then(|a| a.first()).unwrap_or(format);
    let resolution = format["resolution"].as_str().unwrap_or("720p");
    stats
        .resolutions
        .insert(ask.prompt.clone(), resolution.to_owned());
}

/// Stores the interaction, ends it on a task of its own, and returns it as it is now (in
/// progress).
fn in_background(state: &Shared, id: String, stored: Stored, render: Render) -> Value {
    let pending = body_of(&id, &stored);
    state
        .interactions
        .lock()
        .expect("lock")
        .insert(id.clone(), stored);
    let state = state.clone();
    tokio::spawn(async move {
        let ending = finish(&state, &render).await;
        if let Some(s) = state.interactions.lock().expect("lock").get_mut(&id) {
            s.ending = Some(ending);
            s.updated = now_iso();
        }
    });
    pending
}

fn get(state: &State, note: &Note, site: &Site, id: &str, query: Option<&str>) -> Response {
    let params = parse_query(query.unwrap_or_default());
    if params.get("stream").is_some_and(|s| s == "true") {
        return invalid("Streaming is not supported by this mock; send stream=false.");
    }
    state.stats.lock().expect("lock").polls += 1;
    let mut all = state.interactions.lock().expect("lock");
    let Some(s) = all.get_mut(id).filter(|s| s.scope == scope(site)) else {
        return google_error(
            404,
            "NOT_FOUND",
            &format!("Interaction {id} not found."),
            json!([]),
        );
    };
    note.model(&s.model);
    note.prompt(&s.prompt);
    s.polls_seen += 1;
    if s.polls_seen < s.polls_needed && s.ending.is_some() {
        // Done, but not to be told yet: as if still running.
        return Json(pending(id, s)).into_response();
    }
    Json(body_of(id, s)).into_response()
}
