//! Timeouts, retry policies and concurrency of the render workflows, in one place.
//!
//! The defaults are the seed design's values. A client may send overrides inside the workflow
//! input (settings and tests shorten them), which keeps workflow code deterministic: it reads
//! only its input, never the environment.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_media::error::NON_RETRYABLE_ERROR_TYPES;
use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityCancellationType, ActivityOptions};

/// A retry policy as plain numbers (serializable, so it can travel in workflow input).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    pub initial_ms: u64,
    pub backoff: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_interval_ms: Option<u64>,
    pub max_attempts: u32,
}

impl Retry {
    fn policy(&self) -> RetryPolicy {
        RetryPolicy::builder()
            .initial_interval(Duration::from_millis(self.initial_ms))
            .backoff_coefficient(self.backoff)
            .maybe_maximum_interval(self.max_interval_ms.map(Duration::from_millis))
            .maximum_attempts(self.max_attempts)
            .non_retryable_error_types(NON_RETRYABLE_ERROR_TYPES)
            .build()
    }
}

/// Timeouts of one activity type, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityTuning {
    pub start_to_close_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_to_close_ms: Option<u64>,
    /// Without a heartbeat timeout a crashed worker's attempt is only noticed at start-to-close,
    /// and cancellation cannot reach the activity promptly.
    pub heartbeat_ms: u64,
    pub retry: Retry,
}

impl ActivityTuning {
    pub fn options(&self) -> ActivityOptions {
        let start = Duration::from_millis(self.start_to_close_ms);
        let timeouts = match self.schedule_to_close_ms {
            Some(total) => temporalio_sdk::ActivityCloseTimeouts::ScheduleAndStartToClose {
                schedule_to_close: Duration::from_millis(total),
                start_to_close: start,
            },
            None => temporalio_sdk::ActivityCloseTimeouts::StartToClose(start),
        };
        ActivityOptions::with_close_timeouts(timeouts)
            .heartbeat_timeout(Duration::from_millis(self.heartbeat_ms))
            .retry_policy(self.retry.policy())
            // Wait for the activity to acknowledge cancellation so its cleanup (killing ffmpeg,
            // deleting partial files) finishes before the workflow reports it cancelled.
            .cancellation_type(ActivityCancellationType::WaitCancellationCompleted)
            .build()
    }
}

/// Timeouts of a local activity (the plan, the cache lookup): it runs on the workflow's worker,
/// retried there with the policy below until `schedule_to_close_ms` runs out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalTuning {
    pub start_to_close_ms: u64,
    pub schedule_to_close_ms: u64,
    pub retry: Retry,
}

impl LocalTuning {
    pub fn local_options(&self) -> temporalio_sdk::LocalActivityOptions {
        temporalio_sdk::LocalActivityOptions::builder()
            .start_to_close_timeout(Duration::from_millis(self.start_to_close_ms))
            .schedule_to_close_timeout(Duration::from_millis(self.schedule_to_close_ms))
            .retry_policy(self.retry.policy())
            .build()
    }
}

/// All tunables of a render.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Tuning {
    /// Clips generated at once per job.
    pub max_parallel_segments: u32,
    /// How often a job schedules an activity anew after its retry policy ran out on worker
    /// deaths alone (every attempt ended in a heartbeat timeout). Retries are for provider
    /// errors; a crashed machine should not spend them.
    pub max_crash_reschedules: u32,
    pub character: ActivityTuning,
    pub segment: ActivityTuning,
    pub stitch: ActivityTuning,
    pub enhance: ActivityTuning,
    /// One voice-over line or music cue (a paid call, seconds long).
    pub speech: ActivityTuning,
    /// The sound mix under the finished picture (ffmpeg, no video frame re-encoded).
    pub mix: ActivityTuning,
    /// The plan: listing the key's models (once per worker, then cached) and checking rules.
    pub plan: LocalTuning,
    /// The artifact-cache lookup; a lookup that fails is a miss, so it is retried little.
    pub cache_lookup: LocalTuning,
}

