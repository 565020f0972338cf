//! The one error type every shell sees. It crosses the IPC boundary as JSON
//! `{code, message, problems}` (pinned by a test below), so the window can mark fields and pick
//! wording by `code` instead of parsing messages.

use serde::{Deserialize, Serialize};
use studio_core::ProjectError;
use studio_engine::EngineError;
use studio_media::MediaError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The project file or the edited project has problems (see `problems`).
    InvalidProject,
    /// The input cannot be used as given (an empty or oversized story); the message says why.
    InvalidInput,
    /// A file could not be read or written.
    Io,
    /// No such job.
    NotFound,
    /// The job refused the request (e.g. an invalid quality).
    Rejected,
    /// Temporal could not be reached or started.
    Connection,
    JobFailed,
    JobCancelled,
    /// Settings are invalid.
    Settings,
    /// Google refused the key or credentials.
    InvalidKey,
    /// The model does not exist for this key, or was shut down (the message names the
    /// models the key can use).
    UnsupportedModel,
    /// A quota that will not refill soon is used up.
    QuotaExceeded,
    /// The render is estimated above the project's budget: it was not started.
    OverBudget,
    /// The project file changed on disk since it was opened (another program wrote it):
    /// nothing was saved; the window asks whether to reload, overwrite or save as.
    Conflict,
    /// The project file on disk is of a newer format, made by a newer studio: it is never
    /// overwritten (save as another file).
    NewerVersion,
    /// An export asked for a project with no finished render (or whose render still runs).
    NotRendered,
    /// An export asked for a render the project has changed since: render again (only
    /// changed shots are paid for; a change of the cut alone pays nothing).
    RenderOutdated,
    Internal,
}

/// One problem with one field, for marking the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldProblem {
    /// JSON path of the field, e.g. `scenarios[2].prompt`.
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
/// Said whole (`Display`): the message, then each problem once. `message` alone is the
/// headline; a printer that lists `problems` itself (the CLI, the window) uses the parts.
#[error("{}", whole(.message, .problems))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub problems: Vec<FieldProblem>,
}

fn whole(message: &str, problems: &[FieldProblem]) -> String {
    let mut text = message.to_owned();
    for (i, p) in problems.iter().enumerate() {
        text.push_str(if i == 0 { ": " } else { "; " });
        text.push_str(&p.message);
    }
    text
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

pub fn problems_of(list: &[studio_core::Problem]) -> Vec<FieldProblem> {
    list.iter()
        .map(|p| FieldProblem {
            field: p.field().to_owned(),
            message: p.to_string(),
        })
        .collect()
}

impl From<ProjectError> for ApiError {
    fn from(e: ProjectError) -> Self {
        let code = match e {
            ProjectError::Read { .. } | ProjectError::Write { .. } => ErrorCode::Io,
            ProjectError::Conflict { .. } => ErrorCode::Conflict,
            ProjectError::NewerVersion { .. } => ErrorCode::NewerVersion,
            _ => ErrorCode::InvalidProject,
        };
        ApiError {
            code,
            message: headline(&e, e.problems()),
            problems: problems_of(e.problems()),
        }
    }
}

/// The message of an error that lists problems: its first line, without the list, which
/// travels as `problems` (a printer or the window shows each once).
fn headline(e: &dyn std::fmt::Display, problems: &[studio_core::Problem]) -> String {
    let whole = e.to_string();
    if problems.is_empty() {
        return whole;
    }
    let first = whole.lines().next().unwrap_or_default();
    first.trim_end_matches(':').to_owned()
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        use studio_media::ErrorClass;
        let code = match e.class() {
            ErrorClass::InvalidApiKey => ErrorCode::InvalidKey,
            ErrorClass::Settings => ErrorCode::Settings,
            ErrorClass::UnsupportedModel => ErrorCode::UnsupportedModel,
            ErrorClass::QuotaExceeded => ErrorCode::QuotaExceeded,
            ErrorClass::Transient if matches!(e, MediaError::Provider { .. }) => {
                ErrorCode::Connection
            }
            _ => ErrorCode::Io,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let code = match &e {
            EngineError::Project(p) => return clone_project_error(p, &e),
            EngineError::NotFound { .. } => ErrorCode::NotFound,
            EngineError::Rejected { .. }
            | EngineError::Version { .. }
            | EngineError::NotIterable { .. } => ErrorCode::Rejected,
            EngineError::Connect { .. } | EngineError::DevServer(_) | EngineError::Rpc(_) => {
                ErrorCode::Connection
            }
            EngineError::JobFailed { .. } => ErrorCode::JobFailed,
            EngineError::JobCancelled { .. } => ErrorCode::JobCancelled,
            EngineError::Config(_) => ErrorCode::Settings,
            EngineError::Media(_) => ErrorCode::Io,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

/// `ProjectError` is not `Clone`; rebuild the parts the API needs.
fn clone_project_error(p: &ProjectError, whole: &EngineError) -> ApiError {
    ApiError {
        code: ErrorCode::InvalidProject,
        message: headline(whole, p.problems()),
        problems: problems_of(p.problems()),
    }
}

impl From<ApiError> for String {
    fn from(e: ApiError) -> String {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ipc_shape_is_pinned() {
        let e = ApiError {
            code: ErrorCode::InvalidProject,
            message: "project has 1 problem(s)".into(),
            problems: vec![FieldProblem {
                field: "scenarios[0].prompt".into(),
                message: "scenarios[0].prompt: empty prompt".into(),
            }],
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({
                "code": "invalidProject",
                "message": "project has 1 problem(s)",
                "problems": [{"field": "scenarios[0].prompt", "message": "scenarios[0].prompt: empty prompt"}]
            })
        );
    }

    #[test]
    fn engine_errors_keep_their_kind() {
        let e: ApiError = EngineError::Rejected {
            id: "j".into(),
            message: "unknown quality \"8k\"".into(),
        }
        .into();
        assert_eq!(e.code, ErrorCode::Rejected);
        assert!(e.message.contains("8k"));
    }
}
