//! Inputs and outputs of our workflows and activities (camelCase JSON, URIs instead of media).

use serde::{Deserialize, Serialize};
use studio_core::{AspectRatio, CharacterSpec, Quality, ScenarioSpec, VideoRequest};
use studio_media::StitchMode;

use crate::tuning::Tuning;

/// Input of `ultraRealisticVideoWorkflow`: the seed's request, plus optional tuning overrides
/// that a client written against the seed simply never sends.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderInput {
    #[serde(flatten)]
    pub request: VideoRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<Tuning>,
    /// Task queue for slow activities (clips, enhance) when an operator split it off; None
    /// keeps every activity on the workflow's queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_queue: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CharacterInput {
    pub character: CharacterSpec,
    #[serde(default)]
    pub aspect_ratio: AspectRatio,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentInput {
    pub scenario: ScenarioSpec,
    /// Artifact URI of the character's front image.
    pub character_image: String,
    pub aspect_ratio: AspectRatio,
    pub quality: Quality,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentOutput {
    pub clip_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StitchInput {
    pub clips: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StitchOutput {
    pub video_url: String,
    pub mode: StitchMode,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnhanceInput {
    pub video_url: String,
    pub aspect_ratio: AspectRatio,
}

/// Result of `batchCharacterGenerationWorkflow`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    pub processed: u32,
    pub total: u32,
    pub runs: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_input_is_the_seed_shape_when_untuned() {
        let json = r#"{"character":{"basePrompt":"a knight"},"scenarios":[{"prompt":"rides"}],"quality":"high"}"#;
        let input: RenderInput = serde_json::from_str(json).unwrap();
        assert_eq!(input.request.quality, Quality::High);
        assert!(input.tuning.is_none());
        assert!(input.slow_queue.is_none());
        let back = serde_json::to_value(&input).unwrap();
        assert!(back.get("tuning").is_none());
        assert_eq!(back["character"]["basePrompt"], "a knight");
    }
}
