//! Real ffmpeg: offline clips are real, moving, deterministic H.264; stitching picks stream copy
//! only when it is safe; cancellation kills the child and leaves no file.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::offline::OfflineProvider;
use studio_media::{Angle, ClipRequest, Ffmpeg, ImageRequest, MediaProvider, StitchMode, TaskCtx};

async fn character(dir: &Path, aspect: AspectRatio) -> PathBuf {
    let out = dir.join(format!("char-{aspect:?}.png"));
    OfflineProvider::new(Ffmpeg::from_env())
        .character_image(
            &ImageRequest {
                name: "Ava".into(),
                prompt: "a pilot in a red jacket".into(),
                angle: Angle::Front,
                aspect_ratio: aspect,
                references: vec![],
                model: None,
            },
            &out,
            &TaskCtx::detached(),
        )
        .await
        .unwrap();
    out
}

fn clip_req(image: PathBuf, prompt: &str, secs: u32, aspect: AspectRatio) -> ClipRequest {
    ClipRequest {
        prompt: prompt.into(),
        negative_prompt: None,
        duration: ClipSeconds::try_from(secs).unwrap(),
        aspect_ratio: aspect,
        quality: Quality::Standard,
        image,
        references: vec![],
        model: None,
        variant: 0,
        last_frame: None,
    }
}

async fn frame_hashes(ff: &Ffmpeg, clip: &Path) -> Vec<String> {
    let out = tokio::process::Command::new(&ff.ffmpeg)
        .args(["-v", "error", "-i"])
        .arg(clip)
        .args([
            "-an",
            "-vf",
            "select='eq(n\\,0)+eq(n\\,90)'",
            "-vsync",
            "0",
            "-f",
            "framemd5",
            "-",
        ])
        .output()
        .await
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit(',').next().map(|s| s.trim().to_owned()))
        .collect()
}

#[tokio::test]
async fn offline_clips_are_deterministic_moving_h264() {
    let dir = tempfile::tempdir().unwrap();
    let ff = Ffmpeg::from_env();
    let provider = OfflineProvider::new(ff.clone());
    let image = character(dir.path(), AspectRatio::Landscape).await;
    let a = dir.path().join("a.mp4");
    let b = dir.path().join("b.mp4");
    let req = clip_req(
        image,
        "she climbs into the cockpit",
        4,
        AspectRatio::Landscape,
    );
    let task = TaskCtx::detached();
    provider.video_clip(&req, &a, &task).await.unwrap();
    provider.video_clip(&req, &b, &task).await.unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    let info = ff.probe(&a).await.unwrap();
    let v = info.video.unwrap();
    assert_eq!((v.codec.as_str(), v.pix_fmt.as_str()), ("h264", "yuv420p"));
    assert_eq!((v.width, v.height), (1280, 720));
    assert!((info.duration - 4.0).abs() < 0.05, "{}", info.duration);
    let frames = frame_hashes(&ff, &a).await;
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_ne!(frames[0], frames[1], "the clip must move");
    assert_eq!(task.subscribe().borrow().fraction, 1.0);
    // No leftover first-frame image next to the output.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[tokio::test]
async fn stitch_copies_uniform_clips_and_reencodes_mixed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let ff = Ffmpeg::from_env();
    let provider = OfflineProvider::new(ff.clone());
    let task = TaskCtx::detached();
    let land = character(dir.path(), AspectRatio::Landscape).await;
    let port = character(dir.path(), AspectRatio::Portrait).await;
    let mut clips = Vec::new();
    for (i, (img, aspect)) in [
        (&land, AspectRatio::Landscape),
        (&land, AspectRatio::Landscape),
        (&port, AspectRatio::Portrait),
    ]
    .into_iter()
    .enumerate()
    {
        let out = dir.path().join(format!("c{i}.mp4"));
        provider
            .video_clip(
                &clip_req(img.clone(), &format!("shot {i}"), 4, aspect),
                &out,
                &task,
            )
            .await
            .unwrap();
        clips.push(out);
    }
    let copy = dir.path().join("copy.mp4");
    assert_eq!(
        ff.stitch(&clips[..2], &copy, &task).await.unwrap(),
        StitchMode::StreamCopy
    );
    assert!((ff.probe(&copy).await.unwrap().duration - 8.0).abs() < 0.1);

    let mixed = dir.path().join("mixed.mp4");
    assert_eq!(
        ff.stitch(&clips, &mixed, &task).await.unwrap(),
        StitchMode::Reencode
    );
    let info = ff.probe(&mixed).await.unwrap();
    assert!((info.duration - 12.0).abs() < 0.1, "{}", info.duration);
    assert_eq!(info.video.unwrap().width, 1280);
}

/// The processes whose command line has an argument containing `needle` (Linux: `/proc`).
fn pids_with_arg(needle: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| has_arg(*pid, needle))
        .collect()
}

fn has_arg(pid: u32, needle: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
        c.split(|b| *b == 0)
            .any(|a| String::from_utf8_lossy(a).contains(needle))
    })
}

/// Whether `pid` is still the ffmpeg that wrote `needle`: running, or dead but not reaped (a
/// zombie has no command line left, so its state says it). A vanished PID, or one reused by
/// another program, is gone.
fn still_there(pid: u32, needle: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) STATE ...`: the state follows the last ')'.
    let zombie = stat
        .rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
    zombie || has_arg(pid, needle)
}

/// Polls `check` every 20 ms until it holds or `limit` passes.
async fn within(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn cancel_kills_ffmpeg_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let ff = Ffmpeg::from_env();
    let image = character(dir.path(), AspectRatio::Landscape).await;
    let task = TaskCtx::detached();
    // The output path is unique to this test: it finds the ffmpeg that writes it.
    let out = dir.path().join("big.mp4");
    let needle = out.display().to_string();
    let render = {
        let (ff, task, out) = (ff.clone(), task.clone(), out.clone());
        // A 4K pan of a long still runs for many seconds unless killed.
        tokio::spawn(async move {
            ff.animate_still(&image, None, (3840, 2160), 60, &out, &task)
                .await
        })
    };
    let mut pids = Vec::new();
    assert!(
        within(Duration::from_secs(10), || {
            pids = pids_with_arg(&needle);
            !pids.is_empty()
        })
        .await,
        "ffmpeg never started"
    );
    assert_eq!(pids.len(), 1, "{pids:?}");
    let pid = pids[0];

    let started = Instant::now();
    task.cancel.cancel();
    let err = tokio::time::timeout(Duration::from_secs(5), render)
        .await
        .expect("the render returns once cancelled")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, studio_media::MediaError::Cancelled), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The process itself is gone (killed and reaped), not merely abandoned.
    assert!(
        within(Duration::from_secs(2), || !still_there(pid, &needle)).await,
        "ffmpeg {pid} still runs after the cancellation returned"
    );
    assert!(!out.exists(), "a cancelled render leaves no file");
}

#[tokio::test]
async fn ffmpeg_failures_keep_stderr_for_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("not-a-video.mp4");
    std::fs::write(&bogus, b"garbage").unwrap();
    let ff = Ffmpeg::from_env();
    let err = ff
        .upscale(
            &bogus,
            (3840, 2160),
            &dir.path().join("o.mp4"),
            &TaskCtx::detached(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ffprobe"), "{err}");
}
