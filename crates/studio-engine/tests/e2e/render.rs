//! A render from start to finish: the video it makes, projects refused before anything runs,
//! a re-render that reuses its artifacts, a cast and a continued shot.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use studio_core::{Character, Quality, SegmentStatus, Stage};
use studio_engine::history;
use studio_engine::names;
use studio_media::Ffmpeg;
use studio_testkit::*;

use crate::{clip_record, sha256_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_render_makes_a_playable_video_and_progress_reaches_100() {
    let env = Env::new("full").await;
    let id = env.job_id("job");
    let scenarios = vec![
        scenario("takes off", 4),
        scenario("flies", 6),
        scenario("lands", 4),
    ];
    env.start(&id, input(scenarios, Quality::Standard)).await;
    let mut seen = Vec::new();
    let result = env
        .client
        .watch(&id, Duration::from_millis(50), &mut |p| {
            seen.push(p.clone())
        })
        .await
        .unwrap();

    let video = file_path(&result.video_url);
    let info = Ffmpeg::from_env().probe(&video).await.unwrap();
    assert!(
        (info.duration - 14.0).abs() <= 0.1,
        "duration {}",
        info.duration
    );
    let v = info.video.unwrap();
    assert_eq!((v.codec.as_str(), v.width, v.height), ("h264", 1280, 720));
    assert_eq!(result.character_images.len(), 3);
    for uri in &result.character_images {
        let img = image_size(&file_path(uri));
        assert_eq!(img, (1280, 720));
    }

    let percentages: Vec<u8> = seen.iter().map(|p| p.percentage).collect();
    assert!(
        percentages.windows(2).all(|w| w[0] <= w[1]),
        "{percentages:?}"
    );
    let last = seen.last().unwrap();
    assert_eq!((last.stage, last.percentage), (Stage::Completed, 100));
    assert_eq!(last.segments.len(), 3);
    assert!(last
        .segments
        .iter()
        .all(|s| s.status == SegmentStatus::Done && s.clip_url.is_some()));

    // Media never travels in payloads: every activity input and result is small.
    for e in env.client.history(&id).await.unwrap() {
        let len = prost::Message::encoded_len(&e);
        assert!(len < 16 * 1024, "event {} is {len} bytes", e.event_id);
    }
    // No scratch files left behind.
    assert_eq!(
        std::fs::read_dir(env.artifacts().join("tmp"))
            .unwrap()
            .count(),
        0
    );
}

fn image_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        path.display()
    );
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

#[test]
fn malformed_projects_fail_fast_with_every_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.studio.json");
    std::fs::write(
        &path,
        r#"{"version": 1, "character": {"basePrompt": ""}, "scenarios": [], "quality": "8k"}"#,
    )
    .unwrap();
    let started = Instant::now();
    let out = Command::new(studio_bin())
        .args(["render"])
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "bad.studio.json",
        "character.basePrompt: empty prompt",
        "no scenarios",
        "\"8k\"",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in: {stderr}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "validation must not wait on a server"
    );

    std::fs::write(&path, "{ not json").unwrap();
    let out = Command::new(studio_bin())
        .arg("render")
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerender_reuses_every_artifact_and_an_edit_remakes_one_clip() {
    let env = Env::new("cache").await;
    let mut first = input(
        vec![scenario("a", 4), scenario("b", 4), scenario("c", 4)],
        Quality::Standard,
    );
    first.use_cache = true;
    let render = |what: &'static str, inp: studio_engine::RenderInput| {
        let env = &env;
        async move {
            let id = env.job_id(what);
            env.start(&id, inp).await;
            let result = env.result(&id).await.unwrap();
            (id, result)
        }
    };
    let counts = |records: &[history::ActivityRecord]| {
        (
            count(records, names::GENERATE_CHARACTER_IMAGES),
            count(records, names::GENERATE_VIDEO_SEGMENT),
            count(records, names::STITCH_VIDEOS),
        )
    };
    let (id1, r1) = render("first", first.clone()).await;
    assert_eq!(counts(&activities(&env, &id1).await), (1, 3, 1));

    // The same project again: nothing is generated, the video is the same bytes.
    let started = Instant::now();
    let (id2, r2) = render("again", first.clone()).await;
    let again_ms = started.elapsed().as_millis();
    assert_eq!(counts(&activities(&env, &id2).await), (0, 0, 1));
    assert_eq!(r2.video_url, r1.video_url);
    assert_eq!(r2.character_images, r1.character_images);
    let p = env.client.progress(&id2).await.unwrap();
    assert!(p
        .segments
        .iter()
        .all(|s| s.status == SegmentStatus::Done && s.clip_url.is_some()));
    eprintln!("re-render of an unchanged 3-scene project: {again_ms} ms");

    // One scene edited: exactly one clip is made.
    let mut edited = first.clone();
    edited.request.scenarios[1].prompt = "b, now at dusk".into();
    let (id3, r3) = render("edited", edited).await;
    let records = activities(&env, &id3).await;
    assert_eq!(counts(&records), (0, 1, 1));
    assert_ne!(r3.video_url, r1.video_url);

    // With the cache off everything is made again.
    let mut off = first.clone();
    off.use_cache = false;
    let (id4, _) = render("off", off).await;
    assert_eq!(counts(&activities(&env, &id4).await), (1, 3, 1));

    // The cache is visible and can be cleared.
    let store = studio_media::LocalStore::open(env.artifacts()).unwrap();
    let usage = store.cache_usage();
    assert_eq!(usage.entries, 5, "character + 3 clips + the edited clip");
    assert!(usage.bytes > 0);
    assert_eq!(store.clear_cache().unwrap(), 5);
    assert_eq!(store.cache_usage().entries, 0);
    let (id5, r5) = render("cleared", first).await;
    assert_eq!(counts(&activities(&env, &id5).await), (1, 3, 1));
    assert_eq!(
        r5.video_url, r1.video_url,
        "the offline provider is deterministic"
    );
}

