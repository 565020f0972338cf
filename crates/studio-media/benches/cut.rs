//! The cut's smart render on the film: a 60 s, 10-shot film with nine 1 s crossfades
//! (ten 7 s clips at 1280x720, 24 fps, with a tone each; the crossfades overlap their shots, so
//! the first shot starts 1 s into its clip, on a keyframe, to make the film 60 s): the median
//! time of `render_cut` (untouched GOPs copied, only the frames around each join encoded)
//! against `render_cut_full` (the same cut, every frame decoded and encoded).
//! docs/performance.md, "The cut: smart render".
//!
//! `cargo bench -p studio-media --bench cut` (no harness: a plain program, timed with
//! `Instant`). Needs only ffmpeg. `CUT_BENCH_RUNS` sets the number of timed runs of each
//! (default 3, smart and full alternating); `CUT_BENCH_GOP` the clips' keyframe interval in
//! frames (default 24, one a second, x264 placing each at most that far apart);
//! `CUT_BENCH_CLIP_SECONDS` the clips' length (default 7; with 6, as before 2026-12-08, no shot is
//! trimmed and the film is 51 s); `CUT_BENCH_ONLY=smart` (or `full`) times only that one, to
//! profile it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use studio_core::{CutPlan, ShotCut, Transition, TransitionKind, Trim};
use studio_media::cut::{render_cut, render_cut_full, CutJob, CutReport};
use studio_media::{Ffmpeg, TaskCtx};

const SHOTS: usize = 10;
/// The film the issue names.
const FILM_SECONDS: f64 = 60.0;
const CROSSFADE: f64 = 1.0;

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// A moving 6 s clip with a tone, encoded as the studio encodes (ffmpeg.rs `H264`: x264
/// veryfast, CRF 20, yuv420p, one thread) with a keyframe at least every `gop` frames.
fn clip(dir: &Path, i: usize, gop: &str, seconds: u32) -> PathBuf {
    let out = dir.join(format!("clip{i}.mp4"));
    let video = format!(
        "testsrc2=size=1280x720:rate=24:duration={seconds},hue=h={}",
        i * 36
    );
    let audio = format!(
        "sine=frequency={}:sample_rate=48000:duration={seconds}",
        220 + 40 * i
    );
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v", "error", "-y", "-f", "lavfi", "-i", &video, "-f", "lavfi", "-i", &audio,
        ])
        .args([
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
        ])
        .args([
            "-threads", "1", "-g", gop, "-c:a", "aac", "-b:a", "128k", "-ac", "2",
        ])
        .args([
            "-movflags",
            "+faststart",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
        ])
        .args(["-flags", "+bitexact", "-f", "mp4", path(&out)])
        .status()
        .expect("ffmpeg could not start");
    assert!(status.success(), "clip {i}");
    out
}

/// Times one render, pushing its time onto `times`.
fn time(times: &mut Vec<Duration>, render: impl FnOnce() -> CutReport) -> CutReport {
    let start = Instant::now();
    let report = render();
    times.push(start.elapsed());
    report
}

fn median(times: &[Duration]) -> f64 {
    times
        .get(times.len() / 2)
        .map_or(0.0, Duration::as_secs_f64)
}

fn main() {
    let runs: usize = std::env::var("CUT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let gop = std::env::var("CUT_BENCH_GOP").unwrap_or_else(|_| "24".into());
    let seconds: u32 = std::env::var("CUT_BENCH_CLIP_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7)
        .max(3);
    // What the clips give beyond the film once the crossfades overlap them comes off the first
    // shot's start (whole seconds: on a keyframe).
    let spare = f64::from(seconds) * SHOTS as f64 - (SHOTS - 1) as f64 * CROSSFADE - FILM_SECONDS;
    let trim_in = spare.clamp(0.0, f64::from(seconds) - 2.0).floor();
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let dir = dir.path();
    let ff = Ffmpeg::from_env();
    let task = TaskCtx::detached();
    let made = Instant::now();
    let clips: Vec<PathBuf> = (0..SHOTS).map(|i| clip(dir, i, &gop, seconds)).collect();
    let shots = (0..SHOTS)
        .map(|i| ShotCut {
            trim: (i == 0 && trim_in > 0.0).then_some(Trim {
                start: trim_in,
                end: f64::from(seconds),
            }),
            transition: (i > 0).then_some(Transition {
                kind: TransitionKind::Crossfade,
                seconds: CROSSFADE,
            }),
            ..Default::default()
        })
        .collect();
    let job = CutJob {
        clips,
        plan: CutPlan {
            shots,
            titles: vec![],
        },
        size: None,
    };
    println!(
        "inputs: {SHOTS} clips x {seconds} s, 1280x720, keyframes at most {gop} frames \
         apart, {} crossfades of {CROSSFADE} s, the first shot from {trim_in} s; made in {:.1} s",
        SHOTS - 1,
        made.elapsed().as_secs_f64()
    );

    let out = |name: String| dir.join(name);
    let only = std::env::var("CUT_BENCH_ONLY").unwrap_or_default();
    let runs_of = |which: &str| match only.is_empty() || only == which {
        true => runs,
        false => 0,
    };
    // Smart and full runs alternate, so a change in the machine's load falls on both.
    let (mut smart, mut full, mut s, mut f) = (Vec::new(), Vec::new(), None, None);
    for i in 0..runs {
        if runs_of("smart") > 0 {
            let film = out(format!("smart{i}.mp4"));
            s = Some(time(&mut smart, || {
                rt.block_on(render_cut(&ff, &job, dir, &film, &task))
                    .expect("the smart render")
            }));
        }
        if runs_of("full") > 0 {
            let film = out(format!("full{i}.mp4"));
            f = Some(time(&mut full, || {
                rt.block_on(render_cut_full(&ff, &job, dir, &film, &task))
                    .expect("the full render")
            }));
        }
    }
    smart.sort();
    full.sort();
    if let Some(s) = s {
        println!(
            "smart: median {:.2} s over {} runs (min {:.2}, max {:.2}); {:?}, {:.2} s film, \
             {} packets copied, {} frames encoded",
            median(&smart),
            smart.len(),
            smart.first().map_or(0.0, Duration::as_secs_f64),
            smart.last().map_or(0.0, Duration::as_secs_f64),
            s.mode,
            s.duration,
            s.copied_packets,
            s.reencoded_frames
        );
    }
    if let Some(f) = f {
        println!(
            "full:  median {:.2} s over {} runs (min {:.2}, max {:.2}); {:?}, {:.2} s film, \
             {} frames encoded",
            median(&full),
            full.len(),
            full.first().map_or(0.0, Duration::as_secs_f64),
            full.last().map_or(0.0, Duration::as_secs_f64),
            f.mode,
            f.duration,
            f.reencoded_frames
        );
    }
    if !smart.is_empty() && !full.is_empty() {
        println!(
            "smart / full = {:.1} % (target <= 25 %)",
            100.0 * median(&smart) / median(&full).max(1e-9)
        );
    }
}
