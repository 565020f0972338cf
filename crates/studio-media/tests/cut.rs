//! The cut on real files with real ffmpeg: trims, crossfades, dips to black and title cards
//! render to their lengths with the right picture at the joins (read back frame by frame), a
//! smart render copies the untouched GOPs packet for packet, every delivery preset has its
//! size and its crop window where the shot says, and bad cuts fail with typed errors leaving
//! nothing at the output.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use studio_core::{
    CutPlan, ExportPreset, Reframe, ReframeMode, ShotCut, TitleCut, TitleStyle, Transition,
    TransitionKind, Trim,
};
use studio_media::cut::{reframe, render_cut, CutJob, CutMode, CutProblem};
use studio_media::{Ffmpeg, MediaError, TaskCtx};

const W: u32 = 320;
const H: u32 = 180;

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The studio's own H.264 settings (ffmpeg.rs `H264`), with a keyframe every second: the
/// clips a smart render can join.
const OURS: &[&str] = &[
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-threads", "1",
    "-g", "24",
];

/// A 4 s, 24 fps clip whose frame `n` is flat grey of luma `lum` (an expression of `N`), with a
/// tone: a frame's mean luma tells which source frame it is.
fn ramp(dir: &Path, name: &str, lum: &str, hz: u32, encoder: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let video = format!("color=c=black:s={W}x{H}:r=24:d=4,geq=lum='{lum}':cb=128:cr=128");
    let audio = format!("sine=frequency={hz}:sample_rate=48000:duration=4");
    let mut args = vec!["-f", "lavfi", "-i", &video, "-f", "lavfi", "-i", &audio];
    args.extend(encoder);
    args.extend([
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ac",
        "2",
        "-movflags",
        "+faststart",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags",
        "+bitexact",
        "-f",
        "mp4",
    ]);
    args.push(path(&out));
    ffmpeg(&args);
    out
}

/// Clip A darkens from 200 by one step a frame, B brightens from 20, C stays at 150.
fn clips(dir: &Path) -> Vec<PathBuf> {
    vec![
        ramp(dir, "a.mp4", "200-N", 330, OURS),
        ramp(dir, "b.mp4", "20+N", 440, OURS),
        ramp(dir, "c.mp4", "150", 550, OURS),
    ]
}

/// Every frame of `film`'s picture, decoded and shrunk to 32x18 grey: its mean luma.
fn lumas(film: &Path) -> Vec<f64> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i", path(film)])
        .args(["-vf", "scale=32:18,format=gray", "-f", "rawvideo", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks(32 * 18)
        .map(|f| f.iter().map(|&b| f64::from(b)).sum::<f64>() / f.len() as f64)
        // Grey is full range: back to the video's luma (16-235), which the clips are made in.
        .map(|full| 16.0 + full * 219.0 / 255.0)
        .collect()
}

/// ffprobe's `entries` of `film`'s stream `stream`, one line per stream/packet.
fn probe(film: &Path, stream: &str, entries: &str) -> Vec<String> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            stream,
            "-show_data_hash",
            "MD5",
        ])
        .args(["-show_entries", entries, "-of", "csv=p=0", path(film)])
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_end_matches(',').to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn seconds(film: &Path, stream: &str) -> f64 {
    probe(film, stream, "stream=duration")
        .first()
        .and_then(|d| d.parse().ok())
        .unwrap_or(f64::NAN)
}

fn plan(shots: Vec<ShotCut>) -> CutPlan {
    CutPlan {
        shots,
        titles: vec![],
    }
}

fn into(kind: TransitionKind, seconds: f64) -> ShotCut {
    ShotCut {
        transition: Some(Transition { kind, seconds }),
        ..Default::default()
    }
}

fn trimmed(start: f64, end: f64) -> ShotCut {
    ShotCut {
        trim: Some(Trim { start, end }),
        ..Default::default()
    }
}

async fn cut(job: &CutJob, dir: &Path, name: &str) -> (PathBuf, studio_media::cut::CutReport) {
    let out = dir.join(name);
    let report = render_cut(&Ffmpeg::from_env(), job, dir, &out, &TaskCtx::detached())
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    (out, report)
}

fn near(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: {got:.2}, expected {want:.2} ± {tolerance}"
    );
}

