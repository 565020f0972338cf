//! `generateContent` for speech models (a family of role `speech` in the table), on both back
//! ends, checked as Google checks Gemini TTS (`../shared/google-2026-media.md` Part A §1, §4)
//! and answered with real speech (the offline provider's espeak-ng).
//!
//! Refused with Google's 400 `INVALID_ARGUMENT` (besides unknown fields and empty contents):
//! - a voice the family does not speak in (not one of its prebuilt names, nor, on 3.8, an
//!   `ext_…`/`voice_…`/`voicekey_…` id), with a `BadRequest` field violation naming the field;
//! - `multiSpeakerVoiceConfig` with other than 2 speakers, or beside `voiceConfig`;
//! - `voiceConfig` holding both or neither of `voice` and `prebuiltVoiceConfig`; `voice` on a
//!   legacy model (it takes `prebuiltVoiceConfig` only); `speechMetadata` on a legacy model;
//! - `temperature`, `topP`, `topK` on 3.8 (`refuses_sampling`);
//! - a legacy model with no `speechConfig`, or with a `systemInstruction`;
//! - `responseModalities` other than `["AUDIO"]`;
//! - more input tokens (≈ characters / 4 of the text and styles) than `input_token_limit`.
//!
//! Answers: 3.8 (`output_format = "wav"`) a whole WAV (`audio/wav`); legacy (`pcm24k`) the raw
//! samples as `audio/L16;codec=pcm;rate=24000`; `usageMetadata` with the text tokens in and 25
//! audio tokens a second out. Faults: `refuse-voice` (a 400 naming the voice, as for a voice
//! withdrawn since it was listed), `safety` (a blocked prompt) and the shared ones (429, …).

use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::{AudioFormat, Family, VoiceConfig};
use studio_media::{MediaProvider, SpeechRequest, TaskCtx};

use crate::faults::Faults;
use crate::images::{GENERATION_CONFIG, TOP};
use crate::routes::{common_faults, google_error, invalid, refuse_unknown, Shared, Site};
use crate::SoundRequest;

/// The voice a 3.8 model speaks in when the request names none.
const DEFAULT_VOICE: &str = "Kore";

/// One turn to speak: its words, style and speaker.
#[derive(Debug, Clone)]
struct Turn {
    text: String,
    style: Option<String>,
    speaker: Option<String>,
}

/// A checked speech request.
#[derive(Debug)]
struct Ask {
    turns: Vec<Turn>,
    /// Speaker alias to voice (multi-speaker), or the one voice under the alias "".
    voices: Vec<(String, String)>,
}

