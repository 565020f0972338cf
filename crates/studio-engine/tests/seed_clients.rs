//! Clients written against the seed's TypeScript interface, and clients that send garbage:
//! messages sent as raw JSON by the `temporal` CLI (not by our typed client).

use std::process::Command;
use std::time::{Duration, Instant};

use studio_core::Quality;
use studio_engine::devserver::find_temporal_cli;
use studio_engine::names;
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;

/// `temporal workflow ARGS... --address <the test server>`; returns (success, stdout+stderr).
fn temporal(args: &[&str]) -> (bool, String) {
    let out = Command::new(find_temporal_cli(None).expect("temporal CLI"))
        .arg("workflow")
        .args(args)
        .args(["--address", &format!("127.0.0.1:{}", server_port())])
        .output()
        .expect("temporal runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_string_segments_work_and_bad_payloads_never_wedge_a_job() {
    let env = Env::new("seed").await;
    let id = env.job_id("job");
    env.start(
        &id,
        input(vec![scenario("a takes off", 4)], Quality::Standard),
    )
    .await;
    env.client.pause(&id).await.unwrap();
    wait_for("paused", Duration::from_secs(30), || async {
        env.client.progress(&id).await.is_ok_and(|p| p.paused)
    })
    .await;
    // The seed's `addSegment(prompt: string)`.
    let (ok, out) = temporal(&[
        "signal",
        "--workflow-id",
        &id,
        "--name",
        names::ADD_SEGMENT,
        "--input",
        "\"b lands on the beach\"",
    ]);
    assert!(ok, "{out}");
    // Payloads that are no scenario at all: dropped, the job goes on.
    for bad in ["{\"prompt\": 5}", "42", "[1, 2]"] {
        let (ok, out) = temporal(&[
            "signal",
            "--workflow-id",
            &id,
            "--name",
            names::ADD_SEGMENT,
            "--input",
            bad,
        ]);
        assert!(ok, "{out}");
    }
    // An update with a bad payload is refused by its validator, not a failed task.
    let (ok, out) = temporal(&[
        "update",
        "execute",
        "--workflow-id",
        &id,
        "--name",
        names::CHANGE_QUALITY,
        "--input",
        "42",
    ]);
    assert!(!ok, "a number is not a quality: {out}");
    assert!(out.contains("not a quality"), "{out}");
    let (ok, out) = temporal(&[
        "update",
        "execute",
        "--workflow-id",
        &id,
        "--name",
        names::ADD_SCENARIO,
        "--input",
        "{\"durationSeconds\": \"long\"}",
    ]);
    assert!(!ok && out.contains("not a scenario"), "{out}");
    env.client.resume(&id).await.unwrap();
    let result = env.result(&id).await.unwrap();
    let prompts: Vec<&str> = result.segments.iter().map(|s| s.prompt.as_str()).collect();
    assert_eq!(prompts, ["a takes off", "b lands on the beach"]);
    // No workflow task failed on the way.
    let failed = env
        .client
        .history(&id)
        .await
        .unwrap()
        .iter()
        .filter(|e| {
            e.event_type
                == temporalio_common::protos::temporal::api::enums::v1::EventType::WorkflowTaskFailed
                    as i32
        })
        .count();
    assert_eq!(failed, 0, "a bad message failed a workflow task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_batch_shape_starts_and_reports_total_processed() {
    let env = Env::new("seedbatch").await;
    let batch = r#"{"characters": [{"name": "Ava", "basePrompt": "a pilot"}, {"name": "Kay", "basePrompt": "a courier"}]}"#;
    // With `processedCount`, and without it (the seed's default of 0).
    for (name, extra) in [("batch", &["--input", "0"][..]), ("batch-default", &[][..])] {
        let id = env.job_id(name);
        let mut args = vec![
            "start",
            "--type",
            names::BATCH_WORKFLOW,
            "--task-queue",
            &env.queue,
            "--workflow-id",
            &id,
            "--input",
            batch,
        ];
        args.extend_from_slice(extra);
        let (ok, out) = temporal(&args);
        assert!(ok, "{out}");
        let r = env.batch_result(&id).await.unwrap();
        assert_eq!(
            (r.processed, r.total, r.total_processed),
            (2, 2, 2),
            "{name}"
        );
    }
}

/// Payload shapes a client can send where a handler expects one JSON value or none, each with
/// what the workflow says about it. Sent by the `temporal` CLI, so no typed client shapes them.
const NO_PAYLOAD: (&str, &[&str]) = ("no payload", &[]);
const TWO_PAYLOADS: (&str, &[&str]) = (
    "2 payloads",
    &["--input", "\"a\"", "--input", "{\"prompt\": \"b\"}"],
);
const BINARY: (&str, &[&str]) = (
    "binary/plain",
    &[
        "--input-meta",
        "encoding=binary/plain",
        "--input-base64",
        "--input",
        "AAEC/w==",
    ],
);
/// JSON, but not the nothing `pause` and `resume` take.
const JUNK_JSON: (&str, &[&str]) = ("JSON", &["--input", "{\"now\": true}"]);

/// `temporal workflow signal` of `name` to `id` with the payload arguments `payload`.
fn signal(id: &str, name: &str, payload: &[&str]) {
    let mut args = vec!["signal", "--workflow-id", id, "--name", name];
    args.extend_from_slice(payload);
    let (ok, out) = temporal(&args);
    assert!(ok, "signal {name} {payload:?}: {out}");
}

/// The workflow task failures in the job's history, with their messages.
async fn failed_tasks(env: &Env, id: &str) -> Vec<String> {
    use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
    env.client
        .history(id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.attributes {
            Some(Attributes::WorkflowTaskFailedEventAttributes(a)) => Some(
                a.failure
                    .map(|f| f.message)
                    .unwrap_or_else(|| format!("cause {}", a.cause)),
            ),
            _ => None,
        })
        .collect()
}

/// Polls the job's progress until `ok` holds, for at most 60 s; fails at once (naming it) when a
/// workflow task of the job has failed, instead of waiting for a wedged job.
async fn progress_until(
    env: &Env,
    id: &str,
    what: &str,
    ok: impl Fn(&studio_core::Progress) -> bool,
) -> studio_core::Progress {
    let start = Instant::now();
    loop {
        let failed = failed_tasks(env, id).await;
        assert!(
            failed.is_empty(),
            "{id}: a workflow task failed: {failed:?}"
        );
        let answer = tokio::time::timeout(Duration::from_secs(5), env.client.progress(id)).await;
        if let Ok(Ok(p)) = answer {
            if ok(&p) {
                return p;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{id}: timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (at most 120 s) for the job to end, failing at once when one of its workflow tasks
/// failed; returns how it ended.
async fn settle(env: &Env, id: &str) -> studio_core::JobStatus {
    let start = Instant::now();
    loop {
        let failed = failed_tasks(env, id).await;
        assert!(
            failed.is_empty(),
            "{id}: a workflow task failed: {failed:?}"
        );
        let status = env.client.status(id).await.unwrap();
        if status.is_final() {
            return status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{id}: still {status:?} after 120 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every signal of the video workflow, sent with every malformed payload: `addSegment` drops
/// what is not a scenario and says why; `pause` and `resume` do what their name says. No
/// workflow task fails, the good scenario sent after them is added, and every job completes.
/// `addScenario` refuses the same shapes with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_signals_never_fail_a_workflow_task() {
    use studio_core::JobStatus;
    let mut env = Env::without_worker("badsig").await;
    // Jobs held before any worker runs them, so every signal below meets a job still paused.
    let add = env.job_id("add");
    env.start(
        &add,
        input(vec![scenario("a takes off", 4)], Quality::Standard),
    )
    .await;
    env.client.pause(&add).await.unwrap();
    // A malformed `pause` still pauses: each job is then resumed by a good one.
    let mut paused_by = Vec::new();
    for (n, (what, payload)) in [JUNK_JSON, TWO_PAYLOADS, BINARY].into_iter().enumerate() {
        let id = env.job_id(&format!("pause{n}"));
        env.start(&id, input(vec![scenario("a", 4)], Quality::Standard))
            .await;
        signal(&id, names::PAUSE, payload);
        paused_by.push((id, what));
    }
    // A malformed `resume` still resumes: nothing else would.
    let mut resumed_by = Vec::new();
    for (n, (what, payload)) in [JUNK_JSON, TWO_PAYLOADS, BINARY].into_iter().enumerate() {
        let id = env.job_id(&format!("resume{n}"));
        env.start(&id, input(vec![scenario("a", 4)], Quality::Standard))
            .await;
        env.client.pause(&id).await.unwrap();
        signal(&id, names::RESUME, payload);
        resumed_by.push((id, what));
    }
    env.worker = Some(env.spawn_worker(ProviderKind::Offline, Ffmpeg::from_env()));

    progress_until(&env, &add, "the job to hold", |p| p.paused).await;
    for (what, payload) in [NO_PAYLOAD, TWO_PAYLOADS, BINARY] {
        signal(&add, names::ADD_SEGMENT, payload);
        let p = progress_until(&env, &add, &format!("addSegment with {what} said"), |p| {
            p.current_step.contains(what)
        })
        .await;
        assert!(
            p.current_step.starts_with("Scenario not added"),
            "{}",
            p.current_step
        );
        assert_eq!(p.segments.len(), 1, "{what}");
        // The update refuses the same shape, naming it; nothing enters history.
        let mut args = vec![
            "update",
            "execute",
            "--workflow-id",
            &add,
            "--name",
            names::ADD_SCENARIO,
        ];
        args.extend_from_slice(payload);
        let (ok, out) = temporal(&args);
        assert!(!ok && out.contains(what), "addScenario with {what}: {out}");
    }
    let events = env.client.history(&add).await.unwrap();
    assert_eq!(studio_engine::history::updates_accepted(&events), 0);
    signal(
        &add,
        names::ADD_SEGMENT,
        &["--input", "{\"prompt\": \"b lands on the beach\"}"],
    );
    progress_until(&env, &add, "the good scenario", |p| p.segments.len() == 2).await;
    env.client.resume(&add).await.unwrap();

    for (id, what) in &paused_by {
        progress_until(&env, id, &format!("pause with {what} to hold"), |p| {
            p.paused
        })
        .await;
        env.client.resume(id).await.unwrap();
    }
    for (id, what) in paused_by.iter().chain(&resumed_by) {
        assert_eq!(settle(&env, id).await, JobStatus::Completed, "{what}");
    }
    assert_eq!(settle(&env, &add).await, JobStatus::Completed);
    let result = env.result(&add).await.unwrap();
    let prompts: Vec<&str> = result.segments.iter().map(|s| s.prompt.as_str()).collect();
    assert_eq!(prompts, ["a takes off", "b lands on the beach"]);
}

/// The batch workflow's `pause` and `resume` with malformed payloads: no workflow task fails
/// and every batch completes (a malformed `resume` resumes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_batch_signals_never_fail_a_workflow_task() {
    use studio_core::{Character, JobStatus};
    let mut env = Env::without_worker("badbatch").await;
    let batch = vec![Character {
        name: "Ava".into(),
        base_prompt: "a pilot".into(),
        ..Default::default()
    }];
    let mut ids = Vec::new();
    for (n, (what, payload)) in [JUNK_JSON, TWO_PAYLOADS, BINARY].into_iter().enumerate() {
        // A malformed pause, then a good resume.
        let id = env.job_id(&format!("pause{n}"));
        env.client.start_batch(&id, batch.clone()).await.unwrap();
        signal(&id, names::PAUSE, payload);
        signal(&id, names::RESUME, &[]);
        ids.push((id, what));
        // A good pause, then a malformed resume.
        let id = env.job_id(&format!("resume{n}"));
        env.client.start_batch(&id, batch.clone()).await.unwrap();
        signal(&id, names::PAUSE, &[]);
        signal(&id, names::RESUME, payload);
        ids.push((id, what));
    }
    env.worker = Some(env.spawn_worker(ProviderKind::Offline, Ffmpeg::from_env()));
    for (id, what) in &ids {
        assert_eq!(settle(&env, id).await, JobStatus::Completed, "{id}: {what}");
        let r = env.batch_result(id).await.unwrap();
        assert_eq!((r.processed, r.total), (1, 1), "{id}");
    }
}

/// Every added scene is a paid clip: a job never grows past the scene limit of a project
/// (`MAX_SCENARIOS`). `addScenario` is refused with the reason; `addSegment` is dropped and
/// said.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_job_grows_past_the_scene_limit() {
    use studio_core::project::MAX_SCENARIOS;
    let mut env = Env::without_worker("limit").await;
    let id = env.job_id("job");
    let scenarios = (1..MAX_SCENARIOS)
        .map(|i| scenario(&format!("shot {i}"), 4))
        .collect();
    env.start(&id, input(scenarios, Quality::Standard)).await;
    env.client.pause(&id).await.unwrap();
    env.worker = Some(env.spawn_worker(ProviderKind::Offline, Ffmpeg::from_env()));
    progress_until(&env, &id, "the job to hold", |p| p.paused).await;

    // The last scene that fits is added.
    env.client
        .add_segment(&id, scenario("the last that fits", 4))
        .await
        .unwrap();
    let err = env
        .client
        .add_segment(&id, scenario("one too many", 4))
        .await
        .unwrap_err();
    match &err {
        studio_engine::EngineError::Rejected { message, .. } => {
            assert!(message.contains("50 scenarios"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    signal(
        &id,
        names::ADD_SEGMENT,
        &["--input", "{\"prompt\": \"one too many\"}"],
    );
    let p = progress_until(&env, &id, "the signal dropped and said", |p| {
        p.current_step.contains("50 scenarios")
    })
    .await;
    assert_eq!(p.segments.len(), MAX_SCENARIOS);
    assert!(p.segments.iter().all(|s| s.prompt != "one too many"));
    env.client.cancel(&id).await.unwrap();
    assert_eq!(settle(&env, &id).await, studio_core::JobStatus::Canceled);
    // The signal's limit is behind a patch (jobs that grew past it before it existed replay as
    // they ran, see `replay.rs`): the job that reached it wrote the marker, once, and its
    // history, the marker written by a signal handler, replays.
    let events = env.client.history(&id).await.unwrap();
    assert_eq!(studio_engine::history::counts(&events).patch_markers, 1);
    let recorded = record_history(&env, &id, "scene-limit").await;
    assert_replays(&[("scene-limit", recorded)]).await;
}
