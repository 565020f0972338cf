//! `predictLongRunning` (Veo) on both back ends: the family's rules, the operation and its poll,
//! and the finished payload in each back end's shape. Also the clip renderer the Interactions
//! route shares.

use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::Family;
use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::{ClipRequest, MediaProvider, TaskCtx};

use crate::faults::Faults;
use crate::routes::{
    common_faults, google_error, invalid, put_gcs, redirect_if_asked, refuse_unknown, Note, Shared,
    Site,
};
use crate::rules::{self, image_from, InputImage};
use crate::State;

pub(crate) struct Op {
    polls_needed: u32,
    polls_seen: u32,
    prompt: String,
    /// The finished operation's `response` or `error`, once the clip is rendered.
    outcome: Option<Value>,
}

/// Parameters both back ends take.
const PARAMETERS: &[&str] = &[
    "aspectRatio",
    "resolution",
    "durationSeconds",
    "sampleCount",
    "negativePrompt",
    "personGeneration",
    "enhancePrompt",
];
/// Parameters only Vertex takes; the Gemini API refuses them as unknown fields.
const VERTEX_PARAMETERS: &[&str] = &[
    "seed",
    "generateAudio",
    "storageUri",
    "fps",
    "compressionQuality",
    "resizeMode",
    "pubsubTopic",
    "labels",
];
const PERSON_GENERATION: &[&str] = &["dont_allow", "allow_adult", "allow_all"];

/// A checked `predictLongRunning` request.
struct Ask {
    prompt: String,
    first_frame: Option<InputImage>,
    references: Vec<InputImage>,
    duration: u32,
    aspect: String,
    negative: Option<String>,
    samples: u32,
    storage_uri: Option<String>,
}

/// An image as Veo takes it: `{bytesBase64Encoded, mimeType}` (or, on Vertex, `gcsUri`), or the
/// `{inlineData: {mimeType, data}}` some clients send to the Gemini API.
fn veo_image(site: &Site, v: &Value, at: &str) -> Result<InputImage, Response> {
    if let Some(inline) = v.get("inlineData") {
        refuse_unknown(v, &["inlineData"], at)?;
        let at = format!("{at}.inlineData");
        refuse_unknown(inline, &["mimeType", "data"], &at)?;
        let Some(data) = inline["data"].as_str() else {
            return Err(invalid(format!("{at}.data is required.")));
        };
        return image_from(data, inline["mimeType"].as_str(), &at, "data", "mimeType");
    }
    let known: &[&str] = if site.is_gemini() {
        &["bytesBase64Encoded", "mimeType"]
    } else {
        &["bytesBase64Encoded", "gcsUri", "mimeType"]
    };
    refuse_unknown(v, known, at)?;
    if v.get("gcsUri").is_some() {
        return Err(invalid(format!(
            "{at}.gcsUri: this mock cannot read Cloud Storage; send bytesBase64Encoded."
        )));
    }
    let Some(data) = v["bytesBase64Encoded"].as_str() else {
        return Err(invalid(format!(
            "{at} must carry the image bytes (bytesBase64Encoded)."
        )));
    };
    image_from(
        data,
        v["mimeType"].as_str(),
        at,
        "bytesBase64Encoded",
        "mimeType",
    )
}

