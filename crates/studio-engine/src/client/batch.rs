//! Character batches: started, asked for their progress and result, and what they have made
//! so far read from the histories of all their runs.

use futures::StreamExt;
use studio_core::{BatchProgress, Character};
use temporalio_client::errors::WorkflowQueryError;
use temporalio_client::{
    WorkflowFetchHistoryOptions, WorkflowGetResultOptions, WorkflowListOptions,
    WorkflowQueryOptions,
};

use crate::error::{EngineError, Result};
use crate::messages::{BatchResult, CharacterInput, CharacterOutput};
use crate::names;
use crate::workflows::BatchWorkflow;

use super::{interaction, result_error, StudioClient};

/// How long a look at a running batch waits for its worker to answer the progress query. A
/// worker answers in milliseconds; none at all means a batch no worker has taken yet.
pub const BATCH_QUERY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl StudioClient {
    /// The characters a batch has finished so far, across all its continue-as-new runs, read
    /// from their histories: each completed `generateCharacterImages` with its input and output.
    pub async fn batch_characters(
        &self,
        id: &str,
    ) -> Result<Vec<(Character<String>, CharacterOutput)>> {
        use temporalio_client::WorkflowExecutionInfo;
        use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
        let mut out = Vec::new();
        for run in self.batch_run_ids(id).await? {
            let events = WorkflowExecutionInfo::builder()
                .namespace(self.client.options().namespace.clone())
                .workflow_id(id)
                .run_id(run)
                .build()
                .bind_untyped(self.client.clone())
                .fetch_history(WorkflowFetchHistoryOptions::default())
                .into_events()
                .await
                .map_err(|e| interaction(id, e))?;
            let mut inputs = std::collections::HashMap::new();
            for e in &events {
                match &e.attributes {
                    Some(Attributes::ActivityTaskScheduledEventAttributes(a))
                        if a.activity_type
                            .as_ref()
                            .is_some_and(|t| t.name == names::GENERATE_CHARACTER_IMAGES) =>
                    {
                        if let Some(input) =
                            crate::history::first_json::<CharacterInput>(a.input.as_ref())
                        {
                            inputs.insert(e.event_id, input.character);
                        }
                    }
                    Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => {
                        let output =
                            crate::history::first_json::<CharacterOutput>(a.result.as_ref());
                        if let (Some(spec), Some(output)) =
                            (inputs.remove(&a.scheduled_event_id), output)
                        {
                            out.push((spec, output));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// Starts `batchCharacterGenerationWorkflow(batch, 0)`.
    pub async fn start_batch(&self, id: &str, batch: Vec<Character<String>>) -> Result<()> {
        self.client
            .start_workflow(
                BatchWorkflow::run,
                crate::messages::BatchStart {
                    batch: crate::messages::BatchArg::List(batch),
                    processed: 0,
                },
                self.start_options(id),
            )
            .await
            .map(|_| ())
            .map_err(|e| EngineError::Rpc(e.to_string()))
    }

    pub async fn batch_progress(&self, id: &str) -> Result<BatchProgress> {
        self.client
            .get_workflow_handle::<BatchWorkflow>(id)
            .query(
                BatchWorkflow::get_progress,
                (),
                WorkflowQueryOptions::default(),
            )
            .await
            .map_err(|e| match e {
                WorkflowQueryError::NotFound(_) => EngineError::NotFound { id: id.into() },
                other => EngineError::Rpc(other.to_string()),
            })
    }

    /// The progress of a running batch as its worker answers it, or None when no worker answers
    /// within [`BATCH_QUERY_WAIT`]: a batch no worker has taken yet, whose query would wait
    /// the server's 30 s for one.
    pub async fn batch_progress_now(&self, id: &str) -> Result<Option<BatchProgress>> {
        match tokio::time::timeout(BATCH_QUERY_WAIT, self.batch_progress(id)).await {
            Ok(answer) => answer.map(Some),
            Err(_) => Ok(None),
        }
    }

    /// How many runs of a batch's continue-as-new chain exist so far (its current run's
    /// 1-based number).
    pub async fn batch_runs(&self, id: &str) -> Result<u32> {
        let runs = self.batch_run_ids(id).await?.len();
        Ok(u32::try_from(runs).unwrap_or(u32::MAX).max(1))
    }

    /// The run ids of a batch's continue-as-new chain, as the server lists them.
    async fn batch_run_ids(&self, id: &str) -> Result<Vec<String>> {
        let mut stream = self.client.list_workflows(
            format!("WorkflowId = '{}'", id.replace('\'', "")),
            WorkflowListOptions::builder().limit(1000).build(),
        );
        let mut runs = Vec::new();
        while let Some(item) = stream.next().await {
            let w = item.map_err(|e| EngineError::Rpc(e.to_string()))?;
            runs.push(w.run_id().to_owned());
        }
        Ok(runs)
    }

    pub async fn batch_result(&self, id: &str) -> Result<BatchResult> {
        self.client
            .get_workflow_handle::<BatchWorkflow>(id)
            .get_result(WorkflowGetResultOptions::default())
            .await
            .map_err(|e| result_error(id, e))
    }
}
