//! What `getProgress` answers: the seed's `{stage, percentage, currentStep}` plus per-segment
//! states for the studio's segment strip.

use serde::{Deserialize, Serialize};

use crate::Usd;

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
    /// Mixing sound: the spoken lines, music and clips' sound mixed, normalised and muxed
    /// with captions, after the picture is final (a render with a sound plan only).
    Mixing,
    Completed,
}

impl Stage {
    /// The seed's progress milestones: character 10 %, segments 30→80 %, stitch 80 %,
    /// enhance 90 %, done 100 %; the sound's mix (which the seed had not) after the enhance,
    /// at 95 %.
    pub fn base_percentage(self) -> u8 {
        match self {
            Stage::Initializing => 0,
            Stage::GeneratingCharacter => 10,
            Stage::GeneratingVideos => 30,
            Stage::Stitching => 80,
            Stage::Enhancing => 90,
            Stage::Mixing => 95,
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

/// One scenario of a job as it stands. Part of every job's result ([`crate::VideoResult`]),
/// which its history records: its optional fields are left out when empty, as the results of
/// earlier releases were written and are read again (so the window's type has them optional).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SegmentState {
    pub id: String,
    pub prompt: String,
    pub status: SegmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub clip_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
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

/// What `getProgress` answers. The fields after `currentStep` read as their defaults when
/// absent, so the window's type has them optional: a worker of the seed design answers its three
/// fields only, and one of an earlier release had no `version`, `usage` or `budget`; the last
/// two are also left out when empty, so a seed client reads its own shape.
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
    /// Spending against what the creator approved (None: the job has no budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = BudgetState))]
    pub budget: Option<BudgetState>,
}

/// A job's spending against the amount the creator approved. Amounts are at the model table's
/// list prices, fixed when the job was planned; what is spent is what finished paid steps were
/// billed (a refused or failed generation costs nothing, and a clip resumed after a crash is
/// counted once).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BudgetState {
    /// The project's budget plus every approval since.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub approved_usd: Usd,
    /// What this run's finished paid steps cost.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub spent_usd: Usd,
    /// Paid steps running now, at their expected price.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub in_flight_usd: Usd,
    /// The price of the next paid step, when it would cross the approved amount: the job waits
    /// for an approval of at least this much more (None: not waiting).
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub waiting_for_usd: Option<Usd>,
    /// What that step is ("the character's images", "a clip of scene-2").
    pub waiting_step: Option<String>,
}

impl BudgetState {
    /// How much more must be approved for the waiting step to start (zero when not waiting).
    pub fn shortfall(&self) -> Usd {
        match self.waiting_for_usd {
            Some(next) => {
                (self.spent_usd + self.in_flight_usd + next).saturating_sub(self.approved_usd)
            }
            None => Usd::ZERO,
        }
    }
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
