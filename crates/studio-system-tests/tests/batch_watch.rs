//! A batch followed as a stream, as a job is (issue 29): `Studio::watch_batch` pushes the
//! batch's view each time it changed (not each time it looked: it looks every 100 ms here,
//! and a chunk of characters takes longer) while it files the finished characters into the
//! library, and ends when the batch ends; `studio characters generate --wait` follows a batch
//! so. Real dev server, a worker on the test's queue (offline provider), the `studio` binary.

use std::time::Duration;

use studio_api::characters::BatchView;
use studio_api::{JobStatus, Settings, Start, Studio};
use studio_testkit::*;

/// Characters per batch: more than one run (ten per run), so the stream crosses a
/// continue-as-new.
const CHARACTERS: usize = 12;

/// A studio of the test's data dir on its server and queue, starting nothing.
fn studio_of(env: &Env) -> Studio {
    let mut settings = Settings::default();
    settings.temporal.address = Some(format!("127.0.0.1:{}", server_port()));
    settings.worker.set_task_queue(env.queue.clone());
    settings.worker.bundled = false;
    Studio::new(env.data.path(), settings, Start::Connect)
}

fn list(prefix: &str) -> String {
    let list: Vec<serde_json::Value> = (1..=CHARACTERS)
        .map(|i| serde_json::json!({"name": format!("{prefix} {i}"), "basePrompt": format!("{prefix} number {i}, studio portrait")}))
        .collect();
    serde_json::to_string(&list).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_batch_pushes_each_change_and_ends_with_the_batch() {
    let env = Env::new("batch-watch").await;
    let studio = studio_of(&env);
    let started = studio.generate_characters(&list("Hero")).await.unwrap();
    assert_eq!(started.total, CHARACTERS as u32);

    let mut seen: Vec<BatchView> = Vec::new();
    let last = tokio::time::timeout(
        RESULT_BOUND,
        studio.watch_batch(&started.id, Duration::from_millis(100), |b| {
            seen.push(b.clone())
        }),
    )
    .await
    .unwrap_or_else(|_| panic!("the watch did not end within {RESULT_BOUND:?}"))
    .unwrap();
    // It ended because the batch did, every character filed, and said so last.
    assert_eq!(
        (last.status, last.in_library, last.total),
        (JobStatus::Completed, CHARACTERS as u32, CHARACTERS as u32),
        "{seen:#?}"
    );
    assert_eq!(seen.last(), Some(&last));
    // Before that: the batch running, then its characters arriving, only changes, never
    // going back.
    assert_eq!(seen[0].status, JobStatus::Running, "{seen:#?}");
    for pair in seen.windows(2) {
        assert_ne!(pair[0], pair[1], "a view pushed twice: {seen:#?}");
        assert!(pair[0].in_library <= pair[1].in_library, "{seen:#?}");
    }
    // What it reported is in the library: each character once, with its angles.
    let library = studio.characters("Hero").unwrap();
    assert_eq!(library.len(), CHARACTERS);
    assert!(library.iter().all(|c| c.angle_paths.len() == 3));

    // Watching a batch that has ended gives its last view, once, and ends.
    let mut pushed = 0;
    let again = tokio::time::timeout(
        Duration::from_secs(60),
        studio.watch_batch(&started.id, Duration::from_millis(100), |_| pushed += 1),
    )
    .await
    .expect("a watch of an ended batch ends")
    .unwrap();
    assert_eq!((again, pushed), (last, 1));
}

/// The CLI's `--wait` follows the batch by the same stream: a line when it changed, and it
/// exits once the batch has ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_waits_for_a_batch_by_its_stream() {
    let env = Env::new("batch-wait").await;
    let data = env.data.path();
    env.write_cli_settings(serde_json::json!({}));
    let file = data.join("list.json");
    std::fs::write(&file, list("Pilot")).unwrap();
    let mut c = env.studio();
    c.args(["characters", "generate", "--wait"]).arg(&file);
    let out = run_bounded(c).await;
    let said = &out.stderr;
    assert!(out.ok(), "{said}");
    let batch = out.stdout.trim().to_owned();
    let progress: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with(&format!("{batch}: ")))
        .collect();
    assert!(
        progress
            .last()
            .is_some_and(|l| l.ends_with(&format!(" {CHARACTERS} in the library, completed"))),
        "{said}"
    );
    for pair in progress.windows(2) {
        assert_ne!(
            pair[0], pair[1],
            "a line printed while nothing changed:\n{said}"
        );
    }
    let library = studio_of(&env).characters("Pilot").unwrap();
    assert_eq!(library.len(), CHARACTERS);
}

/// A batch no worker has taken yet is looked at at once, not after the progress query's
/// 30 s wait for a worker, and reads as what it is: its first run, nothing made yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_no_worker_has_taken_is_looked_at_at_once() {
    let env = Env::without_worker("batch-queued").await;
    let studio = studio_of(&env);
    let started = studio.generate_characters(&list("Queued")).await.unwrap();
    let asked = std::time::Instant::now();
    let view = tokio::time::timeout(Duration::from_secs(10), studio.sync_batch(&started.id))
        .await
        .unwrap_or_else(|_| panic!("a look at a queued batch took over 10 s"))
        .unwrap();
    assert_eq!(
        (view.status, view.run, view.processed, view.in_library),
        (JobStatus::Running, 1, 0, 0),
        "{view:?}"
    );
    eprintln!(
        "a queued batch looked at in {} ms",
        asked.elapsed().as_millis()
    );
}
