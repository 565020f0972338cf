//! A client relaunched after a crash runs `studio render --id ID` again: it must attach to the
//! job it started, start the job its crash kept from starting, and never start a second run of
//! a job it cannot see.

use std::process::Command;

use studio_api::jobs::{JobLog, JobRecord};
use studio_engine::EngineError;
use studio_testkit::grpc_proxy::{self, PERMISSION_DENIED};
use studio_testkit::*;

fn settings(env: &Env) {
    env.write_cli_settings(serde_json::json!({"tuning": studio_engine::Tuning::fast()}));
}

fn project(env: &Env) -> std::path::PathBuf {
    let path = env.data.path().join("p.studio.json");
    write_project(
        &path,
        serde_json::json!([{"id": "one", "prompt": "runs", "durationSeconds": 4}]),
    );
    path
}

/// The job list as `studio list --json` prints it: (id, status) per record.
async fn listed(env: &Env) -> Vec<(String, String)> {
    let jobs = env.studio_json(["--json", "list"]).await;
    jobs.as_array()
        .unwrap_or_else(|| panic!("a list: {jobs}"))
        .iter()
        .map(|j| {
            (
                j["id"].as_str().unwrap().to_owned(),
                j["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A crash between writing the job's record and starting its workflow leaves the record
/// alone: it is listed (status unknown, never dropped), and the relaunch with the same id
/// starts the job under that record instead of adding a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_recorded_but_never_started_is_listed_and_started_by_the_relaunch() {
    let env = Env::new("reconcile").await;
    settings(&env);
    let project = project(&env);
    let id = env.job_id("job");
    JobLog::new(env.data.path())
        .add(JobRecord {
            id: id.clone(),
            name: "p".into(),
            project_path: Some(project.display().to_string()),
            started_at: 1,
        })
        .unwrap();
    assert_eq!(listed(&env).await, [(id.clone(), "unknown".to_owned())]);

    let p = project.to_str().unwrap();
    env.studio_ok(["render", p, "--id", &id, "--wait"]).await;
    assert_eq!(listed(&env).await, [(id.clone(), "completed".to_owned())]);
    env.result(&id).await.expect("the job the relaunch started");
}

/// The relaunch cannot tell whether its job exists (the server refuses the describe): it
/// starts nothing (a job that failed must not run again) and leaves no record of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relaunch_that_cannot_see_its_job_starts_nothing() {
    let env = Env::without_worker("hiccup").await;
    settings(&env);
    let project = project(&env);
    let id = env.job_id("job");
    let proxy = grpc_proxy::refusing(
        server_port(),
        "/DescribeWorkflowExecution",
        PERMISSION_DENIED,
    )
    .await;
    let out = Command::new(studio_bin())
        .args(["--address", &format!("127.0.0.1:{proxy}")])
        .args(["--task-queue", &env.queue])
        .arg("--data-dir")
        .arg(env.data.path())
        .arg("render")
        .arg(&project)
        .args(["--id", &id])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the relaunch went on: {stderr}");
    assert!(stderr.contains("refused by the test proxy"), "{stderr}");
    match env.client.status(&id).await {
        Err(EngineError::NotFound { .. }) => {}
        other => panic!("a job was started: {other:?}"),
    }
    assert!(JobLog::new(env.data.path()).list().unwrap().is_empty());
}
