//! A text model asked for JSON: `generateContent` with `responseMimeType: application/json` and
//! the answer's JSON Schema (`responseJsonSchema`), on either back end (Vertex at
//! `locations/global`, where Gemini 3.x is served). The answer is the first candidate's text
//! parts joined, thinking skipped; what the call used comes from `usageMetadata`.

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
        "text model answered"
    );
    task.report(1.0);
    Ok(answer)
}

/// The answer in a `generateContent` body, or why there is none. Pure, so it is fuzzed with
/// arbitrary bodies: whatever comes back, an error naming the call, never a panic.
pub(crate) fn decode_answer(
    site: &CallSite,
    body: &[u8],
    req: &JsonRequest,
) -> Result<JsonAnswer, MediaError> {
    let resp = content::parse(site, body)?;
    let stopped = |stop: TextStop| MediaError::TextStopped {
        provider: format!("{} ({})", site.provider, site.model),
        stop,
    };
    if let Some((reason, detail)) = resp.block() {
        return Err(stopped(TextStop::Blocked {
            reason: reason.to_owned(),
            detail: detail.map(str::to_owned),
        }));
    }
    if let Some(stop) = resp.finish_reason().and_then(|r| stop_of(r, req)) {
        return Err(stopped(stop));
    }
    let usage = usage_of(site, &resp, req);
    let has_candidate = !resp.candidates.is_empty();
    let text: String = resp.answer_parts().filter_map(|p| p.text).collect();
    if text.trim().is_empty() {
        let reason = if has_candidate {
            "an empty answer"
        } else {
            "no candidate"
        };
        return Err(stopped(TextStop::NoAnswer {
            reason: reason.into(),
        }));
    }
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
        return Err(stopped(TextStop::NotJson(e.to_string())));
    }
    Ok(JsonAnswer {
        model: site.model.clone(),
        text,
        usage,
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
