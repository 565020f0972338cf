//! The sound pass with real ffmpeg, real speech (espeak-ng) and real files: a film with native
//! and voice-over dialogue, narration and music comes out with one AAC track at −14 LUFS, true
//! peak under −1 dBTP, its video packets untouched, captions in order inside their shots,
//! music ducked under the voices, stems as long as the film; and every bad job is refused
//! by name, leaving nothing behind.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use studio_media::sound::{
    loudness, mix_film, Gain, Gains, MixJob, MixLine, MixMusic, MixProblem, MixReport, TrackKind,
};
use studio_media::{Ffmpeg, MediaError, TaskCtx};

/// Every ffmpeg, ffprobe, espeak-ng and mix call in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(180);

async fn bounded<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LIMIT:?}"))
}

/// Runs a program to completion (bounded), panicking with its stderr if it fails.
async fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let out = bounded(
        program,
        tokio::process::Command::new(program)
            .args(args)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|e| panic!("{program} could not start ({e}); scripts/setup.sh installs it"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A moving test-pattern film of `seconds` at 320×180, 24 fps, H.264; with `tone`, an AAC
/// track of a quiet 440 Hz tone (the clips' own sound).
async fn film(dir: &Path, seconds: u32, tone: bool) -> PathBuf {
    let out = dir.join("stitched.mp4");
    let d = seconds.to_string();
    let video = format!("testsrc2=size=320x180:rate=24:duration={d}");
    let mut args = vec!["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", &video];
    let audio = format!("sine=frequency=440:sample_rate=48000:duration={d}");
    if tone {
        args.extend([
            "-f",
            "lavfi",
            "-i",
            &audio,
            "-af",
            "volume=-24dB",
            "-ac",
            "2",
        ]);
        args.extend(["-c:a", "aac"]);
    }
    args.extend([
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
    ]);
    args.push(s(&out));
    run("ffmpeg", &args).await;
    out
}

/// `text` spoken by espeak-ng into a WAV.
async fn speak(dir: &Path, name: &str, text: &str) -> PathBuf {
    let out = dir.join(format!("{name}.wav"));
    run("espeak-ng", &["-w", s(&out), text]).await;
    out
}

/// A steady 5 s chord (so a loop is audible and its level is the same everywhere).
async fn music(dir: &Path) -> PathBuf {
    let out = dir.join("bed.wav");
    run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=0.15*sin(2*PI*220*t)+0.15*sin(2*PI*277*t)+0.1*sin(2*PI*330*t):s=48000:d=5",
            s(&out),
        ],
    )
    .await;
    out
}

fn line(
    shot: usize,
    track: TrackKind,
    speaker: Option<&str>,
    text: &str,
    audio: Option<PathBuf>,
) -> MixLine {
    MixLine {
        shot,
        track,
        text: text.into(),
        speaker: speaker.map(str::to_owned),
        audio,
    }
}

/// A WAV's interleaved 16-bit samples and its channel count.
fn wav(path: &Path) -> (Vec<i16>, usize) {
    let bytes = std::fs::read(path).unwrap();
    let channels = usize::from(u16::from_le_bytes([bytes[22], bytes[23]]));
    let at = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk")
        + 8;
    let samples = bytes[at..]
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    (samples, channels)
}

/// RMS level (dBFS) of `from..to` seconds of a 48 kHz WAV.
fn rms_db(samples: &[i16], channels: usize, from: f64, to: f64) -> f64 {
    let frame = |t: f64| (t * 48_000.0) as usize * channels;
    let part = &samples[frame(from)..frame(to)];
    let mean = part
        .iter()
        .map(|&x| (f64::from(x) / 32768.0).powi(2))
        .sum::<f64>()
        / part.len() as f64;
    10.0 * mean.max(1e-20).log10()
}

async fn probe_streams(path: &Path) -> serde_json::Value {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
            s(path),
        ],
    )
    .await;
    serde_json::from_slice(&out).unwrap()
}

