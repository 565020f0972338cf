//! The sound pass on a 60 s, 10-shot film: the median time of `mix_film` (stems and mix,
//! two-pass loudness, captions, mux with the video copied), and for comparison the same pass
//! with captions burned in (the one choice that re-encodes the video).
//!
//! `cargo bench -p studio-media --bench sound` (no harness: a plain program, timed with
//! `Instant`). Needs ffmpeg and espeak-ng (scripts/setup.sh installs both). `SOUND_BENCH_RUNS`
//! sets the number of timed runs (default 5).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use studio_media::ffmpeg::StillClip;
use studio_media::sound::{mix_film, Gains, MixJob, MixLine, MixMusic, TrackKind};
use studio_media::{Ffmpeg, TaskCtx};

const SHOTS: usize = 10;
const SHOT_SECONDS: u32 = 6;

/// Runs a program to completion, or ends the bench with its error.
fn run(program: &str, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} could not start: {e}"));
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// Ten 6 s clips at 1280×720 with a tone each (the offline provider's own kind of clip),
/// stitched by stream copy as a render stitches them.
async fn film(ff: &Ffmpeg, dir: &Path, task: &TaskCtx) -> PathBuf {
    let image = dir.join("still.png");
    run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720",
            "-frames:v",
            "1",
            path(&image),
        ],
    );
    let mut clips = Vec::new();
    for i in 0..SHOTS {
        let clip = dir.join(format!("clip{i}.mp4"));
        let still = StillClip {
            image: &image,
            overlay: None,
            size: (1280, 720),
            seconds: SHOT_SECONDS,
            tone_hz: Some(220 + 40 * i as u32),
            comment: None,
        };
        ff.animate(&still, &clip, task).await.expect("a clip");
        clips.push(clip);
    }
    let out = dir.join("stitched.mp4");
    ff.stitch(&clips, &out, task).await.expect("stitched");
    out
}

fn main() {
    let runs: usize = std::env::var("SOUND_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let dir = dir.path();
    let ff = Ffmpeg::from_env();
    let task = TaskCtx::detached();
    let made = Instant::now();
    let video = rt.block_on(film(&ff, dir, &task));

    // Per shot: a voiced line of dialogue and one of narration; every third shot a native line.
    let mut lines = Vec::new();
    for shot in 0..SHOTS {
        let dialogue = dir.join(format!("dialogue{shot}.wav"));
        let words = format!("This is line {shot}, spoken over the picture.");
        run("espeak-ng", &["-w", path(&dialogue), &words]);
        lines.push(MixLine {
            shot,
            track: TrackKind::Dialogue,
            text: words,
            speaker: Some("Mara".into()),
            audio: Some(dialogue),
        });
        let narration = dir.join(format!("narration{shot}.wav"));
        let words = "And the narrator carries on.".to_owned();
        run("espeak-ng", &["-w", path(&narration), &words]);
        lines.push(MixLine {
            shot,
            track: TrackKind::Narration,
            text: words,
            speaker: None,
            audio: Some(narration),
        });
        if shot % 3 == 0 {
            lines.push(MixLine {
                shot,
                track: TrackKind::Dialogue,
                text: "Spoken in the clip.".into(),
                speaker: Some("Tom".into()),
                audio: None,
            });
        }
    }
    let music = dir.join("bed.wav");
    run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=0.15*sin(2*PI*220*t)+0.15*sin(2*PI*277*t)+0.1*sin(2*PI*330*t):s=48000:d=20",
            path(&music),
        ],
    );
    let job = MixJob {
        video,
        shots: vec![f64::from(SHOT_SECONDS); SHOTS],
        lines,
        music: Some(MixMusic {
            audio: music,
            from_shot: 0,
            to_shot: SHOTS - 1,
            looped: true,
            fade_seconds: 2.0,
        }),
        gains: Gains::default(),
        burn_captions: false,
    };
    println!(
        "inputs: {SHOTS} shots x {SHOT_SECONDS} s, {} lines, made in {:.1} s",
        job.lines.len(),
        made.elapsed().as_secs_f64()
    );

    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut last = None;
    for i in 0..runs {
        let out = dir.join(format!("mix{i}"));
        let start = Instant::now();
        let report = rt
            .block_on(mix_film(&ff, &job, &out, &task))
            .expect("the mix");
        times.push(start.elapsed());
        last = Some(report);
        let _ = std::fs::remove_dir_all(&out);
    }
    times.sort();
    let secs = |d: Duration| d.as_secs_f64();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    if let Some(r) = last {
        println!(
            "result: {:.1} LUFS, true peak {:.1} dBTP",
            r.loudness.integrated_lufs, r.loudness.true_peak_dbtp
        );
    }
    println!(
        "mix_film, video copied: median {:.2} s over {runs} runs (min {:.2}, max {:.2})",
        secs(median),
        times.first().map_or(0.0, |d| secs(*d)),
        times.last().map_or(0.0, |d| secs(*d)),
    );

    let burn = MixJob {
        burn_captions: true,
        ..job
    };
    let start = Instant::now();
    rt.block_on(mix_film(&ff, &burn, &dir.join("burned"), &task))
        .expect("the burned mix");
    println!(
        "mix_film, captions burned in (video re-encoded): {:.2} s, one run",
        secs(start.elapsed())
    );
}
