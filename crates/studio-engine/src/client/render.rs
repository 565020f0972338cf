//! Starting a render and steering it while it runs: scenarios added, pause and resume, cancel,
//! quality, retakes and spending approved.

use studio_core::{Quality, Scenario};
use temporalio_client::{
    WorkflowCancelOptions, WorkflowExecuteUpdateOptions, WorkflowSignalOptions,
};

use crate::error::{EngineError, Result};
use crate::messages::{RawArgs, RegenerateRequest, RenderInput};
use crate::workflows::VideoWorkflow;

use super::{interaction, raw_json, start_error, to_value, update_error, StudioClient};

impl StudioClient {
    /// Starts a render under `id`. A finished job's id can start again: that run is the job's
    /// next version (its input carries a `base`), with a history of its own.
    pub async fn start_render(&self, id: &str, input: RenderInput) -> Result<()> {
        self.client
            .start_workflow(VideoWorkflow::run, input, self.start_options(id))
            .await
            .map(|_| ())
            .map_err(|e| start_error(id, e))
    }

    /// Adds a scenario to job `id`, starting the job with `start` if it is not running
    /// (signal-with-start).
    pub async fn add_segment_or_start(
        &self,
        id: &str,
        scenario: Scenario<Option<String>>,
        start: RenderInput,
    ) -> Result<()> {
        self.client
            .signal_with_start_workflow(
                VideoWorkflow::run,
                start,
                VideoWorkflow::add_segment,
                raw_json(&scenario)?,
                self.start_options(id),
            )
            .await
            .map(|_| ())
            .map_err(|e| EngineError::Rpc(e.to_string()))
    }

    /// Adds a scenario to a running job. A scenario the job's model would refuse (or an empty
    /// one, or one that comes after stitching began) comes back as [`EngineError::Rejected`]
    /// naming the rule and never enters history.
    pub async fn add_segment(&self, id: &str, scenario: Scenario<Option<String>>) -> Result<()> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .execute_update(
                VideoWorkflow::add_scenario,
                raw_json(&scenario)?,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .map(|_| ())
            .map_err(|e| update_error(id, e))
    }

    pub async fn pause(&self, id: &str) -> Result<()> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .signal(
                VideoWorkflow::pause,
                RawArgs::none(),
                WorkflowSignalOptions::default(),
            )
            .await
            .map_err(|e| interaction(id, e))
    }

    pub async fn resume(&self, id: &str) -> Result<()> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .signal(
                VideoWorkflow::resume,
                RawArgs::none(),
                WorkflowSignalOptions::default(),
            )
            .await
            .map_err(|e| interaction(id, e))
    }

    pub async fn cancel(&self, id: &str) -> Result<()> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .cancel(WorkflowCancelOptions::default())
            .await
            .map_err(|e| interaction(id, e))
    }

    /// Changes the quality of a running job; returns the previous quality. A value the workflow
    /// refuses comes back as [`EngineError::Rejected`] and never enters history.
    pub async fn change_quality(&self, id: &str, quality: &str) -> Result<Quality> {
        let previous = self
            .client
            .get_workflow_handle::<VideoWorkflow>(id)
            .execute_update(
                VideoWorkflow::change_quality,
                serde_json::Value::String(quality.to_owned()),
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .map_err(|e| update_error(id, e))?;
        previous
            .parse()
            .map_err(|e: studio_core::ParseError| EngineError::Rpc(e.to_string()))
    }

    /// Asks a running job for a new take of one scenario; returns the take's number. Refusals
    /// (unknown scenario, empty prompt, already stitching) come back as
    /// [`EngineError::Rejected`] and never enter history.
    pub async fn regenerate(&self, id: &str, req: RegenerateRequest) -> Result<u32> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .execute_update(
                VideoWorkflow::regenerate_segment,
                to_value(&req)?,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .map_err(|e| update_error(id, e))
    }

    /// Approves `usd` more for a job with a budget; returns the approved total. Refusals (no
    /// budget, not an amount, finished) come back as [`EngineError::Rejected`] and never enter
    /// history.
    pub async fn approve_spend(&self, id: &str, usd: studio_core::Usd) -> Result<studio_core::Usd> {
        let total = self
            .client
            .get_workflow_handle::<VideoWorkflow>(id)
            .execute_update(
                VideoWorkflow::approve_spend,
                serde_json::json!(usd.dollars()),
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .map_err(|e| update_error(id, e))?;
        studio_core::Usd::from_dollars(total)
            .ok_or_else(|| EngineError::Rpc(format!("job {id} answered {total} as its budget")))
    }
}
