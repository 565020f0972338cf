//! Speech and music models: Gemini TTS (3.8 and the legacy previews) and Lyria (2 on Vertex's
//! `:predict`, 3 through `generateContent`), refused as Google refuses them
//! (`../shared/google-2026-media.md` Part A §4) and answered as Google answers: a WAV from 3.8,
//! raw 24 kHz PCM from the legacy models, a 30 s 48 kHz WAV from Lyria 2, an MP3 from Lyria 3.

use base64::Engine;
use serde_json::{json, Value};

use crate::common::*;

const TTS: &str = "/v1beta/models/gemini-3.8-flash-tts:generateContent";
const TTS_LITE: &str = "/v1beta/models/gemini-3.8-flash-lite-tts:generateContent";
const LEGACY: &str = "/v1beta/models/gemini-3.1-flash-tts-preview:generateContent";
const LYRIA3: &str = "/v1beta/models/lyria-3-clip-preview:generateContent";

fn speech(text: &str, speech_config: Value) -> Value {
    json!({
        "contents": [{"role": "user", "parts": [
            {"text": text, "speechMetadata": {"style": "warm, unhurried"}}]}],
        "generationConfig": {"responseModalities": ["AUDIO"], "speechConfig": speech_config}
    })
}

fn voice(name: &str) -> Value {
    json!({"voiceConfig": {"voice": name}})
}

fn prebuilt(name: &str) -> Value {
    json!({"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": name}}})
}

fn speakers(names: &[&str]) -> Value {
    let configs: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"speaker": format!("S{i}"), "voiceConfig": {"voice": v}}))
        .collect();
    json!({"multiSpeakerVoiceConfig": {"speakerVoiceConfigs": configs}})
}

/// The first candidate's inline audio: its MIME type and bytes.
fn inline_audio(a: &Answer) -> (String, Vec<u8>) {
    assert_eq!(a.status, 200, "{}", a.body);
    let part = a.body["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p.get("inlineData").is_some())
        .expect("an inline audio part")
        .clone();
    let data = base64::engine::general_purpose::STANDARD
        .decode(part["inlineData"]["data"].as_str().unwrap())
        .unwrap();
    (
        part["inlineData"]["mimeType"].as_str().unwrap().to_owned(),
        data,
    )
}

/// (channels, sample rate, bits, seconds) of a WAV.
fn wav(bytes: &[u8]) -> (u16, u32, u16, f64) {
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    let (mut at, mut fmt) = (12, (0, 0, 0));
    while at + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        match &bytes[at..at + 4] {
            b"fmt " => {
                let b = &bytes[at + 8..];
                fmt = (
                    u16::from_le_bytes([b[2], b[3]]),
                    u32::from_le_bytes(b[4..8].try_into().unwrap()),
                    u16::from_le_bytes([b[14], b[15]]),
                );
            }
            b"data" => {
                let frame = usize::from(fmt.0) * usize::from(fmt.2 / 8);
                let secs = (len / frame) as f64 / f64::from(fmt.1);
                return (fmt.0, fmt.1, fmt.2, secs);
            }
            _ => {}
        }
        at += 8 + len + len % 2;
    }
    panic!("no data chunk");
}

