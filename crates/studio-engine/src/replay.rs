//! Replaying recorded workflow histories against today's workflow code: Temporal's own
//! safeguard against a change that would break jobs already running (a non-deterministic
//! change). Histories are JSON, as `temporal workflow show --output json` and the SDK write them;
//! the fixtures under `crates/studio-engine/tests/histories/` are replayed by `cargo test` and
//! kept forever.

use temporalio_client::WorkflowHistory;
use temporalio_common::protos::temporal::api::history::v1::{History, HistoryEvent};
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

use crate::error::EngineError;
use crate::workflows::{BatchWorkflow, ExportWorkflow, StoryPlanWorkflow, VideoWorkflow};

fn replay_error(e: impl std::fmt::Display) -> EngineError {
    EngineError::Rpc(format!("replay: {e}"))
}

/// A history as JSON (the shape the SDK and the `temporal` CLI write).
pub fn to_json(events: Vec<HistoryEvent>) -> Result<Vec<u8>, EngineError> {
    serde_json::to_vec_pretty(&History { events }).map_err(replay_error)
}

/// Replays each JSON history with the studio's workflows; returns, per history, why it does
/// not replay (None: it replays as recorded).
pub async fn replay_json(histories: &[Vec<u8>]) -> Result<Vec<Option<String>>, EngineError> {
    let options = WorkflowReplayerOptions::new()
        .register_workflow::<VideoWorkflow>()
        .map_err(replay_error)?
        .register_workflow::<BatchWorkflow>()
        .map_err(replay_error)?
        .register_workflow::<StoryPlanWorkflow>()
        .map_err(replay_error)?
        .register_workflow::<ExportWorkflow>()
        .map_err(replay_error)?
        .build();
    let replayer = WorkflowReplayer::new(options).map_err(replay_error)?;
    let mut parsed = Vec::with_capacity(histories.len());
    for h in histories {
        parsed.push(WorkflowHistory::from_json(h).map_err(replay_error)?);
    }
    let results = replayer
        .replay_workflows(parsed)
        .await
        .map_err(replay_error)?;
    Ok(results
        .into_iter()
        .map(|r| r.replay_failure.map(|f| f.to_string()))
        .collect())
}
