//! Speaking lines and composing music with Google's models (`MediaProvider::speak`,
//! `make_music`) against the loopback mock, on both back ends: the models are discovered from
//! the listing, the requests are the ones Google takes (3.8's `voiceConfig.voice` and
//! `speechMetadata.style`; the legacy `prebuiltVoiceConfig`; Lyria 2's `:predict` with one
//! sample and no seed; Lyria 3's audio-and-text modalities), both audio shapes are parsed into
//! the same mono 16-bit WAV (3.8's WAV, the legacy raw PCM), usage is read and priced, a 429's
//! delay is carried and honoured, and a refused voice is a typed error naming it.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use studio_catalog::Catalog;
use studio_core::UsageKind;
use studio_media::google::{Backend, GoogleConfig, GoogleProvider, GoogleSettings};
use studio_media::{
    ErrorClass, Ffmpeg, MediaError, MediaProvider, MusicRequest, SpeechRequest, TaskCtx,
};
use studio_mock_google::{MockGoogle, MockOptions};

const KEY: &str = "sound-test-key";

async fn mock_with(options: MockOptions) -> MockGoogle {
    MockGoogle::start(
        0,
        MockOptions {
            api_key: KEY.into(),
            ..options
        },
    )
    .await
    .unwrap()
}

async fn mock() -> MockGoogle {
    mock_with(MockOptions::default()).await
}

/// A provider of `backend` pointed at the mock (Vertex with user credentials refreshed at the
/// mock's `/token`, so calls carry the quota project).
async fn provider(m: &MockGoogle, backend: Backend, dir: &Path) -> GoogleProvider {
    let mut s = GoogleSettings {
        base_url: Some(m.base_url()),
        stored_api_key: studio_secrets::StoredSecret::new(Some(KEY.into())),
        project: Some("studio-test".into()),
        location: Some("us-central1".into()),
        request_timeout_secs: 20,
        ..Default::default()
    };
    if backend == Backend::Vertex {
        let file = dir.join("adc.json");
        let adc = json!({
            "type": "authorized_user",
            "client_id": "id.apps.googleusercontent.com",
            "client_secret": "secret",
            "refresh_token": "1//refresh",
            "quota_project_id": "studio-test",
            "token_uri": format!("{}/token", m.base_url()),
        });
        std::fs::write(&file, adc.to_string()).unwrap();
        s.credentials_file = Some(file);
    }
    GoogleProvider::new(GoogleConfig::resolve(backend, &s).unwrap())
        .await
        .unwrap()
}

fn line(text: &str, voice: &str) -> SpeechRequest {
    SpeechRequest {
        text: text.into(),
        voice: voice.into(),
        style: Some("a warm, older voice with a soft Irish accent".into()),
    }
}

/// (channels, rate, bits, seconds) of a WAV file.
fn wav(path: &Path) -> (u16, u32, u16, f64) {
    let b = std::fs::read(path).unwrap();
    assert_eq!((&b[..4], &b[8..12]), (&b"RIFF"[..], &b"WAVE"[..]));
    let (ch, rate, bits) = (
        u16::from_le_bytes([b[22], b[23]]),
        u32::from_le_bytes(b[24..28].try_into().unwrap()),
        u16::from_le_bytes([b[34], b[35]]),
    );
    let data = u32::from_le_bytes(b[40..44].try_into().unwrap()) as f64;
    (
        ch,
        rate,
        bits,
        data / f64::from(rate) / f64::from(ch) / f64::from(bits / 8),
    )
}

fn used(usage: &[studio_core::Usage], kind: UsageKind) -> u32 {
    usage
        .iter()
        .filter(|u| u.kind == kind)
        .map(|u| u.quantity)
        .sum()
}