#[tokio::test]
async fn a_crossfade_blends_the_shots_over_its_length() {
    let dir = tempfile::tempdir().unwrap();
    let clips = clips(dir.path());
    let job = CutJob {
        clips: clips[..2].to_vec(),
        plan: plan(vec![
            ShotCut::default(),
            into(TransitionKind::Crossfade, 1.0),
        ]),
        size: None,
    };
    let (film, report) = cut(&job, dir.path(), "film.mp4").await;
    assert_eq!(report.mode, CutMode::Smart, "{report:?}");
    near(report.duration, 7.0, 1e-9, "reported length");
    near(seconds(&film, "v:0"), 7.0, 0.01, "video length");
    near(seconds(&film, "a:0"), 7.0, 0.03, "audio length");
    let l = lumas(&film);
    assert_eq!(l.len(), 168);
    // Before the blend: A's own frames (200 - n); after it: B's (20 + n).
    near(l[60], 140.0, 3.0, "A before the crossfade");
    near(l[71], 129.0, 3.0, "A's last frame before the crossfade");
    near(l[120], 20.0 + 48.0, 3.0, "B after the crossfade");
    // Halfway through (film frame 84 = A's 84, B's 12): between the two, near their mean.
    let (a, b) = (200.0 - 84.0, 20.0 + 12.0);
    near(l[84], (a + b) / 2.0, 8.0, "mid-crossfade");
    // The blend moves from A to B.
    assert!(l[74] > l[84] && l[84] > l[94], "{:?}", &l[70..98]);
}

/// Three crossfades: their pieces are encoded in batches (one ffmpeg run encoding several
/// pieces) and the copied GOPs between them read from the middle of the clips.
#[tokio::test]
async fn many_joins_each_blend_their_own_shots() {
    let dir = tempfile::tempdir().unwrap();
    let c = clips(dir.path());
    let fade = || into(TransitionKind::Crossfade, 1.0);
    let job = CutJob {
        clips: vec![c[0].clone(), c[1].clone(), c[2].clone(), c[0].clone()],
        plan: plan(vec![ShotCut::default(), fade(), fade(), fade()]),
        size: None,
    };
    let (film, report) = cut(&job, dir.path(), "film.mp4").await;
    assert_eq!(report.mode, CutMode::Smart, "{report:?}");
    // At least the three seconds blended are encoded (more where x264 put no keyframe on a
    // join); the rest is copied.
    assert!(report.reencoded_frames >= 3 * 24, "{report:?}");
    assert_eq!(report.reencoded_frames + report.copied_packets, 312);
    near(seconds(&film, "v:0"), 13.0, 0.01, "video length");
    near(seconds(&film, "a:0"), 13.0, 0.03, "audio length");
    let l = lumas(&film);
    assert_eq!(l.len(), 312);
    // Copied stretches: A (200 - n), B (20 + n), C (150), A again; then each crossfade's
    // middle, the mean of its two shots there.
    let copied = [(60, 140.0), (120, 68.0), (190, 150.0), (250, 166.0)];
    for (f, want) in copied {
        near(l[f], want, 3.0, &format!("frame {f}"));
    }
    for (f, want) in [(84, 74.0), (156, 127.0), (228, 169.0)] {
        near(l[f], want, 8.0, &format!("crossfade at frame {f}"));
    }
}

#[tokio::test]
async fn a_dip_to_black_is_black_at_its_middle() {
    let dir = tempfile::tempdir().unwrap();
    let clips = clips(dir.path());
    let job = CutJob {
        clips: vec![clips[2].clone(), clips[2].clone()],
        plan: plan(vec![
            ShotCut::default(),
            into(TransitionKind::DipToBlack, 1.0),
        ]),
        size: None,
    };
    let (film, report) = cut(&job, dir.path(), "film.mp4").await;
    assert_eq!(report.mode, CutMode::Smart);
    near(seconds(&film, "v:0"), 7.0, 0.01, "video length");
    near(seconds(&film, "a:0"), 7.0, 0.03, "audio length");
    let l = lumas(&film);
    assert_eq!(l.len(), 168);
    near(l[60], 150.0, 3.0, "before the dip");
    near(l[84], 16.0, 4.0, "the dip's middle is black");
    near(l[110], 150.0, 3.0, "after the dip");
}