/// A cast: a scene with two characters gets both faces as its references (the second made by
/// a character step of its own); a scene that continues from the previous shot waits for that
/// clip and starts from its last frame, with no references; a scene naming nobody keeps the
/// lead's three angles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_character_scene_and_a_shot_continued_from_it() {
    let env = Env::new("cast").await;
    let id = env.job_id("job");
    let mut inp = input(
        vec![
            studio_core::Scenario {
                cast: vec!["ava".into(), "rex".into()],
                ..scenario("ava and rex meet on the runway", 4)
            },
            studio_core::Scenario {
                continue_from_previous: true,
                ..scenario("they walk off together", 4)
            },
            scenario("ava alone in the cockpit", 4),
        ],
        Quality::Standard,
    );
    inp.request.character.id = Some("ava".into());
    inp.request.cast = vec![Character {
        id: Some("rex".into()),
        name: "Rex".into(),
        base_prompt: "a retired boxer with a broken nose".into(),
        ..Default::default()
    }];
    env.start(&id, inp).await;
    let result = env.result(&id).await.expect("the job succeeds");
    let records = activities(&env, &id).await;
    assert_eq!(count(&records, names::GENERATE_CHARACTER_IMAGES), 2);
    assert_eq!(count(&records, names::GENERATE_VIDEO_SEGMENT), 3);

    let digest = |uri: &str| sha256_of(&file_path(uri));
    let ava: Vec<String> = result.character_images.iter().map(|u| digest(u)).collect();
    let rex: Vec<String> = result.cast_images[0]
        .to_vec()
        .iter()
        .map(|u| digest(u))
        .collect();
    assert_ne!(ava[0], rex[0]);
    let clip = |i: usize| result.segments[i].clip_url.clone().unwrap();

    // Both faces, as many references as the model takes (3): each face first.
    let both = clip_record(&clip(0));
    assert_eq!(
        both["references"],
        serde_json::json!([ava[0], rex[0], ava[1]])
    );

    // The continued shot: the previous clip's last frame, and no references.
    let continued = clip_record(&clip(1));
    assert_eq!(continued["references"], serde_json::json!([]));
    let frame = env.data.path().join("last.png");
    Ffmpeg::from_env()
        .last_frame(
            &file_path(&clip(0)),
            &frame,
            &studio_media::TaskCtx::detached(),
        )
        .await
        .unwrap();
    assert_eq!(continued["image"], sha256_of(&frame).as_str());
    assert_eq!(
        result.segments[1].takes[0].first_frame_from.as_deref(),
        Some(clip(0).as_str()),
        "the take records the clip it continues"
    );

    // Nobody named: the lead alone, with all three angles.
    let alone = clip_record(&clip(2));
    assert_eq!(alone["references"], serde_json::json!(ava));
    assert_eq!(alone["image"], ava[0].as_str());

    // A replay fixture of its own (`STUDIO_RECORD_HISTORIES`): the cast and continuity paths.
    let history = record_history(&env, &id, "cast-continuity").await;
    assert_replays(&[("cast-continuity", history)]).await;
}
