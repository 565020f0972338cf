//! Veo: `predictLongRunning`, then poll the operation until done (`fetchPredictOperation` on
//! Vertex), then fetch the video. Resuming, retrying and polling are [`super::longrun`]'s.

use std::path::Path;

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use studio_catalog::{clip_plan, Choice};

use super::classify::{rpc_code_class, CallSite};
use super::{b64, longrun, read_image, Backend, GoogleProvider};
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

/// The `predictLongRunning` body for `req` on `backend`, as `choice`'s rules shape it. A clip
/// that ends on a frame sends the first frame as `image` and the end as `lastFrame` (never with
/// `referenceImages`, which Veo refuses beside them: media Part B §3); a model without last
/// frames is refused here, before anything is sent.
pub(crate) async fn request_body(
    backend: Backend,
    choice: &Choice,
    req: &ClipRequest,
) -> Result<Value, MediaError> {
    let family = &choice.family;
    let mut plan = clip_plan(
        family,
        req.quality,
        req.duration.get(),
        req.references.len(),
    );
    if req.last_frame.is_some() {
        if !(family.last_frame && family.first_frame) {
            return Err(MediaError::NoLastFrame {
                provider: backend.as_str().into(),
                model: choice.model.clone(),
            });
        }
        plan.references = false;
        plan.person_generation = family.person_generation.get("image").cloned();
    }
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
    if let Some(end) = &req.last_frame {
        let (data, mime) = read_image(end).await?;
        instance["lastFrame"] = json!({"bytesBase64Encoded": data, "mimeType": mime});
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
    let body = request_body(p.config.backend, choice, req).await?;
    run(p, choice, &body, out, task).await
}

/// Submits `body` to `choice`'s model, polls the operation and saves its video to `out` (a
/// clip, or an extended one: the same route).
pub(super) async fn run(
    p: &GoogleProvider,
    choice: &Choice,
    body: &Value,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let model = choice.model.as_str();
    let site = &p.site(model);
    let base = &p.config.model_base(model)?;
    let url = &format!("{base}/models/{model}:predictLongRunning");
    let route = longrun::Route {
        name: ROUTE,
        id_key: "operation",
        model,
    };
    let submit = move || async move {
        let submitted: Submitted = p.send_json(site, task, |c| c.post(url).json(body)).await?;
        Ok(submitted.name)
    };
    let poll_once = move |name: String| async move {
        let body = match p.config.backend {
            Backend::Gemini => {
                let url = format!("{base}/{name}");
                p.send(site, task, |c| c.get(&url)).await?
            }
            Backend::Vertex => {
                let url = format!("{base}/models/{model}:fetchPredictOperation");
                let body = json!({"operationName": name});
                p.send(site, task, |c| c.post(&url).json(&body)).await?
            }
        };
        let op = parse_operation(site, &body)?;
        Ok(op.done.then(|| outcome(site, op)))
    };
    longrun::generate(p, site, route, out, task, submit, poll_once).await
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
    /// A Gemini API file resource (`…/v1beta/files/ID`), which may still be `PROCESSING`: its
    /// state is polled until `ACTIVE`, then `…:download?alt=media` is fetched.
    GeminiFile(String),
    /// A Cloud Storage object (`gs://bucket/object`), read through the JSON API.
    Gcs(String),
    /// Inline bytes.
    Inline(Vec<u8>),
}

impl VideoSource {
    /// Where a URI in an answer points: a Cloud Storage object, a Gemini file resource, or a
    /// plain download; None for anything else (no scheme the studio can read).
    pub(crate) fn of_uri(uri: &str) -> Option<VideoSource> {
        if uri.starts_with("gs://") && uri.len() > 5 {
            return Some(VideoSource::Gcs(uri.to_owned()));
        }
        let url = reqwest::Url::parse(uri).ok()?;
        if !matches!(url.scheme(), "https" | "http") {
            return None;
        }
        let file = url
            .path()
            .strip_prefix("/v1beta/files/")
            .is_some_and(|id| !id.is_empty() && !id.contains([':', '/']));
        Some(if file && url.query().is_none() {
            VideoSource::GeminiFile(uri.to_owned())
        } else {
            VideoSource::Download(uri.to_owned())
        })
    }
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
        Some(uri) => VideoSource::of_uri(&uri).ok_or_else(|| {
            site.error(
                ErrorClass::InvalidInput,
                format!("video delivered to {uri}, which the studio cannot read"),
                None,
            )
        }),
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
        VideoSource::GeminiFile(uri) => {
            super::files::wait_active(p, site, task, &uri).await?;
            let download = format!("{uri}:download?alt=media");
            p.send(site, task, |c| c.get(&download)).await?.to_vec()
        }
        VideoSource::Gcs(uri) => {
            let url = super::files::gcs_media_url(p, site, &uri)?;
            p.send(site, task, |c| c.get(url)).await?.to_vec()
        }
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
        // A Cloud Storage object is read from there; a scheme nobody can read is an error.
        let gcs = json!({"done": true, "response": {"videos": [{"videoGcsUri": "gs://b/v.mp4"}]}});
        assert!(
            matches!(outcome(&site(), op(gcs)), Ok(VideoSource::Gcs(u)) if u == "gs://b/v.mp4")
        );
        let odd = json!({"done": true, "response": {"videos": [{"gcsUri": "s3://b/v.mp4"}]}});
        let e = outcome(&site(), op(odd)).unwrap_err();
        assert!(e.to_string().contains("s3://b/v.mp4"), "{e}");
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
