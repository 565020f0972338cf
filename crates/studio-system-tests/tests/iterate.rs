//! Iterating on shots (issue 7): regenerate one scenario, keep and pick takes, versions, the
//! readable timeline and what the work cost. Real dev server, real workers, real ffmpeg.

use std::time::Duration;

use studio_core::{Quality, SegmentStatus, TimelineKind, UsageKind};
use studio_engine::history::{self, ActivityOutcome};
use studio_engine::names;
use studio_engine::EngineError;
use studio_testkit::*;

/// (character, clip, stitch) activities in the latest run of `id`.
async fn counts(env: &Env, id: &str) -> (usize, usize, usize) {
    let records = activities(env, id).await;
    assert!(
        records
            .iter()
            .all(|r| r.outcome == ActivityOutcome::Completed),
        "{records:?}"
    );
    (
        count(&records, names::GENERATE_CHARACTER_IMAGES),
        count(&records, names::GENERATE_VIDEO_SEGMENT),
        count(&records, names::STITCH_VIDEOS),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regenerating_one_of_five_scenarios_makes_one_clip_and_one_stitch() {
    let env = Env::new("regen").await;
    let session = studio_system_tests::api(&env, |_| {}).await;
    let id = env.job_id("job");
    let scenes = ["a", "b", "c", "d", "e"];
    env.start(
        &id,
        input(
            scenes.iter().map(|p| scenario(p, 4)).collect(),
            Quality::Standard,
        ),
    )
    .await;
    let v1 = env.result(&id).await.unwrap();
    assert_eq!(counts(&env, &id).await, (1, 5, 1));
    assert_eq!(v1.version(), 1);
    assert_eq!(
        v1.usage,
        [
            offline_usage(UsageKind::Image, 3),
            offline_usage(UsageKind::VideoSecond, 20)
        ]
    );

    // Version 2: scene-3 with a new prompt. Only that clip is made, and one stitch.
    let it = session
        .regenerate(&id, "scene-3", Some("c, now in the rain".into()))
        .await
        .unwrap();
    assert_eq!((it.version, it.take), (2, Some(2)));
    let v2 = env.result(&id).await.unwrap();
    assert_eq!(v2.version(), 2);
    assert_eq!(counts(&env, &id).await, (0, 1, 1), "only the edited clip");
    assert_ne!(v2.video_url, v1.video_url);
    assert!((seconds_of(&v2.video_url).await - 20.0).abs() <= 0.1);
    let s3 = &v2.segments[2];
    assert_eq!((s3.take, s3.takes.len()), (2, 2));
    assert_eq!(s3.prompt, "c, now in the rain");
    assert_eq!(s3.takes[0], v1.segments[2].takes[0], "take 1 is kept");
    for i in [0, 1, 3, 4] {
        assert_eq!(
            v2.segments[i].clip_url, v1.segments[i].clip_url,
            "scene {i} reused"
        );
    }
    assert_eq!(v2.versions.len(), 2);
    assert_eq!(v2.versions[0].video_url, v1.video_url);
    assert_eq!(v2.versions[1].takes, [1, 1, 2, 1, 1]);
    assert_eq!(
        v2.versions[1].usage,
        [offline_usage(UsageKind::VideoSecond, 4)]
    );
    assert_eq!(
        v2.usage,
        [
            offline_usage(UsageKind::Image, 3),
            offline_usage(UsageKind::VideoSecond, 24)
        ]
    );

    // Version 3: another take of scene-1 with the same prompt comes out different.
    let it = session.regenerate(&id, "scene-1", None).await.unwrap();
    assert_eq!((it.version, it.take), (3, Some(2)));
    let v3 = env.result(&id).await.unwrap();
    assert_eq!(counts(&env, &id).await, (0, 1, 1));
    let s1 = &v3.segments[0];
    assert_eq!(s1.takes.len(), 2);
    assert_eq!(s1.takes[0].prompt, s1.takes[1].prompt);
    assert_ne!(
        s1.takes[0].clip_url, s1.takes[1].clip_url,
        "a retake is a new clip"
    );

    // Version 4: back to every first take. Nothing is generated, and the stitch of the same
    // clips is the same video as version 1 (content-addressed).
    let it = session.pick_takes(&id, vec![1, 1, 1, 1, 1]).await.unwrap();
    assert_eq!((it.version, it.take), (4, None));
    let v4 = env.result(&id).await.unwrap();
    assert_eq!(counts(&env, &id).await, (0, 0, 1));
    assert_eq!(v4.video_url, v1.video_url);
    assert_eq!(v4.segments[2].prompt, "c", "take 1's prompt");
    assert_eq!(v4.versions.len(), 4);
    assert!(
        v4.versions[3].usage.is_empty(),
        "picking takes costs nothing"
    );

    // Bad requests are named and start nothing.
    let err = session
        .pick_takes(&id, vec![1, 9, 1, 1, 1])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("\"scene-2\" has no take 9"),
        "{err}"
    );
    let err = session.regenerate(&id, "scene-9", None).await.unwrap_err();
    assert!(err.to_string().contains("no scenario \"scene-9\""), "{err}");
    let err = session
        .regenerate(&id, "scene-1", Some("  ".into()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(env.result(&id).await.unwrap().version(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_takes_a_new_take_by_update_and_the_timeline_tells_it() {
    let env = Env::new("update").await;
    let session = studio_system_tests::api(&env, |_| {}).await;
    let id = env.job_id("job");
    let mut inp = input(
        vec![scenario("a", 8), scenario("b", 8), scenario("c", 8)],
        Quality::Standard,
    );
    // One clip at a time, so the job is still making clips when the first is done.
    inp.tuning.as_mut().unwrap().max_parallel_segments = 1;
    env.start(&id, inp).await;
    wait_for("the first clip", Duration::from_secs(60), || async {
        env.client
            .progress(&id)
            .await
            .is_ok_and(|p| p.segments[0].status == SegmentStatus::Done)
    })
    .await;
    env.client.pause(&id).await.unwrap();
    let it = session
        .regenerate(&id, "scene-1", Some("a, from above".into()))
        .await
        .unwrap();
    assert_eq!((it.version, it.take), (1, Some(2)));
    // Refusals never enter history.
    let err = env
        .client
        .regenerate(
            &id,
            studio_engine::messages::RegenerateRequest {
                scenario_id: "scene-7".into(),
                prompt: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Rejected { .. }), "{err}");
    env.client.change_quality(&id, "high").await.unwrap();
    env.client.resume(&id).await.unwrap();
    let r = env.result(&id).await.unwrap();

    assert_eq!(r.version(), 1, "the same run, not a new version");
    let s1 = &r.segments[0];
    assert_eq!((s1.take, s1.takes.len()), (2, 2));
    assert_eq!(s1.prompt, "a, from above");
    assert_eq!(s1.clip_url.as_ref(), Some(&s1.takes[1].clip_url));
    let events = env.client.history(&id).await.unwrap();
    let records = history::activities(&events);
    assert_eq!(count(&records, names::GENERATE_VIDEO_SEGMENT), 4);
    assert_eq!(history::updates_accepted(&events), 2);
    assert!((seconds_of(&r.video_url).await - 24.0).abs() <= 0.1);

    // The timeline, in order: started, cache-free steps with durations, the steering.
    let timeline = studio_engine::history::timeline(&events);
    let kinds: Vec<TimelineKind> = timeline.iter().map(|e| e.kind).collect();
    let pos = |k: TimelineKind| kinds.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    assert_eq!(kinds[0], TimelineKind::Started, "{timeline:#?}");
    assert_eq!(*kinds.last().unwrap(), TimelineKind::Completed);
    assert!(pos(TimelineKind::Paused) < pos(TimelineKind::Regenerate));
    assert!(pos(TimelineKind::Regenerate) < pos(TimelineKind::QualityChanged));
    assert!(pos(TimelineKind::QualityChanged) < pos(TimelineKind::Resumed));
    let steps: Vec<_> = timeline
        .iter()
        .filter(|e| e.kind == TimelineKind::Step)
        .collect();
    assert_eq!(steps.len(), 1 + 4 + 1, "{steps:#?}");
    assert!(steps.iter().all(|s| s.duration_ms.is_some()
        && s.outcome.as_deref() == Some("completed")
        && s.detail.as_deref().is_some_and(|d| d.contains("attempt 1"))));
    assert!(timeline
        .iter()
        .any(|e| e.title == "New take of scene-1: a, from above"));
    assert!(timeline
        .iter()
        .any(|e| e.title == "Quality changed to high"));
    assert!(steps
        .iter()
        .any(|s| s.title == "Clip scene-1: a, from above"));
    assert!(steps.iter().any(|s| s.title == "Stitch 3 clips"));
    let ats: Vec<u32> = timeline.iter().map(|e| e.at_ms).collect();
    assert!(ats.windows(2).all(|w| w[0] <= w[1]), "{ats:?}");
}

/// Through the `studio` binary, which calls the same operations as the window: the estimate,
/// the cost of each version and of the job follow the price table in settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_figures_match_the_price_table() {
    let env = Env::priced_cli("cost").await;
    let p = &env.write_cli_project(serde_json::json!([
        {"id": "one", "prompt": "runs", "durationSeconds": 4},
        {"id": "two", "prompt": "jumps", "durationSeconds": 6},
        {"id": "three", "prompt": "lands", "durationSeconds": 8}
    ]));
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;

    // 3 images × $0.05 + 18 s × $0.10.
    let estimate = env.studio_json(["estimate", p, "--json"]).await;
    assert!(close(usd(&estimate["cost"]), 1.95), "{estimate}");
    assert_eq!(estimate["videoSeconds"], 18);

    let id = env.job_id("job");
    env.studio_ok(["render", p, "--id", &id, "--wait"]).await;
    let job = env.studio_json(["job", &id, "--json"]).await;
    assert!(close(usd(&job["spent"]), 1.95), "{job}");
    assert!(close(usd(&job["versions"][0]["cost"]), 1.95), "{job}");
    assert!(job["spent"]["unpricedModels"]
        .as_array()
        .unwrap()
        .is_empty());

    // A new take of the 6 s scene costs 6 × $0.10, and only that.
    env.studio_ok([
        "regenerate",
        &id,
        "two",
        "--prompt",
        "jumps higher",
        "--wait",
    ])
    .await;
    let job = env.studio_json(["job", &id, "--json"]).await;
    assert_eq!(job["version"], 2);
    assert!(close(usd(&job["versions"][1]["cost"]), 0.6), "{job}");
    assert!(close(usd(&job["spent"]), 2.55), "{job}");
    assert_eq!(job["segments"][1]["take"], 2);

    // Re-rendering the unchanged project reuses everything: no clip made, nothing spent.
    let again = env.job_id("again");
    env.studio_ok(["render", p, "--id", &again, "--wait"]).await;
    let records = activities(&env, &again).await;
    assert_eq!(count(&records, names::GENERATE_VIDEO_SEGMENT), 0);
    assert_eq!(count(&records, names::GENERATE_CHARACTER_IMAGES), 0);
    let job = env.studio_json(["job", &again, "--json"]).await;
    assert!(close(usd(&job["spent"]), 0.0), "{job}");

    // The human-readable view names versions, takes and the timeline.
    let text = env.studio_ok(["job", &id]).await;
    for needle in [
        "version 2",
        "spent $2.55",
        "v1  takes 1,1,1",
        "v2  takes 1,2,1",
        "timeline:",
        "Stitch 3 clips",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
}
