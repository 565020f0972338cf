//! Nano Banana: `generateContent` with the prompt, the creator's references inline and an aspect
//! ratio. Today's models think first: parts marked `thought: true` (reasoning text and interim
//! images) are skipped and the last remaining image is the answer, PNG or JPEG.

use std::path::Path;

use base64::Engine;
use serde_json::json;

use super::classify::{CallSite, FILTERED_FINISH_REASONS};
use super::content;
use super::{b64, read_image, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::ImageRequest;
use crate::task::TaskCtx;

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
    let resp = content::parse(site, body)?;
    if let Some((reason, _)) = resp.block() {
        return Err(site.error(
            ErrorClass::ContentPolicy,
            format!("prompt blocked: {reason}"),
            None,
        ));
    }
    if let Some(reason) = resp.finish_reason() {
        if FILTERED_FINISH_REASONS.contains(&reason) {
            return Err(site.error(
                ErrorClass::ContentPolicy,
                format!("image filtered: {reason}"),
                None,
            ));
        }
    }
    let data = resp
        .answer_parts()
        .filter_map(|p| p.inline_data)
        .next_back()
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
