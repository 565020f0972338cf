//! Character batches through continue-as-new.

use studio_core::Character;
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_25_runs_three_times_through_continue_as_new() {
    let env = Env::with_worker("batch", ProviderKind::Bench, Ffmpeg::from_env()).await;
    let id = env.job_id("batch");
    let batch: Vec<Character<String>> = (0..25)
        .map(|i| Character {
            name: format!("c{i}"),
            base_prompt: format!("character number {i}"),
            ..Default::default()
        })
        .collect();
    env.client.start_batch(&id, batch).await.unwrap();
    let result = env.batch_result(&id).await.unwrap();
    assert_eq!((result.processed, result.total, result.runs), (25, 25, 3));
    let progress = env.client.batch_progress(&id).await.unwrap();
    assert_eq!((progress.processed, progress.run), (25, 3));
    let runs = env
        .client
        .raw()
        .count_workflows(
            format!("WorkflowId = '{id}'"),
            temporalio_client::WorkflowCountOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(runs.count(), 3);
}
