//! A text model asked for JSON: `generateContent` with `responseMimeType: application/json` and
//! the answer's JSON Schema (`responseJsonSchema`), on either back end (Vertex at
//! `locations/global`, where Gemini 3.x is served). The answer is the first candidate's text
//! parts joined, thinking skipped; what the call used comes from `usageMetadata`. An answer
//! the model stopped (cut off, withheld, not JSON) is still an answer, with its usage and its
//! stop: Google billed it.

use serde_json::json;
use studio_catalog::{text_usage, tokens_of_chars};

use super::classify::{CallSite, FILTERED_FINISH_REASONS};
use super::content::{self, GenerateContentResponse};
use super::GoogleProvider;
use crate::error::MediaError;
use crate::task::TaskCtx;
use crate::text::{JsonAnswer, JsonRequest, TextStop};

/// The request body: one user turn, JSON out, the schema, and the cap on the answer if any.
pub(crate) fn request_body(req: &JsonRequest) -> serde_json::Value {
    let mut config = json!({
        "responseMimeType": "application/json",
        "responseJsonSchema": req.schema,
    });
    if let Some(n) = req.max_output_tokens {
        config["maxOutputTokens"] = json!(n);
    }
    json!({
        "contents": [{"role": "user", "parts": [{"text": req.prompt}]}],
        "generationConfig": config,
    })
}

pub(super) async fn generate(
    p: &GoogleProvider,
    model: &str,
    req: &JsonRequest,
    task: &TaskCtx,
) -> Result<JsonAnswer, MediaError> {
    let site = p.site(model);
    let body = request_body(req);
    let url = format!(
        "{}/models/{model}:generateContent",
        p.config.model_base(model)?
    );
    let answer = p.send(&site, task, |c| c.post(&url).json(&body)).await?;
    let answer = decode_answer(&site, &answer, req)?;
    tracing::info!(
        model,
        chars = answer.text.len(),
        usage = ?answer.usage,
        stopped = answer.stop.is_some(),
        "text model answered"
    );
    task.report(1.0);
    Ok(answer)
}

/// The answer in a `generateContent` body, with why it is unusable if it is. Pure, so it is
/// fuzzed with arbitrary bodies: whatever comes back, an answer or an error naming the call,
/// never a panic.
///
/// A body that parses is an answer Google billed (a blocked prompt's tokens too), so every
/// stop is an `Ok` carrying the usage and the [`TextStop`]: an error would leave the spend
/// uncounted, and a retryable one would be asked and paid again by the retry policy. Only a
/// body that is no `generateContent` answer at all is an error.
pub(crate) fn decode_answer(
    site: &CallSite,
    body: &[u8],
    req: &JsonRequest,
) -> Result<JsonAnswer, MediaError> {
    let resp = content::parse(site, body)?;
    let usage = usage_of(site, &resp, req);
    let has_candidate = !resp.candidates.is_empty();
    // A refused prompt first, then a stopped candidate: both known before the text is taken.
    let refused = resp
        .block()
        .map(|(reason, detail)| TextStop::Blocked {
            reason: reason.to_owned(),
            detail: detail.map(str::to_owned),
        })
        .or_else(|| resp.finish_reason().and_then(|r| stop_of(r, req)));
    let text: String = resp.answer_parts().filter_map(|p| p.text).collect();
    let stop = refused.or_else(|| {
        if text.trim().is_empty() {
            let reason = if has_candidate {
                "an empty answer"
            } else {
                "no candidate"
            };
            return Some(TextStop::NoAnswer {
                reason: reason.into(),
            });
        }
        serde_json::from_str::<serde_json::Value>(&text)
            .err()
            .map(|e| TextStop::NotJson(e.to_string()))
    });
    if let Some(stop) = &stop {
        tracing::warn!(
            provider = site.provider,
            model = %site.model,
            class = ?stop.class(),
            %stop,
            "the text model stopped without a usable answer (its tokens are counted)"
        );
    }
    Ok(JsonAnswer {
        model: site.model.clone(),
        text,
        usage,
        stop,
    })
}

/// What a finish reason means for the answer: None for a natural stop (`STOP`, or none given).
fn stop_of(reason: &str, req: &JsonRequest) -> Option<TextStop> {
    Some(match reason {
        "STOP" | "FINISH_REASON_UNSPECIFIED" => return None,
        "MAX_TOKENS" => TextStop::MaxTokens {
            limit: req.max_output_tokens,
        },
        "RECITATION" => TextStop::Recitation,
        "LANGUAGE" => TextStop::Language,
        r if FILTERED_FINISH_REASONS.contains(&r) => TextStop::Filtered {
            reason: r.to_owned(),
        },
        other => TextStop::NoAnswer {
            reason: format!("finishReason {other}"),
        },
    })
}

/// The call's usage: `usageMetadata` (output = answer + thinking); without one, estimated
/// from the lengths (four characters a token) so the spend is never counted as nothing.
fn usage_of(
    site: &CallSite,
    resp: &GenerateContentResponse,
    req: &JsonRequest,
) -> Vec<studio_core::Usage> {
    let (input, output) = match &resp.usage_metadata {
        Some(u) => (u.input(), u.output()),
        None => {
            let chars: usize = resp
                .candidates
                .iter()
                .filter_map(|c| c.content.as_ref())
                .flat_map(|c| &c.parts)
                .filter_map(|p| p.text.as_ref())
                .map(|t| t.chars().count())
                .sum();
            tracing::warn!(
                model = %site.model,
                "no usageMetadata in the answer: its tokens are estimated"
            );
            (
                tokens_of_chars(req.prompt.chars().count()),
                tokens_of_chars(chars),
            )
        }
    };
    text_usage(&site.model, input, output)
}