/// Each video packet of `path` (timestamps, size and an MD5 of its bytes), by stream copy.
async fn video_packets(path: &Path) -> Vec<String> {
    let out = run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-i",
            s(path),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "framemd5",
            "-",
        ],
    )
    .await;
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// `HH:MM:SS,mmm` in seconds.
fn srt_time(t: &str) -> f64 {
    let (hms, ms) = t.trim().split_once(',').unwrap();
    let p: Vec<f64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    p[0] * 3600.0 + p[1] * 60.0 + p[2] + ms.parse::<f64>().unwrap() / 1000.0
}

/// The cues of an SRT file: (start, end, text).
fn srt_cues(text: &str) -> Vec<(f64, f64, String)> {
    text.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            let mut lines = b.lines().skip(1);
            let (a, z) = lines.next().unwrap().split_once(" --> ").unwrap();
            (
                srt_time(a),
                srt_time(z),
                lines.collect::<Vec<_>>().join("\n"),
            )
        })
        .collect()
}

async fn mix(job: &MixJob, out: &Path) -> Result<MixReport, MediaError> {
    bounded(
        "mix_film",
        mix_film(&Ffmpeg::from_env(), job, out, &TaskCtx::detached()),
    )
    .await
}

/// The film of the issue: three shots (5, 4, 5 s); voiced dialogue and narration in shot 0, a
/// native line in shot 1, narration in shot 2; a looped music bed under all of it.
async fn three_shot_job(dir: &Path) -> MixJob {
    let video = film(dir, 14, true).await;
    let mara = speak(dir, "mara", "Someone is out there.").await;
    let night = speak(dir, "night", "The night was cold.").await;
    let morning = speak(dir, "morning", "By morning the boat was home.").await;
    MixJob {
        video,
        shots: vec![5.0, 4.0, 5.0],
        lines: vec![
            line(
                0,
                TrackKind::Dialogue,
                Some("Mara"),
                "Someone is out there.",
                Some(mara),
            ),
            line(
                0,
                TrackKind::Narration,
                None,
                "The night was cold.",
                Some(night),
            ),
            line(
                1,
                TrackKind::Dialogue,
                Some("Tom"),
                "It is only the ferry.",
                None,
            ),
            line(
                2,
                TrackKind::Narration,
                None,
                "By morning the boat was home.",
                Some(morning),
            ),
        ],
        music: Some(MixMusic {
            audio: music(dir).await,
            from_shot: 0,
            to_shot: 2,
            looped: true,
            fade_seconds: 1.0,
        }),
        gains: Gains::default(),
        burn_captions: false,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_three_shot_film_is_mixed_normalised_captioned_and_its_video_copied() {
    let dir = tempfile::tempdir().unwrap();
    let job = three_shot_job(dir.path()).await;
    let out = dir.path().join("mixed");
    let report = mix(&job, &out).await.unwrap();

    // One AAC track (stereo, 48 kHz), the video, and English soft captions.
    let info = probe_streams(&report.video).await;
    let streams = info["streams"].as_array().unwrap();
    let kind = |t: &str| {
        streams
            .iter()
            .filter(|s| s["codec_type"] == t)
            .collect::<Vec<_>>()
    };
    let audio = kind("audio");
    assert_eq!(audio.len(), 1, "{info}");
    assert_eq!(audio[0]["codec_name"], "aac");
    assert_eq!(audio[0]["sample_rate"], "48000");
    assert_eq!(audio[0]["channels"], 2);
    assert_eq!(kind("video").len(), 1);
    let subs = kind("subtitle");
    assert_eq!(subs.len(), 1, "{info}");
    assert_eq!(subs[0]["codec_name"], "mov_text");
    assert_eq!(subs[0]["tags"]["language"], "eng");

    // Loudness, measured again on the file.
    let measured = loudness(&Ffmpeg::from_env(), &report.video, &TaskCtx::detached())
        .await
        .unwrap();
    assert_eq!(measured, report.loudness);
    assert!(
        (measured.integrated_lufs + 14.0).abs() <= 1.0,
        "integrated {measured:?}"
    );
    assert!(measured.true_peak_dbtp <= -1.0, "true peak {measured:?}");

    // The video stream, packet for packet (14 s at 24 fps).
    let packets = video_packets(&job.video).await;
    assert_eq!(packets.len(), 14 * 24);
    let copied = video_packets(&report.video).await;
    let differ = packets.iter().zip(&copied).position(|(a, b)| a != b);
    assert!(
        copied.len() == packets.len() && differ.is_none(),
        "video packets changed: {} of {}, first difference at {differ:?}",
        copied.len(),
        packets.len()
    );

    // Captions: every line, in order, inside its shot, the voiced ones as long as their audio.
    let shot_span = [(0.0, 5.0), (5.0, 9.0), (9.0, 14.0)];
    let cues = srt_cues(&std::fs::read_to_string(&report.srt).unwrap());
    let texts: Vec<&str> = cues.iter().map(|c| c.2.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Mara: Someone is out there.",
            "The night was cold.",
            "Tom: It is only the ferry.",
            "By morning the boat was home.",
        ]
    );
    for (cue, l) in cues.iter().zip(&job.lines) {
        let (a, z) = shot_span[l.shot];
        assert!(
            cue.0 >= a && cue.1 <= z + 0.001,
            "{cue:?} outside shot {}",
            l.shot
        );
    }
    assert!(cues.windows(2).all(|w| w[0].0 <= w[1].0), "{cues:?}");
    assert_eq!(
        (cues[2].0, cues[2].1),
        (5.0, 9.0),
        "a native line spans its shot"
    );
    assert_eq!(report.line_starts[0], 0.25);
    let vtt = std::fs::read_to_string(&report.vtt).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n1\n00:00:00.250 --> "), "{vtt}");

    // Stems: the film's length each (within one AAC frame of audio).
    let film = probe_streams(&job.video).await["format"]["duration"]
        .as_str()
        .unwrap()
        .parse::<f64>()
        .unwrap();
    let stems = &report.stems;
    for path in [
        &stems.dialogue,
        &stems.narration,
        &stems.music,
        &stems.effects,
    ] {
        let (samples, channels) = wav(path);
        let frames = (samples.len() / channels) as f64;
        assert!(
            (frames - film * 48_000.0).abs() <= 1024.0,
            "{} has {frames} frames for a {film} s film",
            path.display()
        );
    }

    // The music ducks under the voices (its stem is the music after ducking): the narration of
    // shot 0 and of shot 2 against shot 1, where no one is voiced.
    let (music, ch) = wav(&stems.music);
    let end = |i: usize| report.line_starts[i] + (cues[i].1 - cues[i].0);
    let under = [
        rms_db(&music, ch, report.line_starts[1] + 0.1, end(1) - 0.1),
        rms_db(&music, ch, report.line_starts[3] + 0.1, end(3) - 0.1),
    ];
    let clear = rms_db(&music, ch, 4.2, 9.0);
    eprintln!(
        "loudness {measured:?}; music {clear:.1} dB clear, {:.1} / {:.1} dB under speech",
        under[0], under[1]
    );
    for u in under {
        assert!(
            clear - u >= 6.0,
            "music {u:.1} dB under speech, {clear:.1} dB without"
        );
    }
    // The voices are where the captions say.
    let (narration, ch) = wav(&stems.narration);
    assert!(rms_db(&narration, ch, report.line_starts[1] + 0.2, end(1) - 0.2) > -40.0);
    assert!(rms_db(&narration, ch, 5.0, 9.0) < -80.0);

    // Nothing but the results in the output directory.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "captions.srt",
            "captions.vtt",
            "dialogue.wav",
            "effects.wav",
            "film.mp4",
            "music.wav",
            "narration.wav"
        ]
    );
}

