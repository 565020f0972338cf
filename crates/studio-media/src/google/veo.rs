//! Veo 3: `predictLongRunning`, then poll the operation with backoff until done, then fetch the
//! video. The operation name is checkpointed (it reaches the activity's heartbeat details) so an
//! attempt that starts after a worker crash resumes polling instead of paying for a new clip.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::classify::{rpc_code_class, CallSite};
use super::{b64, cancellable, read_b64_file, Backend, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::ClipRequest;
use crate::task::TaskCtx;
use studio_core::Quality;

#[derive(Deserialize)]
struct Submitted {
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Operation {
    #[serde(default)]
    done: bool,
    error: Option<OpError>,
    response: Option<OpResponse>,
}

#[derive(Deserialize)]
struct OpError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct OpResponse {
    /// Gemini API.
    generate_video_response: Option<GenerateVideoResponse>,
    /// Vertex.
    #[serde(default)]
    videos: Vec<VertexVideo>,
    rai_media_filtered_count: Option<u32>,
    #[serde(default)]
    rai_media_filtered_reasons: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GenerateVideoResponse {
    #[serde(default)]
    generated_samples: Vec<Sample>,
    rai_media_filtered_count: Option<u32>,
    #[serde(default)]
    rai_media_filtered_reasons: Vec<String>,
}

#[derive(Deserialize)]
struct Sample {
    video: Option<SampleVideo>,
}

#[derive(Deserialize)]
struct SampleVideo {
    uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VertexVideo {
    bytes_base64_encoded: Option<String>,
    gcs_uri: Option<String>,
}

/// Veo's resolution for a quality: 4k is rendered at 1080p and upscaled afterwards.
fn resolution(q: Quality) -> &'static str {
    match q {
        Quality::Standard => "720p",
        Quality::High | Quality::FourK => "1080p",
    }
}

fn checkpoint_operation(task: &TaskCtx) -> Option<String> {
    task.resume
        .as_ref()
        .and_then(|v| v.get("operation"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

pub(super) async fn generate(
    p: &GoogleProvider,
    req: &ClipRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let model = p.config.video_model.clone();
    let site = p.site(&model);

    // Resume a paid operation left by a crashed attempt, if it is still good.
    if let Some(name) = checkpoint_operation(task) {
        tracing::info!(operation = %name, "resuming Veo operation from the last heartbeat");
        match poll(p, &site, &name, task).await {
            Ok(op) => return finish(p, &site, op, out, task).await,
            Err(MediaError::Cancelled) => return Err(MediaError::Cancelled),
            Err(e) => {
                tracing::warn!(error = %e, "could not resume the Veo operation; submitting anew")
            }
        }
    }

    let mut parameters = json!({
        "aspectRatio": req.aspect_ratio.as_str(),
        "resolution": resolution(req.quality),
        "durationSeconds": req.duration.get(),
        "personGeneration": "allow_adult",
        "sampleCount": 1
    });
    if let Some(neg) = req
        .negative_prompt
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        parameters["negativePrompt"] = json!(neg);
    }
    let body = json!({
        "instances": [{
            "prompt": req.prompt,
            "image": {"bytesBase64Encoded": read_b64_file(&req.image).await?, "mimeType": "image/png"}
        }],
        "parameters": parameters
    });
    let url = format!("{}/models/{model}:predictLongRunning", p.config.base);
    let submitted: Submitted = p
        .send_json(&site, task, |c| c.post(&url).json(&body))
        .await?;
    tracing::info!(operation = %submitted.name, "Veo operation submitted");
    task.checkpoint(json!({"operation": submitted.name}));
    let op = poll(p, &site, &submitted.name, task).await?;
    finish(p, &site, op, out, task).await
}

/// Polls until the operation is done, backing off from `poll_initial` to `poll_max`.
async fn poll(
    p: &GoogleProvider,
    site: &CallSite,
    name: &str,
    task: &TaskCtx,
) -> Result<Operation, MediaError> {
    let mut wait = p.config.poll_initial;
    let mut polls = 0u32;
    loop {
        let body = match p.config.backend {
            Backend::Gemini => {
                let url = format!("{}/{name}", p.config.base);
                p.send(site, task, |c| c.get(&url)).await?
            }
            Backend::Vertex => {
                let url = format!(
                    "{}/models/{}:fetchPredictOperation",
                    p.config.base, site.model
                );
                let body = json!({"operationName": name});
                p.send(site, task, |c| c.post(&url).json(&body)).await?
            }
        };
        let op = parse_operation(site, &body)?;
        if op.done {
            return Ok(op);
        }
        polls += 1;
        // Progress while waiting: approaches 90 % as polls accumulate; the download is the rest.
        task.report(0.9 * (1.0 - 1.0 / (1.0 + polls as f32 / 4.0)));
        cancellable(task, async {
            tokio::time::sleep(wait).await;
            Ok(())
        })
        .await?;
        wait = (wait * 2)
            .min(p.config.poll_max)
            .max(Duration::from_millis(10));
    }
}

/// A poll's answer, parsed; an unparseable 200 is a retryable "malformed response".
pub(crate) fn parse_operation(site: &CallSite, body: &[u8]) -> Result<Operation, MediaError> {
    serde_json::from_slice(body).map_err(|e| {
        site.error(
            ErrorClass::Transient,
            format!("malformed response: {e}"),
            None,
        )
    })
}

/// Where a finished operation's video is.
#[derive(Debug)]
pub(crate) enum VideoSource {
    /// A Gemini API file URI, downloaded with the same credentials.
    Download(String),
    /// Vertex's inline bytes.
    Inline(Vec<u8>),
}

/// What a finished operation produced, or the classified reason it produced nothing. Pure, so
/// it is fuzzed with arbitrary operations.
pub(crate) fn outcome(site: &CallSite, op: Operation) -> Result<VideoSource, MediaError> {
    if let Some(err) = op.error {
        return Err(site.error(
            rpc_code_class(err.code),
            format!("operation failed (code {}): {}", err.code, err.message),
            None,
        ));
    }
    let resp = op.response.unwrap_or_default();
    let gvr = resp.generate_video_response.unwrap_or_default();
    let filtered = resp
        .rai_media_filtered_count
        .or(gvr.rai_media_filtered_count)
        .unwrap_or(0);
    let mut reasons = resp.rai_media_filtered_reasons;
    reasons.extend(gvr.rai_media_filtered_reasons);
    if let Some(uri) = gvr
        .generated_samples
        .into_iter()
        .find_map(|s| s.video.and_then(|v| v.uri))
    {
        return Ok(VideoSource::Download(uri));
    }
    if let Some(v) = resp.videos.into_iter().next() {
        return match (v.bytes_base64_encoded, v.gcs_uri) {
            (Some(data), _) => b64()
                .decode(data.as_bytes())
                .map(VideoSource::Inline)
                .map_err(|e| {
                    site.error(
                        ErrorClass::Transient,
                        format!("malformed video data: {e}"),
                        None,
                    )
                }),
            (None, Some(gcs)) => Err(site.error(
                ErrorClass::InvalidInput,
                format!("video delivered to {gcs}; the studio needs inline bytes (no storageUri)"),
                None,
            )),
            (None, None) => {
                Err(site.error(ErrorClass::Transient, "empty video entry".into(), None))
            }
        };
    }
    if filtered > 0 {
        let why = if reasons.is_empty() {
            "no reason given".to_owned()
        } else {
            reasons.join("; ")
        };
        return Err(site.error(
            ErrorClass::ContentPolicy,
            format!("video blocked by safety filters ({filtered}): {why}"),
            None,
        ));
    }
    Err(site.error(
        ErrorClass::Transient,
        "operation finished without a video".into(),
        None,
    ))
}

/// Whether bytes look like an MP4 (an `ftyp` box first).
pub(crate) fn is_mp4(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[4..8] == b"ftyp"
}

async fn finish(
    p: &GoogleProvider,
    site: &CallSite,
    op: Operation,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let bytes = match outcome(site, op)? {
        // Files live on Google's side only briefly: download at once.
        VideoSource::Download(uri) => p.send(site, task, |c| c.get(&uri)).await?.to_vec(),
        VideoSource::Inline(bytes) => bytes,
    };
    if !is_mp4(&bytes) {
        return Err(site.error(
            ErrorClass::Transient,
            format!("the downloaded video is not an MP4 ({} bytes)", bytes.len()),
            None,
        ));
    }
    tokio::fs::write(out, &bytes)
        .await
        .map_err(|e| MediaError::io(format!("write {}", out.display()), e))?;
    task.report(1.0);
    Ok(())
}
