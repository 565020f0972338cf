//! Veo: `predictLongRunning`, then poll the operation with backoff until done, then fetch the
//! video. The route and operation name are checkpointed (they reach the activity's heartbeat
//! details) so an attempt that starts after a worker crash resumes polling instead of paying for
//! a new clip; an operation that ended in a transient error (or with no video) is submitted anew,
//! since failed generations are not billed.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use studio_models::{clip_plan, Choice};

use super::classify::{rpc_code_class, CallSite};
use super::{b64, cancellable, read_image, Backend, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::ClipRequest;
use crate::task::TaskCtx;

/// The checkpoint's route name for this module.
pub(crate) const ROUTE: &str = "predictLongRunning";

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
    videos: Vec<VideoEntry>,
    /// Vertex's legacy shape.
    #[serde(default)]
    generated_samples: Vec<Sample>,
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
    video: Option<VideoEntry>,
}

/// A finished video in any of the shapes Google sends: the Gemini API's `{uri | encodedVideo,
/// encoding}`, Vertex's `{gcsUri | videoGcsUri | bytesBase64Encoded, mimeType}`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct VideoEntry {
    uri: Option<String>,
    encoded_video: Option<String>,
    bytes_base64_encoded: Option<String>,
    gcs_uri: Option<String>,
    video_gcs_uri: Option<String>,
}

/// The operation a crashed attempt left, if it was a Veo one. Checkpoints written before routes
/// were named hold only `operation`.
fn checkpoint_operation(task: &TaskCtx) -> Option<String> {
    let cp = task.resume.as_ref()?;
    if cp.get("route").and_then(Value::as_str).unwrap_or(ROUTE) != ROUTE {
        return None;
    }
    cp.get("operation")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The `predictLongRunning` body for `req` on `backend`, as `choice`'s rules shape it.
pub(crate) async fn request_body(
    backend: Backend,
    choice: &Choice,
    req: &ClipRequest,
) -> Result<Value, MediaError> {
    let family = &choice.family;
    let plan = clip_plan(
        family,
        req.quality,
        req.duration.get(),
        req.references.len(),
    );
    let mut instance = json!({"prompt": req.prompt});
    if plan.references {
        let mut refs = Vec::new();
        for path in req
            .references
            .iter()
            .take(family.max_reference_images as usize)
        {
            let (data, mime) = read_image(path).await?;
            refs.push(json!({
                "image": {"bytesBase64Encoded": data, "mimeType": mime},
                "referenceType": "asset"
            }));
        }
        instance["referenceImages"] = Value::Array(refs);
    } else if family.first_frame {
        let (data, mime) = read_image(&req.image).await?;
        instance["image"] = json!({"bytesBase64Encoded": data, "mimeType": mime});
    }
    let mut parameters = json!({
        "aspectRatio": req.aspect_ratio.as_str(),
        "resolution": plan.resolution,
        "durationSeconds": req.duration.get(),
        "sampleCount": 1
    });
    if let Some(pg) = plan.person_generation {
        parameters["personGeneration"] = json!(pg);
    }
    if let Some(neg) = req
        .negative_prompt
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        parameters["negativePrompt"] = json!(neg);
    }
    // Vertex takes audio as a parameter (older references called it required); the Gemini API
    // always makes audio and refuses the field.
    if backend == Backend::Vertex {
        parameters["generateAudio"] = json!(family.audio);
    }
    Ok(json!({"instances": [instance], "parameters": parameters}))
}

pub(super) async fn generate(
    p: &GoogleProvider,
    choice: &Choice,
    req: &ClipRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let model = choice.model.as_str();
    let site = p.site(model);

    // Resume a paid operation left by a crashed attempt, if it is still good.
    if let Some(name) = checkpoint_operation(task) {
        tracing::info!(operation = %name, "resuming Veo operation from the last heartbeat");
        match poll(p, &site, model, &name, task).await {
            Ok(op) => match outcome(&site, op) {
                Ok(source) => return save(p, &site, source, out, task).await,
                Err(e) if e.class() == ErrorClass::Transient => {
                    tracing::warn!(error = %e, "the resumed Veo operation failed; submitting anew")
                }
                Err(e) => return Err(e),
            },
            Err(MediaError::Cancelled) => return Err(MediaError::Cancelled),
            Err(e) => {
                tracing::warn!(error = %e, "could not resume the Veo operation; submitting anew")
            }
        }
    }

    let body = request_body(p.config.backend, choice, req).await?;
    let url = format!("{}/models/{model}:predictLongRunning", p.config.base);
    // One more submission in this attempt when the operation itself fails transiently: the
    // retry policy's backoff is for the service, not for one unlucky generation.
    let mut submissions = 0;
    loop {
        submissions += 1;
        let submitted: Submitted = p
            .send_json(&site, task, |c| c.post(&url).json(&body))
            .await?;
        tracing::info!(operation = %submitted.name, "Veo operation submitted");
        task.checkpoint(json!({"route": ROUTE, "operation": submitted.name, "model": model}));
        let op = poll(p, &site, model, &submitted.name, task).await?;
        match outcome(&site, op) {
            Ok(source) => return save(p, &site, source, out, task).await,
            Err(e) if e.class() == ErrorClass::Transient && submissions < 2 => {
                tracing::warn!(error = %e, "Veo operation failed; submitting once more")
            }
            Err(e) => return Err(e),
        }
    }
}