/// Gemini 3.8 Flash TTS is discovered on both back ends (Vertex at `global`), asked with
/// `voiceConfig.voice` and the style in `speechMetadata`, and its WAV written as it came; the
/// usage is the answer's, priced per token.
#[tokio::test]
async fn a_line_is_spoken_by_the_newest_flash_tts_on_both_back_ends() {
    for backend in [Backend::Gemini, Backend::Vertex] {
        let m = mock().await;
        let dir = tempfile::tempdir().unwrap();
        let p = provider(&m, backend, dir.path()).await;
        let task = TaskCtx::detached();
        let model = p.speech_model(&task).await.unwrap();
        assert_eq!(model, "gemini-3.8-flash-tts", "{backend:?}");
        assert_eq!(
            Catalog::builtin().family_of(&model).unwrap().id,
            "speech-flash"
        );

        let out = dir.path().join("line.wav");
        let req = line("The lighthouse keeper lit the lamp.", "Kore");
        let answer = p.speak(&req, &out, &task).await.unwrap();
        assert_eq!(answer.model, model);
        let (ch, rate, bits, seconds) = wav(&out);
        assert_eq!((ch, rate, bits), (1, 24_000, 16));
        assert!(
            (answer.seconds - seconds).abs() < 1e-9 && seconds > 1.0,
            "{answer:?}"
        );
        let probe = Ffmpeg::from_env().probe(&out).await.unwrap();
        assert!((probe.duration - seconds).abs() < 0.01);
        assert_eq!(
            used(&answer.usage, UsageKind::SpeechOutputToken),
            (seconds * 25.0).ceil() as u32
        );
        assert!(used(&answer.usage, UsageKind::SpeechInputToken) > 0);
        let catalog = Catalog::builtin();
        let usd: f64 = answer
            .usage
            .iter()
            .map(|u| catalog.usage_price(u).unwrap() * f64::from(u.quantity))
            .sum();
        assert!(usd > 0.0);

        let stats = m.stats();
        let asked = &stats.sound_requests.last().unwrap().body;
        assert_eq!(
            asked["generationConfig"]["responseModalities"],
            json!(["AUDIO"])
        );
        assert_eq!(
            asked["generationConfig"]["speechConfig"],
            json!({"voiceConfig": {"voice": "Kore"}})
        );
        let part = &asked["contents"][0]["parts"][0];
        assert_eq!(part["text"], req.text, "the words verbatim");
        assert_eq!(part["speechMetadata"]["style"], json!(req.style));
        assert!(asked["generationConfig"].get("temperature").is_none());
        let call = stats
            .requests
            .iter()
            .find(|r| r.path.ends_with(":generateContent"))
            .unwrap();
        match backend {
            Backend::Gemini => assert_eq!(
                call.path,
                "/v1beta/models/gemini-3.8-flash-tts:generateContent"
            ),
            Backend::Vertex => assert_eq!(
                call.path,
                "/v1/projects/studio-test/locations/global/publishers/google/models/gemini-3.8-flash-tts:generateContent"
            ),
        }
    }
}

/// Where only a legacy preview is listed, it speaks: asked with `prebuiltVoiceConfig` and the
/// style as spoken instruction, answered with raw 24 kHz PCM, written as the same WAV.
#[tokio::test]
async fn the_legacy_models_raw_pcm_becomes_the_same_wav() {
    let mut options = MockOptions::default();
    options
        .gemini_models
        .retain(|m| !m.id.starts_with("gemini-3.8-flash") || !m.id.ends_with("-tts"));
    let m = mock_with(options).await;
    let dir = tempfile::tempdir().unwrap();
    let p = provider(&m, Backend::Gemini, dir.path()).await;
    let task = TaskCtx::detached();
    let model = p.speech_model(&task).await.unwrap();
    assert_eq!(
        Catalog::builtin().family_of(&model).unwrap().id,
        "speech-legacy"
    );
    let out = dir.path().join("legacy.wav");
    let req = line("The tide is turning.", "Charon");
    let answer = p.speak(&req, &out, &task).await.unwrap();
    let (ch, rate, bits, seconds) = wav(&out);
    assert_eq!((ch, rate, bits), (1, 24_000, 16));
    assert!(
        seconds > 0.5 && (answer.seconds - seconds).abs() < 1e-9,
        "{answer:?}"
    );
    let asked = m.stats().sound_requests.last().unwrap().body.clone();
    assert_eq!(
        asked["generationConfig"]["speechConfig"],
        json!({"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Charon"}}})
    );
    let text = asked["contents"][0]["parts"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("soft Irish accent") && text.ends_with(&req.text),
        "{text}"
    );
}

/// A 429 carries Google's RetryInfo delay as the error's `retry_after` (retryable); asked again
/// sooner, Google still refuses; after the delay the same line is spoken.
#[tokio::test]
async fn a_429s_delay_is_carried_and_honoured() {
    let m = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let p = provider(&m, Backend::Gemini, dir.path()).await;
    let task = TaskCtx::detached();
    let out = dir.path().join("busy.wav");
    let req = line("Hold the line [mock:429=1.25].", "Puck");
    let e = p.speak(&req, &out, &task).await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Transient, "{e}");
    assert_eq!(e.retry_after(), Some(Duration::from_millis(1250)), "{e}");
    let again = p.speak(&req, &out, &task).await.unwrap_err();
    let left = again.retry_after().expect("a delay again");
    assert!(left <= Duration::from_millis(1250), "{left:?}");
    // Honour the delay Google gave (bounded: the mock's 1.25 s), then the line is spoken.
    let waited = Instant::now();
    tokio::time::sleep(left).await;
    let answer = p.speak(&req, &out, &task).await.unwrap();
    assert!(answer.seconds > 0.5 && waited.elapsed() < Duration::from_secs(30));
    assert_eq!(
        m.stats().sound_requests.len(),
        3,
        "every try reached Google"
    );
}

