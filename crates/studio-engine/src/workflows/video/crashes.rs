//! Activities and dead workers: an activity whose retries ran out only because its workers died
//! is scheduled anew from its last checkpoint, and an activity's error becomes the job's end.

use temporalio_sdk::ActivityExecutionError;

pub(super) use super::super::activity_failed;

use crate::heartbeat::HeartbeatDetails;

/// When an activity ran out of attempts only because its workers died (its last attempt ended
/// in a heartbeat timeout and no attempt before it reported a provider error), the checkpoint
/// it last heartbeated (None inside if none). An activity whose provider failed too has spent
/// its retry budget on provider errors, and is not given a fresh one.
fn worker_died(
    err: &ActivityExecutionError,
    policy: Reschedule,
) -> Option<Option<serde_json::Value>> {
    use temporalio_common::protos::temporal::api::enums::v1::TimeoutType;
    use temporalio_common::protos::temporal::api::failure::v1::failure::FailureInfo;
    if !matches!(err, ActivityExecutionError::Failed(_)) {
        return None;
    }
    let mut cur = err.failure();
    while let Some(f) = cur {
        if let Some(FailureInfo::TimeoutFailureInfo(t)) = &f.failure_info {
            if t.timeout_type != TimeoutType::Heartbeat as i32 {
                return None;
            }
            let details = t
                .last_heartbeat_details
                .as_ref()
                .and_then(|d| d.payloads.first())
                .and_then(|p| HeartbeatDetails::from_json(&p.data))
                .unwrap_or_default();
            if policy.counts_provider_errors && details.provider_errors > 0 {
                return None;
            }
            return Some(details.checkpoint);
        }
        cur = f.cause.as_deref();
    }
    None
}

/// When an activity whose workers died is scheduled anew, fixed once per run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reschedule {
    /// How often (0 for jobs started before re-scheduling existed, which replay as they ran).
    pub(super) max: u32,
    /// Whether an earlier provider error rules it out (false for jobs started before that
    /// rule, which replay as they ran).
    pub(super) counts_provider_errors: bool,
}

/// Runs an activity (built by `run` from the checkpoint to resume from), scheduling it anew up
/// to `policy.max` times when its retry policy ran out on worker deaths alone: retries are for
/// provider errors, and a crashed machine must not fail the job.
pub(super) async fn surviving_crashes<T, F, Fut>(
    policy: Reschedule,
    mut run: F,
) -> Result<T, ActivityExecutionError>
where
    F: FnMut(Option<serde_json::Value>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ActivityExecutionError>>,
{
    let mut resume = None;
    let mut crashes = 0;
    loop {
        match run(resume.take()).await {
            Err(e) if crashes < policy.max => match worker_died(&e, policy) {
                Some(checkpoint) => {
                    crashes += 1;
                    resume = checkpoint;
                }
                None => return Err(e),
            },
            other => return other,
        }
    }
}