/// Polls until the operation is done, backing off from `poll_initial` to `poll_max`.
async fn poll(
    p: &GoogleProvider,
    site: &CallSite,
    model: &str,
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
                let url = format!("{}/models/{model}:fetchPredictOperation", p.config.base);
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

/// Where a finished generation's video is.
#[derive(Debug)]
pub(crate) enum VideoSource {
    /// A file URI, downloaded with the same credentials (only from a trusted host).
    Download(String),
    /// Inline bytes.
    Inline(Vec<u8>),
}

fn source_of(site: &CallSite, v: VideoEntry) -> Result<VideoSource, MediaError> {
    if let Some(data) = v.encoded_video.or(v.bytes_base64_encoded) {
        return b64()
            .decode(data.as_bytes())
            .map(VideoSource::Inline)
            .map_err(|e| {
                site.error(
                    ErrorClass::Transient,
                    format!("malformed video data: {e}"),
                    None,
                )
            });
    }
    match v.uri.or(v.gcs_uri).or(v.video_gcs_uri) {
        Some(uri) if uri.starts_with("https://") || uri.starts_with("http://") => {
            Ok(VideoSource::Download(uri))
        }
        Some(uri) => Err(site.error(
            ErrorClass::InvalidInput,
            format!("video delivered to {uri}; the studio needs inline bytes (no storageUri)"),
            None,
        )),
        None => Err(site.error(ErrorClass::Transient, "empty video entry".into(), None)),
    }
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
    let first = gvr
        .generated_samples
        .into_iter()
        .chain(resp.generated_samples)
        .find_map(|s| s.video)
        .or_else(|| resp.videos.into_iter().next());
    if let Some(v) = first {
        return source_of(site, v);
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

/// Downloads (files live on Google's side only briefly: at once) or decodes the video, checks
/// it is an MP4 and writes it to `out`.
pub(crate) async fn save(
    p: &GoogleProvider,
    site: &CallSite,
    source: VideoSource,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let bytes = match source {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> CallSite {
        CallSite {
            provider: "gemini",
            model: "m".into(),
        }
    }

    fn op(v: Value) -> Operation {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn every_shape_google_sends_a_video_in() {
        let mp4 = b64().encode(b"\0\0\0\x18ftypmp42");
        let cases = [
            json!({"done": true, "response": {"generateVideoResponse": {"generatedSamples": [{"video": {"uri": "https://x/v1beta/files/a:download?alt=media", "encoding": "video/mp4"}}]}}}),
            json!({"done": true, "response": {"generateVideoResponse": {"generatedSamples": [{"video": {"encodedVideo": mp4, "encoding": "video/mp4"}}]}}}),
            json!({"done": true, "response": {"videos": [{"bytesBase64Encoded": mp4, "mimeType": "video/mp4"}]}}),
            json!({"done": true, "response": {"generatedSamples": [{"video": {"encodedVideo": mp4}}]}}),
        ];
        for c in cases {
            assert!(outcome(&site(), op(c.clone())).is_ok(), "{c}");
        }
        let gcs = json!({"done": true, "response": {"videos": [{"videoGcsUri": "gs://b/v.mp4"}]}});
        let e = outcome(&site(), op(gcs)).unwrap_err();
        assert!(e.to_string().contains("gs://b/v.mp4"), "{e}");
    }

    #[test]
    fn failed_operations_are_classified_by_rpc_code() {
        for (code, class) in [
            (13, ErrorClass::Transient),
            (14, ErrorClass::Transient),
            (4, ErrorClass::Transient),
            (3, ErrorClass::InvalidInput),
            (9, ErrorClass::InvalidInput),
        ] {
            let e = outcome(
                &site(),
                op(json!({"done": true, "error": {"code": code, "message": "x"}})),
            )
            .unwrap_err();
            assert_eq!(e.class(), class, "{code}");
        }
        let e = outcome(&site(), op(json!({"done": true, "response": {}}))).unwrap_err();
        assert_eq!(e.class(), ErrorClass::Transient);
    }
}