const SEC: u64 = 1000;
const MIN: u64 = 60 * SEC;

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            max_parallel_segments: 4,
            max_crash_reschedules: 10,
            character: ActivityTuning {
                start_to_close_ms: 10 * MIN,
                schedule_to_close_ms: None,
                heartbeat_ms: 2 * MIN,
                retry: Retry {
                    initial_ms: 5 * SEC,
                    backoff: 2.0,
                    max_interval_ms: None,
                    max_attempts: 3,
                },
            },
            segment: ActivityTuning {
                start_to_close_ms: 15 * MIN,
                schedule_to_close_ms: Some(120 * MIN),
                heartbeat_ms: 2 * MIN,
                retry: Retry {
                    initial_ms: 10 * SEC,
                    backoff: 2.0,
                    max_interval_ms: Some(5 * MIN),
                    max_attempts: 5,
                },
            },
            stitch: ActivityTuning {
                start_to_close_ms: 5 * MIN,
                schedule_to_close_ms: None,
                heartbeat_ms: MIN,
                retry: Retry {
                    initial_ms: 5 * SEC,
                    backoff: 2.0,
                    max_interval_ms: None,
                    max_attempts: 3,
                },
            },
            enhance: ActivityTuning {
                start_to_close_ms: 20 * MIN,
                schedule_to_close_ms: None,
                heartbeat_ms: 2 * MIN,
                retry: Retry {
                    initial_ms: 10 * SEC,
                    backoff: 2.0,
                    max_interval_ms: None,
                    max_attempts: 3,
                },
            },
            speech: ActivityTuning {
                start_to_close_ms: 5 * MIN,
                schedule_to_close_ms: Some(60 * MIN),
                heartbeat_ms: MIN,
                retry: Retry {
                    initial_ms: 5 * SEC,
                    backoff: 2.0,
                    max_interval_ms: Some(5 * MIN),
                    max_attempts: 5,
                },
            },
            mix: ActivityTuning {
                start_to_close_ms: 10 * MIN,
                schedule_to_close_ms: None,
                heartbeat_ms: MIN,
                retry: Retry {
                    initial_ms: 5 * SEC,
                    backoff: 2.0,
                    max_interval_ms: None,
                    max_attempts: 3,
                },
            },
            plan: LocalTuning {
                start_to_close_ms: 2 * MIN,
                schedule_to_close_ms: 5 * MIN,
                retry: Retry {
                    initial_ms: SEC,
                    backoff: 2.0,
                    max_interval_ms: Some(30 * SEC),
                    max_attempts: 4,
                },
            },
            cache_lookup: LocalTuning {
                start_to_close_ms: MIN,
                schedule_to_close_ms: 2 * MIN,
                retry: Retry {
                    initial_ms: SEC,
                    backoff: 2.0,
                    max_interval_ms: None,
                    max_attempts: 2,
                },
            },
        }
    }
}

impl Tuning {
    /// Short timeouts and retries for tests and demos: crashed attempts are retried within
    /// seconds instead of minutes.
    pub fn fast() -> Self {
        let mut t = Tuning::default();
        for a in [
            &mut t.character,
            &mut t.segment,
            &mut t.stitch,
            &mut t.enhance,
            &mut t.speech,
            &mut t.mix,
        ] {
            a.heartbeat_ms = 3 * SEC;
            a.retry.initial_ms = 200;
            a.retry.max_interval_ms = Some(SEC);
        }
        t.plan.retry.initial_ms = 200;
        t.plan.retry.max_interval_ms = Some(SEC);
        t
    }
}

