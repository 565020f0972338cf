//! Watching a batch of character generations: the stream a job has ([`Studio::watch`]), for
//! batches. The Characters view (over a Tauri channel) and `studio characters generate --wait`
//! both follow a batch with [`Studio::watch_batch`], so neither polls on its own and both
//! file the finished characters the same way.

use std::time::Duration;

use crate::characters::BatchView;
use crate::error::ApiError;
use crate::{JobStatus, Studio};

impl Studio {
    /// Follows a batch until it ends: every `interval` files what it has finished into the
    /// library ([`Studio::sync_batch`]) and pushes its view to `on_change` when it changed (the
    /// first view always), then returns the last view, once the batch is no longer running
    /// (completed, failed, cancelled or terminated: the caller says which is an error). A
    /// failing look at the batch ends the watch with that error.
    pub async fn watch_batch(
        &self,
        id: &str,
        interval: Duration,
        mut on_change: impl FnMut(&BatchView) + Send,
    ) -> Result<BatchView, ApiError> {
        let mut tick = tokio::time::interval(interval);
        // A slow sync (fetching images) is not followed by a burst of catch-up syncs.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last: Option<BatchView> = None;
        loop {
            tick.tick().await;
            let view = self.sync_batch(id).await?;
            if last.as_ref() != Some(&view) {
                tracing::debug!(
                    batch = id, processed = view.processed, in_library = view.in_library,
                    status = %view.status, "batch progress pushed"
                );
                on_change(&view);
            }
            if view.status != JobStatus::Running {
                return Ok(view);
            }
            last = Some(view);
        }
    }
}
