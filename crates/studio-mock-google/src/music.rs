//! Music models (families of role `music` in the table), as Google serves Lyria
//! (`../shared/google-2026-media.md` Part A §3, §4), answered with a real bed (the offline
//! provider's synthesised music).
//!
//! - Lyria 2 (route `predict`, Vertex `:predict`): `{"instances": [{"prompt", "negative_prompt"?,
//!   "seed"?}], "parameters": {"sample_count"?}}`. Refused (400): no instance or no prompt; `seed`
//!   together with `sample_count` (in the parameters or, as Google's notebook places it, in the
//!   instance); `sample_count` outside 1-4; unknown fields. Answer: `predictions[]`, one per
//!   sample, `{"bytesBase64Encoded": <30 s 48 kHz stereo WAV>, "mimeType": "audio/wav"}`.
//! - Lyria 3 (route `generateContent`): `responseModalities` with `AUDIO` (and `TEXT`); any
//!   audio format but MP3 asked (`responseMimeType`, or a `responseFormat` naming one) is a 400
//!   "Audio MIME type AUDIO_WAV is not supported for models/…". Answer: a text part (the
//!   piece's structure with `[0.0:]` time marks) and an `audio/mpeg` `inlineData` part: the
//!   clip's length (30 s) or, for songs, 60 s, 44.1 kHz stereo MP3.
//!
//! Faults: `safety` (a blocked prompt) and the shared ones (429, …), keyed by the prompt.

use std::ffi::OsString;

use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::Family;
use studio_media::{Ffmpeg, MediaProvider, MusicRequest, TaskCtx};

use crate::faults::Faults;
use crate::images::{GENERATION_CONFIG, TOP};
use crate::routes::{common_faults, google_error, invalid, refuse_unknown, Shared, Site};
use crate::SoundRequest;

/// The length of a Lyria 3 song when the family has no fixed clip length.
const SONG_SECONDS: f64 = 60.0;

fn log(state: &Shared, model: &str, prompt: &str, body: &Value) {
    state
        .stats
        .lock()
        .expect("lock")
        .sound_requests
        .push(SoundRequest {
            model: model.to_owned(),
            prompt: prompt.to_owned(),
            body: body.clone(),
        });
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A bed of `seconds` for `prompt`, as WAV bytes (48 kHz stereo 16-bit).
async fn bed(state: &Shared, prompt: &str, seconds: f64) -> Result<Vec<u8>, String> {
    let out = state
        .work
        .path()
        .join(format!("{}.wav", uuid::Uuid::new_v4().simple()));
    let req = MusicRequest {
        prompt: prompt.to_owned(),
        seconds,
    };
    let made = state
        .offline
        .make_music(&req, &out, &TaskCtx::detached())
        .await
        .map_err(|e| e.to_string());
    let bytes = std::fs::read(&out).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&out);
    made?;
    bytes
}

/// `wav` as a 44.1 kHz stereo MP3 (ffmpeg's default MP3 encoder: libmp3lame where present).
async fn mp3_of(state: &Shared, wav: &[u8]) -> Result<Vec<u8>, String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let input = state.work.path().join(format!("{id}.wav"));
    let out = state.work.path().join(format!("{id}.mp3"));
    std::fs::write(&input, wav).map_err(|e| e.to_string())?;
    let args: Vec<OsString> = vec![
        "-i".into(),
        input.clone().into(),
        "-ar".into(),
        "44100".into(),
        "-ac".into(),
        "2".into(),
        "-b:a".into(),
        "128k".into(),
        "-f".into(),
        "mp3".into(),
        out.clone().into(),
    ];
    let made = Ffmpeg::from_env()
        .run(args, None, &TaskCtx::detached())
        .await
        .map_err(|e| e.to_string());
    let bytes = std::fs::read(&out).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&out);
    made?;
    bytes
}

/// `:predict` on a Lyria 2 model.
pub(crate) async fn predict(
    state: &Shared,
    model: &str,
    family: &Family,
    body: &Value,
) -> Response {
    let checked = check_predict(body);
    let (prompt, samples) = match checked {
        Ok(a) => a,
        Err(r) => return r,
    };
    log(state, model, &prompt, body);
    let faults = Faults::parse(&prompt);
    if let Some(r) = common_faults(state, &format!("music:{prompt}"), model, &faults).await {
        return r;
    }
    if faults.safety {
        return invalid(
            "The prompt could not be submitted. It was blocked by our Responsible AI practices \
             (safety filter).",
        );
    }
    let seconds = family.clip_seconds.unwrap_or(30.0);
    let wav = match bed(state, &prompt, seconds).await {
        Ok(w) => w,
        Err(e) => {
            return google_error(
                500,
                "INTERNAL",
                &format!("mock music failed: {e}"),
                json!([]),
            )
        }
    };
    let predictions: Vec<Value> = (0..samples)
        .map(|_| json!({"bytesBase64Encoded": b64(&wav), "mimeType": "audio/wav"}))
        .collect();
    Json(json!({
        "predictions": predictions,
        "deployedModelId": "",
        "model": format!("projects/mock/locations/us-central1/publishers/google/models/{model}"),
    }))
    .into_response()
}