/// Timeouts and retries of a planning job (`storyPlanWorkflow`), and how long an answer may be.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StoryTuning {
    /// One question to the text model. Retried only for retryable errors (a 429 after its
    /// `RetryInfo` delay, a 5xx, a dropped connection): Google bills no failed call, and an
    /// answer once returned is recorded and never asked again.
    pub ask: ActivityTuning,
    /// The most tokens an answer may take, thinking included (`maxOutputTokens`): what bounds
    /// an answer's price, so the estimate can promise it.
    pub max_output_tokens: u32,
}

impl Default for StoryTuning {
    fn default() -> Self {
        StoryTuning {
            // A Flash model thinks and writes a 20,000-character story's plan in about a
            // minute; a Pro model in a few.
            ask: ActivityTuning {
                start_to_close_ms: 10 * MIN,
                schedule_to_close_ms: Some(30 * MIN),
                heartbeat_ms: MIN,
                retry: Retry {
                    initial_ms: 5 * SEC,
                    backoff: 2.0,
                    max_interval_ms: Some(2 * MIN),
                    max_attempts: 4,
                },
            },
            // A plan of the most shots a project holds (50 shots of about 150 tokens, the cast
            // and places) and the thinking before it fit with room to spare.
            max_output_tokens: 32_768,
        }
    }
}

impl StoryTuning {
    /// Short timeouts for tests: a crashed attempt is retried within seconds.
    pub fn fast() -> Self {
        let mut t = StoryTuning::default();
        t.ask.heartbeat_ms = 3 * SEC;
        t.ask.retry.initial_ms = 200;
        t.ask.retry.max_interval_ms = Some(2 * SEC);
        t
    }
}

/// Timeouts and retries of an export (`exportFilm`): plain ffmpeg work on files the render
/// made, so a retry is cheap and a crashed worker's attempt is noticed by its heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExportTuning {
    /// The film re-encoded at the preset's size: a 4K master of a long film takes minutes on a
    /// laptop, so the budget is generous; the heartbeat is what notices a dead worker.
    pub render: ActivityTuning,
    /// The package: title cards encoded, timeline files written (seconds).
    pub package: ActivityTuning,
}

impl Default for ExportTuning {
    fn default() -> Self {
        let retry = Retry {
            initial_ms: 5 * SEC,
            backoff: 2.0,
            max_interval_ms: Some(MIN),
            max_attempts: 3,
        };
        ExportTuning {
            render: ActivityTuning {
                start_to_close_ms: 60 * MIN,
                schedule_to_close_ms: None,
                heartbeat_ms: MIN,
                retry,
            },
            package: ActivityTuning {
                start_to_close_ms: 10 * MIN,
                schedule_to_close_ms: None,
                heartbeat_ms: MIN,
                retry,
            },
        }
    }
}

impl ExportTuning {
    /// Short heartbeats and retries for tests: a crashed attempt is retried within seconds.
    pub fn fast() -> Self {
        let mut t = ExportTuning::default();
        for a in [&mut t.render, &mut t.package] {
            a.heartbeat_ms = 3 * SEC;
            a.retry.initial_ms = 200;
            a.retry.max_interval_ms = Some(SEC);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seed_values() {
        let t = Tuning::default();
        assert_eq!(t.max_parallel_segments, 4);
        assert_eq!(t.character.start_to_close_ms, 600_000);
        assert_eq!(t.character.retry.max_attempts, 3);
        assert_eq!(t.segment.schedule_to_close_ms, Some(7_200_000));
        assert_eq!(t.segment.retry.max_interval_ms, Some(300_000));
        assert_eq!(t.segment.retry.max_attempts, 5);
        assert_eq!(t.stitch.start_to_close_ms, 300_000);
        assert_eq!(t.enhance.start_to_close_ms, 1_200_000);
    }

    #[test]
    fn partial_overrides_keep_other_defaults() {
        let t: Tuning = serde_json::from_str(r#"{"maxParallelSegments": 2}"#).unwrap();
        assert_eq!(t.max_parallel_segments, 2);
        assert_eq!(t.segment, Tuning::default().segment);
    }
}
