//! What a render is and has done: its progress (answered without a worker where its history
//! allows), its input, result and status, its history, and the list of jobs.

use futures::StreamExt;
use studio_core::{JobStatus, Progress, VideoResult};
use temporalio_client::errors::WorkflowQueryError;
use temporalio_client::{
    WorkflowFetchHistoryOptions, WorkflowGetResultOptions, WorkflowListOptions,
    WorkflowQueryOptions,
};
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;

use crate::error::{EngineError, Result};
use crate::messages::RenderInput;
use crate::names;
use crate::workflows::VideoWorkflow;

use super::{interaction, result_error, status_of, StudioClient};

/// How long a progress query waits for its workflow before the client checks whether the job
/// needs a worker to answer at all (a workflow task takes a worker about a millisecond; a
/// query waiting longer waits for a task in a queue).
pub const QUEUED_CHECK_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

/// One row of `studio list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub id: String,
    pub status: JobStatus,
    pub workflow_type: String,
    pub start_time: Option<String>,
}

impl StudioClient {
    /// The job's progress, asked of its workflow. A query waits for a worker: for the job's
    /// outstanding workflow task, or, once the job has finished, for a worker to replay it. For
    /// a job no worker has taken yet (a burst of new jobs queued on busy workers, or no worker
    /// running) or one that has finished, that can be seconds or forever. So when no answer
    /// came within [`QUEUED_CHECK_AFTER`], the end of the job's history is read: a job not yet
    /// run answers what its input makes (the workflow's own `init`), a finished one what its
    /// result makes (the workflow's own last state); any other waits for the query's answer.
    pub async fn progress(&self, id: &str) -> Result<Progress> {
        let handle = self.client.get_workflow_handle::<VideoWorkflow>(id);
        let query = handle.query(
            VideoWorkflow::get_progress,
            (),
            WorkflowQueryOptions::default(),
        );
        let answer = |r: std::result::Result<Progress, WorkflowQueryError>| {
            r.map_err(|e| match e {
                WorkflowQueryError::NotFound(_) => EngineError::NotFound { id: id.into() },
                other => EngineError::Rpc(other.to_string()),
            })
        };
        tokio::pin!(query);
        tokio::select! {
            r = &mut query => return answer(r),
            () = tokio::time::sleep(QUEUED_CHECK_AFTER) => {}
        }
        match self.progress_without_worker(id).await {
            Ok(Some(progress)) => Ok(progress),
            Ok(None) => answer(query.await),
            Err(e) => {
                tracing::debug!(job = id, error = %e, "cannot read the job's history; waiting for the query");
                answer(query.await)
            }
        }
    }

    /// The progress of a job not yet run or finished, from the last events of its current run
    /// (one short page, newest first); None for a job under way.
    async fn progress_without_worker(&self, id: &str) -> Result<Option<Progress>> {
        use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;
        use temporalio_common::protos::temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryReverseRequest;
        let req = GetWorkflowExecutionHistoryReverseRequest {
            namespace: self.client.options().namespace.clone(),
            execution: Some(WorkflowExecution {
                workflow_id: id.to_owned(),
                run_id: String::new(),
            }),
            // A job nobody ran holds its start, a task scheduled and maybe picked up or timed
            // out: a few events. A longer one has run.
            maximum_page_size: 8,
            next_page_token: Vec::new(),
        };
        let page = self
            .client
            .connection()
            .workflow_service()
            .get_workflow_execution_history_reverse(temporalio_client::tonic::Request::new(req))
            .await
            .map_err(|e| EngineError::Rpc(e.to_string()))?
            .into_inner();
        let mut events = page.history.map(|h| h.events).unwrap_or_default();
        if let Some(result) = events.first().and_then(crate::history::completed_result) {
            return Ok(Some(VideoWorkflow::progress_when_done(&result)));
        }
        events.reverse();
        Ok(
            crate::history::input_before_first_task(&events, page.next_page_token.is_empty())
                .map(VideoWorkflow::progress_before_start),
        )
    }

    /// The input the job's latest run started with (from its first history event).
    pub async fn input(&self, id: &str) -> Result<RenderInput> {
        use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
        let events = self.history(id).await?;
        let started = events.first().and_then(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => a.input.as_ref(),
            _ => None,
        });
        let payload = started
            .and_then(|p| p.payloads.first())
            .ok_or_else(|| EngineError::Rpc(format!("job {id} has no recorded input")))?;
        serde_json::from_slice(&payload.data)
            .map_err(|e| EngineError::Rpc(format!("job {id}: its input is not a render: {e}")))
    }

    /// Polls progress every `interval`, calling `on_change` only when it changed, until the job
    /// ends; then returns its result. (Queries, not a stream: a window reattaching after a
    /// restart watches the same way.)
    pub async fn watch(
        &self,
        id: &str,
        interval: std::time::Duration,
        on_change: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<VideoResult> {
        let mut last: Option<Progress> = None;
        let result = self.result(id);
        tokio::pin!(result);
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                r = &mut result => {
                    if r.is_ok() {
                        if let Ok(p) = self.progress(id).await {
                            if last.as_ref() != Some(&p) { on_change(&p); }
                        } else if let Some(mut p) = last.take() {
                            p.stage = studio_core::Stage::Completed;
                            p.percentage = 100;
                            on_change(&p);
                        }
                    }
                    return r;
                }
                _ = tick.tick() => {
                    if let Ok(p) = self.progress(id).await {
                        if last.as_ref() != Some(&p) {
                            on_change(&p);
                            last = Some(p);
                        }
                    }
                }
            }
        }
    }

    /// Waits for the job to finish and returns its result.
    pub async fn result(&self, id: &str) -> Result<VideoResult> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .get_result(WorkflowGetResultOptions::default())
            .await
            .map_err(|e| result_error(id, e))
    }

    /// Status of a job (`running`, `completed`, `failed`, `canceled`, ...).
    pub async fn status(&self, id: &str) -> Result<JobStatus> {
        let d = self
            .client
            .get_workflow_handle::<VideoWorkflow>(id)
            .describe(Default::default())
            .await
            .map_err(|e| interaction(id, e))?;
        Ok(status_of(d.status()))
    }

    /// Most recent jobs first.
    pub async fn list(&self, limit: usize) -> Result<Vec<JobSummary>> {
        let query = format!(
            "WorkflowType = '{}' OR WorkflowType = '{}'",
            names::VIDEO_WORKFLOW,
            names::BATCH_WORKFLOW
        );
        let mut stream = self
            .client
            .list_workflows(query, WorkflowListOptions::builder().limit(limit).build());
        let mut jobs = Vec::new();
        while let Some(item) = stream.next().await {
            let w = item.map_err(|e| EngineError::Rpc(e.to_string()))?;
            jobs.push(JobSummary {
                id: w.id().to_owned(),
                status: status_of(w.status()),
                workflow_type: w.workflow_type().to_owned(),
                start_time: w.start_time().map(|t| {
                    let secs = t
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    secs.to_string()
                }),
            });
        }
        Ok(jobs)
    }

    /// The event history of a job's latest run.
    pub async fn history(&self, id: &str) -> Result<Vec<HistoryEvent>> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .into_events()
            .await
            .map_err(|e| interaction(id, e))
    }
}
