//! Planning jobs (`storyPlanWorkflow`): started under an id, looked at while the model is
//! asked, and their result read as a typed plan with its issues and usage.

use studio_core::{JobStatus, Usage};
use temporalio_client::errors::WorkflowQueryError;
use temporalio_client::{WorkflowGetResultOptions, WorkflowQueryOptions};

use crate::error::{EngineError, Result};
use crate::names;
use crate::story::{StoryPlanInput, StoryPlanProgress, StoryPlanResult, StoryPlanned};
use crate::workflows::StoryPlanWorkflow;

use super::{result_error, start_error, StudioClient};

/// How long a look at a planning job waits for a worker to answer its progress query. A worker
/// holding the job answers in milliseconds; none at all means no worker has taken it yet.
pub const STORY_QUERY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl StudioClient {
    /// Starts planning `input.story` under `id`. The id makes the start idempotent: a second
    /// start of a running job is [`EngineError::AlreadyExists`], never a second paid question.
    pub async fn start_story_plan(&self, id: &str, input: StoryPlanInput) -> Result<()> {
        self.client
            .start_workflow(StoryPlanWorkflow::run, input, self.start_options(id))
            .await
            .map(|_| ())
            .map_err(|e| start_error(id, e))
    }

    /// Waits for planning job `id` to finish; its plan, the gaps that remain, and what every
    /// question used.
    pub async fn story_plan_result(&self, id: &str) -> Result<StoryPlanned> {
        self.raw_story_result(id).await?.typed().map_err(|e| {
            EngineError::Rpc(format!(
                "job {id}: its plan is not one this studio reads: {e}"
            ))
        })
    }

    /// Where planning job `id` is: asking, asking again, or done. A finished job answers from
    /// its result; a job no worker answers for within [`STORY_QUERY_WAIT`] is waiting for one.
    pub async fn story_plan_progress(&self, id: &str) -> Result<StoryPlanProgress> {
        if self.status(id).await? == JobStatus::Completed {
            let raw = self.raw_story_result(id).await?;
            return Ok(StoryPlanWorkflow::progress_when_done(&raw));
        }
        let handle = self.client.get_workflow_handle::<StoryPlanWorkflow>(id);
        let query = handle.query(
            StoryPlanWorkflow::get_progress,
            (),
            WorkflowQueryOptions::default(),
        );
        match tokio::time::timeout(STORY_QUERY_WAIT, query).await {
            Ok(answer) => answer.map_err(|e| match e {
                WorkflowQueryError::NotFound(_) => EngineError::NotFound { id: id.into() },
                other => EngineError::Rpc(other.to_string()),
            }),
            Err(_) => Ok(StoryPlanProgress {
                current_step: "Waiting for a worker".into(),
                ..Default::default()
            }),
        }
    }

    /// Planning job `id`'s result as recorded (plain JSON plan and issues).
    async fn raw_story_result(&self, id: &str) -> Result<StoryPlanResult> {
        self.client
            .get_workflow_handle::<StoryPlanWorkflow>(id)
            .get_result(WorkflowGetResultOptions::default())
            .await
            .map_err(|e| result_error(id, e))
    }

    /// The workflow type of job `id`'s latest run (`names::VIDEO_WORKFLOW`,
    /// `names::STORY_PLAN_WORKFLOW`, ...): how a job listed by id is read.
    pub async fn workflow_type(&self, id: &str) -> Result<String> {
        Ok(self.kind_and_status(id).await?.0)
    }

    async fn kind_and_status(&self, id: &str) -> Result<(String, JobStatus)> {
        let d = self
            .client
            .get_workflow_handle::<StoryPlanWorkflow>(id)
            .describe(Default::default())
            .await
            .map_err(|e| super::interaction(id, e))?;
        Ok((d.workflow_type().to_owned(), super::status_of(d.status())))
    }

    /// What job `id` has used so far, whatever its kind: a render's images and seconds of
    /// video, a planning job's tokens (empty when it cannot be told).
    pub async fn job_usage(&self, id: &str) -> Result<Vec<Usage>> {
        let (kind, status) = self.kind_and_status(id).await?;
        let done = status == JobStatus::Completed;
        Ok(if kind == names::STORY_PLAN_WORKFLOW {
            if done {
                self.story_plan_result(id).await?.usage
            } else {
                self.story_plan_progress(id)
                    .await
                    .map(|p| p.usage)
                    .unwrap_or_default()
            }
        } else if done {
            self.result(id).await.map(|r| r.usage).unwrap_or_default()
        } else {
            self.progress(id).await.map(|p| p.usage).unwrap_or_default()
        })
    }
}