/// Every refusal of Part A §4 for Gemini 3.8 TTS is Google's 400 with its own message, and
/// nothing refused is counted as asked; an accepted request (one voice, an extended-library
/// voice, two speakers) gets a real 24 kHz mono WAV and its audio tokens.
#[tokio::test]
async fn speech_is_refused_as_google_refuses_it_and_answered_with_a_wav() {
    let m = Mock::start(options()).await;
    let line = "The lighthouse keeper lit the lamp.";

    let ok = m.gemini_post(TTS, &speech(line, voice("Kore"))).await;
    let (mime, bytes) = inline_audio(&ok);
    assert_eq!(mime, "audio/wav");
    let (channels, rate, bits, seconds) = wav(&bytes);
    assert_eq!((channels, rate, bits), (1, 24_000, 16));
    assert!(seconds > 1.0, "{seconds}");
    let usage = &ok.body["usageMetadata"];
    assert_eq!(usage["candidatesTokensDetails"][0]["modality"], "AUDIO");
    assert_eq!(
        usage["candidatesTokenCount"].as_u64().unwrap(),
        (seconds * 25.0).ceil() as u64
    );
    assert!(usage["promptTokenCount"].as_u64().unwrap() > 0);

    // Other accepted shapes: an extended-library voice, the legacy field with a prebuilt
    // name, two speakers, the cheaper model.
    for (path, body) in [
        (TTS, speech(line, voice("ext_en_gb_warm_3"))),
        (TTS, speech(line, prebuilt("Puck"))),
        (TTS, speech(line, speakers(&["Kore", "Puck"]))),
        (TTS_LITE, speech(line, voice("Leda"))),
    ] {
        let a = m.gemini_post(path, &body).await;
        assert_eq!(inline_audio(&a).0, "audio/wav", "{body}");
    }
    let accepted = m.mock.stats().sound_requests.len();
    assert_eq!(accepted, 5);

    let long = "word ".repeat(8192);
    let mut sampled = speech(line, voice("Kore"));
    sampled["generationConfig"]["temperature"] = json!(0.7);
    let mut top_p = speech(line, voice("Kore"));
    top_p["generationConfig"]["topP"] = json!(0.9);
    let mut top_k = speech(line, voice("Kore"));
    top_k["generationConfig"]["topK"] = json!(20);
    let mut text_out = speech(line, voice("Kore"));
    text_out["generationConfig"]["responseModalities"] = json!(["TEXT"]);
    let mut both = speakers(&["Kore", "Puck"]);
    both["voiceConfig"] = json!({"voice": "Kore"});
    let refusals: Vec<(&str, Value, &str)> = vec![
        ("unknown voice", speech(line, voice("Bob")), "Voice \"Bob\""),
        ("wrong case", speech(line, voice("kore")), "Voice \"kore\""),
        (
            "extended id as prebuilt",
            speech(line, prebuilt("ext_x")),
            "Voice \"ext_x\"",
        ),
        (
            "one speaker",
            speech(line, speakers(&["Kore"])),
            "exactly 2 speaker",
        ),
        (
            "three speakers",
            speech(line, speakers(&["Kore", "Puck", "Leda"])),
            "exactly 2 speaker",
        ),
        ("both configs", speech(line, both), "mutually exclusive"),
        ("temperature", sampled, "temperature is not supported"),
        ("topP", top_p, "topP is not supported"),
        ("topK", top_k, "topK is not supported"),
        ("text out", text_out, "response modalities"),
        (
            "too long",
            speech(&long, voice("Kore")),
            "exceeds the maximum number of tokens",
        ),
        (
            "no contents",
            json!({"contents": [], "generationConfig": {"responseModalities": ["AUDIO"]}}),
            "contents is not specified",
        ),
    ];
    for (what, body, says) in refusals {
        let a = m.gemini_post(TTS, &body).await;
        a.error(400, "INVALID_ARGUMENT");
        assert!(a.message().contains(says), "{what}: {}", a.message());
    }
    // The voice's refusal names the field that carried it.
    let a = m.gemini_post(TTS, &speech(line, voice("Bob"))).await;
    assert_eq!(
        a.body["error"]["details"][0]["fieldViolations"][0]["field"],
        "generation_config.speech_config.voice_config.voice"
    );
    // A model nobody lists is Google's 404.
    let missing = "/v1beta/models/gemini-9.9-flash-tts:generateContent";
    m.gemini_post(missing, &speech(line, voice("Kore")))
        .await
        .error(404, "NOT_FOUND");
    assert_eq!(
        m.mock.stats().sound_requests.len(),
        accepted,
        "refusals are not asked"
    );
}

