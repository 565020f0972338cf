//! What a long media task gets from its caller: a cancellation token and a progress channel.
//!
//! The engine bridges these to Temporal (cancellation arrives through heartbeats; progress and
//! resume checkpoints leave through them), so media code never sees Temporal.

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Latest progress of a task: a fraction in 0..=1 and an optional provider checkpoint (e.g. a
/// long-running operation name) that lets a retried attempt resume instead of starting over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskProgress {
    pub fraction: f32,
    pub checkpoint: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct TaskCtx {
    pub cancel: CancellationToken,
    progress: watch::Sender<TaskProgress>,
    /// Checkpoint left by a previous attempt, if any.
    pub resume: Option<serde_json::Value>,
}

impl TaskCtx {
    pub fn new(cancel: CancellationToken, resume: Option<serde_json::Value>) -> Self {
        // Carry the previous attempt's checkpoint forward until the provider replaces it, so a
        // second crash does not lose the first operation.
        let (progress, _) = watch::channel(TaskProgress {
            fraction: 0.0,
            checkpoint: resume.clone(),
        });
        TaskCtx {
            cancel,
            progress,
            resume,
        }
    }

    /// A context that is never cancelled and whose progress nobody reads (tests, benches).
    pub fn detached() -> Self {
        Self::new(CancellationToken::new(), None)
    }

    pub fn subscribe(&self) -> watch::Receiver<TaskProgress> {
        self.progress.subscribe()
    }

    pub fn report(&self, fraction: f32) {
        self.progress
            .send_modify(|p| p.fraction = fraction.clamp(0.0, 1.0));
    }

    pub fn checkpoint(&self, value: serde_json::Value) {
        self.progress.send_modify(|p| p.checkpoint = Some(value));
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}
