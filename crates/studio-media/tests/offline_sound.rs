//! Offline speech and music, end to end with real espeak-ng, ffmpeg and ffprobe: real WAVs of
//! the promised format and length, with sound in them, the same for the same request, and two
//! voices that do not sound alike.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use studio_core::UsageKind;
use studio_media::offline::OfflineProvider;
use studio_media::{ErrorClass, Ffmpeg, MediaProvider, MusicRequest, SpeechRequest, TaskCtx};

/// Every espeak-ng/ffmpeg/ffprobe run in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(120);

async fn bounded<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LIMIT:?}"))
}

/// The PCM samples of a 16-bit WAV (every channel interleaved), and its channels and rate.
fn samples(path: &Path) -> (Vec<i16>, u16, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"RIFF", "{} is no WAV", path.display());
    assert_eq!(&bytes[8..12], b"WAVE");
    let (mut at, mut format, mut data) = (12, None, None);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        match id {
            b"fmt " => format = Some(body.to_vec()),
            b"data" => data = Some(body.to_vec()),
            _ => {}
        }
        at += 8 + len + len % 2;
    }
    let format = format.expect("fmt chunk");
    let tag = u16::from_le_bytes([format[0], format[1]]);
    let channels = u16::from_le_bytes([format[2], format[3]]);
    let rate = u32::from_le_bytes(format[4..8].try_into().unwrap());
    let bits = u16::from_le_bytes([format[14], format[15]]);
    assert_eq!((tag, bits), (1, 16), "PCM s16le");
    let data = data.expect("data chunk");
    let pcm = data
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    (pcm, channels, rate)
}

/// Root mean square of samples, full scale = 1.
fn rms(s: &[i16]) -> f64 {
    let sum: f64 = s.iter().map(|&x| (f64::from(x) / 32768.0).powi(2)).sum();
    (sum / s.len().max(1) as f64).sqrt()
}

/// Zero crossings per second of a mono signal: a rough pitch, enough to tell two voices apart.
fn crossings_per_second(s: &[i16], rate: u32) -> f64 {
    let n = s.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    n as f64 * f64::from(rate) / s.len().max(1) as f64
}

fn line(voice: &str) -> SpeechRequest {
    SpeechRequest {
        text: "The lighthouse keeper lit the lamp <sigh> and waited for the boats.".into(),
        voice: voice.into(),
        style: None,
    }
}

#[tokio::test]
async fn offline_speech_is_a_real_24k_mono_wav_in_the_voice_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let p = OfflineProvider::new(Ffmpeg::from_env());
    let task = TaskCtx::detached();
    assert_eq!(p.speech_model(&task).await.unwrap(), "offline");
    let mut spoken = Vec::new();
    for (i, voice) in ["Kore", "Kore", "Puck"].into_iter().enumerate() {
        let out = dir.path().join(format!("{i}.wav"));
        let answer = bounded("speak", p.speak(&line(voice), &out, &task))
            .await
            .unwrap();
        let probe = Ffmpeg::from_env().probe(&out).await.unwrap();
        let audio = probe.audio.clone().expect("an audio stream");
        assert_eq!(
            (audio.codec.as_str(), audio.sample_rate, audio.channels),
            ("pcm_s16le", 24_000, 1)
        );
        assert!(
            (answer.seconds - probe.duration).abs() < 1e-6 && answer.seconds > 2.0,
            "a line of twelve words takes seconds: {answer:?}"
        );
        assert_eq!(answer.model, "offline");
        // Counted like a speech model's call: 25 audio tokens a second, and the words read.
        let out_tokens = answer
            .usage
            .iter()
            .find(|u| u.kind == UsageKind::SpeechOutputToken)
            .unwrap()
            .quantity;
        assert_eq!(out_tokens, (answer.seconds * 25.0).ceil() as u32);
        assert!(answer
            .usage
            .iter()
            .any(|u| u.kind == UsageKind::SpeechInputToken));
        let (pcm, channels, rate) = samples(&out);
        assert_eq!((channels, rate), (1, 24_000));
        assert!(rms(&pcm) > 0.02, "speech is not silence: rms {}", rms(&pcm));
        spoken.push((
            std::fs::read(&out).unwrap(),
            crossings_per_second(&pcm, rate),
        ));
    }
    // Compared as booleans: a failing assert_eq! would print megabytes of samples.
    assert!(
        spoken[0].0 == spoken[1].0,
        "the same line in the same voice is the same file"
    );
    assert!(spoken[0].0 != spoken[2].0, "two voices, two sounds");
    let (kore, puck) = (spoken[0].1, spoken[2].1);
    assert!(
        (kore - puck).abs() / kore.max(puck) > 0.03,
        "Kore and Puck should not sound alike: {kore:.0} vs {puck:.0} crossings/s"
    );
}

