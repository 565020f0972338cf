//! The character library end to end (issue 9): a batch of 25 through
//! `batchCharacterGenerationWorkflow` with a worker killed mid-batch, each character filed into
//! the library once; a project using a library character renders with no character step; an
//! export imported on "another machine" has byte-identical images. Real dev server, real worker
//! processes, the `studio` binary.

use std::process::Command;
use std::time::Duration;

use studio_engine::names;
use studio_testkit::*;

/// Runs a `studio` command (bounded) that must succeed; its stdout.
async fn run(c: Command) -> String {
    let ran = run_bounded(c).await;
    assert!(ran.ok(), "{}", ran.stderr);
    ran.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_25_survives_a_worker_kill_and_fills_the_library_once_each() {
    let env = Env::without_worker("characters").await;
    let data = env.data.path();
    env.write_cli_settings(serde_json::json!({}));
    let list: Vec<serde_json::Value> = (1..=25)
        .map(|i| serde_json::json!({"name": format!("Hero {i}"), "basePrompt": format!("hero number {i}, studio portrait")}))
        .collect();
    let list_file = data.join("list.json");
    std::fs::write(&list_file, serde_json::to_string(&list).unwrap()).unwrap();

    let mut worker = env.worker_process();
    let mut c = env.studio();
    c.args(["characters", "generate"]).arg(&list_file);
    let batch = run(c).await.trim().to_owned();
    assert!(batch.starts_with("characters-"), "{batch}");

    // Kill the worker once some characters are done and the batch is not.
    wait_for("a few characters", Duration::from_secs(120), || async {
        let n = env
            .client
            .batch_characters(&batch)
            .await
            .map_or(0, |v| v.len());
        (3..25).contains(&n)
    })
    .await;
    worker.kill().unwrap(); // SIGKILL
    worker.wait().unwrap();
    let done_at_kill = env.client.batch_characters(&batch).await.unwrap().len();
    let mut worker = env.worker_process();

    // The studio files characters in as they finish: each sync is a new process, as after an
    // app restart.
    let mut last = String::new();
    for _ in 0..240 {
        let mut c = env.studio();
        c.args(["characters", "sync", &batch]);
        last = run(c).await;
        let v: serde_json::Value = serde_json::from_str(&last).unwrap();
        if v["status"] == "completed" && v["inLibrary"] == 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let v: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["inLibrary"].as_u64()),
        (Some("completed"), Some(25)),
        "{last}"
    );
    eprintln!("killed the worker with {done_at_kill} of 25 characters done");

    // Each character generated exactly once (completed activities across all runs).
    let outputs = env.client.batch_characters(&batch).await.unwrap();
    let mut names: Vec<String> = outputs.iter().map(|(s, _)| s.name.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!((outputs.len(), names.len()), (25, 25));
    let mut c = env.studio();
    c.args(["characters", "list", "--json"]);
    let lib: Vec<serde_json::Value> = serde_json::from_str(&run(c).await).unwrap();
    assert_eq!(lib.len(), 25);
    assert!(lib.iter().all(
        |c| c["angles"]["model"] == "offline" && c["anglePaths"].as_array().unwrap().len() == 3
    ));
    let search = {
        let mut c = env.studio();
        c.args(["characters", "list", "number 17", "--json"]);
        serde_json::from_str::<Vec<serde_json::Value>>(&run(c).await).unwrap()
    };
    assert_eq!(search.len(), 1);
    let hero = search[0]["id"].as_str().unwrap().to_owned();

    // A project using a library character: no character step, its stored angles as they are.
    let project = data.join("p.studio.json");
    std::fs::write(
        &project,
        serde_json::json!({
            "version": 1,
            "character": {"name": "Hero 17", "basePrompt": "hero number 17, studio portrait", "libraryId": hero},
            "scenarios": [{"prompt": "walks on the beach", "durationSeconds": 4}],
            "quality": "standard", "aspectRatio": "16:9"
        })
        .to_string(),
    )
    .unwrap();
    let id = env.job_id("with-library-character");
    let mut c = env.studio();
    c.args(["render", "--id", &id, "--wait"]).arg(&project);
    run(c).await;
    let records = activities(&env, &id).await;
    assert_eq!(
        count(&records, names::GENERATE_CHARACTER_IMAGES),
        0,
        "{records:?}"
    );
    assert_eq!(count(&records, names::GENERATE_VIDEO_SEGMENT), 1);
    let result = env.result(&id).await.unwrap();
    let front = std::fs::read(file_path(&result.character_images[0])).unwrap();
    let stored = std::fs::read(search[0]["anglePaths"][0].as_str().unwrap()).unwrap();
    assert_eq!(front, stored, "the render used the library's front image");
    worker.kill().unwrap();
    worker.wait().unwrap();

    // Export the whole library and import it on another machine: byte-identical images.
    let archive = data.join("all.characters.tar");
    let mut c = env.studio();
    c.args(["characters", "export"]).arg(&archive);
    run(c).await;
    let other = tempfile::tempdir().unwrap();
    let out = Command::new(studio_bin())
        .args(["characters", "import"])
        .arg(&archive)
        .arg("--data-dir")
        .arg(other.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other_studio = studio_api::Studio::new(
        other.path(),
        studio_api::Settings::default(),
        studio_api::Start::Connect,
    );
    let there = other_studio.characters("").unwrap();
    assert_eq!(there.len(), 25);
    for c in &there {
        let here = lib
            .iter()
            .find(|h| h["id"] == c.character.id.as_str())
            .unwrap();
        for (a, b) in c
            .angle_paths
            .iter()
            .zip(here["anglePaths"].as_array().unwrap())
        {
            assert_eq!(
                std::fs::read(a).unwrap(),
                std::fs::read(b.as_str().unwrap()).unwrap(),
                "{}",
                c.character.name
            );
        }
    }
    // A bad archive is refused by name and changes nothing.
    let bad = data.join("bad.characters.tar");
    std::fs::write(&bad, b"definitely not an archive").unwrap();
    let out = Command::new(studio_bin())
        .args(["characters", "import"])
        .arg(&bad)
        .arg("--data-dir")
        .arg(other.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be imported"));
    assert_eq!(other_studio.characters("").unwrap().len(), 25);
}
