//! Audio, end to end with real ffmpeg and real files: offline clips carry a deterministic AAC
//! tone; stitching keeps every clip's sound in sync (silence for clips without any); the 4K
//! step copies the sound through.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::ffmpeg::StillClip;
use studio_media::offline::{tone_hz, OfflineProvider};
use studio_media::{Angle, ClipRequest, Ffmpeg, ImageRequest, MediaProvider, StitchMode, TaskCtx};

/// Every ffmpeg/ffprobe call in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(180);

async fn bounded<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LIMIT:?}"))
}

async fn character(dir: &Path) -> PathBuf {
    let out = dir.join("char.png");
    let req = ImageRequest {
        name: "Ava".into(),
        prompt: "a pilot in a red jacket".into(),
        angle: Angle::Front,
        aspect_ratio: AspectRatio::Landscape,
        references: vec![],
        model: None,
    };
    bounded(
        "character image",
        OfflineProvider::new(Ffmpeg::from_env()).character_image(&req, &out, &TaskCtx::detached()),
    )
    .await
    .unwrap();
    out
}

fn clip_req(image: &Path, prompt: &str, secs: u32) -> ClipRequest {
    ClipRequest {
        prompt: prompt.into(),
        negative_prompt: None,
        duration: ClipSeconds::try_from(secs).unwrap(),
        aspect_ratio: AspectRatio::Landscape,
        quality: Quality::Standard,
        image: image.to_owned(),
        references: vec![],
        model: None,
        variant: 0,
        last_frame: None,
    }
}

async fn offline_clip(image: &Path, prompt: &str, secs: u32, out: &Path) {
    bounded(
        "offline clip",
        OfflineProvider::new(Ffmpeg::from_env()).video_clip(
            &clip_req(image, prompt, secs),
            out,
            &TaskCtx::detached(),
        ),
    )
    .await
    .unwrap();
}

/// A clip like an offline one but without any audio track (as a Veo model without sound).
async fn silent_clip(image: &Path, secs: u32, out: &Path) {
    bounded(
        "silent clip",
        Ffmpeg::from_env().animate_still(image, None, (1280, 720), secs, out, &TaskCtx::detached()),
    )
    .await
    .unwrap();
}

/// What ffprobe itself says about a file's streams (not our parsing of it).
#[derive(Debug)]
struct Streams {
    video_duration: f64,
    audio: Option<Audio>,
}

#[derive(Debug)]
struct Audio {
    codec: String,
    sample_rate: u32,
    channels: u64,
    duration: f64,
}

