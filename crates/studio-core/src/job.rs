//! Wire shapes of a render: what a client sends to `ultraRealisticVideoWorkflow` and gets back.
//!
//! These are the seed design's JSON shapes (camelCase), kept exactly so a client written against
//! the original TypeScript design works unchanged against our worker. Every media field is an
//! artifact URI, never bytes: Temporal payloads are limited to 2 MB.

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::progress::SegmentState;
use crate::quality::{AspectRatio, Quality};
use crate::scenario::Scenario;
use crate::shot::Element;
use crate::sound::{SoundPlan, Stems};
use crate::takes::{Usage, Version};

/// Input of `ultraRealisticVideoWorkflow`: what a client asks a render of.
///
/// A second shape of a project, kept because it is the seed design's wire shape, which seed
/// clients send and every job's history records (so it must read and write to the byte as it
/// always did): the project's parts ([`Character`], [`Scenario`]) as a render takes them, their
/// reference images as artifact URIs, with no file `version` and no `budget` (the engine's
/// input carries that beside the request). A project becomes one only through
/// [`crate::Project::to_request`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VideoRequest {
    /// The lead: in every scene that names no cast.
    pub character: Character<String>,
    /// The other characters, for scenes that name them in their `cast` (absent for one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast: Vec<Character<String>>,
    pub scenarios: Vec<Scenario<Option<String>>>,
    #[serde(default)]
    pub quality: Quality,
    #[serde(default)]
    pub aspect_ratio: AspectRatio,
    /// The locations and props scenes name, with their reference images as artifact URIs
    /// (absent when there are none, as in every request made before they existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<Element<String>>,
    /// The film's spoken lines, music and mix (absent for a project with no dialogue,
    /// narration or music, as in every request made before sound existed: its clips' own
    /// sound is the film's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = SoundPlan))]
    pub sound: Option<SoundPlan>,
    /// The cut: trims, transitions, reframes and title cards (absent when every shot plays
    /// whole and cuts to the next, as in every request made before the cut existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = crate::cut::CutPlan))]
    pub cut: Option<crate::cut::CutPlan>,
}

impl VideoRequest {
    /// Who is in `scenario`, as indices into the lead (0) and `cast` (1..), in the order the
    /// scenario names them; the lead alone when it names nobody (or nobody this job knows).
    pub fn scene_cast(&self, scenario: &Scenario<Option<String>>) -> Vec<usize> {
        let index_of = |id: &str| {
            if self.character.id.as_deref() == Some(id) {
                return Some(0);
            }
            self.cast
                .iter()
                .position(|c| c.id.as_deref() == Some(id))
                .map(|i| i + 1)
        };
        let mut found: Vec<usize> = Vec::new();
        for i in scenario.cast.iter().filter_map(|id| index_of(id)) {
            if !found.contains(&i) {
                found.push(i);
            }
        }
        if found.is_empty() {
            found.push(0);
        }
        found
    }
}

/// The three angles generated for a character, as artifact URIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CharacterImages {
    pub front: String,
    pub three_quarter: String,
    pub profile: String,
}

impl CharacterImages {
    pub fn to_vec(&self) -> Vec<String> {
        vec![
            self.front.clone(),
            self.three_quarter.clone(),
            self.profile.clone(),
        ]
    }
}

/// Result of `ultraRealisticVideoWorkflow`: the seed's two fields, plus what the studio needs
/// to iterate on shots (absent from the JSON when empty, so a seed client sees its own shape).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VideoResult {
    pub video_url: String,
    pub character_images: Vec<String>,
    /// Each scenario with every take it got and the take stitched into this version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<SegmentState>,
    /// Every version of the job, oldest first; the last is this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<Version>,
    /// What the whole job (all versions) had generated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<Usage>,
    /// The angles of each `cast` member of the request, in its order (absent for one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast_images: Vec<CharacterImages>,
    /// The images made for the request's elements that came with none (generated, or reused
    /// from the cache or an earlier version), in the request's order; absent when there are
    /// none, as in every result made before elements existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_images: Vec<ElementImages>,
    /// The film's captions as SubRip (SRT), beside the video (absent when nothing is spoken,
    /// and in every result made before sound existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub captions_url: Option<String>,
    /// The same captions as WebVTT, which browsers (the window's player) show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub captions_vtt_url: Option<String>,
    /// The mix's stems, time-aligned with the video (absent when the film has no sound plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Stems))]
    pub stems: Option<Stems>,
}

/// The images a render made for one element (a location or a prop) that had no reference
/// images: a location's establishing wide and reverse, a prop's product view and detail, as
/// artifact URIs. They are the element's references in every shot that names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ElementImages {
    /// The element's id in the request.
    pub id: String,
    pub images: Vec<String>,
}

impl VideoResult {
    /// The version this result is (1 for a job that never iterated).
    pub fn version(&self) -> u32 {
        self.versions.last().map_or(1, |v| v.number)
    }
}

/// Progress of `batchCharacterGenerationWorkflow` across its continue-as-new runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BatchProgress {
    pub processed: u32,
    pub total: u32,
    /// 1-based index of the current run in the continue-as-new chain.
    pub run: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_seed_clients_minimal_input() {
        let json = r#"{"character":{"basePrompt":"a knight"},"scenarios":[{"prompt":"rides"}],"quality":"4k"}"#;
        let req: VideoRequest = serde_json::from_str(json).unwrap();
        assert_eq!(req.quality, Quality::FourK);
        assert_eq!(req.aspect_ratio, AspectRatio::Landscape);
        assert_eq!(req.scenarios[0].duration_seconds.get(), 8);
    }

    #[test]
    fn result_uses_the_seed_field_names() {
        let r = VideoResult {
            video_url: "file:///v.mp4".into(),
            character_images: vec!["file:///a.png".into()],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"videoUrl": "file:///v.mp4", "characterImages": ["file:///a.png"]})
        );
    }
}

/// Where a job (a Temporal workflow execution) stands, as Temporal reports it; `Unknown` when
/// the studio cannot tell (server unreachable, job gone). Shared with the window, so neither
/// side compares status strings by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Running,
    Completed,
    Failed,
    Canceled,
    Terminated,
    ContinuedAsNew,
    TimedOut,
    Unknown,
}

impl JobStatus {
    /// Whether the job has ended (any way but running).
    pub fn is_final(self) -> bool {
        !matches!(self, JobStatus::Running | JobStatus::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
            JobStatus::Terminated => "terminated",
            JobStatus::ContinuedAsNew => "continuedasnew",
            JobStatus::TimedOut => "timedout",
            JobStatus::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
