//! The contract a text model plans in: the story with numbered sentences in the prompt, a JSON
//! schema for the answer (`responseJsonSchema`), and the answer's conversion to a [`Plan`].
//!
//! The model names sentences by number, never by character offset: models count characters
//! badly, and numbers make every shot's `source` exact by construction (the offsets are ours).

use serde::{Deserialize, Serialize};
use studio_core::{CameraMove, DialogueLine, ShotSize, Story};

use crate::{Plan, PlanIssue, PlanRules};

/// A text model's answer, as the response schema ([`response_schema`]) asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanAnswer {
    pub characters: Vec<AnswerEntity>,
    pub locations: Vec<AnswerEntity>,
    pub props: Vec<AnswerEntity>,
    pub shots: Vec<AnswerShot>,
}

/// A character, location or prop as the model describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerEntity {
    pub id: String,
    pub name: String,
    /// What the text says of it, as an image prompt.
    pub description: String,
    /// True when the text neither names nor clearly implies it.
    pub invented: bool,
}

/// A shot as the model plans it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerShot {
    /// First and last sentence (1-based, as numbered in the prompt) this shot tells.
    pub first_sentence: u32,
    pub last_sentence: u32,
    pub prompt: String,
    pub location: Option<String>,
    pub props: Vec<String>,
    pub cast: Vec<String>,
    pub shot_size: ShotSize,
    pub camera_move: CameraMove,
    pub dialogue: Vec<DialogueLine>,
    pub duration_seconds: u32,
}

/// Why a model's answer could not become a plan (beyond what the check reports).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanAnswerError {
    #[error("the answer is not the plan's JSON: {0}")]
    Json(String),
    #[error("shot {shot} names sentences {first}..{last}, but the story has {count}")]
    BadSentences {
        shot: usize,
        first: u32,
        last: u32,
        count: usize,
    },
}

/// The JSON Schema of [`PlanAnswer`], in the subset Google's `responseJsonSchema` takes.
pub fn response_schema() -> serde_json::Value {
    unimplemented!("studio-story: response_schema")
}

/// The prompt: what to plan and how, the rules (durations, most shots), the story with its
/// sentences numbered, and, when asked again, the issues the last answer had.
pub fn prompt(story: &Story, rules: &PlanRules, issues: &[PlanIssue]) -> String {
    let _ = (story, rules, issues);
    unimplemented!("studio-story: prompt")
}

/// Parses a model's JSON answer into a plan of `story`.
pub fn parse_answer(story: &Story, rules: &PlanRules, json: &str) -> Result<Plan, PlanAnswerError> {
    let _ = (story, rules, json);
    unimplemented!("studio-story: parse_answer")
}
