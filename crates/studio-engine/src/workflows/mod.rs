//! Workflow code: deterministic orchestration only. No clocks, randomness or I/O here; all of
//! that happens in [`crate::activities`].

pub mod batch;
mod budget;
pub mod story;
pub mod video;

pub use batch::BatchWorkflow;
pub use story::StoryPlanWorkflow;
pub use video::VideoWorkflow;

use crate::messages::RawArgs;

/// Says (in the worker's log) that a signal's payloads were ignored: `pause` and `resume`
/// take none, and act on their name whatever came with them.
fn ignored_args(signal: &str, args: &RawArgs) {
    if !args.is_nothing() {
        tracing::warn!(signal, ?args, "the signal takes no payload; ignored it");
    }
}
