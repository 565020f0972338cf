//! What `getProgress` answers: the seed's `{stage, percentage, currentStep}` plus per-segment
//! states for the studio's segment strip.

use serde::{Deserialize, Serialize};

use crate::quality::Quality;
use crate::takes::{Take, Usage};

/// Pipeline stage of a render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Initializing,
    GeneratingCharacter,
    GeneratingVideos,
    Stitching,
    Enhancing,
    Completed,
}

impl Stage {
    /// The seed's progress milestones: character 10 %, segments 30→80 %, stitch 80 %,
    /// enhance 90 %, done 100 %.
    pub fn base_percentage(self) -> u8 {
        match self {
            Stage::Initializing => 0,
            Stage::GeneratingCharacter => 10,
            Stage::GeneratingVideos => 30,
            Stage::Stitching => 80,
            Stage::Enhancing => 90,
            Stage::Completed => 100,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SegmentStatus {
    #[default]
    Pending,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SegmentState {
    pub id: String,
    pub prompt: String,
    pub status: SegmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every clip made for this scenario, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub takes: Vec<Take>,
    /// The take in use (`clip_url` is its clip); 0 before the first one is made.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub take: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub stage: Stage,
    pub percentage: u8,
    pub current_step: String,
    #[serde(default)]
    pub segments: Vec<SegmentState>,
    #[serde(default)]
    pub paused: bool,
    #[serde(default)]
    pub quality: Quality,
    /// The version this run makes (1 for a first render).
    #[serde(default = "first_version")]
    pub version: u32,
    /// What the job has generated so far, all versions included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<Usage>,
}

fn first_version() -> u32 {
    1
}

impl Progress {
    /// Percentage while clips are being generated: 30 % plus 50 % spread over finished clips.
    pub fn segments_percentage(done: usize, total: usize) -> u8 {
        if total == 0 {
            return Stage::GeneratingVideos.base_percentage();
        }
        (30 + (50 * done.min(total)) / total) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_percentage_spans_30_to_80() {
        assert_eq!(Progress::segments_percentage(0, 7), 30);
        assert_eq!(Progress::segments_percentage(7, 7), 80);
        assert!(Progress::segments_percentage(3, 7) > 30);
    }

    #[test]
    fn serializes_with_seed_field_names() {
        let p = Progress {
            stage: Stage::Stitching,
            percentage: 80,
            current_step: "Stitching 3 clips".into(),
            ..Default::default()
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["stage"], "stitching");
        assert_eq!(v["percentage"], 80);
        assert_eq!(v["currentStep"], "Stitching 3 clips");
    }
}
