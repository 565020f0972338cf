//! The request log tests read (`Stats::requests`): what each authenticated request named and
//! how it was answered.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State as AxState};
use axum::middleware::Next;
use axum::response::Response;

use super::Shared;
use crate::LoggedRequest;

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

pub(super) async fn log_requests(
    AxState(state): AxState<Shared>,
    mut req: Request,
    next: Next,
) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_is_read_from_the_path() {
        assert_eq!(
            model_in_path("/v1/projects/p/locations/l/publishers/google/models/veo-3:x"),
            Some("veo-3".into())
        );
        assert_eq!(
            model_in_path("/v1beta/models/a.b/operations/c"),
            Some("a.b".into())
        );
        assert_eq!(model_in_path("/token"), None);
    }
}
