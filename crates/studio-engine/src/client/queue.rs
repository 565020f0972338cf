//! Who polls the studio's task queues and how much work waits there.

use crate::error::{EngineError, Result};

use super::StudioClient;

/// Who polls the studio's task queue and how much work waits there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    pub workflow_pollers: usize,
    pub activity_pollers: usize,
    /// Workflow and activity tasks waiting for a worker (approximate, refreshed by the server
    /// every few seconds).
    pub backlog: u64,
    pub backlog_age_secs: u64,
}

impl QueueStatus {
    /// Backlog older than this means workers cannot keep up.
    pub const SLOW_BACKLOG_SECS: u64 = 30;

    /// The fast queue's status with a split-off slow queue folded in: backlogs add up, and
    /// activity work is only served if both queues have pollers.
    pub fn with_slow(self, slow: QueueStatus) -> QueueStatus {
        QueueStatus {
            workflow_pollers: self.workflow_pollers,
            activity_pollers: self.activity_pollers.min(slow.activity_pollers),
            backlog: self.backlog + slow.backlog,
            backlog_age_secs: self.backlog_age_secs.max(slow.backlog_age_secs),
        }
    }

    /// A suggestion when work waits: no workers at all, or a backlog that is old.
    pub fn scale_hint(&self) -> Option<String> {
        if self.backlog == 0 {
            return None;
        }
        if self.workflow_pollers == 0 && self.activity_pollers == 0 {
            return Some(format!(
                "{} task(s) wait and no worker polls this queue: start `studio worker`",
                self.backlog
            ));
        }
        (self.backlog_age_secs >= Self::SLOW_BACKLOG_SECS).then(|| {
            format!(
                "the oldest of {} waiting task(s) is {} s old: add a worker machine",
                self.backlog, self.backlog_age_secs
            )
        })
    }
}

impl StudioClient {
    /// Pollers and backlog of the client's task queue (workflow and activity sides).
    pub async fn queue_status(&self) -> Result<QueueStatus> {
        self.queue_status_of(&self.task_queue).await
    }

    /// Pollers and backlog of any task queue (the slow queue, when it is split off).
    pub async fn queue_status_of(&self, queue: &str) -> Result<QueueStatus> {
        use temporalio_common::protos::temporal::api::enums::v1::TaskQueueType;
        let wf = self
            .describe_queue(queue, TaskQueueType::Workflow, true)
            .await?;
        let act = self
            .describe_queue(queue, TaskQueueType::Activity, true)
            .await?;
        let (ws, acts) = (wf.stats.unwrap_or_default(), act.stats.unwrap_or_default());
        let age = |s: &temporalio_common::protos::temporal::api::taskqueue::v1::TaskQueueStats| {
            s.approximate_backlog_age
                .map(|d| d.seconds.max(0) as u64)
                .unwrap_or(0)
        };
        Ok(QueueStatus {
            workflow_pollers: wf.pollers.len(),
            activity_pollers: act.pollers.len(),
            backlog: (ws.approximate_backlog_count.max(0) + acts.approximate_backlog_count.max(0))
                as u64,
            backlog_age_secs: age(&ws).max(age(&acts)),
        })
    }

    async fn describe_queue(
        &self,
        queue: &str,
        kind: temporalio_common::protos::temporal::api::enums::v1::TaskQueueType,
        stats: bool,
    ) -> Result<
        temporalio_common::protos::temporal::api::workflowservice::v1::DescribeTaskQueueResponse,
    > {
        use temporalio_common::protos::temporal::api::{
            enums::v1::TaskQueueKind, taskqueue::v1::TaskQueue,
            workflowservice::v1::DescribeTaskQueueRequest,
        };
        let req = DescribeTaskQueueRequest {
            namespace: self.client.options().namespace.clone(),
            task_queue: Some(TaskQueue {
                name: queue.to_owned(),
                kind: TaskQueueKind::Normal as i32,
                ..Default::default()
            }),
            task_queue_type: kind as i32,
            report_stats: stats,
            ..Default::default()
        };
        self.client
            .connection()
            .workflow_service()
            .describe_task_queue(temporalio_client::tonic::Request::new(req))
            .await
            .map(|r| r.into_inner())
            .map_err(|e| EngineError::Rpc(e.to_string()))
    }

    /// Number of workers polling the task queue for workflow tasks.
    pub async fn pollers(&self) -> Result<usize> {
        use temporalio_common::protos::temporal::api::enums::v1::TaskQueueType;
        Ok(self
            .describe_queue(&self.task_queue, TaskQueueType::Workflow, false)
            .await?
            .pollers
            .len())
    }
}
