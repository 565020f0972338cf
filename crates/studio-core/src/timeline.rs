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

/// One line of a job's timeline. Made from the history each time it is shown and never stored,
/// so every field is always written (null when it does not apply): one exact type for the
/// window.
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
    pub detail: Option<String>,
    /// For steps: how long the last attempt took.
    pub duration_ms: Option<u32>,
    /// For steps: `running`, `completed`, `failed`, `timedOut`, `cancelled`.
    pub outcome: Option<String>,
    /// Why it failed (the last attempt's error, or an earlier attempt's for a step that
    /// succeeded after retries).
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_writes_every_field_and_reads_one_without_them() {
        let entry = TimelineEntry {
            at_ms: 5,
            kind: TimelineKind::Paused,
            title: "Paused".into(),
            detail: None,
            duration_ms: None,
            outcome: None,
            error: None,
        };
        let json = r#"{"atMs":5,"kind":"paused","title":"Paused","detail":null,"durationMs":null,"outcome":null,"error":null}"#;
        assert_eq!(serde_json::to_string(&entry).unwrap(), json);
        // As releases before this one wrote it (`studio --json` output kept by a script).
        let older = r#"{"atMs":5,"kind":"paused","title":"Paused"}"#;
        assert_eq!(serde_json::from_str::<TimelineEntry>(older).unwrap(), entry);
    }
}
