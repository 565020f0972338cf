//! `predictLongRunning` (Veo) on both back ends: the family's rules, the operation and its poll,
//! and the finished payload in each back end's shape; an extension (`video`) and a last frame
//! are checked by [`crate::extend`].

use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::Family;

use crate::extend::{self, InputVideo};
use crate::faults::Faults;
use crate::render::{render_clip, render_extension, Frames};
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
    /// The image the clip ends on (`lastFrame`).
    last_frame: Option<InputImage>,
    /// The clip to extend (`video`): the answer is the whole clip, input and continuation.
    video: Option<InputVideo>,
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
    let (instance, params) = check_fields(site, body)?;
    if instance.get("mask").is_some() {
        return Err(invalid("Masks are not supported by this mock."));
    }
    check_generate_audio(site, params)?;
    if instance.get("video").is_some_and(|v| !v.is_null()) {
        return check_extension(site, family, instance, params);
    }
    extend::check_last_frame_alone(instance)?;
    let duration = check_duration(family, params)?;
    let aspect = param_text(params, "aspectRatio", "16:9")?;
    rules::check_aspect_ratio(family, &aspect)?;
    let resolution = param_text(params, "resolution", "720p")?;
    rules::check_resolution(family, &resolution)?;
    let first_frame = match instance.get("image") {
        None | Some(Value::Null) => None,
        Some(v) => Some(veo_image(site, v, "instances[0].image")?),
    };
    let references = check_references(
        site,
        family,
        instance,
        first_frame.is_some(),
        &resolution,
        duration,
    )?;
    let last_frame = check_last_frame(site, family, instance, first_frame.is_some())?;
    let from_images = first_frame.is_some() || !references.is_empty();
    check_person_generation(site, params, from_images)?;
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
    let prompt = check_prompt(instance, first_frame.is_some())?;
    Ok(Ask {
        prompt,
        first_frame,
        references,
        duration,
        aspect,
        negative: params["negativePrompt"].as_str().map(str::to_owned),
        samples,
        storage_uri,
        last_frame,
        video: None,
    })
}

/// An extension request: the rules of its shape ([`extend::check_veo_shape`]), its
/// `durationSeconds` among the seconds the model adds, and the input video (its length is
/// measured once the request is accepted as a shape: [`predict`]).
fn check_extension(
    site: &Site,
    family: &Family,
    instance: &Value,
    params: &Value,
) -> Result<Ask, Response> {
    let duration = match params.get("durationSeconds") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) => Some(u32::try_from(n).unwrap_or(u32::MAX)),
            None => {
                return Err(invalid(format!(
                    "Invalid value at 'parameters.duration_seconds' (TYPE_INT32), {v}"
                )))
            }
        },
    };
    let seconds = extend::check_veo_shape(site, family, instance, params, duration)?;
    let aspect = param_text(params, "aspectRatio", "16:9")?;
    rules::check_aspect_ratio(family, &aspect)?;
    let video = extend::veo_video(site, &instance["video"], &aspect)?;
    check_person_generation(site, params, false)?;
    let prompt = check_prompt(instance, true)?;
    Ok(Ask {
        prompt,
        first_frame: None,
        references: Vec::new(),
        duration: seconds,
        aspect,
        negative: params["negativePrompt"].as_str().map(str::to_owned),
        samples: 1,
        storage_uri: params["storageUri"].as_str().map(str::to_owned),
        last_frame: None,
        video: Some(video),
    })
}

/// The fields of the body, of its one instance and of its parameters that this back end
/// has; returns the instance and the parameters.
fn check_fields<'a>(site: &Site, body: &'a Value) -> Result<(&'a Value, &'a Value), Response> {
    let top: &[&str] = if site.is_gemini() {
        &["instances", "parameters", "webhookConfig"]
    } else {
        &["instances", "parameters"]
    };
    refuse_unknown(body, top, "")?;
    let instances = body["instances"].as_array().map_or(&[][..], Vec::as_slice);
    let [instance] = instances else {
        return Err(invalid("instances must hold exactly one instance."));
    };
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
    Ok((instance, params))
}

