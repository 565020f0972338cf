//! The offline provider's frame-bound renders, measured on the frames themselves: a clip asked
//! to end on an image ends on it, and an extended clip is the input followed by a continuation
//! that starts from the input's last frame (real H.264, real ffmpeg).

use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage};
use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::offline::OfflineProvider;
use studio_media::{
    Angle, ClipRequest, ExtendRequest, Ffmpeg, ImageRequest, MediaError, MediaProvider, TaskCtx,
};

async fn character(dir: &Path) -> PathBuf {
    let out = dir.join("char.png");
    OfflineProvider::new(Ffmpeg::from_env())
        .character_image(
            &ImageRequest {
                name: "Ava".into(),
                prompt: "a pilot in a red jacket".into(),
                angle: Angle::Front,
                aspect_ratio: AspectRatio::Landscape,
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

fn clip_req(image: PathBuf, prompt: &str, secs: u32, last: Option<PathBuf>) -> ClipRequest {
    ClipRequest {
        prompt: prompt.into(),
        negative_prompt: None,
        duration: ClipSeconds::try_from(secs).unwrap(),
        aspect_ratio: AspectRatio::Landscape,
        quality: Quality::Standard,
        image,
        references: vec![],
        model: None,
        variant: 0,
        last_frame: last,
    }
}

/// An end picture no offline clip reaches by chance: blue and yellow quarters.
fn end_picture(path: &Path) {
    let img = RgbImage::from_fn(1280, 720, |x, y| {
        if (x < 640) == (y < 360) {
            Rgb([20, 40, 200])
        } else {
            Rgb([230, 210, 30])
        }
    });
    img.save(path).unwrap();
}

/// The frame of `clip` at `at` seconds (None: its last), decoded to RGB.
async fn frame(ff: &Ffmpeg, clip: &Path, at: Option<f64>, out: &Path) -> RgbImage {
    let task = TaskCtx::detached();
    match at {
        None => ff.last_frame(clip, out, &task).await.unwrap(),
        Some(t) => {
            let status = tokio::process::Command::new(&ff.ffmpeg)
                .args(["-v", "error", "-y", "-ss", &format!("{t:.3}"), "-i"])
                .arg(clip)
                .args(["-frames:v", "1", "-f", "image2", "-c:v", "png"])
                .arg(out)
                .status()
                .await
                .unwrap();
            assert!(status.success());
        }
    }
    image::open(out).unwrap().to_rgb8()
}

/// Mean absolute difference per channel (0-255) between two pictures of one size.
fn diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[tokio::test]
async fn a_clip_asked_to_end_on_an_image_ends_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let ff = Ffmpeg::from_env();
    let p = OfflineProvider::new(ff.clone());
    let image = character(dir.path()).await;
    let end = dir.path().join("end.png");
    end_picture(&end);
    let target = image::open(&end).unwrap().to_rgb8();
    let clip = dir.path().join("ends.mp4");
    let task = TaskCtx::detached();
    p.video_clip(&clip_req(image, "she lands", 4, Some(end)), &clip, &task)
        .await
        .unwrap();
    let info = ff.probe(&clip).await.unwrap();
    assert!((info.duration - 4.0).abs() < 0.1, "{info:?}");
    assert!(info.has_audio(), "the clip keeps its sound");
    let last = frame(&ff, &clip, None, &dir.path().join("last.png")).await;
    let first = frame(&ff, &clip, Some(0.0), &dir.path().join("first.png")).await;
    let (at_end, at_start) = (diff(&last, &target), diff(&first, &target));
    println!("mean difference from the end image: last frame {at_end:.2}, first {at_start:.2}");
    assert!(
        at_end < 4.0,
        "the last frame is the end image ({at_end:.2})"
    );
    assert!(
        at_start > 40.0,
        "the clip starts from its own picture ({at_start:.2})"
    );
    // Halfway through the dissolve the picture is between the two.
    let mid = frame(&ff, &clip, Some(3.0), &dir.path().join("mid.png")).await;
    let halfway = diff(&mid, &target);
    assert!(at_end < halfway && halfway < at_start, "{halfway:.2}");
}

#[tokio::test]
async fn an_extended_clip_is_the_input_then_a_continuation_from_its_last_frame() {
    let dir = tempfile::tempdir().unwrap();
    let ff = Ffmpeg::from_env();
    let p = OfflineProvider::new(ff.clone());
    let image = character(dir.path()).await;
    let input = dir.path().join("input.mp4");
    let task = TaskCtx::detached();
    p.video_clip(
        &clip_req(image, "she walks to the hangar", 4, None),
        &input,
        &task,
    )
    .await
    .unwrap();
    let req = ExtendRequest {
        clip: input.clone(),
        prompt: "she opens the hangar door".into(),
        seconds: 3,
        aspect_ratio: AspectRatio::Landscape,
        model: None,
    };
    let out = dir.path().join("extended.mp4");
    p.extend_clip(&req, &out, &task).await.unwrap();
    let info = ff.probe(&out).await.unwrap();
    assert!((info.duration - 7.0).abs() < 0.15, "input + 3 s: {info:?}");
    assert!(info.has_audio());
    let v = info.video.unwrap();
    assert_eq!((v.width, v.height), (1280, 720));

    let f = |name: &str| dir.path().join(name);
    // The input plays first, as it was.
    let (a, b) = (
        frame(&ff, &input, Some(2.0), &f("in-2.png")).await,
        frame(&ff, &out, Some(2.0), &f("out-2.png")).await,
    );
    let same = diff(&a, &b);
    // The continuation starts from the input's last frame: the join shows no jump.
    let input_last = frame(&ff, &input, None, &f("in-last.png")).await;
    let joined = frame(&ff, &out, Some(4.05), &f("out-join.png")).await;
    let join = diff(&input_last, &joined);
    // And it moves on from there.
    let out_last = frame(&ff, &out, None, &f("out-last.png")).await;
    let moved = diff(&input_last, &out_last);
    println!("input kept {same:.2}, join {join:.2}, continuation moved {moved:.2}");
    assert!(same < 2.0, "the input is kept ({same:.2})");
    assert!(
        join < 6.0,
        "the continuation starts at the last frame ({join:.2})"
    );
    assert!(
        moved > 2.0 * join.max(1.0),
        "the continuation moves ({moved:.2})"
    );

    // Beyond the offline family's rules (models.toml: 1-10 s a call): refused, typed.
    let too_far = ExtendRequest { seconds: 11, ..req };
    let err = p
        .extend_clip(&too_far, &f("no.mp4"), &task)
        .await
        .unwrap_err();
    assert!(matches!(err, MediaError::CannotExtend { .. }), "{err}");
    assert!(err.to_string().contains("11 s"), "{err}");
    assert!(!f("no.mp4").exists());
}

/// The studio's own clips carry a keyframe every second (`CUT_FPS` frames), so the cut's smart
/// render re-encodes only the second around a join: with x264's default interval a 6 s clip
/// is one GOP, and every join would re-encode both clips whole.
#[tokio::test]
async fn an_offline_clip_has_a_keyframe_every_second() {
    let dir = tempfile::tempdir().unwrap();
    let ff = Ffmpeg::from_env();
    let p = OfflineProvider::new(ff.clone());
    let image = character(dir.path()).await;
    let clip = dir.path().join("six.mp4");
    p.video_clip(
        &clip_req(image, "she walks", 6, None),
        &clip,
        &TaskCtx::detached(),
    )
    .await
    .unwrap();
    let probe = ff.probe_packets(&clip).await.unwrap();
    let video = probe.video_index.expect("a video stream");
    let keys: Vec<usize> = (probe.packets.iter())
        .filter(|k| k.stream == video)
        .enumerate()
        .filter(|(_, k)| k.key)
        .map(|(i, _)| i)
        .collect();
    let frames = probe.packets.iter().filter(|k| k.stream == video).count();
    println!("{frames} frames, keyframes at {keys:?}");
    assert!(keys.len() >= 6, "a keyframe a second: {keys:?}");
    let gaps = keys.windows(2).map(|w| w[1] - w[0]);
    let last_gap = frames - keys.last().copied().unwrap_or(0);
    assert!(
        gaps.chain([last_gap])
            .all(|g| g <= studio_core::CUT_FPS as usize),
        "no GOP longer than a second: {keys:?} of {frames}"
    );
}