/// Each track's gain and mute reach its stem (and so the mix): the same film mixed twice, the
/// second time with the dialogue 6 dB down, the narration muted and the music 3 dB up.
#[tokio::test(flavor = "multi_thread")]
async fn each_track_takes_its_own_gain_and_mute() {
    let dir = tempfile::tempdir().unwrap();
    let job = three_shot_job(dir.path()).await;
    let plain = mix(&job, &dir.path().join("plain")).await.unwrap();
    let mut quiet = job.clone();
    quiet.gains = Gains {
        dialogue: Gain {
            volume_db: -6.0,
            mute: false,
        },
        narration: Gain {
            volume_db: 6.0,
            mute: true,
        },
        music: Gain {
            volume_db: 3.0,
            mute: false,
        },
        ..Gains::default()
    };
    let task = TaskCtx::detached();
    let progress = task.subscribe();
    let turned = bounded(
        "mix_film",
        mix_film(
            &Ffmpeg::from_env(),
            &quiet,
            &dir.path().join("turned"),
            &task,
        ),
    )
    .await
    .unwrap();
    assert_eq!(progress.borrow().fraction, 1.0);

    let level = |path: &Path, from: f64, to: f64| {
        let (samples, ch) = wav(path);
        rms_db(&samples, ch, from, to)
    };
    // Mara's line, 0.25 s on.
    let (a, z) = (0.35, 1.3);
    let down = level(&plain.stems.dialogue, a, z) - level(&turned.stems.dialogue, a, z);
    assert!((down - 6.0).abs() < 0.1, "dialogue {down:.2} dB down");
    let (narration, _) = wav(&turned.stems.narration);
    assert!(
        narration.iter().all(|&x| x == 0),
        "the muted narration is silence"
    );
    // Shot 1, where no one is voiced: the music 3 dB up, undisturbed by ducking.
    let up = level(&turned.stems.music, 5.5, 8.5) - level(&plain.stems.music, 5.5, 8.5);
    assert!((up - 3.0).abs() < 0.2, "music {up:.2} dB up");
    // With the narration muted, nothing ducks the music under it any more.
    let (n0, n1) = (plain.line_starts[1] + 0.1, plain.line_starts[1] + 1.0);
    let unducked = level(&turned.stems.music, n0, n1) - level(&plain.stems.music, n0, n1);
    assert!(
        unducked > 6.0,
        "the music under the muted narration rose {unducked:.1} dB"
    );
    // The effects are untouched.
    let fx = level(&turned.stems.effects, 0.0, 14.0) - level(&plain.stems.effects, 0.0, 14.0);
    assert!(fx.abs() < 0.01, "effects moved {fx} dB");
}