#[tokio::test]
async fn trims_play_the_frames_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let clips = clips(dir.path());
    // A from 0.5 s (frame 12, no keyframe) to 3.25 s; B from 1 s (a keyframe) to 2.5 s.
    let job = CutJob {
        clips: clips[..2].to_vec(),
        plan: plan(vec![trimmed(0.5, 3.25), trimmed(1.0, 2.5)]),
        size: None,
    };
    let (film, report) = cut(&job, dir.path(), "film.mp4").await;
    assert_eq!(report.mode, CutMode::Smart);
    near(report.duration, 4.25, 1e-9, "reported length");
    near(seconds(&film, "v:0"), 4.25, 0.01, "video length");
    near(seconds(&film, "a:0"), 4.25, 0.03, "audio length");
    let l = lumas(&film);
    assert_eq!(l.len(), 102);
    near(l[0], 200.0 - 12.0, 2.5, "the first frame is A's frame 12");
    near(l[65], 200.0 - 77.0, 2.5, "A's last frame is its frame 77");
    near(l[66], 20.0 + 24.0, 2.5, "B starts at its frame 24");
    near(l[101], 20.0 + 59.0, 2.5, "B's last frame is its frame 59");
    assert_eq!(report.spans.len(), 2);
    near(report.spans[1].start, 2.75, 1e-9, "B's span");
}

