//! Which back end (and, on Vertex, which project and location) a request came to, and which of
//! the listed models it serves through which route.

use axum::response::Response;
use serde_json::json;
use studio_catalog::{Backend, Catalog, Family, Route, VertexLocation};

use super::google_error;
use crate::State;

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
    pub(super) fn listed(&self, state: &State, model: &str) -> Option<Vec<String>> {
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