#[tokio::test]
async fn a_line_with_no_words_is_refused_for_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let p = OfflineProvider::new(Ffmpeg::from_env());
    let req = SpeechRequest {
        text: " <laugh> ".into(),
        voice: "Kore".into(),
        style: None,
    };
    let e = p
        .speak(&req, &dir.path().join("x.wav"), &TaskCtx::detached())
        .await
        .unwrap_err();
    assert_eq!(e.class(), ErrorClass::InvalidInput, "{e}");
    assert!(e.to_string().contains("no words"), "{e}");
}

#[tokio::test]
async fn offline_music_is_a_real_48k_stereo_bed_of_the_length_asked() {
    let dir = tempfile::tempdir().unwrap();
    let p = OfflineProvider::new(Ffmpeg::from_env());
    let task = TaskCtx::detached();
    assert_eq!(p.music_model(&task).await.unwrap(), "offline");
    let ask = |prompt: &str, seconds: f64| MusicRequest {
        prompt: prompt.into(),
        seconds,
    };
    let mut files = Vec::new();
    for (i, req) in [
        ask("warm strings for a bakery at dawn", 12.5),
        ask("warm strings for a bakery at dawn", 12.5),
        ask("a tense night chase", 12.5),
    ]
    .iter()
    .enumerate()
    {
        let out = dir.path().join(format!("{i}.wav"));
        let answer = bounded("music", p.make_music(req, &out, &task))
            .await
            .unwrap();
        assert_eq!(
            (answer.model.as_str(), answer.ext.as_str()),
            ("offline", "wav")
        );
        assert!((answer.seconds - 12.5).abs() < 0.01, "{answer:?}");
        assert_eq!(answer.usage.len(), 1);
        assert_eq!(answer.usage[0].kind, UsageKind::MusicClip);
        let probe = Ffmpeg::from_env().probe(&out).await.unwrap();
        let audio = probe.audio.expect("an audio stream");
        assert_eq!(
            (audio.codec.as_str(), audio.sample_rate, audio.channels),
            ("pcm_s16le", 48_000, 2)
        );
        let (pcm, channels, rate) = samples(&out);
        assert_eq!((channels, rate), (2, 48_000));
        // Sound all through (past the fade in, before the fade out): every half second holds
        // music, never a gap between chords; and it never clips.
        let half = (rate as usize) * usize::from(channels) / 2;
        for (k, window) in pcm.chunks(half).enumerate().skip(4).take(16) {
            assert!(
                rms(window) > 0.03,
                "window {k} of {req:?} is quiet: {}",
                rms(window)
            );
        }
        let peak = pcm.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(peak < 32_000, "clipped: {peak}");
        files.push(std::fs::read(&out).unwrap());
    }
    assert!(files[0] == files[1], "the same cue is the same file");
    assert!(files[0] != files[2], "another prompt, another bed");
    for bad in [0.0, -1.0, f64::NAN, 1e9] {
        let e = p
            .make_music(&ask("x", bad), &dir.path().join("bad.wav"), &task)
            .await
            .unwrap_err();
        assert_eq!(e.class(), ErrorClass::InvalidInput, "{bad}: {e}");
    }
}
