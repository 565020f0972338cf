//! Google's error bodies, and the refusals of a body's JSON every route shares (unknown fields,
//! unreadable JSON).

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

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
