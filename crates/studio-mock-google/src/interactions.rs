//! The Interactions API (Gemini Omni video), as `/tmp/research/interactions.md` describes it:
//! `POST /v1beta/interactions` (Gemini API, key) and `POST
//! /v1beta1/projects/P/locations/L/interactions` (Vertex, bearer), and `GET .../interactions/ID`.
//! snake_case on the wire, everywhere; `response_format.duration` is a string like `"8s"`;
//! `background: true` answers `in_progress` and completes after N polls; the video is the last
//! `type: "video"` block of the `model_output` step.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::{Family, Route};

use crate::faults::Faults;
use crate::routes::{
    check_gemini_key, check_vertex_auth, common_faults, google_error, invalid, origin, parse_body,
    parse_query, put_gcs, redirect_if_asked, refuse_unknown, Note, Shared, Site,
};
use crate::rules::{self, image_from, InputImage};
use crate::State;

const TOP: &[&str] = &[
    "input",
    "model",
    "background",
    "environment",
    "generation_config",
    "labels",
    "previous_interaction_id",
    "response_format",
    "response_mime_type",
    "response_modalities",
    "safety_settings",
    "service_tier",
    "store",
    "stream",
    "system_instruction",
    "tools",
    "webhook_config",
];
const VIDEO_FORMAT: &[&str] = &[
    "type",
    "aspect_ratio",
    "delivery",
    "duration",
    "gcs_uri",
    "resolution",
];
const GENERATION_CONFIG: &[&str] = &[
    "video_config",
    "image_config",
    "speech_config",
    "temperature",
    "top_p",
    "seed",
    "stop_sequences",
    "max_output_tokens",
    "thinking_level",
    "thinking_summaries",
    "tool_choice",
];
const TASKS: &[&str] = &[
    "text_to_video",
    "image_to_video",
    "reference_to_video",
    "edit",
    "extend",
];
/// Video tokens per second of output (Omni Flash's published rate).
const TOKENS_PER_SECOND: u32 = 5792;
/// The largest video an interaction returns inline (reported near 4 MB; December update 4).
const INLINE_MAX_BYTES: u64 = 4_000_000;

/// The size Google's encoder would give a clip (the mock's clips are far smaller than real
/// ones, so the inline cap is judged on the size a real clip of this length would have).
fn nominal_bytes(resolution: &str, seconds: u32) -> u64 {
    let kbps: u64 = match resolution {
        "360p" => 800,
        "720p" => 2_500,
        "1080p" => 8_000,
        _ => 30_000,
    };
    kbps * 1000 / 8 * u64::from(seconds)
}

/// A stored interaction (background, or created with `store` not false).
pub(crate) struct Stored {
    /// `gemini` or `projects/P/locations/L`: where it can be fetched.
    scope: String,
    model: String,
    prompt: String,
    created: String,
    polls_needed: u32,
    polls_seen: u32,
    user_content: Vec<Value>,
    /// Set once the video is rendered (or the interaction failed).
    ending: Option<Ending>,
    updated: String,
}

#[derive(Clone)]
enum Ending {
    Completed {
        /// Base64 MP4; None: completed with no video (`no-video`).
        data: Option<String>,
        /// Where the video was also put when `delivery: "uri"` was asked.
        uri: Option<String>,
        seconds: u32,
    },
    Failed {
        code: i32,
        kind: &'static str,
        message: String,
    },
}

/// A checked create request.
struct Ask {
    model: String,
    prompt: String,
    /// Inline images (None: given by `uri`).
    images: Vec<Option<InputImage>>,
    duration: u32,
    aspect: String,
    resolution: String,
    delivery_uri: bool,
    gcs_prefix: Option<String>,
    background: bool,
    store: bool,
    /// The user's content as echoed in the `user_input` step (without image bytes).
    user_content: Vec<Value>,
}