#[tokio::test]
async fn untouched_gops_are_the_clips_own_packets() {
    let dir = tempfile::tempdir().unwrap();
    let clips = clips(dir.path());
    let job = CutJob {
        clips: clips[..2].to_vec(),
        plan: plan(vec![
            ShotCut::default(),
            into(TransitionKind::Crossfade, 1.0),
        ]),
        size: None,
    };
    let (film, report) = cut(&job, dir.path(), "film.mp4").await;
    // Copied: A up to its last keyframe before the crossfade (at 3 s, frame 72), B from its
    // first keyframe after it (frame 24). x264 places them itself (about every 24 frames).
    let keys = |f: &Path| -> Vec<usize> {
        let mut pts: Vec<(i64, bool)> = probe(f, "v:0", "packet=pts,flags")
            .iter()
            .filter_map(|l| l.split_once(','))
            .map(|(p, flags)| (p.parse().unwrap(), flags.contains('K')))
            .collect();
        pts.sort();
        pts.iter()
            .enumerate()
            .filter(|(_, k)| k.1)
            .map(|(i, _)| i)
            .collect()
    };
    let a_end = keys(&clips[0])
        .into_iter()
        .filter(|&k| k <= 72)
        .max()
        .unwrap();
    let b_start = keys(&clips[1]).into_iter().find(|&k| k >= 24).unwrap();
    assert!(
        a_end > 24 && b_start < 72,
        "keyframes at {a_end} and {b_start}"
    );
    let (copied_a, copied_b) = (a_end, 96 - b_start);
    assert_eq!(
        report.copied_packets,
        (copied_a + copied_b) as u64,
        "{report:?}"
    );
    assert_eq!(
        report.reencoded_frames,
        168 - report.copied_packets,
        "{report:?}"
    );
    let packets = |f: &Path| probe(f, "v:0", "packet=data_hash");
    let (a, b, out) = (packets(&clips[0]), packets(&clips[1]), packets(&film));
    assert_eq!(out.len(), 168);
    assert_eq!(out[..copied_a], a[..copied_a], "A's untouched GOPs");
    assert_eq!(out[168 - copied_b..], b[b_start..], "B's untouched GOPs");
    assert_ne!(
        out[copied_a..copied_a + 8],
        a[copied_a..copied_a + 8],
        "the blend is new"
    );
    // Picture and sound start as in the clips (not shifted by the sound's AAC priming).
    let starts = [("v:0", "stream=start_time"), ("a:0", "stream=start_time")];
    for (stream, entries) in starts.into_iter().chain([("v:0", "packet=pts")]) {
        let first = |f: &Path| probe(f, stream, entries).into_iter().next();
        assert_eq!(first(&film), first(&clips[0]), "{stream} {entries}");
    }
    // And the joined stream decodes without a complaint.
    let decode = Command::new("ffmpeg")
        .args(["-v", "error", "-i", path(&film), "-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        decode.status.success() && decode.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&decode.stderr)
    );
    // The same cut twice is the same file.
    let (again, _) = cut(&job, dir.path(), "again.mp4").await;
    assert_eq!(
        std::fs::read(&film).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[tokio::test]
async fn title_cards_and_credits_show_their_text_between_the_shots() {
    let dir = tempfile::tempdir().unwrap();
    let clips = clips(dir.path());
    let title = |before, text: &str, credits| TitleCut {
        before,
        text: text.into(),
        seconds: 2.0,
        style: TitleStyle::Bold,
        credits,
    };
    let job = CutJob {
        clips: vec![clips[2].clone(), clips[2].clone()],
        plan: CutPlan {
            shots: vec![ShotCut::default(), into(TransitionKind::Crossfade, 1.0)],
            titles: vec![
                title(Some(0), "THE CUT", false),
                title(None, "Starring\nMara\nTom", true),
            ],
        },
        size: None,
    };
    let (film, report) = cut(&job, dir.path(), "film.mp4").await;
    assert_eq!(report.mode, CutMode::Smart, "{report:?}");
    // 2 + 4 + 4 - 1 + 2
    near(seconds(&film, "v:0"), 11.0, 0.01, "video length");
    near(seconds(&film, "a:0"), 11.0, 0.03, "audio length");
    near(
        report.spans[0].start,
        2.0,
        1e-9,
        "the first shot after the title",
    );
    let l = lumas(&film);
    assert_eq!(l.len(), 264);
    for (frame, what) in [(24, "title"), (250, "credits")] {
        // Mostly black, with white text: darker than the shots, brighter than black.
        assert!(l[frame] > 17.0 && l[frame] < 80.0, "{what}: {}", l[frame]);
    }
    near(l[100], 150.0, 3.0, "a shot");
    // The text's pixels are white.
    let frame = dir.path().join("title.pgm");
    ffmpeg(&[
        "-i",
        path(&film),
        "-vf",
        "select=eq(n\\,24),format=gray",
        "-frames:v",
        "1",
        path(&frame),
    ]);
    let pgm = std::fs::read(&frame).unwrap();
    let white = pgm
        .iter()
        .rev()
        .take((W * H) as usize)
        .filter(|&&b| b > 200)
        .count();
    assert!(white > 200, "{white} white pixels on the title card");
}

#[tokio::test]
async fn clips_of_another_encoder_are_cut_whole_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let a = ramp(
        dir.path(),
        "other.mp4",
        "200-N",
        330,
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "24",
        ],
    );
    let job = CutJob {
        clips: vec![a.clone(), a],
        plan: plan(vec![
            ShotCut::default(),
            into(TransitionKind::Crossfade, 1.0),
        ]),
        size: None,
    };
    let (film, report) = cut(&job, dir.path(), "film.mp4").await;
    assert_eq!(report.mode, CutMode::Full);
    assert!(report.full_because.is_some(), "{report:?}");
    assert_eq!(report.copied_packets, 0);
    assert_eq!(lumas(&film).len(), 168);
}

#[tokio::test]
async fn bad_cuts_fail_typed_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clips = clips(dir.path());
    let out = dir.path().join("film.mp4");
    let ff = Ffmpeg::from_env();
    let fail = |job: CutJob| {
        let (ff, out, dir) = (ff.clone(), out.clone(), dir.path().to_owned());
        async move {
            let e = render_cut(&ff, &job, &dir, &out, &TaskCtx::detached())
                .await
                .expect_err("a bad cut");
            assert!(!out.exists(), "{e}: something was left at the output");
            match e {
                MediaError::Cut(p) => p,
                other => panic!("not a cut problem: {other}"),
            }
        }
    };
    let p = fail(CutJob {
        clips: clips[..2].to_vec(),
        plan: plan(vec![ShotCut::default(), trimmed(1.0, 5.5)]),
        size: None,
    })
    .await;
    assert_eq!(
        p,
        CutProblem::TrimOutOfRange {
            shot: 1,
            start: 1.0,
            end: 5.5,
            clip_seconds: 4.0
        }
    );
    let p = fail(CutJob {
        clips: clips[..2].to_vec(),
        plan: plan(vec![
            trimmed(0.0, 1.0),
            into(TransitionKind::Crossfade, 1.5),
        ]),
        size: None,
    })
    .await;
    assert!(
        matches!(
            p,
            CutProblem::TransitionLongerThanShot {
                shot: 1,
                neighbour: 0,
                ..
            }
        ),
        "{p:?}"
    );
    let missing = dir.path().join("gone.mp4");
    let p = fail(CutJob {
        clips: vec![clips[0].clone(), missing.clone()],
        plan: plan(vec![ShotCut::default(), ShotCut::default()]),
        size: None,
    })
    .await;
    assert_eq!(
        p,
        CutProblem::MissingClip {
            shot: 1,
            path: missing
        }
    );
}