async fn ffprobe(path: &Path) -> Streams {
    let out = bounded(
        "ffprobe",
        tokio::process::Command::new(Ffmpeg::from_env().ffprobe)
            .args(["-v", "error", "-print_format", "json", "-show_streams"])
            .arg(path)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let streams = json["streams"].as_array().unwrap();
    let of = |kind: &str| {
        let found: Vec<&Value> = streams.iter().filter(|s| s["codec_type"] == kind).collect();
        assert!(found.len() <= 1, "{kind} streams: {found:?}");
        found.first().copied().cloned()
    };
    let seconds = |s: &Value| s["duration"].as_str().unwrap().parse::<f64>().unwrap();
    let video = of("video").expect("a video stream");
    Streams {
        video_duration: seconds(&video),
        audio: of("audio").map(|a| Audio {
            codec: a["codec_name"].as_str().unwrap().to_owned(),
            sample_rate: a["sample_rate"].as_str().unwrap().parse().unwrap(),
            channels: a["channels"].as_u64().unwrap(),
            duration: seconds(&a),
        }),
    }
}

/// The loudest sample (dBFS) of the audio between `from` and `to` seconds, decoded by ffmpeg.
async fn max_volume(path: &Path, from: f64, to: f64) -> f64 {
    let out = bounded(
        "volumedetect",
        tokio::process::Command::new(Ffmpeg::from_env().ffmpeg)
            .args(["-hide_banner", "-nostdin", "-i"])
            .arg(path)
            .args(["-map", "0:a:0", "-af"])
            .arg(format!("atrim={from}:{to},volumedetect"))
            .args(["-f", "null", "-"])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stderr);
    log.lines()
        .find_map(|l| l.split("max_volume:").nth(1))
        .and_then(|v| v.trim().trim_end_matches("dB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no max_volume in {log}"))
}

/// MD5 of a file's audio packets, copied out without decoding.
async fn audio_md5(path: &Path) -> String {
    let out = bounded(
        "audio md5",
        tokio::process::Command::new(Ffmpeg::from_env().ffmpeg)
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(path)
            .args(["-map", "0:a:0", "-c", "copy", "-f", "md5", "-"])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn assert_close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 0.1,
        "{what}: {got:.4} s, expected {want:.4} s ± 0.1"
    );
}

async fn stitch(clips: &[PathBuf], out: &Path) -> StitchMode {
    bounded(
        "stitch",
        Ffmpeg::from_env().stitch(clips, out, &TaskCtx::detached()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn offline_clips_carry_a_deterministic_aac_tone() {
    let dir = tempfile::tempdir().unwrap();
    let image = character(dir.path()).await;
    let (a, b) = (dir.path().join("a.mp4"), dir.path().join("b.mp4"));
    offline_clip(&image, "she climbs into the cockpit", 4, &a).await;
    offline_clip(&image, "she climbs into the cockpit", 4, &b).await;
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "the same request makes the same bytes"
    );

    let s = ffprobe(&a).await;
    let audio = s.audio.expect("ffprobe sees an audio stream");
    assert_eq!((audio.codec.as_str(), audio.sample_rate), ("aac", 48_000));
    assert!(matches!(audio.channels, 1 | 2), "{audio:?}");
    assert_close("audio", audio.duration, 4.0);
    assert_close("video", s.video_duration, 4.0);

    let info = Ffmpeg::from_env().probe(&a).await.unwrap();
    let parsed = info.audio.expect("probe reports the audio");
    assert_eq!(
        (parsed.codec.as_str(), parsed.sample_rate, parsed.channels),
        ("aac", 48_000, audio.channels as u32)
    );
    assert!((info.duration - 4.0).abs() < 0.05, "{}", info.duration);
    // A tone, not silence, all the way through.
    assert!(max_volume(&a, 0.0, 0.5).await > -30.0);
    assert!(max_volume(&a, 3.5, 4.0).await > -30.0);

    // Another prompt sounds different.
    let (one, two) = (
        clip_req(&image, "she climbs into the cockpit", 4),
        clip_req(&image, "she waves from the wing", 4),
    );
    assert_ne!(tone_hz(&one), tone_hz(&two));
    assert!((220..=880).contains(&tone_hz(&one)));
}

#[tokio::test]
async fn stitching_offline_clips_keeps_their_audio_in_sync() {
    let dir = tempfile::tempdir().unwrap();
    let image = character(dir.path()).await;
    let mut clips = Vec::new();
    for (i, prompt) in ["takes off", "loops", "lands"].into_iter().enumerate() {
        let out = dir.path().join(format!("c{i}.mp4"));
        offline_clip(&image, prompt, 4, &out).await;
        clips.push(out);
    }

    let three = dir.path().join("three.mp4");
    assert_eq!(stitch(&clips, &three).await, StitchMode::StreamCopy);
    let s = ffprobe(&three).await;
    let audio = s.audio.expect("the stitched video has audio");
    assert_eq!((audio.codec.as_str(), audio.sample_rate), ("aac", 48_000));
    assert_close("video", s.video_duration, 12.0);
    assert_close("audio", audio.duration, s.video_duration);
    assert!(Ffmpeg::from_env().probe(&three).await.unwrap().has_audio());
    let again = dir.path().join("again.mp4");
    stitch(&clips, &again).await;
    assert_eq!(
        std::fs::read(&three).unwrap(),
        std::fs::read(&again).unwrap(),
        "stitching is deterministic"
    );

    // Every join would add AAC priming and padding if the audio were stream-copied; with six
    // clips that is well over 0.1 s of drift.
    let six: Vec<PathBuf> = clips.iter().chain(&clips).cloned().collect();
    let long = dir.path().join("six.mp4");
    assert_eq!(stitch(&six, &long).await, StitchMode::StreamCopy);
    let s = ffprobe(&long).await;
    let audio = s.audio.expect("the stitched video has audio");
    assert_close("video", s.video_duration, 24.0);
    assert!(
        (audio.duration - s.video_duration).abs() < 0.03,
        "audio {} s vs video {} s",
        audio.duration,
        s.video_duration
    );
}

#[tokio::test]
async fn a_clip_without_audio_gets_silence_and_no_sound_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let image = character(dir.path()).await;
    let (first, quiet, last) = (
        dir.path().join("first.mp4"),
        dir.path().join("quiet.mp4"),
        dir.path().join("last.mp4"),
    );
    offline_clip(&image, "takes off", 4, &first).await;
    silent_clip(&image, 4, &quiet).await;
    offline_clip(&image, "lands", 4, &last).await;
    assert!(
        ffprobe(&quiet).await.audio.is_none(),
        "the middle clip has no audio"
    );

    let mixed = dir.path().join("mixed.mp4");
    let clips = [first, quiet.clone(), last];
    assert_eq!(stitch(&clips, &mixed).await, StitchMode::Reencode);
    let s = ffprobe(&mixed).await;
    let audio = s.audio.expect("the stitched video has audio");
    assert_eq!(audio.codec, "aac");
    assert_close("video", s.video_duration, 12.0);
    assert_close("audio", audio.duration, 12.0);
    // Tone, silence, tone: each clip's sound stays under its own picture.
    assert!(max_volume(&mixed, 0.3, 3.7).await > -30.0);
    assert!(max_volume(&mixed, 4.3, 7.7).await < -80.0);
    assert!(max_volume(&mixed, 8.3, 11.7).await > -30.0);

    // The silent one first, then sound.
    let late = dir.path().join("late.mp4");
    assert_eq!(
        stitch(&[quiet.clone(), clips[2].clone()], &late).await,
        StitchMode::Reencode
    );
    let s = ffprobe(&late).await;
    assert_close("audio", s.audio.expect("audio").duration, 8.0);
    assert!(max_volume(&late, 0.3, 3.7).await < -80.0);
    assert!(max_volume(&late, 4.3, 7.7).await > -30.0);

    // No clip has audio: neither has the result.
    let none = dir.path().join("none.mp4");
    assert_eq!(
        stitch(&[quiet.clone(), quiet], &none).await,
        StitchMode::StreamCopy
    );
    let s = ffprobe(&none).await;
    assert!(s.audio.is_none(), "{s:?}");
    assert_close("video", s.video_duration, 8.0);
}

#[tokio::test]
async fn upscale_keeps_the_audio() {
    let dir = tempfile::tempdir().unwrap();
    let image = character(dir.path()).await;
    let clip = dir.path().join("clip.mp4");
    offline_clip(&image, "banks left", 4, &clip).await;
    let big = dir.path().join("big.mp4");
    // The 4K step's code path at a smaller size, to keep the test quick.
    bounded(
        "upscale",
        Ffmpeg::from_env().upscale(&clip, (1920, 1080), &big, &TaskCtx::detached()),
    )
    .await
    .unwrap();
    let s = ffprobe(&big).await;
    let audio = s.audio.expect("the upscaled video has audio");
    assert_eq!((audio.codec.as_str(), audio.sample_rate), ("aac", 48_000));
    assert_close("audio", audio.duration, 4.0);
    assert_close("video", s.video_duration, 4.0);
    assert_eq!(
        audio_md5(&big).await,
        audio_md5(&clip).await,
        "copied, not re-encoded"
    );
    let info = Ffmpeg::from_env().probe(&big).await.unwrap();
    assert_eq!(info.video.unwrap().width, 1920);
}

#[tokio::test]
async fn animate_makes_a_tone_exactly_as_long_as_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let image = character(dir.path()).await;
    let out = dir.path().join("tone.mp4");
    let clip = StillClip {
        image: &image,
        overlay: None,
        size: (640, 360),
        seconds: 3,
        tone_hz: Some(440),
        comment: None,
    };
    bounded(
        "animate",
        Ffmpeg::from_env().animate(&clip, &out, &TaskCtx::detached()),
    )
    .await
    .unwrap();
    let s = ffprobe(&out).await;
    assert_close("video", s.video_duration, 3.0);
    assert_close("audio", s.audio.expect("audio").duration, 3.0);
}