/// Every rule of `family` (and of the back end) the request breaks, as Google's 400.
fn check(site: &Site, family: &Family, body: &Value) -> Result<Ask, Response> {
    let top: &[&str] = if site.is_gemini() {
        &["instances", "parameters", "webhookConfig"]
    } else {
        &["instances", "parameters"]
    };
    refuse_unknown(body, top, "")?;
    let instances = body["instances"].as_array().cloned().unwrap_or_default();
    if instances.len() != 1 {
        return Err(invalid("instances must hold exactly one instance."));
    }
    let instance = &instances[0];
    let instance_fields: &[&str] = if site.is_gemini() {
        &["prompt", "image", "lastFrame", "referenceImages", "video"]
    } else {
        &[
            "prompt",
            "image",
            "lastFrame",
            "referenceImages",
            "video",
            "mask",
        ]
    };
    refuse_unknown(instance, instance_fields, "instances[0]")?;
    let params = &body["parameters"];
    let mut known: Vec<&str> = PARAMETERS.to_vec();
    if !site.is_gemini() {
        known.extend_from_slice(VERTEX_PARAMETERS);
    }
    refuse_unknown(params, &known, "parameters")?;

    if instance.get("video").is_some() || instance.get("mask").is_some() {
        return Err(invalid(
            "Video extension and masks are not supported by this mock.",
        ));
    }
    // Vertex Veo: audio is optional (the model's default when absent), a bool when given.
    if !site.is_gemini() {
        match params.get("generateAudio") {
            None | Some(Value::Null) | Some(Value::Bool(_)) => {}
            Some(other) => {
                return Err(invalid(format!(
                    "Invalid value at 'parameters.generate_audio' (TYPE_BOOL), {other}"
                )))
            }
        }
    }
    let duration = match params.get("durationSeconds") {
        None | Some(Value::Null) => 8,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= 0.0 && f <= f64::from(u32::MAX) => f as u32,
            _ => {
                return Err(invalid(format!(
                    "Invalid value at 'parameters.duration_seconds' (TYPE_INT32), {n}"
                )))
            }
        },
        Some(other) => {
            return Err(invalid(format!(
                "Invalid value at 'parameters.duration_seconds' (TYPE_INT32), {other}"
            )))
        }
    };
    if !family.durations.contains(&duration) {
        return Err(rules::duration_not_allowed(
            &format!("{duration}s"),
            family,
            "",
        ));
    }
    let text = |key: &str, default: &str| -> Result<String, Response> {
        match params.get(key) {
            None | Some(Value::Null) => Ok(default.to_owned()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(invalid(format!(
                "Invalid value at 'parameters.{key}' (TYPE_STRING), {other}"
            ))),
        }
    };
    let aspect = text("aspectRatio", "16:9")?;
    rules::check_aspect_ratio(family, &aspect)?;
    let resolution = text("resolution", "720p")?;
    rules::check_resolution(family, &resolution)?;

    let first_frame = match instance.get("image") {
        None | Some(Value::Null) => None,
        Some(v) => Some(veo_image(site, v, "instances[0].image")?),
    };
    let refs = match instance.get("referenceImages") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return Err(invalid(
                "Invalid value at 'instances[0].reference_images': expected a list.",
            ))
        }
    };
    if first_frame.is_some() && !refs.is_empty() {
        return Err(invalid(
            "image and referenceImages cannot be used together.",
        ));
    }
    rules::check_reference_count(family, refs.len())?;
    rules::check_durations_for(family, &resolution, !refs.is_empty(), duration)?;
    let mut references = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        let at = format!("instances[0].referenceImages[{i}]");
        refuse_unknown(r, &["image", "referenceType"], &at)?;
        // The REST reference writes "asset"; the SDK sends its enum's value, "ASSET".
        match r["referenceType"].as_str() {
            Some(t) if t.eq_ignore_ascii_case("asset") => {}
            other => {
                return Err(invalid(format!(
                    "Unsupported referenceType {} for {at}. Only \"asset\" is supported.",
                    other.map_or("(none)".to_owned(), |t| format!("\"{t}\""))
                )))
            }
        }
        match r.get("image") {
            Some(img) if img.is_object() => {
                references.push(veo_image(site, img, &format!("{at}.image"))?)
            }
            _ => {
                return Err(invalid(format!(
                    "{at}.image must carry the image bytes (bytesBase64Encoded)."
                )))
            }
        }
    }
    if let Some(last) = instance.get("lastFrame").filter(|v| !v.is_null()) {
        if !family.last_frame {
            return Err(invalid("lastFrame is not supported by this model."));
        }
        if first_frame.is_none() {
            return Err(invalid("lastFrame requires image (the first frame)."));
        }
        veo_image(site, last, "instances[0].lastFrame")?;
    }

    match params.get("personGeneration") {
        None | Some(Value::Null) => {}
        Some(Value::String(p)) if PERSON_GENERATION.contains(&p.as_str()) => {
            let from_images = first_frame.is_some() || !references.is_empty();
            if site.is_gemini() && p == "allow_adult" && from_images {
                return Err(invalid(
                    "allow_adult for personGeneration is currently not supported.",
                ));
            }
        }
        Some(other) => {
            return Err(invalid(format!(
                "Unsupported personGeneration {other}. Allowed values are dont_allow, \
                 allow_adult and allow_all."
            )))
        }
    }
    let samples = match params.get("sampleCount") {
        None | Some(Value::Null) => 1,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=4) => n as u32,
            _ => return Err(invalid("sampleCount must be between 1 and 4.")),
        },
    };
    let storage_uri = match params.get("storageUri") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.starts_with("gs://") && s.len() > 5 => Some(s.clone()),
        Some(_) => {
            return Err(invalid(
                "storageUri must be a Cloud Storage URI (gs://BUCKET/PATH).",
            ))
        }
    };
    let prompt = match instance.get("prompt") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(invalid(format!(
                "Invalid value at 'instances[0].prompt' (TYPE_STRING), {other}"
            )))
        }
    };
    if prompt.trim().is_empty() && first_frame.is_none() {
        return Err(invalid(
            "instances[0].prompt is required for text-to-video.",
        ));
    }
    Ok(Ask {
        prompt,
        first_frame,
        references,
        duration,
        aspect,
        negative: params["negativePrompt"].as_str().map(str::to_owned),
        samples,
        storage_uri,
    })
}