/// The legacy previews take a prebuilt voice in a required `speechConfig`, no
/// `speechMetadata`, no developer instruction, and answer raw 24 kHz PCM (not a WAV).
#[tokio::test]
async fn legacy_speech_answers_raw_pcm_and_refuses_what_it_lacks() {
    let m = Mock::start(options()).await;
    let plain = |config: Option<Value>| {
        let mut body = json!({
            "contents": [{"role": "user", "parts": [{"text": "Say calmly: the tide is turning."}]}],
            "generationConfig": {"responseModalities": ["AUDIO"]}
        });
        if let Some(c) = config {
            body["generationConfig"]["speechConfig"] = c;
        }
        body
    };
    let mut sampled = plain(Some(prebuilt("Charon")));
    sampled["generationConfig"]["temperature"] = json!(1.0);
    let a = m.gemini_post(LEGACY, &sampled).await;
    let (mime, pcm) = inline_audio(&a);
    assert_eq!(mime, "audio/L16;codec=pcm;rate=24000");
    assert_ne!(&pcm[..4], b"RIFF", "raw samples, no header");
    assert_eq!(pcm.len() % 2, 0);
    assert!(
        pcm.len() > 24_000 * 2,
        "over a second of speech: {}",
        pcm.len()
    );

    let mut instructed = plain(Some(prebuilt("Charon")));
    instructed["systemInstruction"] = json!({"parts": [{"text": "Be calm."}]});
    for (what, body, says) in [
        ("no speechConfig", plain(None), "speech_config is required"),
        (
            "voice field",
            plain(Some(voice("Charon"))),
            "use prebuilt_voice_config",
        ),
        (
            "extended voice",
            plain(Some(prebuilt("ext_en_1"))),
            "Voice \"ext_en_1\"",
        ),
        (
            "speechMetadata",
            speech("The tide is turning.", prebuilt("Charon")),
            "speech_metadata is not supported",
        ),
        (
            "developer instruction",
            instructed,
            "Developer instruction is not enabled",
        ),
    ] {
        let a = m.gemini_post(LEGACY, &body).await;
        a.error(400, "INVALID_ARGUMENT");
        assert!(a.message().contains(says), "{what}: {}", a.message());
    }
}

/// Speech on Vertex is served at `global` only (Gemini 3.x), with the scripted faults every
/// route has: a 429 carrying RetryInfo, and a voice refused although it is listed.
#[tokio::test]
async fn speech_on_vertex_at_global_and_its_faults() {
    let m = Mock::start(options()).await;
    let path = format!("{VERTEX_GLOBAL}/gemini-3.8-flash-tts:generateContent");
    let a = m
        .vertex_post(&path, &speech("Good evening.", voice("Aoede")))
        .await;
    assert_eq!(inline_audio(&a).0, "audio/wav");
    let regional = format!("{VERTEX}/gemini-3.8-flash-tts:generateContent");
    m.vertex_post(&regional, &speech("Good evening.", voice("Aoede")))
        .await
        .error(404, "NOT_FOUND");

    let throttled = speech("Hold the line [mock:429=0.2].", voice("Kore"));
    let a = m.gemini_post(TTS, &throttled).await;
    a.error(429, "RESOURCE_EXHAUSTED");
    assert!(a.headers.get("retry-after").is_none());
    let info = a.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["@type"].as_str().unwrap().ends_with("RetryInfo"))
        .unwrap()
        .clone();
    assert_eq!(info["retryDelay"], "0.2s");

    let refused = m
        .gemini_post(TTS, &speech("Hello [mock:refuse-voice].", voice("Kore")))
        .await;
    refused.error(400, "INVALID_ARGUMENT");
    assert!(
        refused.message().contains("Voice \"Kore\""),
        "{}",
        refused.message()
    );
}