/// Vertex Veo: audio is optional (the model's default when absent), a bool when given.
fn check_generate_audio(site: &Site, params: &Value) -> Result<(), Response> {
    if site.is_gemini() {
        return Ok(());
    }
    match params.get("generateAudio") {
        None | Some(Value::Null) | Some(Value::Bool(_)) => Ok(()),
        Some(other) => Err(invalid(format!(
            "Invalid value at 'parameters.generate_audio' (TYPE_BOOL), {other}"
        ))),
    }
}

/// `durationSeconds`: a whole number, one of the family's durations (8 if absent).
fn check_duration(family: &Family, params: &Value) -> Result<u32, Response> {
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
    Ok(duration)
}

/// A string parameter, or `default` if absent.
fn param_text(params: &Value, key: &str, default: &str) -> Result<String, Response> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(default.to_owned()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(invalid(format!(
            "Invalid value at 'parameters.{key}' (TYPE_STRING), {other}"
        ))),
    }
}

/// `referenceImages`: a list, not with a first frame, as many as the family takes, at the
/// durations references need, each an `asset` with its bytes.
fn check_references(
    site: &Site,
    family: &Family,
    instance: &Value,
    has_first_frame: bool,
    resolution: &str,
    duration: u32,
) -> Result<Vec<InputImage>, Response> {
    let refs = match instance.get("referenceImages") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return Err(invalid(
                "Invalid value at 'instances[0].reference_images': expected a list.",
            ))
        }
    };
    if has_first_frame && !refs.is_empty() {
        return Err(invalid(
            "image and referenceImages cannot be used together.",
        ));
    }
    rules::check_reference_count(family, refs.len())?;
    rules::check_durations_for(family, resolution, !refs.is_empty(), duration)?;
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
    Ok(references)
}

/// `lastFrame`: only where the family takes one, and after a first frame.
fn check_last_frame(
    site: &Site,
    family: &Family,
    instance: &Value,
    has_first_frame: bool,
) -> Result<Option<InputImage>, Response> {
    let Some(last) = instance.get("lastFrame").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    if !family.last_frame {
        return Err(invalid(extend::no_last_frame(site)));
    }
    if !has_first_frame {
        return Err(invalid(extend::LAST_FRAME_NEEDS_IMAGE));
    }
    veo_image(site, last, "instances[0].lastFrame").map(Some)
}

/// `personGeneration`: one of Veo's values; the Gemini API refuses `allow_adult` for a video
/// made from images.
fn check_person_generation(site: &Site, params: &Value, from_images: bool) -> Result<(), Response> {
    match params.get("personGeneration") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(p)) if PERSON_GENERATION.contains(&p.as_str()) => {
            if site.is_gemini() && p == "allow_adult" && from_images {
                return Err(invalid(
                    "allow_adult for personGeneration is currently not supported.",
                ));
            }
            Ok(())
        }
        Some(other) => Err(invalid(format!(
            "Unsupported personGeneration {other}. Allowed values are dont_allow, \
             allow_adult and allow_all."
        ))),
    }
}

/// The instance's prompt: a string, needed unless a first frame is given.
fn check_prompt(instance: &Value, has_first_frame: bool) -> Result<String, Response> {
    let prompt = match instance.get("prompt") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(invalid(format!(
                "Invalid value at 'instances[0].prompt' (TYPE_STRING), {other}"
            )))
        }
    };
    if prompt.trim().is_empty() && !has_first_frame {
        return Err(invalid(
            "instances[0].prompt is required for text-to-video.",
        ));
    }
    Ok(prompt)
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
    if let Some(video) = &ask.video {
        if let Err(r) = extend::check_input_length(state, site, family, video, ask.duration).await {
            return r;
        }
    }
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

/// The finished operation's `response` (or `error`): a scripted one, or the rendered clip as
/// the back end delivers it.
async fn outcome(
    state: &State,
    site: &Site,
    model: &str,
    faults: &Faults,
    fail: bool,
    ask: &Ask,
    origin: &str,
) -> Value {
    if let Some(scripted) = scripted_outcome(site, faults, fail) {
        return scripted;
    }
    let first = ask.first_frame.as_ref().or(ask.references.first());
    let rendered = match &ask.video {
        Some(video) => render_extension(state, video, &ask.prompt, ask.duration, &ask.aspect).await,
        None => {
            let frames = Frames {
                first,
                last: ask.last_frame.as_ref(),
            };
            let clip = (ask.duration, ask.aspect.as_str());
            render_clip(
                state,
                model,
                &ask.prompt,
                frames,
                clip,
                ask.negative.clone(),
            )
            .await
        }
    };
    let bytes = match rendered {
        Ok(b) => b,
        Err(e) => return json!({"error": {"code": 13, "message": e}}),
    };
    match site {
        Site::Gemini => gemini_samples(state, faults, ask, &bytes, origin),
        Site::Vertex { .. } => vertex_samples(state, faults, ask, &bytes),
    }
}

