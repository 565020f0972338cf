//! Gemini TTS: `generateContent` with `responseModalities: ["AUDIO"]` and a `speechConfig`, on
//! either back end (Vertex at `locations/global`), as `../shared/google-2026-media.md` Part A §1
//! describes. The family's rules in `models.toml` shape the request:
//! - 3.8 (`voice_config = "voice"`): `speechConfig.voiceConfig.voice`, the text verbatim and the
//!   delivery in the part's `speechMetadata.style`; no sampling parameters (a 400 there);
//! - the legacy previews (`"prebuilt"`): `voiceConfig.prebuiltVoiceConfig.voiceName`, the
//!   delivery as a spoken-instruction prefix the model reads.
//!
//! The voice and the text's length are checked against the family before anything is sent.
//! The answer's `inlineData` is a whole WAV (3.8) or raw 24 kHz PCM (legacy): sniffed, never
//! trusted by label, and written as a mono 16-bit WAV. Usage comes from `usageMetadata`.

use std::path::Path;

use base64::Engine;
use serde_json::json;
use studio_catalog::{speech_usage, tokens_of_chars, Family, VoiceConfig};

use super::audio::{is_wav, pcm_params, wav_info, wrap_pcm};
use super::classify::{CallSite, FILTERED_FINISH_REASONS};
use super::content;
use super::{b64, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::{SpeechAnswer, SpeechRequest};
use crate::task::TaskCtx;

/// The request body for `family`.
pub(crate) fn request_body(family: &Family, req: &SpeechRequest) -> serde_json::Value {
    let style = req
        .style
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let (part, voice) = match family.voice_config {
        Some(VoiceConfig::Prebuilt) => {
            let text = match style {
                Some(s) => format!("Say this in a voice that is {s}: {}", req.text),
                None => req.text.clone(),
            };
            (
                json!({"text": text}),
                json!({"prebuiltVoiceConfig": {"voiceName": req.voice}}),
            )
        }
        Some(VoiceConfig::Voice) | None => {
            let mut part = json!({"text": req.text});
            if let Some(s) = style {
                part["speechMetadata"] = json!({"style": s});
            }
            (part, json!({"voice": req.voice}))
        }
    };
    json!({
        "contents": [{"role": "user", "parts": [part]}],
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": voice}
        }
    })
}

/// The refusal of a voice the family does not speak in (before anything is sent, or Google's
/// 400 naming it): typed, so the window can point at the cast member's voice.
pub(crate) fn voice_refused(site: &CallSite, voice: &str, message: String) -> MediaError {
    MediaError::VoiceRefused {
        provider: format!("{} ({})", site.provider, site.model),
        voice: voice.to_owned(),
        message,
    }
}