/// `POST .../models/MODEL:predictLongRunning` for a model whose family serves it here.
pub(crate) async fn predict(
    state: &Shared,
    note: &Note,
    site: &Site,
    model: &str,
    family: &Family,
    origin: &str,
    body: &Value,
) -> Response {
    if let Some(p) = body["instances"][0]["prompt"].as_str() {
        note.prompt(p);
    }
    let ask = match check(site, family, body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let faults = Faults::parse(&ask.prompt);
    let key = format!("video:{}", ask.prompt);
    if let Some(r) = common_faults(state, &key, model, &faults).await {
        return r;
    }
    {
        let mut stats = state.stats.lock().expect("lock");
        *stats
            .video_submissions
            .entry(ask.prompt.clone())
            .or_default() += 1;
        let refs = body["instances"][0]["referenceImages"]
            .as_array()
            .map_or(0, Vec::len);
        stats
            .reference_images
            .insert(ask.prompt.clone(), refs as u32);
        let resolution = body["parameters"]["resolution"].as_str().unwrap_or("720p");
        stats
            .resolutions
            .insert(ask.prompt.clone(), resolution.to_owned());
    }
    let fail = faults.op_error
        || (faults.op_error_once && state.failed_once.lock().expect("lock").insert(key));

    let name = format!(
        "{}/operations/{}",
        site.model_resource(model),
        uuid::Uuid::new_v4().simple()
    );
    state.ops.lock().expect("lock").insert(
        name.clone(),
        Op {
            polls_needed: faults.polls.unwrap_or(state.options.polls),
            polls_seen: 0,
            prompt: ask.prompt.clone(),
            outcome: None,
        },
    );
    // Like Veo, answer at once and render in the background.
    let (state2, name2, site, origin, model) = (
        state.clone(),
        name.clone(),
        site.clone(),
        origin.to_owned(),
        model.to_owned(),
    );
    tokio::spawn(async move {
        let outcome = outcome(&state2, &site, &model, &faults, fail, &ask, &origin).await;
        if let Some(op) = state2.ops.lock().expect("lock").get_mut(&name2) {
            op.outcome = Some(outcome);
        }
    });
    Json(json!({"name": name})).into_response()
}

const GEMINI_RESPONSE: &str =
    "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse";
const VERTEX_RESPONSE: &str =
    "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse";

async fn outcome(
    state: &State,
    site: &Site,
    model: &str,
    faults: &Faults,
    fail: bool,
    ask: &Ask,
    origin: &str,
) -> Value {
    if fail {
        return json!({"error": {"code": 13, "message": "Video generation failed due to an internal error. Please try again later."}});
    }
    if faults.op_invalid {
        return json!({"error": {"code": 3, "message": "The request could not be processed: the prompt or its inputs are invalid (scripted)."}});
    }
    if faults.safety {
        let filtered = json!({"raiMediaFilteredCount": 1,
                              "raiMediaFilteredReasons": ["The prompt could not be submitted: it may violate our policies (scripted)."]});
        return match site {
            Site::Gemini => {
                json!({"response": {"@type": GEMINI_RESPONSE, "generateVideoResponse": filtered}})
            }
            Site::Vertex { .. } => {
                let mut r = filtered;
                r["@type"] = json!(VERTEX_RESPONSE);
                json!({"response": r})
            }
        };
    }
    if faults.no_video {
        return json!({"response": {}});
    }
    let first = ask.first_frame.as_ref().or(ask.references.first());
    let bytes = match render_clip(
        state,
        model,
        &ask.prompt,
        first,
        ask.duration,
        &ask.aspect,
        ask.negative.clone(),
    )
    .await
    {
        Ok(b) => b,
        Err(e) => return json!({"error": {"code": 13, "message": e}}),
    };
    let b64 = || base64::engine::general_purpose::STANDARD.encode(&bytes);
    let samples = ask.samples as usize;
    match site {
        Site::Gemini => {
            let videos: Vec<Value> = (0..samples)
                .map(|_| {
                    if faults.inline {
                        json!({"video": {"encodedVideo": b64(), "encoding": "video/mp4"}})
                    } else {
                        let id = uuid::Uuid::new_v4().simple().to_string();
                        state
                            .files
                            .lock()
                            .expect("lock")
                            .insert(id.clone(), bytes.clone());
                        redirect_if_asked(state, faults, &id);
                        let uri = format!("{origin}/v1beta/files/{id}:download?alt=media");
                        json!({"video": {"uri": uri, "encoding": "video/mp4"}})
                    }
                })
                .collect();
            json!({"response": {"@type": GEMINI_RESPONSE,
                                "generateVideoResponse": {"generatedSamples": videos}}})
        }
        Site::Vertex { .. } => {
            let op = uuid::Uuid::new_v4().simple().to_string();
            let videos: Vec<Value> = (0..samples)
                .map(|i| {
                    if let Some(prefix) = &ask.storage_uri {
                        let uri = format!("{}/{op}/sample_{i}.mp4", prefix.trim_end_matches('/'));
                        let uri = put_gcs(state, uri, bytes.clone());
                        redirect_if_asked(state, faults, &uri);
                        json!({"gcsUri": uri, "mimeType": "video/mp4"})
                    } else if faults.gcs_key {
                        let uri = format!("gs://mock-bucket/{op}-{i}.mp4");
                        let uri = put_gcs(state, uri, bytes.clone());
                        redirect_if_asked(state, faults, &uri);
                        json!({"videoGcsUri": uri, "mimeType": "video/mp4"})
                    } else {
                        json!({"bytesBase64Encoded": b64(), "mimeType": "video/mp4"})
                    }
                })
                .collect();
            json!({"response": {"@type": VERTEX_RESPONSE, "videos": videos}})
        }
    }
}

/// Renders a clip of `seconds` with the offline provider (which gives it its picture and sound),
/// starting from `first` or, without one, from a drawn character.
pub(crate) async fn render_clip(
    state: &State,
    model: &str,
    prompt: &str,
    first: Option<&InputImage>,
    seconds: u32,
    aspect: &str,
    negative: Option<String>,
) -> Result<Vec<u8>, String> {
    let aspect_ratio: AspectRatio = aspect.parse().unwrap_or_default();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (image_bytes, ext) = match first {
        Some(img) => (img.bytes.clone(), img.extension()),
        None => (
            crate::images::draw_png(
                state,
                model,
                prompt,
                studio_media::Angle::Front,
                aspect_ratio,
            )
            .await?,
            "png",
        ),
    };
    let work = state.work.path();
    let image_path = work.join(format!("{id}.{ext}"));
    let out = work.join(format!("{id}.mp4"));
    std::fs::write(&image_path, image_bytes).map_err(|e| e.to_string())?;
    let req = ClipRequest {
        prompt: prompt.to_owned(),
        negative_prompt: negative,
        duration: ClipSeconds::try_from(seconds).map_err(|e| e.to_string())?,
        aspect_ratio,
        quality: Quality::Standard,
        image: image_path.clone(),
        references: vec![],
        model: Some(model.to_owned()),
        variant: 0,
    };
    let r = state
        .offline
        .video_clip(&req, &out, &TaskCtx::detached())
        .await
        .map_err(|e| e.to_string());
    let bytes = std::fs::read(&out).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&image_path);
    let _ = std::fs::remove_file(&out);
    r?;
    bytes
}

/// A poll of operation `name` (Gemini `GET`, Vertex `fetchPredictOperation`).
pub(crate) fn poll(state: &State, note: &Note, name: &str) -> Response {
    state.stats.lock().expect("lock").polls += 1;
    let mut ops = state.ops.lock().expect("lock");
    let Some(op) = ops.get_mut(name) else {
        return google_error(
            404,
            "NOT_FOUND",
            &format!("Operation {name} not found."),
            json!([]),
        );
    };
    note.prompt(&op.prompt);
    op.polls_seen += 1;
    let outcome = match &op.outcome {
        Some(o) if op.polls_seen >= op.polls_needed => o,
        _ => return Json(json!({"name": name, "done": false})).into_response(),
    };
    let mut body = json!({"name": name, "done": true});
    if let Some(obj) = outcome.as_object() {
        for (k, v) in obj {
            body[k] = v.clone();
        }
    }
    Json(body).into_response()
}