/// Clicks at full scale over a quiet tone: to reach −14 LUFS a linear gain would put the peaks
/// far over 0 dBTP, so loudnorm alone falls back to its dynamic mode and misses the target.
#[tokio::test(flavor = "multi_thread")]
async fn a_peaky_silent_film_still_lands_on_target() {
    let dir = tempfile::tempdir().unwrap();
    let video = film(dir.path(), 6, false).await;
    let clicks = dir.path().join("clicks.wav");
    run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=if(lt(mod(t\\,0.5)\\,0.002)\\,0.99\\,0)+0.02*sin(2*PI*300*t):s=48000:d=5",
            s(&clicks),
        ],
    )
    .await;
    let job = MixJob {
        video,
        shots: vec![3.0, 3.0],
        lines: vec![line(1, TrackKind::Narration, None, "Clicks.", Some(clicks))],
        music: None,
        gains: Gains {
            narration: Gain {
                volume_db: -6.0,
                mute: false,
            },
            ..Gains::default()
        },
        burn_captions: false,
    };
    let report = mix(&job, &dir.path().join("out")).await.unwrap();
    let l = report.loudness;
    assert!((l.integrated_lufs + 14.0).abs() <= 1.0, "{l:?}");
    assert!(l.true_peak_dbtp <= -1.0, "{l:?}");
    // The film had no sound: the effects stem is silence, as long as the film.
    let (fx, ch) = wav(&report.stems.effects);
    assert_eq!(fx.len() / ch, 6 * 48_000);
    assert!(fx.iter().all(|&x| x == 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn burned_captions_redraw_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let video = film(dir.path(), 3, true).await;
    let hello = speak(dir.path(), "hello", "Hello.").await;
    let job = MixJob {
        video,
        shots: vec![3.0],
        lines: vec![line(
            0,
            TrackKind::Dialogue,
            Some("Ava"),
            "Hello.",
            Some(hello),
        )],
        music: None,
        gains: Gains::default(),
        burn_captions: true,
    };
    let report = mix(&job, &dir.path().join("out")).await.unwrap();
    let (burned, original) = (
        video_packets(&report.video).await,
        video_packets(&job.video).await,
    );
    assert_eq!(burned.len(), original.len(), "every frame is still there");
    assert_ne!(burned, original, "the captions are drawn in");
    let info = probe_streams(&report.video).await;
    let subs = info["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["codec_type"] == "subtitle")
        .count();
    assert_eq!(subs, 1, "the soft captions stay too");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_jobs_are_refused_by_name_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let video = film(dir.path(), 4, true).await;
    let hello = speak(dir.path(), "hello", "Hello.").await;
    let good = MixJob {
        video: video.clone(),
        shots: vec![2.0, 2.0],
        lines: vec![line(
            0,
            TrackKind::Dialogue,
            Some("Ava"),
            "Hello.",
            Some(hello),
        )],
        music: None,
        gains: Gains::default(),
        burn_captions: false,
    };
    let out = dir.path().join("out");
    let problem = |r: Result<MixReport, MediaError>| match r {
        Err(MediaError::Mix(p)) => p,
        other => panic!("expected a mix problem, got {other:?}"),
    };

    let missing = dir.path().join("nowhere.mp4");
    let p = problem(
        mix(
            &MixJob {
                video: missing.clone(),
                ..good.clone()
            },
            &out,
        )
        .await,
    );
    assert_eq!(
        p,
        MixProblem::MissingInput {
            what: "the video".into(),
            path: missing.clone()
        }
    );
    assert!(p.to_string().contains("nowhere.mp4 does not exist"), "{p}");

    let mut job = good.clone();
    job.lines[0].audio = Some(missing.clone());
    let p = problem(mix(&job, &out).await);
    assert!(
        matches!(p, MixProblem::MissingInput { ref what, .. } if what == "line 0's audio"),
        "{p}"
    );

    let mut job = good.clone();
    job.music = Some(MixMusic {
        audio: missing.clone(),
        from_shot: 0,
        to_shot: 1,
        looped: true,
        fade_seconds: 1.0,
    });
    let p = problem(mix(&job, &out).await);
    assert!(
        matches!(p, MixProblem::MissingInput { ref what, .. } if what == "the music"),
        "{p}"
    );

    let p = problem(
        mix(
            &MixJob {
                shots: vec![],
                ..good.clone()
            },
            &out,
        )
        .await,
    );
    assert_eq!(p, MixProblem::NoShots);

    let mut job = good.clone();
    job.lines[0].shot = 2;
    let p = problem(mix(&job, &out).await);
    assert_eq!(
        p,
        MixProblem::LineOutOfRange {
            line: 0,
            shot: 2,
            shots: 2
        }
    );
    assert_eq!(
        p.to_string(),
        "line 0 is in shot 2, but the film has 2 shots"
    );

    let p = problem(
        mix(
            &MixJob {
                shots: vec![2.0, 2.5],
                ..good.clone()
            },
            &out,
        )
        .await,
    );
    assert!(
        matches!(p, MixProblem::DurationMismatch { shots, .. } if shots == 4.5),
        "{p}"
    );
    assert!(
        p.to_string()
            .starts_with("the shots add up to 4.500 s but the video is 4.000 s"),
        "{p}"
    );
    assert!(!out.exists(), "refused jobs wrote nothing");
    // Within 0.1 s is the same film.
    let ok = mix(
        &MixJob {
            shots: vec![2.0, 2.05],
            ..good.clone()
        },
        &dir.path().join("ok"),
    )
    .await;
    assert!(ok.is_ok(), "{ok:?}");

    // Cancelled half-way: no result, no scratch files.
    let task = TaskCtx::detached();
    task.cancel.cancel();
    let err = bounded(
        "cancelled mix",
        mix_film(&Ffmpeg::from_env(), &good, &out, &task),
    )
    .await;
    assert!(matches!(err, Err(MediaError::Cancelled)), "{err:?}");
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}