/// Checks `req` against `family`'s rules: a voice it speaks in, words to speak, and no more
/// input tokens than it takes.
pub(crate) fn check(
    site: &CallSite,
    family: &Family,
    req: &SpeechRequest,
) -> Result<(), MediaError> {
    if !family.speaks_in(&req.voice) {
        let others = if family.voice_patterns.is_empty() {
            String::new()
        } else {
            format!(" or an id like {}", family.voice_patterns.join(", "))
        };
        return Err(voice_refused(
            site,
            &req.voice,
            format!(
                "{} does not speak in the voice {:?}: choose one of its {} voices ({}…){others}",
                family.name,
                req.voice,
                family.voices.len(),
                family
                    .voices
                    .iter()
                    .take(4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if req.text.trim().is_empty() {
        return Err(site.error(
            ErrorClass::InvalidInput,
            "there are no words to speak".into(),
            None,
        ));
    }
    let chars = req.text.chars().count() + req.style.as_deref().map_or(0, |s| s.chars().count());
    if let Some(limit) = family.input_token_limit {
        let tokens = tokens_of_chars(chars);
        if tokens > limit {
            return Err(site.error(
                ErrorClass::InvalidInput,
                format!(
                    "the line is about {tokens} tokens; {} takes at most {limit}: split it",
                    family.name
                ),
                None,
            ));
        }
    }
    Ok(())
}

pub(super) async fn speak(
    p: &GoogleProvider,
    model: &str,
    family: &Family,
    req: &SpeechRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<SpeechAnswer, MediaError> {
    let site = p.site(model);
    check(&site, family, req)?;
    let body = request_body(family, req);
    let url = format!(
        "{}/models/{model}:generateContent",
        p.config.model_base(model)?
    );
    let answer = match p.send(&site, task, |c| c.post(&url).json(&body)).await {
        Ok(a) => a,
        Err(e) => return Err(name_the_voice(e, req)),
    };
    let (wav, usage) = decode_answer(&site, &answer, family, req)?;
    let seconds = wav_info(&wav).map_or(0.0, |i| i.seconds());
    tokio::fs::write(out, &wav)
        .await
        .map_err(|e| MediaError::io(format!("write {}", out.display()), e))?;
    tracing::info!(model, voice = %req.voice, seconds, usage = ?usage, "spoke a line");
    task.report(1.0);
    Ok(SpeechAnswer {
        model: model.to_owned(),
        seconds,
        usage,
    })
}

/// Google's 400 for a speech call whose message names the voice asked for becomes a typed
/// [`MediaError::VoiceRefused`]; any other error (a 400 about the request's shape included)
/// stays as it was.
fn name_the_voice(e: MediaError, req: &SpeechRequest) -> MediaError {
    let names_it = |m: &str| {
        let m = m.to_lowercase();
        m.contains("voice") && m.contains(&req.voice.to_lowercase())
    };
    match e {
        MediaError::Provider {
            provider,
            class: ErrorClass::InvalidInput,
            message,
            ..
        } if !req.voice.trim().is_empty() && names_it(&message) => MediaError::VoiceRefused {
            provider,
            voice: req.voice.clone(),
            message,
        },
        other => other,
    }
}

/// The audio and usage of a speech answer. Pure, so it is fuzzed with arbitrary bodies.
pub(crate) fn decode_answer(
    site: &CallSite,
    body: &[u8],
    family: &Family,
    req: &SpeechRequest,
) -> Result<(Vec<u8>, Vec<studio_core::Usage>), MediaError> {
    let resp = content::parse(site, body)?;
    if let Some((reason, _)) = resp.block() {
        return Err(site.error(
            ErrorClass::ContentPolicy,
            format!("the line was refused: blockReason {reason}"),
            None,
        ));
    }
    if let Some(reason) = resp.finish_reason() {
        if FILTERED_FINISH_REASONS.contains(&reason) {
            return Err(site.error(
                ErrorClass::ContentPolicy,
                format!("the speech was withheld: finishReason {reason}"),
                None,
            ));
        }
    }
    let tokens = resp
        .usage_metadata
        .as_ref()
        .map(|u| (u.input(), u.output()));
    let data = resp
        .answer_parts()
        .filter_map(|p| p.inline_data)
        .next()
        .ok_or_else(|| site.error(ErrorClass::Transient, "no audio returned".into(), None))?;
    let bytes = b64().decode(data.data.as_bytes()).map_err(|e| {
        site.error(
            ErrorClass::Transient,
            format!("malformed audio data: {e}"),
            None,
        )
    })?;
    let wav = if is_wav(&bytes) {
        let info = wav_info(&bytes).ok_or_else(|| {
            site.error(ErrorClass::Transient, "a broken WAV returned".into(), None)
        })?;
        if !info.is_mono_s16() {
            return Err(site.error(
                ErrorClass::Transient,
                format!(
                    "a WAV of {} channels at {} bits returned; mono 16-bit expected",
                    info.channels, info.bits
                ),
                None,
            ));
        }
        bytes
    } else {
        let (rate, channels) = pcm_params(data.mime_type.as_deref());
        if channels != 1 {
            return Err(site.error(
                ErrorClass::Transient,
                format!("raw PCM of {channels} channels returned; mono expected"),
                None,
            ));
        }
        wrap_pcm(&bytes, rate, 1)
    };
    let seconds = wav_info(&wav).map_or(0.0, |i| i.seconds());
    if seconds <= 0.0 {
        return Err(site.error(ErrorClass::Transient, "empty audio returned".into(), None));
    }
    let (input, output) = tokens.unwrap_or_else(|| {
        tracing::warn!(model = %site.model, "no usageMetadata in the answer: its tokens are estimated");
        let chars = req.text.chars().count() + req.style.as_deref().map_or(0, |s| s.chars().count());
        (
            tokens_of_chars(chars),
            family.audio_tokens(seconds).unwrap_or(0),
        )
    });
    Ok((wav, speech_usage(&site.model, input, output)))
}