/// Google's 400 for a voice, naming the field that carried it.
fn bad_voice(field: &str, voice: &str, model: &str) -> Response {
    let message = format!(
        "Voice {voice:?} is not supported by models/{model}. Use one of the prebuilt voices, or \
         a voice id from GET /v1beta/voices."
    );
    google_error(
        400,
        "INVALID_ARGUMENT",
        &message,
        json!([{"@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}]}]),
    )
}

/// One `voiceConfig` at `at`: the voice it names, checked against the family.
fn voice_of(family: &Family, model: &str, config: &Value, at: &str) -> Result<String, Response> {
    refuse_unknown(config, &["voice", "prebuiltVoiceConfig"], at)?;
    let voice = config.get("voice").filter(|v| !v.is_null());
    let prebuilt = config.get("prebuiltVoiceConfig").filter(|v| !v.is_null());
    match (voice, prebuilt) {
        (Some(_), Some(_)) | (None, None) => Err(invalid(format!(
            "* GenerateContentRequest.{at}: exactly one of voice and prebuilt_voice_config must \
             be set.\n"
        ))),
        (Some(v), None) => {
            if family.voice_config == Some(VoiceConfig::Prebuilt) {
                return Err(invalid(format!(
                    "* GenerateContentRequest.{at}.voice: voice is not supported by \
                     models/{model}; use prebuilt_voice_config.voice_name.\n"
                )));
            }
            let name = v.as_str().unwrap_or_default();
            if !family.speaks_in(name) {
                return Err(bad_voice(&format!("{at}.voice"), name, model));
            }
            Ok(name.to_owned())
        }
        (None, Some(p)) => {
            refuse_unknown(p, &["voiceName"], &format!("{at}.prebuilt_voice_config"))?;
            let name = p["voiceName"].as_str().unwrap_or_default();
            // Only the prebuilt names here, even on 3.8.
            if !family.voices.iter().any(|v| v == name) {
                return Err(bad_voice(
                    &format!("{at}.prebuilt_voice_config.voice_name"),
                    name,
                    model,
                ));
            }
            Ok(name.to_owned())
        }
    }
}

/// The request's turns: every part's text, with its `speechMetadata` (3.8 only).
fn turns_of(family: &Family, model: &str, contents: &Value) -> Result<Vec<Turn>, Response> {
    let contents = contents.as_array().cloned().unwrap_or_default();
    if contents.is_empty() {
        return Err(invalid(
            "* GenerateContentRequest.contents: contents is not specified\n",
        ));
    }
    let mut turns = Vec::new();
    for (c, content) in contents.iter().enumerate() {
        refuse_unknown(content, &["role", "parts"], &format!("contents[{c}]"))?;
        for (p, part) in content["parts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = format!("contents[{c}].parts[{p}]");
            refuse_unknown(part, &["text", "speechMetadata"], &at)?;
            let meta = part.get("speechMetadata").filter(|m| !m.is_null());
            if meta.is_some() && !family.style_metadata {
                return Err(invalid(format!(
                    "* GenerateContentRequest.{at}.speech_metadata: speech_metadata is not \
                     supported by models/{model}.\n"
                )));
            }
            let meta = meta.cloned().unwrap_or(Value::Null);
            refuse_unknown(
                &meta,
                &["speaker", "style"],
                &format!("{at}.speech_metadata"),
            )?;
            let Some(text) = part["text"].as_str() else {
                return Err(invalid(format!(
                    "* GenerateContentRequest.{at}: a speech model takes text parts only.\n"
                )));
            };
            turns.push(Turn {
                text: text.to_owned(),
                style: meta["style"].as_str().map(str::to_owned),
                speaker: meta["speaker"].as_str().map(str::to_owned),
            });
        }
    }
    if turns.iter().all(|t| t.text.trim().is_empty()) {
        return Err(invalid("contents must include text to speak."));
    }
    Ok(turns)
}

/// Every rule of a speech request, as Google's 400.
fn check(site: &Site, family: &Family, model: &str, body: &Value) -> Result<Ask, Response> {
    let _ = site;
    refuse_unknown(body, TOP, "")?;
    let legacy = family.voice_config == Some(VoiceConfig::Prebuilt);
    if legacy && body.get("systemInstruction").is_some_and(|v| !v.is_null()) {
        return Err(invalid(
            "Developer instruction is not enabled for this model",
        ));
    }
    let turns = turns_of(family, model, &body["contents"])?;
    let config = &body["generationConfig"];
    let mut known = GENERATION_CONFIG.to_vec();
    known.push("speechConfig");
    refuse_unknown(config, &known, "generation_config")?;
    if family.refuses_sampling {
        if let Some(k) = ["temperature", "topP", "topK"]
            .into_iter()
            .find(|k| config.get(*k).is_some_and(|v| !v.is_null()))
        {
            return Err(invalid(format!(
                "* GenerateContentRequest.generation_config.{k}: {k} is not supported by \
                 models/{model}.\n"
            )));
        }
    }
    let modalities: Vec<&str> = config["responseModalities"]
        .as_array()
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if modalities != ["AUDIO"] {
        return Err(invalid(format!(
            "The requested combination of response modalities ({}) is not supported by the \
             model. Supported: AUDIO.",
            if modalities.is_empty() {
                "TEXT".to_owned()
            } else {
                modalities.join(", ")
            }
        )));
    }
    let speech = config.get("speechConfig").filter(|v| !v.is_null());
    let voices = match speech {
        None if legacy => {
            return Err(invalid(
                "* GenerateContentRequest.generation_config.speech_config: speech_config is \
                 required for models/{model}.\n"
                    .replace("{model}", model),
            ))
        }
        None => vec![(String::new(), DEFAULT_VOICE.to_owned())],
        Some(s) => speakers_of(family, model, s)?,
    };
    let chars: usize = turns
        .iter()
        .map(|t| t.text.chars().count() + t.style.as_deref().map_or(0, |s| s.chars().count()))
        .sum();
    let tokens = studio_catalog::tokens_of_chars(chars);
    if let Some(limit) = family.input_token_limit.filter(|l| tokens > *l) {
        return Err(invalid(format!(
            "The input token count ({tokens}) exceeds the maximum number of tokens allowed \
             ({limit})."
        )));
    }
    Ok(Ask { turns, voices })
}

/// The voices of `speechConfig`: one, or exactly two speakers.
fn speakers_of(family: &Family, model: &str, s: &Value) -> Result<Vec<(String, String)>, Response> {
    let at = "generation_config.speech_config";
    refuse_unknown(
        s,
        &["voiceConfig", "multiSpeakerVoiceConfig", "languageCode"],
        at,
    )?;
    let single = s.get("voiceConfig").filter(|v| !v.is_null());
    let multi = s.get("multiSpeakerVoiceConfig").filter(|v| !v.is_null());
    match (single, multi) {
        (Some(_), Some(_)) => Err(invalid(format!(
            "* GenerateContentRequest.{at}: voice_config and multi_speaker_voice_config are \
             mutually exclusive.\n"
        ))),
        (None, None) => Err(invalid(format!(
            "* GenerateContentRequest.{at}: one of voice_config and multi_speaker_voice_config \
             must be set.\n"
        ))),
        (Some(v), None) => Ok(vec![(
            String::new(),
            voice_of(family, model, v, &format!("{at}.voice_config"))?,
        )]),
        (None, Some(m)) => {
            let at = format!("{at}.multi_speaker_voice_config");
            refuse_unknown(m, &["speakerVoiceConfigs"], &at)?;
            let list = m["speakerVoiceConfigs"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let max = family.max_speakers.unwrap_or(2) as usize;
            if list.len() != max {
                return Err(invalid(format!(
                    "* GenerateContentRequest.{at}.speaker_voice_configs: exactly {max} speaker \
                     voice configurations must be provided; got {}.\n",
                    list.len()
                )));
            }
            list.iter()
                .enumerate()
                .map(|(i, c)| {
                    let at = format!("{at}.speaker_voice_configs[{i}]");
                    refuse_unknown(c, &["speaker", "voiceConfig"], &at)?;
                    let speaker = c["speaker"].as_str().unwrap_or_default().to_owned();
                    if speaker.is_empty() {
                        return Err(invalid(format!(
                            "* GenerateContentRequest.{at}.speaker: speaker is required.\n"
                        )));
                    }
                    let voice = voice_of(
                        family,
                        model,
                        &c["voiceConfig"],
                        &format!("{at}.voice_config"),
                    )?;
                    Ok((speaker, voice))
                })
                .collect()
        }
    }
}

pub(crate) async fn generate_content(
    state: &Shared,
    site: &Site,
    model: &str,
    family: &Family,
    body: &Value,
) -> Response {
    let ask = match check(site, family, model, body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let text: String = ask
        .turns
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    state
        .stats
        .lock()
        .expect("lock")
        .sound_requests
        .push(SoundRequest {
            model: model.to_owned(),
            prompt: text.clone(),
            body: body.clone(),
        });
    let faults = Faults::parse(&text);
    if let Some(r) = common_faults(state, &format!("speech:{text}"), model, &faults).await {
        return r;
    }
    if faults.refuse_voice {
        let voice = ask
            .voices
            .first()
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        return bad_voice(
            "generation_config.speech_config.voice_config.voice",
            voice,
            model,
        );
    }
    let chars: usize = ask
        .turns
        .iter()
        .map(|t| t.text.chars().count() + t.style.as_deref().map_or(0, |s| s.chars().count()))
        .sum();
    let prompt_tokens = studio_catalog::tokens_of_chars(chars);
    if faults.safety {
        return Json(json!({
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens},
            "modelVersion": model,
        }))
        .into_response();
    }
    let pcm = match speak_turns(state, &ask).await {
        Ok(p) => p,
        Err(e) => {
            return google_error(
                500,
                "INTERNAL",
                &format!("mock speech failed: {e}"),
                json!([]),
            )
        }
    };
    let seconds = pcm.len() as f64 / 48_000.0;
    let audio_tokens = family.audio_tokens(seconds).unwrap_or(0);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let inline = match family.output_format {
        Some(AudioFormat::Pcm24k) => {
            json!({"mimeType": "audio/L16;codec=pcm;rate=24000", "data": b64(&pcm)})
        }
        _ => json!({"mimeType": "audio/wav", "data": b64(&wav_of(&pcm))}),
    };
    Json(json!({
        "candidates": [{"content": {"role": "model", "parts": [{"inlineData": inline}]},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": audio_tokens,
            "totalTokenCount": prompt_tokens + audio_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
            "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": audio_tokens}]
        },
        "modelVersion": model,
        "responseId": uuid::Uuid::new_v4().simple().to_string()
    }))
    .into_response()
}

/// Every turn spoken in its speaker's voice (espeak-ng through the offline provider), as one
/// run of 24 kHz mono 16-bit samples.
async fn speak_turns(state: &Shared, ask: &Ask) -> Result<Vec<u8>, String> {
    let mut pcm = Vec::new();
    for turn in ask
        .turns
        .iter()
        .filter(|t| !studio_media::offline::speech::spoken_text(&t.text).is_empty())
    {
        let voice = ask
            .voices
            .iter()
            .find(|(alias, _)| turn.speaker.as_deref() == Some(alias.as_str()))
            .or_else(|| ask.voices.first())
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| DEFAULT_VOICE.to_owned());
        let out = state
            .work
            .path()
            .join(format!("{}.wav", uuid::Uuid::new_v4().simple()));
        let req = SpeechRequest {
            text: turn.text.clone(),
            voice,
            style: turn.style.clone(),
        };
        let spoken = state
            .offline
            .speak(&req, &out, &TaskCtx::detached())
            .await
            .map_err(|e| e.to_string());
        let bytes = std::fs::read(&out).map_err(|e| e.to_string());
        let _ = std::fs::remove_file(&out);
        spoken?;
        pcm.extend_from_slice(data_of(&bytes?)?);
    }
    Ok(pcm)
}

/// The samples of a WAV the offline provider wrote (its `data` chunk).
pub(crate) fn data_of(wav: &[u8]) -> Result<&[u8], String> {
    let mut at = 12;
    while at + 8 <= wav.len() {
        let len = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        if &wav[at..at + 4] == b"data" {
            return Ok(&wav[at + 8..(at + 8 + len).min(wav.len())]);
        }
        at += 8 + len + len % 2;
    }
    Err("no data chunk in the spoken WAV".into())
}

/// 24 kHz mono 16-bit samples as a WAV file.
fn wav_of(pcm: &[u8]) -> Vec<u8> {
    let len = pcm.len() as u32;
    let mut out = Vec::with_capacity(44 + pcm.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24_000u32.to_le_bytes());
    out.extend_from_slice(&48_000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(pcm);
    out
}