/// Lyria 2 on Vertex `:predict`: a 30 s 48 kHz stereo WAV per sample; the prompt required,
/// `seed` and `sample_count` never together (wherever `sample_count` is put); only regional.
#[tokio::test]
async fn lyria_2_predicts_a_30_second_wav_and_refuses_what_google_refuses() {
    let m = Mock::start(options()).await;
    let path = format!("{VERTEX}/lyria-002:predict");
    let a = m
        .vertex_post(
            &path,
            &json!({"instances": [{"prompt": "warm strings at dawn", "negative_prompt": "drums"}],
                    "parameters": {"sample_count": 1}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let p = &a.body["predictions"][0];
    assert_eq!(p["mimeType"], "audio/wav");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(p["bytesBase64Encoded"].as_str().unwrap())
        .unwrap();
    let (channels, rate, bits, seconds) = wav(&bytes);
    assert_eq!((channels, rate, bits), (2, 48_000, 16));
    assert!((seconds - 30.0).abs() < 0.01, "{seconds}");
    assert_eq!(a.body["predictions"].as_array().unwrap().len(), 1);

    for (what, body, says) in [
        (
            "seed with sample_count",
            json!({"instances": [{"prompt": "x", "seed": 7}], "parameters": {"sample_count": 1}}),
            "mutually exclusive",
        ),
        (
            "seed with sample_count in the instance",
            json!({"instances": [{"prompt": "x", "seed": 7, "sample_count": 2}], "parameters": {}}),
            "mutually exclusive",
        ),
        (
            "no prompt",
            json!({"instances": [{"negative_prompt": "x"}]}),
            "prompt is required",
        ),
        (
            "empty prompt",
            json!({"instances": [{"prompt": "  "}]}),
            "prompt is required",
        ),
        (
            "no instance",
            json!({"instances": []}),
            "exactly one instance",
        ),
        (
            "five samples",
            json!({"instances": [{"prompt": "x"}], "parameters": {"sample_count": 5}}),
            "between 1 and 4",
        ),
        (
            "unknown field",
            json!({"instances": [{"prompt": "x", "bpm": 90}]}),
            "Unknown name \"bpm\"",
        ),
    ] {
        let a = m.vertex_post(&path, &body).await;
        a.error(400, "INVALID_ARGUMENT");
        assert!(a.message().contains(says), "{what}: {}", a.message());
    }
    // Regional only, and not on the Gemini API.
    let global = format!("{VERTEX_GLOBAL}/lyria-002:predict");
    let ask = json!({"instances": [{"prompt": "x"}]});
    m.vertex_post(&global, &ask).await.error(404, "NOT_FOUND");
    m.gemini_post("/v1beta/models/lyria-002:predict", &ask)
        .await
        .error(404, "NOT_FOUND");
}

/// Lyria 3 through `generateContent`: audio and text out, an MP3 and the piece's structure;
/// any other format asked is Google's 400.
#[tokio::test]
async fn lyria_3_answers_an_mp3_and_refuses_other_formats() {
    let m = Mock::start(options()).await;
    let body = |config: Value| {
        json!({"contents": [{"role": "user", "parts": [{"text": "a calm piano bed"}]}],
               "generationConfig": config})
    };
    let a = m
        .gemini_post(
            LYRIA3,
            &body(json!({"responseModalities": ["AUDIO", "TEXT"]})),
        )
        .await;
    let (mime, mp3) = inline_audio(&a);
    assert_eq!(mime, "audio/mpeg");
    assert!(
        mp3.starts_with(b"ID3") || (mp3[0] == 0xFF && mp3[1] & 0xE0 == 0xE0),
        "an MP3"
    );
    let text = a.body["candidates"][0]["content"]["parts"][0]["text"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("[0.0:]"), "{text}");
    // MP3 asked by name is fine.
    let named =
        body(json!({"responseModalities": ["AUDIO", "TEXT"], "responseMimeType": "audio/mpeg"}));
    assert_eq!(
        inline_audio(&m.gemini_post(LYRIA3, &named).await).0,
        "audio/mpeg"
    );

    for (what, config, says) in [
        (
            "WAV MIME type",
            json!({"responseModalities": ["AUDIO", "TEXT"], "responseMimeType": "audio/wav"}),
            "AUDIO_WAV is not supported",
        ),
        (
            "WAV format",
            json!({"responseModalities": ["AUDIO", "TEXT"], "responseFormat": {"audio": {"mimeType": "audio/wav"}}}),
            "AUDIO_WAV is not supported",
        ),
        (
            "text only",
            json!({"responseModalities": ["TEXT"]}),
            "response modalities",
        ),
        ("no modalities", json!({}), "response modalities"),
    ] {
        let a = m.gemini_post(LYRIA3, &body(config)).await;
        a.error(400, "INVALID_ARGUMENT");
        assert!(a.message().contains(says), "{what}: {}", a.message());
    }
}

/// The speech and music models are listed (with their methods on the Gemini API), so
/// discovery finds them.
#[tokio::test]
async fn speech_and_music_models_are_listed() {
    let m = Mock::start(options()).await;
    let one = m.gemini_get("/v1beta/models/gemini-3.8-flash-tts").await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["inputTokenLimit"], 8192);
    assert!(one.body["supportedGenerationMethods"]
        .as_array()
        .unwrap()
        .contains(&json!("generateContent")));
    assert_eq!(
        m.gemini_get("/v1beta/models/lyria-3-clip-preview")
            .await
            .status,
        200
    );
}
