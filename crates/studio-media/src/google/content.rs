//! A `generateContent` answer as both back ends give it, for images and text alike: the
//! candidates and their parts (text, inline data, `thought: true` parts of thinking models),
//! why the prompt was blocked or the candidate stopped, and what the call used.

use serde::{Deserialize, Deserializer};

use super::classify::CallSite;
use crate::error::{ErrorClass, MediaError};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GenerateContentResponse {
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    pub prompt_feedback: Option<PromptFeedback>,
    pub usage_metadata: Option<UsageMetadata>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PromptFeedback {
    pub block_reason: Option<String>,
    pub block_reason_message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Candidate {
    pub content: Option<Content>,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Content {
    #[serde(default)]
    pub parts: Vec<Part>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Part {
    pub text: Option<String>,
    pub inline_data: Option<InlineData>,
    /// The model's thinking (reasoning text, interim images): never the answer.
    #[serde(default)]
    pub thought: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InlineData {
    pub data: String,
    /// What the data is (`image/png`, `audio/wav`, `audio/L16;codec=pcm;rate=24000`,
    /// `audio/mpeg`); Google sends it, but a parser must not count on it.
    #[serde(default)]
    pub mime_type: Option<String>,
}

/// What a call used. Thinking is counted apart from the answer (`thoughtsTokenCount`) and
/// billed as output; `toolUsePromptTokenCount` is input.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsageMetadata {
    #[serde(default, deserialize_with = "count")]
    pub prompt_token_count: u32,
    #[serde(default, deserialize_with = "count")]
    pub candidates_token_count: u32,
    #[serde(default, deserialize_with = "count")]
    pub thoughts_token_count: u32,
    #[serde(default, deserialize_with = "count")]
    pub tool_use_prompt_token_count: u32,
}

impl UsageMetadata {
    /// Tokens billed as input.
    pub fn input(&self) -> u32 {
        self.prompt_token_count
            .saturating_add(self.tool_use_prompt_token_count)
    }

    /// Tokens billed as output: the answer and the thinking.
    pub fn output(&self) -> u32 {
        self.candidates_token_count
            .saturating_add(self.thoughts_token_count)
    }
}

/// A token count: a JSON number, or the string proto3 JSON writes for 64-bit integers; anything
/// else (negative, fractional, absurd) reads as 0 rather than failing the whole answer.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let n = match &v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    Ok(n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0))
}

/// Parses a 200's body; an unparseable one is a retryable "malformed response".
pub(crate) fn parse(site: &CallSite, body: &[u8]) -> Result<GenerateContentResponse, MediaError> {
    serde_json::from_slice(body).map_err(|e| {
        site.error(
            ErrorClass::Transient,
            format!("malformed response: {e}"),
            None,
        )
    })
}

impl GenerateContentResponse {
    /// Why the prompt was refused before anything was generated, if it was.
    pub fn block(&self) -> Option<(&str, Option<&str>)> {
        let f = self.prompt_feedback.as_ref()?;
        Some((
            f.block_reason.as_deref()?,
            f.block_reason_message.as_deref(),
        ))
    }

    /// The first candidate's finish reason.
    pub fn finish_reason(&self) -> Option<&str> {
        self.candidates.first()?.finish_reason.as_deref()
    }

    /// The first candidate's parts that are the answer (thought parts skipped).
    pub fn answer_parts(self) -> impl DoubleEndedIterator<Item = Part> {
        self.candidates
            .into_iter()
            .next()
            .and_then(|c| c.content)
            .map(|c| c.parts)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !p.thought)
    }
}