/// The outcome the prompt's faults script, if any: an internal or invalid-argument error,
/// videos filtered for safety (in each back end's shape), or no video.
fn scripted_outcome(site: &Site, faults: &Faults, fail: bool) -> Option<Value> {
    if fail {
        return Some(
            json!({"error": {"code": 13, "message": "Video generation failed due to an internal error. Please try again later."}}),
        );
    }
    if faults.op_invalid {
        return Some(
            json!({"error": {"code": 3, "message": "The request could not be processed: the prompt or its inputs are invalid (scripted)."}}),
        );
    }
    if faults.safety {
        let filtered = json!({"raiMediaFilteredCount": 1,
                              "raiMediaFilteredReasons": ["The prompt could not be submitted: it may violate our policies (scripted)."]});
        return Some(match site {
            Site::Gemini => {
                json!({"response": {"@type": GEMINI_RESPONSE, "generateVideoResponse": filtered}})
            }
            Site::Vertex { .. } => {
                let mut r = filtered;
                r["@type"] = json!(VERTEX_RESPONSE);
                json!({"response": r})
            }
        });
    }
    if faults.no_video {
        return Some(json!({"response": {}}));
    }
    None
}

/// The Gemini API's samples: each a file to download by URI, or inline (`inline`).
fn gemini_samples(state: &State, faults: &Faults, ask: &Ask, bytes: &[u8], origin: &str) -> Value {
    let videos: Vec<Value> = (0..ask.samples as usize)
        .map(|_| {
            if faults.inline {
                let data = base64::engine::general_purpose::STANDARD.encode(bytes);
                json!({"video": {"encodedVideo": data, "encoding": "video/mp4"}})
            } else {
                let id = uuid::Uuid::new_v4().simple().to_string();
                state
                    .files
                    .lock()
                    .expect("lock")
                    .insert(id.clone(), bytes.to_vec());
                redirect_if_asked(state, faults, &id);
                let uri = format!("{origin}/v1beta/files/{id}:download?alt=media");
                json!({"video": {"uri": uri, "encoding": "video/mp4"}})
            }
        })
        .collect();
    json!({"response": {"@type": GEMINI_RESPONSE,
                        "generateVideoResponse": {"generatedSamples": videos}}})
}

/// Vertex's samples: Cloud Storage objects under `storageUri`, a `videoGcsUri` (`gcs-key`), or
/// inline bytes.
fn vertex_samples(state: &State, faults: &Faults, ask: &Ask, bytes: &[u8]) -> Value {
    let op = uuid::Uuid::new_v4().simple().to_string();
    let videos: Vec<Value> = (0..ask.samples as usize)
        .map(|i| {
            if let Some(prefix) = &ask.storage_uri {
                let uri = format!("{}/{op}/sample_{i}.mp4", prefix.trim_end_matches('/'));
                let uri = put_gcs(state, uri, bytes.to_vec());
                redirect_if_asked(state, faults, &uri);
                json!({"gcsUri": uri, "mimeType": "video/mp4"})
            } else if faults.gcs_key {
                let uri = format!("gs://mock-bucket/{op}-{i}.mp4");
                let uri = put_gcs(state, uri, bytes.to_vec());
                redirect_if_asked(state, faults, &uri);
                json!({"videoGcsUri": uri, "mimeType": "video/mp4"})
            } else {
                let data = base64::engine::general_purpose::STANDARD.encode(bytes);
                json!({"bytesBase64Encoded": data, "mimeType": "video/mp4"})
            }
        })
        .collect();
    json!({"response": {"@type": VERTEX_RESPONSE, "videos": videos}})
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