fn scope(site: &Site) -> String {
    match site {
        Site::Gemini => "gemini".into(),
        Site::Vertex { project, location } => format!("projects/{project}/locations/{location}"),
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`, now.
fn now_iso() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The content blocks of `input`: a string, one content block, a list of blocks, or a list of
/// `user_input` steps.
fn blocks(input: &Value) -> Result<Vec<Value>, Response> {
    match input {
        Value::String(s) => Ok(vec![json!({"type": "text", "text": s})]),
        Value::Object(_) => Ok(vec![input.clone()]),
        Value::Array(items) if items.is_empty() => Err(invalid("input must not be empty.")),
        Value::Array(items) => {
            let steps = items.iter().filter(|i| i["type"] == "user_input").count();
            if steps == 0 {
                return Ok(items.clone());
            }
            if steps != items.len() {
                return Err(invalid(
                    "input must be a list of content blocks or a list of steps, not both.",
                ));
            }
            let mut out = Vec::new();
            for (i, step) in items.iter().enumerate() {
                refuse_unknown(step, &["type", "content"], &format!("input[{i}]"))?;
                match &step["content"] {
                    Value::Array(c) => out.extend(c.iter().cloned()),
                    _ => {
                        return Err(invalid(format!(
                            "input[{i}].content must be a list of content blocks."
                        )))
                    }
                }
            }
            Ok(out)
        }
        Value::Null => Err(invalid("input is required.")),
        other => Err(invalid(format!("Invalid value at 'input', {other}"))),
    }
}

fn check(site: &Site, family: &Family, body: &Value) -> Result<Ask, Response> {
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let mut prompt: Vec<String> = Vec::new();
    let mut images = Vec::new();
    let mut user_content = Vec::new();
    for (i, block) in blocks(&body["input"])?.iter().enumerate() {
        let at = format!("input.content[{i}]");
        match block["type"].as_str() {
            Some("text") => {
                refuse_unknown(block, &["type", "text", "annotations"], &at)?;
                let Some(t) = block["text"].as_str() else {
                    return Err(invalid(format!("{at}.text is required.")));
                };
                prompt.push(t.to_owned());
                user_content.push(json!({"type": "text", "text": t}));
            }
            Some("image") => {
                refuse_unknown(
                    block,
                    &["type", "data", "uri", "mime_type", "resolution"],
                    &at,
                )?;
                let mime = block["mime_type"].as_str();
                match (block["data"].as_str(), block["uri"].as_str()) {
                    (Some(data), None) => {
                        images.push(Some(image_from(data, mime, &at, "data", "mime_type")?));
                    }
                    (None, Some(uri)) => {
                        if site.is_gemini() {
                            return Err(invalid(format!(
                                "{at}.uri: this mock takes inline image data on the Gemini API."
                            )));
                        }
                        if !uri.starts_with("gs://") {
                            return Err(invalid(format!(
                                "{at}.uri must be a Cloud Storage URI (gs://...)."
                            )));
                        }
                        if mime.is_none() {
                            return Err(invalid(format!("{at}.mime_type is required.")));
                        }
                        images.push(None);
                    }
                    _ => {
                        return Err(invalid(format!(
                            "{at} must carry exactly one of data and uri."
                        )))
                    }
                }
                user_content.push(json!({"type": "image", "mime_type": mime}));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "{at}: content of type \"{other}\" is not supported for video generation."
                )))
            }
            None => return Err(invalid(format!("{at}.type is required."))),
        }
    }
    let prompt = prompt.join("\n");
    if prompt.trim().is_empty() {
        return Err(invalid("input must contain a text prompt."));
    }

    // response_format: one object or a list; the video entry.
    let format = match &body["response_format"] {
        Value::Null => json!({"type": "video"}),
        Value::Array(list) => {
            let videos: Vec<&Value> = list.iter().filter(|f| f["type"] == "video").collect();
            if videos.len() != 1 || list.len() != 1 {
                return Err(invalid(
                    "response_format must hold exactly one entry, of type \"video\", for this model.",
                ));
            }
            videos[0].clone()
        }
        v @ Value::Object(_) => v.clone(),
        other => {
            return Err(invalid(format!(
                "Invalid value at 'response_format', {other}"
            )))
        }
    };
    refuse_unknown(&format, VIDEO_FORMAT, "response_format")?;
    match format["type"].as_str() {
        Some("video") => {}
        Some(other) => {
            return Err(invalid(format!(
            "This model only makes video: response_format.type must be \"video\", not \"{other}\"."
        )))
        }
        None => return Err(invalid("response_format.type is required.")),
    }
    let duration = match &format["duration"] {
        Value::Null => 8,
        Value::String(s) => {
            let n = s
                .strip_suffix('s')
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u32>().ok());
            let Some(n) = n else {
                return Err(invalid(format!(
                    "Invalid response_format.duration \"{s}\": expected a whole number of \
                     seconds followed by \"s\", e.g. \"8s\"."
                )));
            };
            if !family.durations.contains(&n) {
                return Err(rules::duration_not_allowed(s, family, "s"));
            }
            n
        }
        other => {
            return Err(invalid(format!(
                "Invalid value at 'response_format.duration' (TYPE_STRING), {other}"
            )))
        }
    };
    let text = |key: &str, default: &str| -> Result<String, Response> {
        match &format[key] {
            Value::Null => Ok(default.to_owned()),
            Value::String(s) => Ok(s.clone()),
            other => Err(invalid(format!(
                "Invalid value at 'response_format.{key}' (TYPE_STRING), {other}"
            ))),
        }
    };
    let aspect = text("aspect_ratio", "16:9")?;
    rules::check_aspect_ratio(family, &aspect)?;
    let resolution = text("resolution", "720p")?;
    rules::check_resolution(family, &resolution)?;
    let delivery = text("delivery", "")?;
    let gcs_uri = match &format["gcs_uri"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => {
            return Err(invalid(format!(
                "Invalid value at 'response_format.gcs_uri' (TYPE_STRING), {other}"
            )))
        }
    };
    let delivery_uri = match delivery.as_str() {
        "" => gcs_uri.is_some(),
        "inline" => false,
        "uri" => true,
        other => {
            return Err(invalid(format!(
                "Invalid response_format.delivery \"{other}\": must be \"inline\" or \"uri\"."
            )))
        }
    };
    let gcs_prefix = match (site, gcs_uri) {
        (Site::Gemini, Some(_)) => {
            return Err(invalid(
                "response_format.gcs_uri is only supported on Vertex AI.",
            ))
        }
        (Site::Vertex { .. }, Some(u)) if !u.starts_with("gs://") || u.len() <= 5 => {
            return Err(invalid(
                "response_format.gcs_uri must be a Cloud Storage URI (gs://BUCKET/PATH).",
            ))
        }
        (Site::Vertex { .. }, None) if delivery_uri => {
            return Err(invalid(
                "response_format.gcs_uri is required on Vertex AI when delivery is \"uri\".",
            ))
        }
        (_, u) => u,
    };

    let config = &body["generation_config"];
    refuse_unknown(config, GENERATION_CONFIG, "generation_config")?;
    let video_config = &config["video_config"];
    refuse_unknown(video_config, &["task"], "generation_config.video_config")?;
    let task = match &video_config["task"] {
        Value::Null => None,
        Value::String(t) if TASKS.contains(&t.as_str()) => Some(t.as_str()),
        other => {
            return Err(invalid(format!(
                "Invalid value at 'generation_config.video_config.task', {other}"
            )))
        }
    };
    let n = images.len();
    let references = match task {
        Some("extend") => return Err(invalid("Video extension is not supported by this model.")),
        Some("edit") => return Err(invalid("The edit task requires an input video.")),
        Some("text_to_video") if n > 0 => {
            return Err(invalid("The text_to_video task takes no input images."))
        }
        Some("image_to_video") if family.last_frame && !(1..=2).contains(&n) => {
            return Err(invalid(format!(
                "The image_to_video task takes one or two input images (a first frame, and \
                 optionally a last frame); got {n}."
            )))
        }
        Some("image_to_video") if !family.last_frame && n != 1 => {
            return Err(invalid(format!(
                "The image_to_video task takes exactly one input image; got {n}."
            )))
        }
        Some("image_to_video") => false,
        Some("reference_to_video") if n == 0 => {
            return Err(invalid(
                "The reference_to_video task needs at least one reference image.",
            ))
        }
        Some("reference_to_video") => true,
        _ => n > 1,
    };
    if references {
        rules::check_reference_count(family, n)?;
    } else if n > 0 && !family.first_frame {
        return Err(invalid(
            "A first frame image is not supported by this model.",
        ));
    }
    rules::check_durations_for(family, &resolution, references, duration)?;

    let flag = |key: &str| -> Result<Option<bool>, Response> {
        match &body[key] {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            other => Err(invalid(format!(
                "Invalid value at '{key}' (TYPE_BOOL), {other}"
            ))),
        }
    };
    let background = flag("background")?.unwrap_or(false);
    let store = flag("store")?.unwrap_or(true);
    if background && !store {
        return Err(invalid(
            "background interactions must be stored: store cannot be false when background is true.",
        ));
    }
    if flag("stream")?.unwrap_or(false) {
        return Err(invalid(
            "Streaming is not supported by this mock; send stream: false.",
        ));
    }
    if !body["previous_interaction_id"].is_null() {
        return Err(invalid(
            "previous_interaction_id is not supported by this mock.",
        ));
    }
    Ok(Ask {
        model,
        prompt,
        images,
        duration,
        aspect,
        resolution,
        delivery_uri,
        gcs_prefix,
        background,
        store,
        user_content,
    })
}

/// Rewrites a refusal of an Interactions route into that API's own error shape, `{"error":
/// {"code": "<string>", "message": …}}` (python-genai `_gaos/types/interactions/error.py`), not
/// google.rpc.Status: no `status`, no `details`. A wait a 429 asks for goes in `Retry-After`,
/// which the SDK's Interactions client honours. Refusals of the credentials (made by Google's
/// front end before the API is reached) keep the google.rpc.Status shape.
pub(crate) async fn error_shape(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let resp = next.run(req).await;
    if resp.status().is_success()
        || resp
            .extensions()
            .get::<crate::routes::Unauthenticated>()
            .is_some()
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let Some(status) = v["error"]["status"].as_str() else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let delay = v["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| {
            d["retryDelay"]
                .as_str()?
                .strip_suffix('s')?
                .parse::<f64>()
                .ok()
        });
    if let Some(secs) = delay {
        let header = format!("{}", secs.ceil() as u64);
        if let Ok(h) = axum::http::HeaderValue::from_str(&header) {
            parts.headers.insert("retry-after", h);
        }
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = json!({"error": {
        "code": status.to_ascii_lowercase(),
        "message": v["error"]["message"].as_str().unwrap_or_default(),
    }});
    Response::from_parts(parts, axum::body::Body::from(body.to_string()))
}

pub(crate) async fn gemini_create(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    create(&state, &note, Site::Gemini, &origin(&headers), &body).await
}

pub(crate) async fn vertex_create(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path((project, location)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_vertex_auth(&headers) {
        return r;
    }
    let site = Site::Vertex { project, location };
    create(&state, &note, site, &origin(&headers), &body).await
}

pub(crate) async fn gemini_get(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(r) = check_gemini_key(&state, &headers) {
        return r;
    }
    get(&state, &note, &Site::Gemini, &id, query.as_deref())
}

pub(crate) async fn vertex_get(
    AxState(state): AxState<Shared>,
    Extension(note): Extension<Note>,
    Path((project, location, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(r) = check_vertex_auth(&headers) {
        return r;
    }
    let site = Site::Vertex { project, location };
    get(&state, &note, &site, &id, query.as_deref())
}

async fn create(state: &Shared, note: &Note, site: Site, origin: &str, body: &Bytes) -> Response {
    let body = match parse_body(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Err(r) = refuse_unknown(&body, TOP, "") {
        return r;
    }
    let Some(model) = body["model"].as_str().filter(|m| !m.is_empty()) else {
        return invalid("model is required.");
    };
    note.model(model);
    let family = match site.resolve(state, model, "createInteraction", Route::Interactions) {
        Ok(Some(f)) => f,
        Ok(None) => return site.not_found(model, "createInteraction"),
        Err(r) => return r,
    };
    if let Ok(b) = blocks(&body["input"]) {
        let texts: Vec<&str> = b.iter().filter_map(|x| x["text"].as_str()).collect();
        if !texts.is_empty() {
            note.prompt(&texts.join("\n"));
        }
    }
    let ask = match check(&site, family, &body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let faults = Faults::parse(&ask.prompt);
    let key = format!("video:{}", ask.prompt);
    if let Some(r) = common_faults(state, &key, &ask.model, &faults).await {
        return r;
    }
    {
        let mut stats = state.stats.lock().expect("lock");
        *stats
            .video_submissions
            .entry(ask.prompt.clone())
            .or_default() += 1;
        let task = body["generation_config"]["video_config"]["task"].as_str();
        let refs = if task == Some("reference_to_video") {
            blocks(&body["input"]).map_or(0, |b| b.iter().filter(|x| x["type"] == "image").count())
        } else {
            0
        };
        stats
            .reference_images
            .insert(ask.prompt.clone(), refs as u32);
        let format = &body["response_format"];
        let format = format.as_array().and_then(|a| a.first()).unwrap_or(format);
        let resolution = format["resolution"].as_str().unwrap_or("720p");
        stats
            .resolutions
            .insert(ask.prompt.clone(), resolution.to_owned());
    }
    let fail_once =
        faults.op_error_once && state.failed_once.lock().expect("lock").insert(key.clone());
    let id = format!("v1_{}", uuid::Uuid::new_v4().simple());
    let created = now_iso();
    let stored = Stored {
        scope: scope(&site),
        model: ask.model.clone(),
        prompt: ask.prompt.clone(),
        created: created.clone(),
        polls_needed: faults.polls.unwrap_or(state.options.polls),
        polls_seen: 0,
        user_content: ask.user_content.clone(),
        ending: None,
        updated: created,
    };
    if ask.background {
        let pending = body_of(&id, &stored);
        state
            .interactions
            .lock()
            .expect("lock")
            .insert(id.clone(), stored);
        let (state2, id2, origin) = (state.clone(), id.clone(), origin.to_owned());
        tokio::spawn(async move {
            let ending = finish(&state2, &site, &faults, fail_once, &ask, &origin).await;
            if let Some(s) = state2.interactions.lock().expect("lock").get_mut(&id2) {
                s.ending = Some(ending);
                s.updated = now_iso();
            }
        });
        return Json(pending).into_response();
    }
    let ending = finish(state, &site, &faults, fail_once, &ask, origin).await;
    let mut stored = stored;
    stored.ending = Some(ending);
    stored.updated = now_iso();
    let answer = body_of(&id, &stored);
    if ask.store {
        state.interactions.lock().expect("lock").insert(id, stored);
    }
    Json(answer).into_response()
}

/// Renders (or fails) the interaction's video.
async fn finish(
    state: &State,
    site: &Site,
    faults: &Faults,
    fail_once: bool,
    ask: &Ask,
    origin: &str,
) -> Ending {
    if faults.op_error || fail_once {
        return Ending::Failed {
            code: 13,
            kind: "internal",
            message: "Video generation failed due to an internal error. Please try again later."
                .into(),
        };
    }
    if faults.op_invalid {
        return Ending::Failed {
            code: 3,
            kind: "invalid_argument",
            message: "The request could not be processed: the prompt or its inputs are invalid \
                      (scripted)."
                .into(),
        };
    }
    if faults.safety {
        return Ending::Failed {
            code: 3,
            kind: "content_filtered",
            message: "The video could not be generated because the prompt may violate our \
                      usage policies (scripted)."
                .into(),
        };
    }
    if faults.no_video {
        return Ending::Completed {
            data: None,
            uri: None,
            seconds: ask.duration,
        };
    }
    let first = ask.images.iter().flatten().next();
    let bytes = match crate::veo::render_clip(
        state,
        &ask.model,
        &ask.prompt,
        first,
        ask.duration,
        &ask.aspect,
        None,
    )
    .await
    {
        Ok(b) => b,
        Err(e) => {
            return Ending::Failed {
                code: 13,
                kind: "internal",
                message: e,
            }
        }
    };
    let size = nominal_bytes(&ask.resolution, ask.duration);
    if !ask.delivery_uri && size > INLINE_MAX_BYTES {
        return Ending::Failed {
            code: 3,
            kind: "invalid_request",
            message: format!(
                "The generated video ({:.1} MB) exceeds the {} MB limit for inline delivery. \
                 Set response_format.delivery to \"uri\".",
                size as f64 / 1e6,
                INLINE_MAX_BYTES / 1_000_000
            ),
        };
    }
    let uri = match (site, ask.delivery_uri) {
        (_, false) => None,
        (Site::Gemini, true) => {
            // A file resource, PROCESSING for a while before it can be downloaded.
            let id = uuid::Uuid::new_v4().simple().to_string();
            state
                .files
                .lock()
                .expect("lock")
                .insert(id.clone(), bytes.clone());
            state
                .processing
                .lock()
                .expect("lock")
                .insert(id.clone(), faults.file_processing.unwrap_or(1));
            redirect_if_asked(state, faults, &id);
            Some(format!("{origin}/v1beta/files/{id}"))
        }
        (Site::Vertex { .. }, true) => {
            let prefix = ask.gcs_prefix.as_deref().unwrap_or("gs://mock-bucket/");
            let uri = format!(
                "{}/{}.mp4",
                prefix.trim_end_matches('/'),
                uuid::Uuid::new_v4().simple()
            );
            let uri = put_gcs(state, uri, bytes.clone());
            redirect_if_asked(state, faults, &uri);
            Some(uri)
        }
    };
    Ending::Completed {
        data: Some(base64::engine::general_purpose::STANDARD.encode(&bytes)),
        uri,
        seconds: ask.duration,
    }
}

/// The interaction as JSON (a video asked by URI is always given by URI).
fn body_of(id: &str, s: &Stored) -> Value {
    let mut body = json!({
        "id": id,
        "object": "interaction",
        "model": s.model,
        "role": "model",
        "created": s.created,
        "updated": s.updated,
    });
    let user = json!({"type": "user_input", "content": s.user_content});
    match &s.ending {
        None => body["status"] = json!("in_progress"),
        Some(Ending::Completed { data, uri, seconds }) => {
            body["status"] = json!("completed");
            let mut content = Vec::new();
            match (data, uri) {
                (Some(_), Some(u)) => {
                    content.push(json!({"type": "video", "mime_type": "video/mp4", "uri": u}))
                }
                (Some(d), _) => {
                    content.push(json!({"type": "video", "mime_type": "video/mp4", "data": d}))
                }
                (None, _) => content.push(
                    json!({"type": "text", "text": "I could not make a video for this request."}),
                ),
            }
            body["steps"] = json!([
                user,
                {"type": "thought", "summary": [{"type": "text", "text": "Planning the shot and the camera move."}]},
                {"type": "model_output", "content": content}
            ]);
            let out = if data.is_some() {
                TOKENS_PER_SECOND * seconds
            } else {
                16
            };
            let modality = if data.is_some() { "video" } else { "text" };
            body["usage"] = json!({
                "total_input_tokens": 24,
                "total_output_tokens": out,
                "total_thought_tokens": 64,
                "total_tokens": 24 + out + 64,
                "input_tokens_by_modality": [{"modality": "text", "tokens": 24}],
                "output_tokens_by_modality": [{"modality": modality, "tokens": out}]
            });
        }
        Some(Ending::Failed {
            code,
            kind,
            message,
        }) => {
            body["status"] = json!("failed");
            body["errors"] = json!([{"code": kind, "message": message}]);
            body["steps"] = json!([
                user,
                {"type": "model_output",
                 "error": {"code": code, "message": message, "details": []}}
            ]);
        }
    }
    body
}

fn get(state: &State, note: &Note, site: &Site, id: &str, query: Option<&str>) -> Response {
    let params = parse_query(query.unwrap_or_default());
    if params.get("stream").is_some_and(|s| s == "true") {
        return invalid("Streaming is not supported by this mock; send stream=false.");
    }
    state.stats.lock().expect("lock").polls += 1;
    let mut all = state.interactions.lock().expect("lock");
    let Some(s) = all.get_mut(id).filter(|s| s.scope == scope(site)) else {
        return google_error(
            404,
            "NOT_FOUND",
            &format!("Interaction {id} not found."),
            json!([]),
        );
    };
    note.model(&s.model);
    note.prompt(&s.prompt);
    s.polls_seen += 1;
    if s.polls_seen < s.polls_needed && s.ending.is_some() {
        // Done, but not to be told yet: as if still running.
        let mut pending = body_of(id, s);
        pending["status"] = json!("in_progress");
        for k in ["steps", "usage", "errors"] {
            if let Some(o) = pending.as_object_mut() {
                o.remove(k);
            }
        }
        return Json(pending).into_response();
    }
    Json(body_of(id, s)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        let s = now_iso();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.starts_with("20") && s.ends_with('Z'), "{s}");
    }

    #[test]
    fn input_forms() {
        assert_eq!(blocks(&json!("hi")).unwrap().len(), 1);
        let steps = json!([{"type": "user_input", "content": [{"type": "text", "text": "a"}, {"type": "image"}]}]);
        assert_eq!(blocks(&steps).unwrap().len(), 2);
        assert!(blocks(&json!([{"type": "user_input", "content": []}, {"type": "text"}])).is_err());
    }
}