/// Lyria 2's request rules; the prompt and the number of samples asked.
fn check_predict(body: &Value) -> Result<(String, u32), Response> {
    refuse_unknown(body, &["instances", "parameters"], "")?;
    let instances = body["instances"].as_array().cloned().unwrap_or_default();
    let [instance] = instances.as_slice() else {
        return Err(invalid(format!(
            "instances must hold exactly one instance; got {}.",
            instances.len()
        )));
    };
    refuse_unknown(
        instance,
        &["prompt", "negative_prompt", "seed", "sample_count"],
        "instances[0]",
    )?;
    let params = &body["parameters"];
    refuse_unknown(params, &["sample_count"], "parameters")?;
    let prompt = instance["prompt"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if prompt.is_empty() {
        return Err(invalid("instances[0].prompt is required."));
    }
    let present = |v: &Value, k: &str| v.get(k).is_some_and(|x| !x.is_null());
    let count = [params, instance]
        .into_iter()
        .find(|v| present(v, "sample_count"))
        .map(|v| v["sample_count"].clone());
    if present(instance, "seed") && count.is_some() {
        return Err(invalid(
            "seed and sample_count are mutually exclusive: set only one of them.",
        ));
    }
    let samples = match count {
        None => 1,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=4) => n as u32,
            _ => return Err(invalid("sample_count must be between 1 and 4.")),
        },
    };
    Ok((prompt, samples))
}

/// The audio formats a request asks for by name, upper-cased (`AUDIO_WAV`, `MP3`, …).
fn asked_format(config: &Value) -> Option<String> {
    let mime = config
        .get("responseMimeType")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let format = config
        .get("responseFormat")
        .filter(|v| !v.is_null())
        .map(|v| v.to_string());
    mime.or(format)
}

fn is_mp3_name(asked: &str) -> bool {
    let a = asked.to_ascii_lowercase();
    (a.contains("mp3") || a.contains("mpeg"))
        && !["wav", "pcm", "l16", "flac", "opus", "ogg", "aac"]
            .iter()
            .any(|f| a.contains(f))
}

/// `generateContent` on a Lyria 3 model.
pub(crate) async fn generate_content(
    state: &Shared,
    site: &Site,
    model: &str,
    family: &Family,
    body: &Value,
) -> Response {
    let _ = site;
    if let Err(r) = refuse_unknown(body, TOP, "") {
        return r;
    }
    let prompt = match crate::images::check_contents(site, &body["contents"]) {
        Ok((p, _)) => p,
        Err(r) => return r,
    };
    let config = &body["generationConfig"];
    let mut known = GENERATION_CONFIG.to_vec();
    known.push("responseFormat");
    if let Err(r) = refuse_unknown(config, &known, "generation_config") {
        return r;
    }
    if let Some(asked) = asked_format(config).filter(|a| !is_mp3_name(a)) {
        let name = if asked.to_ascii_lowercase().contains("wav") {
            "AUDIO_WAV".to_owned()
        } else {
            asked.trim_matches('"').to_ascii_uppercase()
        };
        return invalid(format!(
            "Audio MIME type {name} is not supported for models/{model}."
        ));
    }
    let modalities: Vec<&str> = config["responseModalities"]
        .as_array()
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !modalities.contains(&"AUDIO") || modalities.iter().any(|m| !["AUDIO", "TEXT"].contains(m)) {
        return invalid(format!(
            "The requested combination of response modalities ({}) is not supported by the \
             model. Supported: AUDIO, TEXT.",
            modalities.join(", ")
        ));
    }
    log(state, model, &prompt, body);
    let faults = Faults::parse(&prompt);
    if let Some(r) = common_faults(state, &format!("music:{prompt}"), model, &faults).await {
        return r;
    }
    let prompt_tokens = studio_catalog::tokens_of_chars(prompt.chars().count());
    if faults.safety {
        return Json(json!({
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens},
            "modelVersion": model,
        }))
        .into_response();
    }
    let seconds = family.clip_seconds.unwrap_or(SONG_SECONDS);
    let mp3 = match bed(state, &prompt, seconds).await {
        Ok(wav) => mp3_of(state, &wav).await,
        Err(e) => Err(e),
    };
    let mp3 = match mp3 {
        Ok(m) => m,
        Err(e) => {
            return google_error(
                500,
                "INTERNAL",
                &format!("mock music failed: {e}"),
                json!([]),
            )
        }
    };
    let structure = format!(
        "[0.0:] Intro, instrumental\n[{:.1}:] Outro",
        (seconds - 8.0).max(0.0)
    );
    Json(json!({
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": structure},
            {"inlineData": {"mimeType": "audio/mpeg", "data": b64(&mp3)}}
        ]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens},
        "modelVersion": model,
        "responseId": uuid::Uuid::new_v4().simple().to_string()
    }))
    .into_response()
}
