//! The task queue as the client sees it, with and without workers.

use std::time::{Duration, Instant};

use studio_core::{Quality, Stage};
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;

/// A job's progress while no worker polls: it must come back within seconds, not hang.
async fn progress_with_no_worker(env: &Env, id: &str) -> studio_core::Progress {
    let asked = Instant::now();
    let progress = tokio::time::timeout(Duration::from_secs(10), env.client.progress(id))
        .await
        .expect("progress answers without a worker")
        .unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    progress
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_reports_backlog_without_workers_and_pollers_with_one() {
    let mut env = Env::without_worker("queue").await;
    let id = env.job_id("job");
    env.start(&id, input(vec![scenario("a", 4)], Quality::Standard))
        .await;
    // No worker yet: the first workflow task waits in the backlog. DescribeTaskQueue stats are
    // approximate and refreshed by the server every few seconds.
    wait_for(
        "the backlog to show the waiting task",
        Duration::from_secs(30),
        || async {
            let q = env.client.queue_status().await.unwrap();
            q.backlog >= 1 && q.workflow_pollers == 0
        },
    )
    .await;
    let q = env.client.queue_status().await.unwrap();
    assert!(q.scale_hint().unwrap().contains("studio worker"), "{q:?}");
    // No worker can answer a query, yet progress comes back at once: the job as its input
    // makes it, waiting for a worker.
    let progress = progress_with_no_worker(&env, &id).await;
    assert_eq!(progress.stage, Stage::Initializing);
    assert_eq!(progress.current_step, "Waiting for a worker");
    assert_eq!(progress.segments.len(), 1);
    assert_eq!(progress.segments[0].prompt, "a");
    env.worker = Some(env.spawn_worker(ProviderKind::Bench, Ffmpeg::from_env()));
    let result = env.result(&id).await.unwrap();
    let q = env.client.queue_status().await.unwrap();
    assert!(q.workflow_pollers >= 1 && q.activity_pollers >= 1, "{q:?}");
    assert_eq!(q.scale_hint(), None, "{q:?}");
    // A worker answers the finished job's progress by replaying it; with none left, the
    // client answers the same from its result.
    let replayed = env.client.progress(&id).await.unwrap();
    assert_eq!(replayed.stage, Stage::Completed);
    env.worker.take().unwrap().shutdown().unwrap();
    let done = progress_with_no_worker(&env, &id).await;
    assert_eq!(done, replayed);
    assert_eq!(done.percentage, 100);
    assert_eq!(done.segments, result.segments);
}
