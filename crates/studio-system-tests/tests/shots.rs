//! Extending a shot and ending a shot on a chosen frame (issue 32), offline: real dev server,
//! real workers, real ffmpeg. An extension is a new take made once, priced per second like a
//! clip, a cache hit the second time; a rule it breaks fails the run before any clip activity
//! is scheduled; a shot ending on the next shot is made after it and ends on its first frame.

use std::path::Path;

use studio_core::{EndFrame, Quality, UsageKind, VideoResult};
use studio_engine::names;
use studio_engine::versions::{next_version, VersionChange};
use studio_media::{Ffmpeg, TaskCtx};
use studio_testkit::*;

/// Starts the version after `id`'s last with `change`, and waits for it.
async fn next(env: &Env, id: &str, change: VersionChange) -> Result<VideoResult, String> {
    let last = env.client.result(id).await.unwrap();
    let previous = env.client.input(id).await.unwrap();
    let next = next_version(previous, &last, change).unwrap();
    env.client.start_render(id, next).await.unwrap();
    env.result(id).await.map_err(|e| e.to_string())
}

fn extend(scene: &str, seconds: u32) -> VersionChange {
    VersionChange::Extend {
        scenario_id: scene.into(),
        seconds,
        prompt: Some("she keeps walking to the hangar".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_is_a_new_take_paid_once_and_refused_before_paying_past_the_rules() {
    let env = Env::new("extend").await;
    let job = || {
        let mut i = input(
            vec![scenario("walks", 4), scenario("waves", 4)],
            Quality::Standard,
        );
        i.use_cache = true;
        i
    };
    let a = env.job_id("a");
    env.start(&a, job()).await;
    let v1 = env.result(&a).await.unwrap();

    // Version 2: scene-1's take continued by 3 s. One clip activity, priced at 3 s.
    let v2 = next(&env, &a, extend("scene-1", 3)).await.unwrap();
    let runs = activities(&env, &a).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 1, "{runs:?}");
    assert_eq!(
        v2.versions[1].usage,
        [offline_usage(UsageKind::VideoSecond, 3)]
    );
    let s1 = &v2.segments[0];
    assert_eq!((s1.take, s1.takes.len()), (2, 2));
    assert_eq!(s1.takes[0], v1.segments[0].takes[0], "take 1 is kept");
    let extended = s1.clip_url.clone().unwrap();
    assert!(
        (seconds_of(&extended).await - 7.0).abs() < 0.15,
        "4 s + 3 s"
    );
    assert!((seconds_of(&v2.video_url).await - 11.0).abs() < 0.2);
    assert_eq!(v2.segments[1].clip_url, v1.segments[1].clip_url);
    // The extension's run replays (recorded with STUDIO_RECORD_HISTORIES=<release>).
    assert_history_replays(&env, &a, "extend").await;

    // The same extension of the same take in another job: the cache's, nothing paid.
    let b = env.job_id("b");
    env.start(&b, job()).await;
    let b1 = env.result(&b).await.unwrap();
    assert_eq!(b1.segments[0].clip_url, v1.segments[0].clip_url);
    let b2 = next(&env, &b, extend("scene-1", 3)).await.unwrap();
    let runs = activities(&env, &b).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 1, "{runs:?}");
    assert!(
        b2.versions[1].usage.is_empty(),
        "a cache hit costs nothing: {:?}",
        b2.versions[1].usage
    );
    assert_eq!(b2.segments[0].clip_url.as_deref(), Some(extended.as_str()));

    // Past the model's rules (the offline family extends by 1-10 s): the run fails naming the
    // scene and the rule, before any clip activity is scheduled.
    let err = next(&env, &a, extend("scene-2", 11)).await.unwrap_err();
    assert!(
        err.contains("scene-2") && err.contains("extends a clip by") && err.contains("11 s"),
        "{err}"
    );
    let runs = activities(&env, &a).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 0, "{runs:?}");
}

