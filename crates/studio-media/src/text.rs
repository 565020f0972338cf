//! Asking a text model for JSON: the request, the answer, and why a model stopped without one.
//!
//! Planning a story is one `generateContent` call with a JSON response schema
//! (`responseMimeType: application/json` + `responseJsonSchema`, `../shared/google-2026-media.md`
//! §4). The answer's text is the JSON; what the call used comes back as [`Usage`] lines (input
//! tokens; output tokens with the thinking, which Google bills as output), priced like images and
//! clips. Only Google's provider has a text model: the offline planner runs in-process without
//! one ([`MediaProvider::generate_json`](crate::MediaProvider::generate_json) refuses there).
//!
//! A 200 is an answer, even when the model stopped without a usable one (cut off, withheld,
//! not JSON): Google bills its tokens, so it comes back as a [`JsonAnswer`] with its usage and
//! its [`TextStop`], never as an error. An error would drop the usage (the spend never counted)
//! and a retryable one would be asked, and paid, again by the engine's retry policy, uncounted.
//! Only what bills nothing (an HTTP error, a transport failure) is a
//! [`MediaError`](crate::MediaError).

use serde::{Deserialize, Serialize};
use studio_core::Usage;

use crate::error::ErrorClass;

/// One question to a text model, answered as JSON that follows `schema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonRequest {
    /// The text model to ask (the workflow's choice, fixed before the cost is estimated);
    /// None: the provider's own choice from the models the key can use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The whole prompt, sent as one user turn.
    pub prompt: String,
    /// The JSON Schema the answer must follow (`responseJsonSchema`), in the subset Google
    /// takes: `$id $defs $ref $anchor type format title description enum items prefixItems
    /// minItems maxItems minimum maximum anyOf oneOf properties additionalProperties required
    /// propertyOrdering`.
    pub schema: serde_json::Value,
    /// A cap on the answer's tokens (`maxOutputTokens`); None: the model's own limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
}

/// A text model's answer: paid for whether or not it is usable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonAnswer {
    /// The model that answered.
    pub model: String,
    /// The answer's text (its non-thought parts, joined): JSON following the request's schema;
    /// when `stop` is set, whatever the model gave (possibly empty, or cut off).
    pub text: String,
    /// What the call used: input tokens, and output tokens with the thinking (billed as
    /// output). Priced by [`studio_catalog::Catalog::usage_price`]. Counted for a stopped
    /// answer too: Google bills it.
    pub usage: Vec<Usage>,
    /// Why the model stopped without a usable answer (its class says whether asking again can
    /// help); None for a JSON answer that ended naturally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<TextStop>,
}

/// Why a text model stopped without a usable answer; each says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum TextStop {
    /// `finishReason: MAX_TOKENS`: the answer was cut off, so its JSON is incomplete.
    #[error(
        "the answer was cut off at {} (finishReason MAX_TOKENS): plan a shorter story or passage, \
         or allow a longer answer",
        limit.map_or("the model's output limit".to_owned(), |n| format!("{n} output tokens"))
    )]
    MaxTokens { limit: Option<u32> },
    /// `promptFeedback.blockReason`: the prompt itself was refused; nothing was generated.
    #[error(
        "Google refused the prompt (blockReason {reason}{}): reword the passage it objects to, \
         or plan offline",
        detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
    )]
    Blocked {
        reason: String,
        detail: Option<String>,
    },
    /// A safety or policy `finishReason` (SAFETY, PROHIBITED_CONTENT, BLOCKLIST, SPII, …):
    /// the answer was withheld.
    #[error(
        "Google withheld the answer (finishReason {reason}): reword the passage it objects to, \
         or plan offline"
    )]
    Filtered { reason: String },
    /// `finishReason: RECITATION`: the answer repeated published text too closely.
    #[error(
        "Google withheld the answer because it recited published text (finishReason \
         RECITATION): ask again, or plan offline"
    )]
    Recitation,
    /// `finishReason: LANGUAGE`: the story's language is not one the model supports.
    #[error(
        "the model does not support the story's language (finishReason LANGUAGE): plan offline"
    )]
    Language,
    /// Any other stop (OTHER, MALFORMED_RESPONSE, an unknown reason), no candidate, or no text:
    /// worth asking again.
    #[error("the model stopped without an answer ({reason}); asking again may work")]
    NoAnswer { reason: String },
    /// The text is not JSON at all (it should be, with `responseMimeType: application/json`).
    #[error("the answer is not JSON ({0}); asking again may work")]
    NotJson(String),
}

impl TextStop {
    /// Whether asking again may help: a refused prompt or answer gets the same refusal for the
    /// same words (content policy), an answer too long for its cap or a language the model
    /// lacks stops the same way (invalid input); a recitation, an empty or a broken answer may
    /// come out otherwise next time (transient).
    pub fn class(&self) -> ErrorClass {
        match self {
            TextStop::Blocked { .. } | TextStop::Filtered { .. } => ErrorClass::ContentPolicy,
            TextStop::MaxTokens { .. } | TextStop::Language => ErrorClass::InvalidInput,
            TextStop::Recitation | TextStop::NoAnswer { .. } | TextStop::NotJson(_) => {
                ErrorClass::Transient
            }
        }
    }
}
