//! Nano Banana: `generateContent` with the prompt, the creator's references inline and an aspect
//! ratio. Today's models think first: parts marked `thought: true` (reasoning text and interim
//! images) are skipped and the last remaining image is the answer, PNG or JPEG.

use std::path::Path;

use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::classify::{CallSite, FILTERED_FINISH_REASONS};
use super::{b64, read_image, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::ImageRequest;
use crate::task::TaskCtx;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateContentResponse {
    #[serde(default)]
    candidates: Vec<Candidate>,
    prompt_feedback: Option<PromptFeedback>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    inline_data: Option<InlineData>,
    #[serde(default)]
    thought: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InlineData {
    data: String,
}

pub(super) async fn generate(
    p: &GoogleProvider,
    model: &str,
    req: &ImageRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let site = p.site(model);
    let mut parts = vec![json!({"text": format!("{}, {}", req.prompt, req.angle.phrase())})];
    for r in &req.references {
        let (data, mime) = read_image(r).await?;
        parts.push(json!({"inlineData": {"mimeType": mime, "data": data}}));
    }
    let body = json!({
        "contents": [{"role": "user", "parts": parts}],
        "generationConfig": {
            "responseModalities": ["TEXT", "IMAGE"],
            "imageConfig": {"aspectRatio": req.aspect_ratio.as_str()}
        }
    });
    let url = format!(
        "{}/models/{model}:generateContent",
        p.config.model_base(model)?
    );
    let body = p.send(&site, task, |c| c.post(&url).json(&body)).await?;
    let img = decode_response(&site, &body)?;
    let out = out.to_owned();
    let target = out.clone();
    tokio::task::spawn_blocking(move || img.save_with_format(&out, image::ImageFormat::Png))
        .await
        .map_err(|e| MediaError::Image(e.to_string()))?
        .map_err(|e| MediaError::image_write(&target, e))?;
    task.report(1.0);
    Ok(())
}

/// The image in a `generateContent` answer, or the classified reason there is none. Pure, so it
/// is fuzzed with arbitrary bodies: whatever comes back, an error, never a panic.
pub(crate) fn decode_response(
    site: &CallSite,
    body: &[u8],
) -> Result<image::DynamicImage, MediaError> {
    let resp: GenerateContentResponse = serde_json::from_slice(body).map_err(|e| {
        site.error(
            ErrorClass::Transient,
            format!("malformed response: {e}"),
            None,
        )
    })?;
    if let Some(reason) = resp.prompt_feedback.and_then(|f| f.block_reason) {
        return Err(site.error(
            ErrorClass::ContentPolicy,
            format!("prompt blocked: {reason}"),
            None,
        ));
    }
    let candidate = resp.candidates.into_iter().next();
    if let Some(reason) = candidate.as_ref().and_then(|c| c.finish_reason.as_deref()) {
        if FILTERED_FINISH_REASONS.contains(&reason) {
            return Err(site.error(
                ErrorClass::ContentPolicy,
                format!("image filtered: {reason}"),
                None,
            ));
        }
    }
    let data = candidate
        .and_then(|c| c.content)
        .and_then(|c| {
            c.parts
                .into_iter()
                .filter(|p| !p.thought)
                .filter_map(|p| p.inline_data)
                .next_back()
        })
        .ok_or_else(|| site.error(ErrorClass::Transient, "no image returned".into(), None))?;
    let bytes = b64().decode(data.data.as_bytes()).map_err(|e| {
        site.error(
            ErrorClass::Transient,
            format!("malformed image data: {e}"),
            None,
        )
    })?;
    // Check it is really an image; the caller stores PNG whatever format came back.
    image::load_from_memory(&bytes).map_err(|e| {
        site.error(
            ErrorClass::Transient,
            format!("unreadable image returned: {e}"),
            None,
        )
    })
}
