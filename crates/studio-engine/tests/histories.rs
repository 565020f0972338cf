//! Real workflow histories for the engine's replay tests: a plain render, pause/resume, a
//! quality change, an added scenario, a retake while running, a new version of a finished job,
//! cache hits, and a batch continued as new (a clip scheduled anew after its worker died is
//! recorded by `e2e.rs`, which makes that happen). Each is made here by a real dev server and worker
//! and replayed at once against this build's workflow code; with
//! `STUDIO_RECORD_HISTORIES=<release>` they are also written to
//! `crates/studio-engine/tests/histories/<release>-<scenario>.json`, which `cargo test` replays
//! forever after (`crates/studio-engine/tests/replay.rs`).

use std::time::Duration;

use studio_core::{Character, Quality, Stage};
use studio_engine::messages::RegenerateRequest;
use studio_engine::names;
use studio_engine::versions::{next_version, VersionChange};
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;

async fn paused(env: &Env, id: &str) {
    let client = &env.client;
    wait_for("the job to pause", Duration::from_secs(60), || async {
        client.progress(id).await.is_ok_and(|p| p.paused)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn histories_of_every_kind_of_job_replay() {
    let env = Env::with_worker("histories", ProviderKind::Offline, Ffmpeg::from_env()).await;
    let two = || vec![scenario("a takes off", 4), scenario("b lands", 4)];
    let mut recorded = Vec::new();

    let id = env.job_id("plain");
    env.start(&id, input(two(), Quality::Standard)).await;
    env.result(&id).await.unwrap();
    recorded.push(("plain", record_history(&env, &id, "plain").await));

    // Paused before its first step, then resumed.
    let id = env.job_id("pause");
    env.start(&id, input(two(), Quality::Standard)).await;
    env.client.pause(&id).await.unwrap();
    paused(&env, &id).await;
    env.client.resume(&id).await.unwrap();
    env.result(&id).await.unwrap();
    recorded.push((
        "pause-resume",
        record_history(&env, &id, "pause-resume").await,
    ));

    // Quality changed to 4k while paused (an update), then the enhance step.
    let id = env.job_id("quality");
    env.start(&id, input(two(), Quality::Standard)).await;
    env.client.pause(&id).await.unwrap();
    paused(&env, &id).await;
    env.client.change_quality(&id, "4k").await.unwrap();
    env.client.resume(&id).await.unwrap();
    let r = env.result(&id).await.unwrap();
    assert_eq!(r.versions[0].quality, Quality::FourK);
    // A 4k render is 4k, with its sound.
    let info = Ffmpeg::from_env()
        .probe(&file_path(&r.video_url))
        .await
        .unwrap();
    let v = info.video.as_ref().unwrap();
    assert_eq!((v.width, v.height), (3840, 2160));
    assert!(info.has_audio(), "the 4k video lost its audio");
    recorded.push((
        "quality-change",
        record_history(&env, &id, "quality-change").await,
    ));

    // A scenario added while paused.
    let id = env.job_id("add");
    env.start(&id, input(two(), Quality::Standard)).await;
    env.client.pause(&id).await.unwrap();
    paused(&env, &id).await;
    env.client
        .add_segment(&id, scenario("c taxis", 4))
        .await
        .unwrap();
    env.client.resume(&id).await.unwrap();
    let r = env.result(&id).await.unwrap();
    assert_eq!(r.segments.len(), 3);
    recorded.push((
        "add-segment",
        record_history(&env, &id, "add-segment").await,
    ));

    // A retake asked while running.
    let id = env.job_id("retake");
    env.start(&id, input(two(), Quality::Standard)).await;
    env.client.pause(&id).await.unwrap();
    paused(&env, &id).await;
    env.client
        .regenerate(
            &id,
            RegenerateRequest {
                scenario_id: "scene-1".into(),
                prompt: Some("a takes off at dawn".into()),
            },
        )
        .await
        .unwrap();
    env.client.resume(&id).await.unwrap();
    env.result(&id).await.unwrap();
    recorded.push(("retake", record_history(&env, &id, "retake").await));

    // Version 2 of a finished job: a new run that reuses every take but one.
    let id = env.job_id("version");
    env.start(&id, input(two(), Quality::Standard)).await;
    env.result(&id).await.unwrap();
    // The next version as the studio starts one: the job's own input, one scenario changed.
    let last = env.client.result(&id).await.unwrap();
    let previous = env.client.input(&id).await.unwrap();
    let change = VersionChange::Regenerate {
        scenario_id: "scene-2".into(),
        prompt: Some("b lands in the rain".into()),
    };
    let next = next_version(previous, &last, change).unwrap();
    env.client.start_render(&id, next).await.unwrap();
    let r = env.result(&id).await.unwrap();
    assert_eq!(r.versions.len(), 2);
    recorded.push(("version-2", record_history(&env, &id, "version-2").await));

    // Cache hits: the same render twice; the second makes nothing.
    let cached = || {
        let mut i = input(vec![scenario("d circles", 4)], Quality::Standard);
        i.use_cache = true;
        i
    };
    let first = env.job_id("cache-a");
    env.start(&first, cached()).await;
    env.result(&first).await.unwrap();
    let id = env.job_id("cache-b");
    env.start(&id, cached()).await;
    env.result(&id).await.unwrap();
    let runs = activities(&env, &id).await;
    assert_eq!(
        (
            count(&runs, names::GENERATE_CHARACTER_IMAGES),
            count(&runs, names::GENERATE_VIDEO_SEGMENT)
        ),
        (0, 0),
        "all from the cache: {runs:?}"
    );
    recorded.push(("cache-hits", record_history(&env, &id, "cache-hits").await));

    // A batch of 12 characters: 10 per run, so its last run began by continue-as-new.
    let id = env.job_id("batch");
    let batch: Vec<Character<String>> = (0..12)
        .map(|i| Character {
            name: format!("c{i}"),
            base_prompt: format!("character number {i}"),
            ..Default::default()
        })
        .collect();
    env.client.start_batch(&id, batch).await.unwrap();
    let r = env.batch_result(&id).await.unwrap();
    assert_eq!((r.processed, r.runs), (12, 2));
    recorded.push((
        "batch-continued",
        record_history(&env, &id, "batch-continued").await,
    ));

    // A client that sends no tuning: every clip scheduled in one workflow task (the workers'
    // slots limit how many run), not in waves of four. Our client names the engine in the
    // input: no patch marker, no upsert, one local activity for the plan and the cache lookup.
    let id = env.job_id("fan-out");
    let six = (0..6).map(|i| scenario(&format!("shot {i}"), 4)).collect();
    env.start(
        &id,
        studio_engine::RenderInput {
            tuning: None,
            ..input(six, Quality::Standard)
        },
    )
    .await;
    env.result(&id).await.unwrap();
    let events = env.client.history(&id).await.unwrap();
    let c = studio_engine::history::counts(&events);
    assert_eq!(
        (c.patch_markers, c.upserts, c.local_activity_markers),
        (0, 0, 1),
        "{c:?}"
    );
    let mut batches: Vec<i64> = events
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(temporalio_common::protos::temporal::api::history::v1::history_event::Attributes::ActivityTaskScheduledEventAttributes(a))
                if a.activity_type.as_ref().is_some_and(|t| t.name == names::GENERATE_VIDEO_SEGMENT) =>
            {
                Some(a.workflow_task_completed_event_id)
            }
            _ => None,
        })
        .collect();
    batches.dedup();
    assert_eq!(
        batches.len(),
        1,
        "all six clips from one workflow task: {batches:?}"
    );
    recorded.push(("fan-out", record_history(&env, &id, "fan-out").await));

    // A client of the seed design names no engine: the job records the `engine-v2` marker
    // (and the SDK's upsert with it) and then runs as ours do.
    let id = env.job_id("seed-client");
    env.start(
        &id,
        studio_engine::RenderInput {
            tuning: None,
            engine: 0,
            ..input(two(), Quality::Standard)
        },
    )
    .await;
    env.result(&id).await.unwrap();
    let c = studio_engine::history::counts(&env.client.history(&id).await.unwrap());
    assert_eq!(
        (c.patch_markers, c.upserts, c.local_activity_markers),
        (1, 1, 1),
        "{c:?}"
    );
    recorded.push((
        "seed-client",
        record_history(&env, &id, "seed-client").await,
    ));

    let progress = env.client.progress(&env.job_id("plain")).await.unwrap();
    assert_eq!(progress.stage, Stage::Completed);

    // This build replays what it just recorded.
    assert_replays(&recorded).await;
}