/// Mean absolute difference per channel (0-255) of two PNGs of one size.
fn diff(a: &Path, b: &Path) -> f64 {
    let (a, b) = (
        image::open(a).unwrap().to_rgb8(),
        image::open(b).unwrap().to_rgb8(),
    );
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = (a.as_raw().iter().zip(b.as_raw()))
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shot_ending_on_the_next_shot_is_made_after_it_and_ends_on_its_first_frame() {
    let env = Env::new("endframe").await;
    let mut first = scenario("walks to the plane", 4);
    first.end_frame = Some(EndFrame::NextShot);
    let id = env.job_id("job");
    env.start(
        &id,
        input(
            vec![first, scenario("waves from the cockpit", 4)],
            Quality::Standard,
        ),
    )
    .await;
    let r = env.result(&id).await.unwrap();
    assert_history_replays(&env, &id, "end-frame").await;
    // The next shot's clip is scheduled first; this one after it ended, from its clip.
    let clips: Vec<_> = activities(&env, &id)
        .await
        .into_iter()
        .filter(|a| a.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect();
    assert_eq!(clips.len(), 2);
    let prompt = |a: &studio_engine::history::ActivityRecord| {
        a.input.as_ref().unwrap()["scenario"]["prompt"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(prompt(&clips[0]), "waves from the cockpit");
    assert_eq!(prompt(&clips[1]), "walks to the plane");
    assert!(clips[1].scheduled_at >= clips[0].closed_at, "{clips:?}");
    let next_clip = r.segments[1].clip_url.clone().unwrap();
    assert_eq!(
        clips[1].input.as_ref().unwrap()["lastFrameFrom"],
        next_clip.as_str()
    );
    // The join is seamless: this clip's last frame is the next clip's first.
    let ff = Ffmpeg::from_env();
    let dir = tempfile::tempdir().unwrap();
    let (last, next_first, own_first) = (
        dir.path().join("last.png"),
        dir.path().join("next-first.png"),
        dir.path().join("own-first.png"),
    );
    let task = TaskCtx::detached();
    let this_clip = file_path(r.segments[0].clip_url.as_deref().unwrap());
    ff.last_frame(&this_clip, &last, &task).await.unwrap();
    ff.first_frame(&file_path(&next_clip), &next_first, &task)
        .await
        .unwrap();
    ff.first_frame(&this_clip, &own_first, &task).await.unwrap();
    let (join, start) = (diff(&last, &next_first), diff(&own_first, &next_first));
    println!("end frame vs next first frame {join:.2}; own first frame {start:.2}");
    assert!(
        join < 4.0,
        "ends on the next shot's first frame ({join:.2})"
    );
    assert!(
        start > 4.0 * join.max(1.0),
        "it did not start there ({start:.2})"
    );
}

/// `studio extend` as the creator runs it, on a job `studio render` made: the take continued
/// by N s is the job's next version, its clip N s longer, paid for once at the price table's
/// rate; a scene the job does not have or seconds the model refuses are named on stderr with
/// a non-zero exit, and nothing is paid for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn studio_extend_continues_a_take_paid_once_and_names_what_it_refuses() {
    let env = Env::priced_cli("extend-cli").await;
    let p = &env.write_cli_project(serde_json::json!([
        {"id": "walk", "prompt": "walks to the hangar", "durationSeconds": 4},
        {"id": "wave", "prompt": "waves", "durationSeconds": 4}
    ]));
    let id = env.job_id("job");
    env.studio_ok(["render", p, "--id", &id, "--wait"]).await;
    let v1 = env.result(&id).await.unwrap();
    let spent = |job: &serde_json::Value| usd(&job["spent"]);
    let job = env.studio_json(["job", &id, "--json"]).await;
    // 3 images × $0.05 + 8 s × $0.10.
    assert!((spent(&job) - 0.95).abs() < 1e-9, "{job}");

    // +3 s on walk: take 2, version 2, printed as the film's path.
    let ran = env
        .run_studio([
            "extend",
            &id,
            "--scene",
            "walk",
            "--seconds",
            "3",
            "--prompt",
            "she opens the hangar door",
            "--wait",
        ])
        .await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("take 2 of walk (+3 s) for version 2"),
        "{}",
        ran.stderr
    );
    let v2 = env.result(&id).await.unwrap();
    assert_eq!(v2.version(), 2);
    assert_eq!(
        std::path::PathBuf::from(ran.stdout.trim()),
        file_path(&v2.video_url)
    );
    let walk = &v2.segments[0];
    assert_eq!((walk.take, walk.takes.len()), (2, 2));
    assert_eq!(walk.takes[0], v1.segments[0].takes[0], "take 1 is kept");
    let before = seconds_of(v1.segments[0].clip_url.as_deref().unwrap()).await;
    let after = seconds_of(walk.clip_url.as_deref().unwrap()).await;
    assert!(
        (after - before - 3.0).abs() < 0.15,
        "{before} s + 3 s = {after} s"
    );
    assert_eq!(
        v2.segments[1].clip_url, v1.segments[1].clip_url,
        "wave reused"
    );
    // One clip made in the run, and the version paid 3 s of video, once.
    let runs = activities(&env, &id).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 1, "{runs:?}");
    assert_eq!(
        v2.versions[1].usage,
        [offline_usage(UsageKind::VideoSecond, 3)]
    );
    let job = env.studio_json(["job", &id, "--json"]).await;
    assert!((spent(&job) - 1.25).abs() < 1e-9, "{job}");
    assert!(
        (usd(&job["versions"][1]["cost"]) - 0.3).abs() < 1e-9,
        "{job}"
    );

    // A scene the job does not have: named, exit 1, no run started.
    let ran = env
        .run_studio(["extend", &id, "--scene", "fly", "--seconds", "3", "--wait"])
        .await;
    assert_eq!(ran.code(), Some(1), "{ran:?}");
    assert!(ran.stderr.contains("no scenario \"fly\""), "{}", ran.stderr);
    assert_eq!(env.result(&id).await.unwrap().version(), 2);

    // Seconds the offline model refuses (it extends by 1-10 s): named with the rule, exit 1,
    // refused before any run starts (the job stays completed at version 2, so it can still be
    // iterated on), no clip made, nothing paid.
    let ran = env
        .run_studio([
            "extend",
            &id,
            "--scene",
            "wave",
            "--seconds",
            "11",
            "--wait",
        ])
        .await;
    assert_eq!(ran.code(), Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("wave")
            && ran.stderr.contains("extends a clip by")
            && ran.stderr.contains("11 s"),
        "{}",
        ran.stderr
    );
    // No run: the last run is still version 2's, whose one clip was the extension.
    assert_eq!(env.result(&id).await.unwrap().version(), 2);
    let runs = activities(&env, &id).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 1, "{runs:?}");
    let job = env.studio_json(["job", &id, "--json"]).await;
    assert!((spent(&job) - 1.25).abs() < 1e-9, "{job}");
    assert_eq!(job["status"], "completed", "{job}");
}
