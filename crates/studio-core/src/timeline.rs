//! A job's event history as a creator reads it: what happened, when, how long it took and why
//! it failed. Built from Temporal's history by the engine; shown by the window and the CLI.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum TimelineKind {
    Started,
    /// A step run by a worker (character images, a clip, stitch, 4K).
    Step,
    /// The artifact cache was consulted.
    Cache,
    Paused,
    Resumed,
    ScenarioAdded,
    QualityChanged,
    Regenerate,
    /// The creator approved more spending for a job with a budget.
    SpendApproved,
    Completed,
    Failed,
    Cancelled,
    /// Anything else the job recorded (terminated, timed out, continued as new, ...).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// Milliseconds since the job (this version's run) started.
    pub at_ms: u32,
    pub kind: TimelineKind,
    /// One line: "Clip scene-2 (take 2)", "Paused", "Quality changed to 4k".
    pub title: String,
    /// For steps: attempts, worker, queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For steps: how long the last attempt took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
    /// For steps: `running`, `completed`, `failed`, `timedOut`, `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Why it failed (the last attempt's error, or an earlier attempt's for a step that
    /// succeeded after retries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
