//! Every ffmpeg and ffprobe input is a local file, whatever its name: a file literally named
//! `http:x.mp4`, `concat:a|b.mp4` or `-dash.mp4` is probed, joined, upscaled and framed as that
//! file, and a concat list cannot reach past the file protocol.
//!
//! ffmpeg reads a bare name as a protocol (`http:`) or an option (`-…`) only when it has no
//! directory part, so this test works in a directory of its own as its current directory: it is
//! the only test of this file, which runs as a process of its own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::offline::OfflineProvider;
use studio_media::{ClipRequest, Ffmpeg, MediaError, MediaProvider, StitchMode, TaskCtx};

/// Names ffmpeg would read as something other than a local file.
const NAMES: [&str; 3] = ["http:x.mp4", "concat:a|b.mp4", "-dash.mp4"];

async fn clip(dir: &Path) -> PathBuf {
    let ff = Ffmpeg::from_env();
    let still = dir.join("still.png");
    image::RgbImage::from_fn(320, 180, |x, y| image::Rgb([x as u8, y as u8, 90]))
        .save(&still)
        .unwrap();
    let out = dir.join("source.mp4");
    OfflineProvider::new(ff)
        .video_clip(
            &ClipRequest {
                prompt: "a plane on the runway".into(),
                negative_prompt: None,
                duration: ClipSeconds::try_from(4).unwrap(),
                aspect_ratio: AspectRatio::Landscape,
                quality: Quality::Standard,
                image: still,
                references: vec![],
                model: None,
                variant: 0,
                last_frame: None,
            },
            &out,
            &TaskCtx::detached(),
        )
        .await
        .unwrap();
    out
}

#[tokio::test]
async fn inputs_named_like_protocols_or_options_are_local_files() {
    let dir = tempfile::tempdir().unwrap();
    let source = clip(dir.path()).await;
    for name in NAMES {
        std::fs::copy(&source, dir.path().join(name)).unwrap();
    }
    // Bare names from here on: this directory is the current one.
    std::env::set_current_dir(dir.path()).unwrap();
    let ff = Ffmpeg::from_env();
    let task = TaskCtx::detached();

    for name in NAMES {
        let info = ff.probe(Path::new(name)).await.unwrap_or_else(|e| {
            panic!("{name}: {e}");
        });
        assert!((info.duration - 4.0).abs() < 0.1, "{name}: {info:?}");
    }

    // Joined through the concat demuxer (a list naming each file) ...
    let clips: Vec<PathBuf> = NAMES.iter().map(PathBuf::from).collect();
    let joined = dir.path().join("joined.mp4");
    let mode = ff.stitch(&clips, &joined, &task).await.unwrap();
    assert_eq!(mode, StitchMode::StreamCopy);
    let info = ff.probe(&joined).await.unwrap();
    assert!((info.duration - 12.0).abs() < 0.15, "{info:?}");
    // ... and through the concat filter (one input each).
    let probes = [
        ff.probe(&clips[0]).await.unwrap(),
        ff.probe(&clips[1]).await.unwrap(),
    ];
    let reencoded = dir.path().join("reencoded.mp4");
    ff.concat_reencode(
        &clips[..2],
        &probes,
        std::time::Duration::from_secs(8),
        &reencoded,
        &task,
    )
    .await
    .unwrap();
    assert!((ff.probe(&reencoded).await.unwrap().duration - 8.0).abs() < 0.15);

    let frame = dir.path().join("last.png");
    ff.last_frame(Path::new("-dash.mp4"), &frame, &task)
        .await
        .unwrap();
    assert_eq!(image::image_dimensions(&frame).unwrap(), (1280, 720));

    let big = dir.path().join("big.mp4");
    ff.upscale(Path::new("concat:a|b.mp4"), (1920, 1080), &big, &task)
        .await
        .unwrap();
    let v = ff.probe(&big).await.unwrap().video.unwrap();
    assert_eq!((v.width, v.height), (1920, 1080));

    // A concat list is opened with the file protocol only: an entry naming a URL is refused by
    // the whitelist (not tried and failed on the network).
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "file 'http://127.0.0.1:9/x.mp4'\n").unwrap();
    let mut args: Vec<OsString> = ["-f", "concat", "-safe", "0", "-i"]
        .map(OsString::from)
        .to_vec();
    args.push(list.into());
    args.extend(["-c", "copy", "-f", "mp4"].map(OsString::from));
    args.push(dir.path().join("never.mp4").into());
    match ff.run(args, None, &task).await {
        Err(MediaError::Tool { stderr, .. }) => {
            assert!(stderr.contains("not on whitelist 'file'"), "{stderr}")
        }
        other => panic!("{other:?}"),
    }
}
