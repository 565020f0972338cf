//! What an activity's heartbeats carry. One type for the three that use it: the activity writes
//! it on every beat, its next attempt reads it to resume, and the workflow reads it from a
//! heartbeat timeout to schedule the work anew (see `workflows::video::crashes`). With one
//! shape they cannot disagree, as field names spelt out in three places could.

use serde::{Deserialize, Serialize};
use studio_media::TaskProgress;

/// The details of a heartbeat: `{"checkpoint": …, "fraction": …, "providerErrors": n}`.
///
/// This is the JSON earlier releases wrote with `json!`, to the byte (fields in that order,
/// `fraction` as the `f64` that `json!` made of the task's `f32`): activities still running
/// from before and the heartbeat details in recorded histories read the same. A heartbeat from
/// before `providerErrors` existed has no such field and reads as 0; the field names are
/// [`crate::names::HEARTBEAT_CHECKPOINT`] and [`crate::names::HEARTBEAT_PROVIDER_ERRORS`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatDetails {
    /// The provider's checkpoint (e.g. a Veo operation name), where a new attempt resumes;
    /// None (`null`) before the provider has one.
    #[serde(default)]
    pub checkpoint: Option<serde_json::Value>,
    /// How far the task is, 0 to 1.
    #[serde(default)]
    pub fraction: f64,
    /// Attempts of this activity that ended in a provider error. Every beat carries the count,
    /// so a death after them tells the workflow its retries were not all spent by crashes.
    #[serde(default)]
    pub provider_errors: u64,
}

impl HeartbeatDetails {
    /// A beat reporting `progress` after `provider_errors` provider errors.
    pub fn new(progress: TaskProgress, provider_errors: u64) -> Self {
        HeartbeatDetails {
            checkpoint: progress.checkpoint,
            fraction: f64::from(progress.fraction),
            provider_errors,
        }
    }

    /// The details a heartbeat payload holds; None when it holds something else, which is as
    /// good as no heartbeat (nothing to resume from, no provider error known).
    pub fn from_json(data: &[u8]) -> Option<Self> {
        serde_json::from_slice(data).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names;

    /// What every release so far wrote, byte for byte, read and written back unchanged.
    #[test]
    fn reads_and_writes_the_json_earlier_releases_wrote() {
        let beats: [&[u8]; 3] = [
            br#"{"checkpoint":null,"fraction":0.0,"providerErrors":0}"#,
            br#"{"checkpoint":{"interaction":"v1_2d6b","route":"interactions"},"fraction":0.38571426272392273,"providerErrors":2}"#,
            br#"{"checkpoint":"operations/abc","fraction":1.0,"providerErrors":1}"#,
        ];
        for beat in beats {
            let details = HeartbeatDetails::from_json(beat).expect("reads");
            assert_eq!(
                serde_json::to_vec(&details).unwrap(),
                beat,
                "{}",
                String::from_utf8_lossy(beat)
            );
        }
        let d = HeartbeatDetails::from_json(beats[1]).unwrap();
        assert_eq!(d.provider_errors, 2);
        assert_eq!(
            d.checkpoint.unwrap()["interaction"],
            serde_json::json!("v1_2d6b")
        );
    }

    /// The first releases' beats had no provider-error count, and a null checkpoint is none.
    #[test]
    fn a_beat_from_before_provider_errors_reads_as_none() {
        let d = HeartbeatDetails::from_json(br#"{"checkpoint":null,"fraction":0.5}"#).unwrap();
        assert_eq!(
            d,
            HeartbeatDetails {
                checkpoint: None,
                fraction: 0.5,
                provider_errors: 0
            }
        );
        assert_eq!(HeartbeatDetails::from_json(b"7"), None);
    }

    /// A beat is made of the task's progress as `json!` made it: the `f32` fraction widened,
    /// the fields under their wire names.
    #[test]
    fn a_beat_is_the_tasks_progress_under_the_wire_names() {
        let progress = TaskProgress {
            fraction: 0.3857143,
            checkpoint: Some(serde_json::json!("operations/x")),
        };
        let beat = serde_json::to_value(HeartbeatDetails::new(progress.clone(), 3)).unwrap();
        let old = serde_json::json!({
            "fraction": progress.fraction,
            names::HEARTBEAT_CHECKPOINT: progress.checkpoint,
            names::HEARTBEAT_PROVIDER_ERRORS: 3u64,
        });
        assert_eq!(beat, old);
        assert_eq!(beat.to_string(), old.to_string());
    }
}
