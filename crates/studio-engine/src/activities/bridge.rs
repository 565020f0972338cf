//! How an activity runs media work: a [`TaskCtx`] bridged to the activity (heartbeats carry
//! progress and the provider's checkpoint, a cancellation reaches the task), and a media error
//! turned into the failure Temporal records, typed by class for the retry policy. Every
//! activity that calls a provider or ffmpeg (render, story, sound) runs through [`bridged`].

use std::future::Future;
use std::time::Duration;

use studio_media::{MediaError, TaskCtx, TaskProgress};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::ApplicationFailure;
use tokio_util::sync::CancellationToken;

use crate::heartbeat::HeartbeatDetails;
use crate::metrics::StudioMetrics;

/// Runs `work` bridged to the activity ([`run_task`]), its error counted (a cancellation is
/// not an error) and typed by class for the retry policy: how every activity that calls a
/// provider or ffmpeg runs.
pub(crate) async fn bridged<T, F, Fut>(
    ctx: &ActivityContext,
    every: Duration,
    resume: Option<serde_json::Value>,
    metrics: &StudioMetrics,
    work: F,
) -> Result<T, ActivityError>
where
    F: FnOnce(TaskCtx) -> Fut,
    Fut: Future<Output = Result<T, MediaError>>,
{
    run_task(ctx, every, resume, work).await.map_err(|err| {
        if !matches!(err, MediaError::Cancelled) {
            metrics.provider_error(err.class().type_name());
        }
        to_activity_error(err)
    })
}

/// Turns a media error into the failure Temporal records, typed by class.
pub(crate) fn to_activity_error(err: MediaError) -> ActivityError {
    let class = err.class();
    if matches!(err, MediaError::Cancelled) {
        return ActivityError::cancelled();
    }
    tracing::warn!(error = %err, class = class.type_name(), "activity failed");
    let failure = ApplicationFailure::builder(err.to_string())
        .type_name(class.type_name().to_owned())
        .non_retryable(!class.is_retryable())
        .maybe_next_retry_delay(err.retry_after())
        .build();
    ActivityError::application(failure)
}

/// Runs `work` with a [`TaskCtx`] bridged to the activity: heartbeats carry progress and the
/// provider checkpoint, and an activity cancellation cancels the task.
async fn run_task<T, F, Fut>(
    ctx: &ActivityContext,
    every: Duration,
    fallback_resume: Option<serde_json::Value>,
    work: F,
) -> Result<T, MediaError>
where
    F: FnOnce(TaskCtx) -> Fut,
    Fut: Future<Output = Result<T, MediaError>>,
{
    let last = ctx
        .heartbeat_details()
        .deserialize::<HeartbeatDetails>()
        .ok()
        .flatten()
        .unwrap_or_default();
    let resume = last.checkpoint.or(fallback_resume);
    // Earlier attempts of this activity that ended in a provider error: every heartbeat carries
    // the count, so a later death tells the workflow its retries were not all spent by crashes.
    let provider_errors = last.provider_errors;
    let task = TaskCtx::new(CancellationToken::new(), resume);
    let heartbeat = beat_until_cancelled(ctx, every, &task, provider_errors);
    let result = tokio::select! {
        r = work(task.clone()) => r,
        () = heartbeat => Err(MediaError::Cancelled),
    };
    if ctx.is_cancelled() && result.is_err() {
        return Err(MediaError::Cancelled);
    }
    if let Err(e) = &result {
        if !matches!(e, MediaError::Cancelled) {
            // Reported with the failure (the core sends the last details along with it), so
            // the next attempt, and a timeout after it, still carry this attempt's error.
            let progress = task.subscribe().borrow().clone();
            record(ctx, HeartbeatDetails::new(progress, provider_errors + 1)).await;
        }
    }
    result
}

/// Heartbeats `task`'s progress every `every` (and at once when its checkpoint changes) until
/// the activity is cancelled, then cancels the task and returns; never returns otherwise.
async fn beat_until_cancelled(
    ctx: &ActivityContext,
    every: Duration,
    task: &TaskCtx,
    provider_errors: u64,
) {
    let mut progress = task.subscribe();
    // The first beat after one period, not at once: an activity done sooner (a cache hit, the
    // bench provider) costs the server no heartbeat write at all.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        // Beat on every tick, and at once when a checkpoint arrives: an operation name must
        // reach the server before a crash can lose it.
        tokio::select! {
            _ = tick.tick() => {}
            () = checkpoint_changed(&mut progress) => {}
        }
        if ctx.is_cancelled() {
            task.cancel.cancel();
            return;
        }
        let beat = HeartbeatDetails::new(progress.borrow_and_update().clone(), provider_errors);
        record(ctx, beat).await;
    }
}

/// Resolves once the task's checkpoint differs from what it is now (never if the task is gone).
async fn checkpoint_changed(progress: &mut tokio::sync::watch::Receiver<TaskProgress>) {
    let before = progress.borrow().checkpoint.clone();
    loop {
        if progress.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
        if progress.borrow().checkpoint != before {
            return;
        }
    }
}

/// Sends one heartbeat; a heartbeat that cannot be sent is logged, never the task's end.
async fn record(ctx: &ActivityContext, details: HeartbeatDetails) {
    if let Err(e) = ctx.record_heartbeat(details).await {
        tracing::warn!(error = %e, "heartbeat failed");
    }
}
