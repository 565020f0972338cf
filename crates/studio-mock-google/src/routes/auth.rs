//! Credentials: the Gemini API's key, Vertex's bearer token (and the quota project user
//! credentials need). A refusal here is marked [`Unauthenticated`]: it is not logged.

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::{google_error, Unauthenticated};
use crate::{State, ACCESS_TOKEN, USER_ACCESS_TOKEN};

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
