//! Exports (`exportFilm`): started under an id, watched (the query's step refined by the running
//! activity's heartbeats, so a minutes-long 4K render shows its frames advancing), cancelled,
//! and their files read from the result.

use studio_core::JobStatus;
use temporalio_client::errors::WorkflowQueryError;
use temporalio_client::{WorkflowCancelOptions, WorkflowGetResultOptions, WorkflowQueryOptions};

use crate::error::{EngineError, Result};
use crate::export::{ExportInput, ExportProgress, ExportResult, ExportStage};
use crate::heartbeat::HeartbeatDetails;
use crate::workflows::ExportWorkflow;

use super::{interaction, result_error, start_error, StudioClient};

/// How long a look at an export waits for a worker to answer its progress query before it
/// says the export waits for one.
pub const EXPORT_QUERY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl StudioClient {
    /// Starts exporting under `id`. Idempotent by id: a second start of a running export is
    /// [`EngineError::AlreadyExists`].
    pub async fn start_export(&self, id: &str, input: ExportInput) -> Result<()> {
        self.client
            .start_workflow(ExportWorkflow::run, input, self.start_options(id))
            .await
            .map(|_| ())
            .map_err(|e| start_error(id, e))
    }

    /// Where export `id` is: its step (the workflow's query), refined within the step by the
    /// running activity's last heartbeat (ffmpeg's progress through the film).
    pub async fn export_progress(&self, id: &str) -> Result<ExportProgress> {
        let (status, fraction) = self.export_activity_fraction(id).await?;
        // Ended otherwise (cancelled, failed): the step it ended in is what the query
        // answers, when a worker can replay it.
        if status == JobStatus::Completed {
            return Ok(ExportWorkflow::progress_when_done());
        }
        let handle = self.client.get_workflow_handle::<ExportWorkflow>(id);
        let query = handle.query(
            ExportWorkflow::get_progress,
            (),
            WorkflowQueryOptions::default(),
        );
        let mut progress = match tokio::time::timeout(EXPORT_QUERY_WAIT, query).await {
            Ok(answer) => answer.map_err(|e| match e {
                WorkflowQueryError::NotFound(_) => EngineError::NotFound { id: id.into() },
                other => EngineError::Rpc(other.to_string()),
            })?,
            Err(_) => ExportProgress {
                stage: ExportStage::Waiting,
                percentage: 0,
                current_step: "Waiting for a worker".into(),
            },
        };
        if let Some(f) = fraction {
            progress.percentage = progress
                .percentage
                .max(ExportProgress::within(progress.stage, f));
        }
        Ok(progress)
    }

    /// The export's status and how far its running activity has said it is (0..1), if one
    /// runs and has heartbeated.
    async fn export_activity_fraction(&self, id: &str) -> Result<(JobStatus, Option<f64>)> {
        let d = self
            .client
            .get_workflow_handle::<ExportWorkflow>(id)
            .describe(Default::default())
            .await
            .map_err(|e| interaction(id, e))?;
        let fraction = d
            .raw_description
            .pending_activities
            .iter()
            .filter_map(|a| a.heartbeat_details.as_ref())
            .filter_map(|p| p.payloads.first())
            .filter_map(|p| HeartbeatDetails::from_json(&p.data))
            .map(|h| h.fraction)
            .fold(None, |best: Option<f64>, f| {
                Some(best.map_or(f, |b| b.max(f)))
            });
        Ok((super::status_of(d.status()), fraction))
    }

    /// Waits for export `id` to end; its files, or why it ended without them
    /// ([`EngineError::JobCancelled`] for a cancelled one).
    pub async fn export_result(&self, id: &str) -> Result<ExportResult> {
        self.client
            .get_workflow_handle::<ExportWorkflow>(id)
            .get_result(WorkflowGetResultOptions::default())
            .await
            .map_err(|e| result_error(id, e))
    }

    /// Asks export `id` to stop: the running activity is cancelled (ffmpeg killed, its partial
    /// file removed) and the workflow ends cancelled.
    pub async fn cancel_export(&self, id: &str) -> Result<()> {
        self.client
            .get_workflow_handle::<ExportWorkflow>(id)
            .cancel(WorkflowCancelOptions::default())
            .await
            .map_err(|e| interaction(id, e))
    }
}
