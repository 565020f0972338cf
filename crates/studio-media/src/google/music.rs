//! Lyria: a music cue from a prompt (`../shared/google-2026-media.md` Part A §3).
//! - Lyria 2 (route `predict`, Vertex): `{"instances": [{"prompt"}], "parameters":
//!   {"sample_count": 1}}` (never a `seed` beside `sample_count`: Google refuses the two
//!   together), answered at once with `predictions[0].bytesBase64Encoded`, a 30 s 48 kHz WAV.
//! - Lyria 3 (route `generateContent`): `responseModalities: ["AUDIO", "TEXT"]`, answered with a
//!   text part (lyrics, structure) and an `audio/mpeg` `inlineData` part. No `responseFormat`:
//!   Google refuses anything but MP3.
//!
//! The music lies under dialogue, so the prompt asks for an instrumental.

use std::path::Path;

use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use studio_catalog::{music_usage, AudioFormat, Choice, Route};

use super::audio::{is_mp3, wav_info};
use super::classify::{CallSite, FILTERED_FINISH_REASONS};
use super::content;
use super::{b64, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::{MusicAnswer, MusicRequest};
use crate::task::TaskCtx;

/// Added to every prompt: the cue plays under speech.
const INSTRUMENTAL: &str = "Instrumental only, no vocals.";

/// The prompt sent: the creator's, asking for an instrumental.
pub(crate) fn prompt_of(req: &MusicRequest) -> String {
    let p = req.prompt.trim().trim_end_matches('.');
    format!("{p}. {INSTRUMENTAL}")
}

/// The request body for the family's route.
pub(crate) fn request_body(route: Route, req: &MusicRequest) -> serde_json::Value {
    match route {
        Route::Predict => json!({
            "instances": [{"prompt": prompt_of(req)}],
            "parameters": {"sample_count": 1}
        }),
        _ => json!({
            "contents": [{"role": "user", "parts": [{"text": prompt_of(req)}]}],
            "generationConfig": {"responseModalities": ["AUDIO", "TEXT"]}
        }),
    }
}

#[derive(Deserialize)]
struct Predictions {
    #[serde(default)]
    predictions: Vec<Prediction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Prediction {
    bytes_base64_encoded: Option<String>,
}

pub(super) async fn compose(
    p: &GoogleProvider,
    choice: &Choice,
    req: &MusicRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<MusicAnswer, MediaError> {
    let model = choice.model.as_str();
    let site = p.site(model);
    if req.prompt.trim().is_empty() {
        return Err(site.error(
            ErrorClass::InvalidInput,
            "a music cue needs a prompt".into(),
            None,
        ));
    }
    let route = choice.family.route;
    let action = match route {
        Route::Predict => "predict",
        _ => "generateContent",
    };
    let body = request_body(route, req);
    let url = format!("{}/models/{model}:{action}", p.config.model_base(model)?);
    let answer = p.send(&site, task, |c| c.post(&url).json(&body)).await?;
    let format = choice.family.output_format.unwrap_or(AudioFormat::Mp3);
    let bytes = decode_answer(&site, &answer, route, format)?;
    tokio::fs::write(out, &bytes)
        .await
        .map_err(|e| MediaError::io(format!("write {}", out.display()), e))?;
    let seconds = match wav_info(&bytes) {
        Some(info) => info.seconds(),
        None => p.ffmpeg.probe(out).await?.duration,
    };
    tracing::info!(model, seconds, "composed a music cue");
    task.report(1.0);
    Ok(MusicAnswer {
        model: model.to_owned(),
        ext: format.ext().to_owned(),
        seconds,
        usage: music_usage(model),
    })
}

/// The audio bytes of a music answer, checked to be what the family makes. Pure (fuzzed).
pub(crate) fn decode_answer(
    site: &CallSite,
    body: &[u8],
    route: Route,
    format: AudioFormat,
) -> Result<Vec<u8>, MediaError> {
    let data = match route {
        Route::Predict => {
            let answer: Predictions = serde_json::from_slice(body).map_err(|e| {
                site.error(
                    ErrorClass::Transient,
                    format!("malformed response: {e}"),
                    None,
                )
            })?;
            answer
                .predictions
                .into_iter()
                .find_map(|p| p.bytes_base64_encoded)
                .ok_or_else(|| {
                    site.error(ErrorClass::Transient, "no music returned".into(), None)
                })?
        }
        _ => {
            let resp = content::parse(site, body)?;
            if let Some((reason, _)) = resp.block() {
                return Err(site.error(
                    ErrorClass::ContentPolicy,
                    format!("the music prompt was refused: blockReason {reason}"),
                    None,
                ));
            }
            if let Some(reason) = resp.finish_reason() {
                if FILTERED_FINISH_REASONS.contains(&reason) {
                    return Err(site.error(
                        ErrorClass::ContentPolicy,
                        format!("the music was withheld: finishReason {reason}"),
                        None,
                    ));
                }
            }
            resp.answer_parts()
                .filter_map(|p| p.inline_data)
                .map(|d| d.data)
                .next()
                .ok_or_else(|| {
                    site.error(ErrorClass::Transient, "no music returned".into(), None)
                })?
        }
    };
    let bytes = b64().decode(data.as_bytes()).map_err(|e| {
        site.error(
            ErrorClass::Transient,
            format!("malformed audio data: {e}"),
            None,
        )
    })?;
    let ok = match format {
        AudioFormat::Wav | AudioFormat::Pcm24k => {
            wav_info(&bytes).is_some_and(|i| i.seconds() > 0.0)
        }
        AudioFormat::Mp3 => is_mp3(&bytes),
    };
    if !ok {
        return Err(site.error(
            ErrorClass::Transient,
            format!("the music returned is no {format:?} audio"),
            None,
        ));
    }
    Ok(bytes)
}
