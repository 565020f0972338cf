//! Clients written against the seed's TypeScript interface, and clients that send garbage:
//! messages sent as raw JSON by the `temporal` CLI (not by our typed client).

use std::process::Command;
use std::time::Duration;

use studio_core::Quality;
use studio_engine::devserver::find_temporal_cli;
use studio_engine::names;
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
