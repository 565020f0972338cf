//! Finished videos: Gemini API files (`GET /v1beta/files/ID[:download]`), Cloud Storage
//! objects (`gs://` results), and the `redirect` fault's signed-URL host on an origin of its own.

use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::auth::check_bearer;
use super::{check_gemini_key, google_error, origin, parse_query, Shared};
use crate::faults::Faults;
use crate::State;

fn video_response(bytes: Vec<u8>) -> Response {
    ([("content-type", "video/mp4")], bytes).into_response()
}

/// `GET /v1beta/files/ID:download?alt=media` (the bytes) or `GET /v1beta/files/ID` (metadata).
pub(super) async fn gemini_file(
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
pub(super) async fn gcs_object(
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
pub(super) async fn signed_download(
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
