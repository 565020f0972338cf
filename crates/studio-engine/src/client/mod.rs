//! Client operations: start, watch, steer and list renders. The CLI and the window both call
//! these; neither talks to Temporal directly.
//!
//! [`Endpoint`]: where Temporal is and how to reach it; the [`StudioClient`] operations by area:
//! `render` (start and steer a render), `read` (its progress, result, history, the job list),
//! `batch` (character batches) and `queue` (who polls and what waits).

mod batch;
mod endpoint;
mod export;
mod queue;
mod read;
mod render;
mod story;

use temporalio_client::errors::{
    WorkflowGetResultError, WorkflowInteractionError, WorkflowStartError, WorkflowUpdateError,
};
use temporalio_client::{Client, WorkflowExecutionStatus, WorkflowStartOptions};

use studio_core::JobStatus;

use crate::error::{EngineError, Result};
use crate::messages::RawArgs;

pub(crate) use endpoint::namespace_ready;
pub use endpoint::{key_bound_to, temporal_env, Endpoint};
pub use export::EXPORT_QUERY_WAIT;
pub use queue::QueueStatus;
pub use read::{JobSummary, QUEUED_CHECK_AFTER};
pub use story::STORY_QUERY_WAIT;

/// A Temporal client bound to the studio's task queue.
#[derive(Clone)]
pub struct StudioClient {
    client: Client,
    task_queue: String,
}

/// A start refused: [`EngineError::AlreadyExists`] when a job runs under `id` (starts are
/// idempotent by id: never a second paid job), else the server's error.
fn start_error(id: &str, e: WorkflowStartError) -> EngineError {
    match e {
        WorkflowStartError::AlreadyStarted { .. } => EngineError::AlreadyExists { id: id.into() },
        other => EngineError::Rpc(other.to_string()),
    }
}

fn interaction(id: &str, e: WorkflowInteractionError) -> EngineError {
    match e {
        WorkflowInteractionError::NotFound(_) => EngineError::NotFound { id: id.into() },
        other => EngineError::Rpc(other.to_string()),
    }
}

fn status_of(s: WorkflowExecutionStatus) -> JobStatus {
    match s {
        WorkflowExecutionStatus::Running => JobStatus::Running,
        WorkflowExecutionStatus::Completed => JobStatus::Completed,
        WorkflowExecutionStatus::Failed => JobStatus::Failed,
        WorkflowExecutionStatus::Canceled => JobStatus::Canceled,
        WorkflowExecutionStatus::Terminated => JobStatus::Terminated,
        WorkflowExecutionStatus::ContinuedAsNew => JobStatus::ContinuedAsNew,
        WorkflowExecutionStatus::TimedOut => JobStatus::TimedOut,
        _ => JobStatus::Unknown,
    }
}

/// Why waiting for a job's result ended without one. Only the job's own end is a failure: a
/// server that went away or a broken connection is an RPC error the caller may retry (a
/// `studio render` reporting "job failed" for a restarting server would be a lie chaos found).
fn result_error(id: &str, e: WorkflowGetResultError) -> EngineError {
    let failed = |message: String| EngineError::JobFailed {
        id: id.into(),
        message,
    };
    match e {
        WorkflowGetResultError::Failed(f) => failed(failure_message(f.failure())),
        WorkflowGetResultError::Cancelled { .. } => EngineError::JobCancelled { id: id.into() },
        WorkflowGetResultError::Terminated { .. } => failed("it was terminated".into()),
        WorkflowGetResultError::TimedOut => failed("it timed out".into()),
        WorkflowGetResultError::NotFound(_) => EngineError::NotFound { id: id.into() },
        other => EngineError::Rpc(other.to_string()),
    }
}

/// An update's error: a refusal (validator or handler) is the job's answer, not a failure.
fn update_error(id: &str, e: WorkflowUpdateError) -> EngineError {
    match e {
        WorkflowUpdateError::NotFound(_) => EngineError::NotFound { id: id.into() },
        WorkflowUpdateError::Failed(f) => EngineError::Rejected {
            id: id.into(),
            message: failure_message(&f),
        },
        other => EngineError::Rpc(other.to_string()),
    }
}

/// The message of a failure, following causes down to the activity's own error.
fn failure_message(
    mut f: &temporalio_common::protos::temporal::api::failure::v1::Failure,
) -> String {
    let mut parts = vec![f.message.clone()];
    while let Some(cause) = f.cause.as_deref() {
        parts.push(cause.message.clone());
        f = cause;
    }
    parts.retain(|p| !p.is_empty());
    parts.dedup();
    parts.join(": ")
}

/// A message as the workflow's handlers take it (any JSON, decoded and checked there).
fn to_value(v: &impl serde::Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| EngineError::Rpc(format!("encoding a message: {e}")))
}

/// `v` as the one JSON payload of a message whose handler takes [`RawArgs`].
fn raw_json(v: &impl serde::Serialize) -> Result<RawArgs> {
    RawArgs::json(v).map_err(|e| EngineError::Rpc(format!("encoding a message: {e}")))
}

impl StudioClient {
    pub fn new(client: Client, task_queue: impl Into<String>) -> Self {
        StudioClient {
            client,
            task_queue: task_queue.into(),
        }
    }

    pub async fn connect(endpoint: &Endpoint, task_queue: impl Into<String>) -> Result<Self> {
        Ok(Self::new(endpoint.connect().await?, task_queue))
    }

    pub fn raw(&self) -> &Client {
        &self.client
    }

    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    fn start_options(&self, id: &str) -> WorkflowStartOptions {
        WorkflowStartOptions::new(self.task_queue.clone(), id.to_owned()).build()
    }
}
