//! The HTTP surface: both back ends' paths (the router below), and the parts every route
//! shares, each in its own module: the request log, Google's error bodies, authentication,
//! which back end and model a request names, the scripted faults, and the query string.
//! The routes themselves are grouped by endpoint family: model listings, model calls
//! (`generateContent`, `predictLongRunning` and their operations), and file downloads; the
//! Interactions API has a module of its own (`crate::interactions`).

mod auth;
mod errors;
mod files;
mod listing;
mod log;
mod models;
mod query;
mod shared_faults;
mod site;

use std::sync::Arc;

use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::{State, ACCESS_TOKEN, USER_ACCESS_TOKEN};

pub(crate) use auth::{check_gemini_key, check_vertex_auth};
pub(crate) use errors::{google_error, invalid, parse_body, refuse_unknown};
pub(crate) use files::{put_gcs, redirect_if_asked};
pub(crate) use log::{Note, Unauthenticated};
pub(crate) use query::parse_query;
pub(crate) use shared_faults::common_faults;
pub(crate) use site::Site;

pub(crate) type Shared = Arc<State>;

pub(crate) fn router(state: Shared) -> Router {
    let vertex_models = "/projects/{project}/locations/{location}/publishers/google/models/{*rest}";
    Router::new()
        .route("/v1beta/models", get(listing::gemini_list))
        .route(
            "/v1beta/models/{*rest}",
            post(models::gemini_post).get(models::gemini_get),
        )
        .route("/v1beta/files/{*rest}", get(files::gemini_file))
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
        .route(
            "/v1beta1/publishers/google/models",
            get(listing::vertex_list),
        )
        .route(&format!("/v1{vertex_models}"), post(models::vertex_post))
        .route(
            &format!("/v1beta1{vertex_models}"),
            post(models::vertex_post),
        )
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
        .route("/storage/v1/b/{bucket}/o/{*object}", get(files::gcs_object))
        .route(
            "/download/storage/v1/b/{bucket}/o/{*object}",
            get(files::gcs_object),
        )
        .route("/token", post(token))
        .route("/mock/stats", get(stats))
        .fallback(no_route)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            log::log_requests,
        ))
        .with_state(state)
}

/// The signed-URL host: `GET /signed/TOKEN?X-Goog-Signature=…`, on an origin of its own.
pub(crate) fn signed_router(state: Shared) -> Router {
    Router::new()
        .route("/signed/{token}", get(files::signed_download))
        .fallback(no_route)
        .with_state(state)
}

/// `http://HOST` of the request (the mock's own origin, as the client reached it).
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

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