#[tokio::test]
async fn a_cancelled_cut_kills_ffmpeg_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clips = clips(dir.path());
    let out = dir.path().join("film.mp4");
    // At 1080p every frame redrawn: long enough to cancel midway.
    let job = CutJob {
        clips: vec![clips[0].clone(), clips[1].clone(), clips[0].clone()],
        plan: plan(vec![
            ShotCut::default(),
            ShotCut::default(),
            ShotCut::default(),
        ]),
        size: Some((1920, 1080)),
    };
    let task = TaskCtx::detached();
    let mut progress = task.subscribe();
    let cancel = task.cancel.clone();
    let watcher = tokio::spawn(async move {
        while progress.changed().await.is_ok() {
            if progress.borrow().fraction > 0.1 {
                cancel.cancel();
                return true;
            }
        }
        false
    });
    let result = tokio::time::timeout(
        Duration::from_secs(120),
        render_cut(&Ffmpeg::from_env(), &job, dir.path(), &out, &task),
    )
    .await
    .expect("the cut ends");
    assert!(watcher.await.unwrap(), "progress was reported");
    assert!(matches!(result, Err(MediaError::Cancelled)), "{result:?}");
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cut-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A 16:9 clip, white on its left half, black on its right.
fn halves(dir: &Path) -> PathBuf {
    let out = dir.join("halves.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!(
            "color=c=black:s={W}x{H}:r=24:d=1,drawbox=x=0:y=0:w={}:h={H}:color=white:t=fill",
            W / 2
        ),
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=1",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "20",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-ac",
        "2",
        "-f",
        "mp4",
        path(&out),
    ]);
    out
}

fn size(film: &Path) -> (u32, u32) {
    let s = probe(film, "v:0", "stream=width,height");
    let mut it = s.first().map(String::as_str).unwrap_or("").split(',');
    let mut n = || it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    (n(), n())
}

async fn reframed(film: &Path, r: Option<Reframe>, preset: ExportPreset, out: &Path) {
    let plan = CutPlan {
        shots: vec![ShotCut {
            reframe: r,
            ..Default::default()
        }],
        titles: vec![],
    };
    let spans = plan.spans(&[1.0]);
    reframe(
        &Ffmpeg::from_env(),
        film,
        &plan,
        &spans,
        preset,
        out,
        &TaskCtx::detached(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", preset.name()));
}

#[tokio::test]
async fn every_preset_has_its_size_and_the_crop_window_moves() {
    let dir = tempfile::tempdir().unwrap();
    let film = halves(dir.path());
    for preset in ExportPreset::ALL {
        let out = dir.path().join(format!("{}.mp4", preset.name()));
        reframed(&film, None, preset, &out).await;
        assert_eq!(size(&out), preset.size(), "{}", preset.name());
        near(
            seconds(&out, "a:0"),
            seconds(&film, "a:0"),
            0.001,
            "audio copied",
        );
        if preset == ExportPreset::Youtube {
            // The same shape: scaled only, both halves still there.
            let l = lumas(&out);
            assert!(l[0] > 100.0 && l[0] < 160.0, "{}", l[0]);
        }
    }
    // A vertical window at the left edge sees white; at the right edge, black.
    let crop = |x| Reframe {
        mode: ReframeMode::Crop,
        x,
        y: 0.0,
    };
    let (left, right) = (dir.path().join("left.mp4"), dir.path().join("right.mp4"));
    reframed(&film, Some(crop(-1.0)), ExportPreset::Shorts, &left).await;
    reframed(&film, Some(crop(1.0)), ExportPreset::Shorts, &right).await;
    assert!(lumas(&left)[0] > 200.0, "left: {}", lumas(&left)[0]);
    assert!(lumas(&right)[0] < 30.0, "right: {}", lumas(&right)[0]);
    // Fit: the whole picture in the middle band, a blurred fill (not black) above it.
    let fit = dir.path().join("fit.mp4");
    let mode = Reframe {
        mode: ReframeMode::Fit,
        x: 0.0,
        y: 0.0,
    };
    reframed(&film, Some(mode), ExportPreset::Shorts, &fit).await;
    let top = dir.path().join("top.pgm");
    ffmpeg(&[
        "-i",
        path(&fit),
        "-vf",
        "crop=iw:ih/5:0:0,scale=32:32,format=gray",
        "-frames:v",
        "1",
        path(&top),
    ]);
    let pgm = std::fs::read(&top).unwrap();
    let mean = pgm
        .iter()
        .rev()
        .take(32 * 32)
        .map(|&b| f64::from(b))
        .sum::<f64>()
        / 1024.0;
    assert!(
        mean > 40.0 && mean < 220.0,
        "the fill above the picture: {mean}"
    );
}
