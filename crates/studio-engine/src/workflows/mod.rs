//! Workflow code: deterministic orchestration only. No clocks, randomness or I/O here; all of
//! that happens in [`crate::activities`].

pub mod batch;
mod budget;
pub mod export;
pub mod story;
pub mod video;

pub use batch::BatchWorkflow;
pub use export::ExportWorkflow;
pub use story::StoryPlanWorkflow;
pub use video::VideoWorkflow;

use temporalio_sdk::{ActivityExecutionError, WorkflowContext, WorkflowTermination};

use crate::messages::RawArgs;

/// Turns an activity error into the workflow's outcome: cancelled if the workflow itself is being
/// cancelled, failed (with the activity's message) otherwise.
fn activity_failed<W>(
    ctx: &WorkflowContext<W>,
    err: ActivityExecutionError,
) -> WorkflowTermination {
    if matches!(err, ActivityExecutionError::Cancelled(_))
        && ctx.cancellation_token().is_cancelled()
    {
        WorkflowTermination::cancelled()
    } else {
        err.into()
    }
}

/// Says (in the worker's log) that a signal's payloads were ignored: `pause` and `resume`
/// take none, and act on their name whatever came with them.
fn ignored_args(signal: &str, args: &RawArgs) {
    if !args.is_nothing() {
        tracing::warn!(signal, ?args, "the signal takes no payload; ignored it");
    }
}