/// A voice the model does not speak in is refused before anything is sent, and one Google
/// refuses (a 400 naming it) comes back as the same typed error: not retryable, naming the
/// voice.
#[tokio::test]
async fn a_refused_voice_is_a_typed_error_naming_it() {
    let m = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let p = provider(&m, Backend::Gemini, dir.path()).await;
    let task = TaskCtx::detached();
    let out = dir.path().join("x.wav");
    let e = p
        .speak(&line("Hello.", "Bob"), &out, &task)
        .await
        .unwrap_err();
    match &e {
        MediaError::VoiceRefused { voice, message, .. } => {
            assert_eq!(voice, "Bob");
            assert!(
                message.contains("Kore") || message.contains("Achernar"),
                "{message}"
            );
        }
        other => panic!("not a refused voice: {other:?}"),
    }
    assert_eq!(e.class(), ErrorClass::InvalidInput);
    assert!(m.stats().sound_requests.is_empty(), "nothing was sent");
    assert!(!m
        .stats()
        .requests
        .iter()
        .any(|r| r.path.ends_with(":generateContent")));

    let e = p
        .speak(&line("Hello [mock:refuse-voice].", "Kore"), &out, &task)
        .await
        .unwrap_err();
    match &e {
        MediaError::VoiceRefused { voice, message, .. } => {
            assert_eq!(voice, "Kore");
            assert!(message.contains("HTTP 400"), "{message}");
        }
        other => panic!("not a refused voice: {other:?}"),
    }
    assert!(!e.class().is_retryable());
    assert!(e.to_string().contains("\"Kore\""), "{e}");
}

/// Music: on the Gemini API Lyria 3 (an MP3 of the clip's 30 s, asked for audio and text, no
/// format); on Vertex Lyria 2 (probed for access, then `:predict` with one sample and no seed:
/// a 30 s 48 kHz WAV). Each is one clip of usage, priced per clip.
#[tokio::test]
async fn music_comes_from_lyria_3_on_the_gemini_api_and_lyria_2_on_vertex() {
    for backend in [Backend::Gemini, Backend::Vertex] {
        let m = mock().await;
        let dir = tempfile::tempdir().unwrap();
        let p = provider(&m, backend, dir.path()).await;
        let task = TaskCtx::detached();
        let model = p.music_model(&task).await.unwrap();
        let family = Catalog::builtin().family_of(&model).unwrap();
        let req = MusicRequest {
            prompt: "warm strings under a quiet morning".into(),
            seconds: 45.0,
        };
        let out = dir.path().join("music");
        let answer = p.make_music(&req, &out, &task).await.unwrap();
        assert_eq!(answer.model, model);
        assert!((answer.seconds - 30.0).abs() < 0.1, "{answer:?}");
        assert_eq!(used(&answer.usage, UsageKind::MusicClip), 1);
        let price = Catalog::builtin().usage_price(&answer.usage[0]).unwrap();
        assert_eq!(Some(price), family.price_per_clip);
        let probe = Ffmpeg::from_env().probe(&out).await.unwrap();
        let audio = probe.audio.expect("audio");
        let asked: Value = m.stats().sound_requests.last().unwrap().body.clone();
        match backend {
            Backend::Gemini => {
                assert_eq!(family.id, "lyria-3-clip");
                assert_eq!(answer.ext, "mp3");
                assert_eq!(audio.codec, "mp3");
                assert_eq!(
                    asked["generationConfig"],
                    json!({"responseModalities": ["AUDIO", "TEXT"]})
                );
            }
            Backend::Vertex => {
                assert_eq!(family.id, "lyria-2");
                assert_eq!(answer.ext, "wav");
                assert_eq!(
                    (audio.codec.as_str(), audio.sample_rate, audio.channels),
                    ("pcm_s16le", 48_000, 2)
                );
                assert_eq!(asked["parameters"], json!({"sample_count": 1}));
                assert!(asked["instances"][0].get("seed").is_none());
                let prompt = asked["instances"][0]["prompt"].as_str().unwrap();
                assert!(
                    prompt.starts_with(&req.prompt) && prompt.contains("no vocals"),
                    "{prompt}"
                );
                let calls: Vec<String> = m
                    .stats()
                    .requests
                    .iter()
                    .filter(|r| r.path.ends_with(":predict"))
                    .map(|r| format!("{} {}", r.path, r.status))
                    .collect();
                let path = "/v1/projects/studio-test/locations/us-central1/publishers/google/models/lyria-002:predict";
                assert_eq!(
                    calls,
                    [format!("{path} 400"), format!("{path} 200")],
                    "a free probe, then the paid call"
                );
            }
        }
    }
}

/// The bench provider has no speech or music model: typed refusals naming it.
#[tokio::test]
async fn a_provider_without_sound_models_refuses_by_type() {
    let bench = studio_media::bench::BenchProvider::from_env();
    let task = TaskCtx::detached();
    let dir = tempfile::tempdir().unwrap();
    let e = bench.speech_model(&task).await.unwrap_err();
    assert!(matches!(e, MediaError::NoSpeechModel { .. }), "{e}");
    let e = bench
        .speak(&line("x", "Kore"), &dir.path().join("x.wav"), &task)
        .await
        .unwrap_err();
    assert!(matches!(e, MediaError::NoSpeechModel { .. }), "{e}");
    assert_eq!(e.class(), ErrorClass::UnsupportedModel);
    let e = bench
        .make_music(
            &MusicRequest {
                prompt: "x".into(),
                seconds: 1.0,
            },
            &dir.path().join("x.wav"),
            &task,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, MediaError::NoMusicModel { .. }), "{e}");
    assert!(e.to_string().contains("bench"), "{e}");
}
