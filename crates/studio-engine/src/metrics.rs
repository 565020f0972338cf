//! Prometheus metrics of a worker process.
//!
//! One scrape endpoint serves both the SDK's own metrics (`temporal_*`: polls, slots, task
//! latencies, workflow completions) and the studio's (`studio_*`), because both are recorded on
//! the same meter. The studio's job counters come from a workflow interceptor that skips replay,
//! so a job replayed on another worker after a crash is still counted once.

use std::net::SocketAddr;
use std::sync::Arc;

use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, Gauge, MetricAttributes, MetricKeyValue, MetricParameters, NewAttributes,
    TemporalMeter,
};
use temporalio_common::telemetry::{
    start_prometheus_metric_exporter, PrometheusExporterOptions, TaskQueueLabelStrategy,
};
use temporalio_sdk::workflow_interceptors::{
    ExecuteWorkflowInput, ExecuteWorkflowResult, WorkflowInterceptor,
    WorkflowInterceptorConstructor, WorkflowInterceptorContext, WorkflowInterceptorFuture,
    WorkflowNext,
};
use temporalio_sdk::WorkflowTermination;

use crate::error::{EngineError, Result};

/// Metric names, in one place (Prometheus adds nothing: counters already end in `_total`).
pub mod names {
    pub const JOBS_STARTED: &str = "studio_jobs_started";
    pub const JOBS_FINISHED: &str = "studio_jobs_finished";
    pub const JOBS_FAILED: &str = "studio_jobs_failed";
    pub const JOBS_CANCELLED: &str = "studio_jobs_cancelled";
    pub const CLIP_SECONDS: &str = "studio_clip_seconds_generated";
    pub const PROVIDER_ERRORS: &str = "studio_provider_errors";
    pub const BACKLOG: &str = "studio_task_queue_backlog";
    pub const BACKLOG_AGE: &str = "studio_task_queue_backlog_age_seconds";
    pub const POLLERS: &str = "studio_task_queue_pollers";
    /// Every name above, for checks of the shipped alerts and dashboard.
    pub const ALL: [&str; 9] = [
        JOBS_STARTED,
        JOBS_FINISHED,
        JOBS_FAILED,
        JOBS_CANCELLED,
        CLIP_SECONDS,
        PROVIDER_ERRORS,
        BACKLOG,
        BACKLOG_AGE,
        POLLERS,
    ];
}

/// The studio's own instruments. Cheap to clone; a no-op when metrics are off.
#[derive(Clone)]
pub struct StudioMetrics {
    meter: TemporalMeter,
    jobs_started: Counter,
    jobs_finished: Counter,
    jobs_failed: Counter,
    jobs_cancelled: Counter,
    clip_seconds: Counter,
    provider_errors: Counter,
    backlog: Gauge,
    backlog_age: Gauge,
    pollers: Gauge,
}

impl std::fmt::Debug for StudioMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StudioMetrics")
    }
}

/// How a job ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Finished,
    Failed,
    Cancelled,
}

impl StudioMetrics {
    fn on(meter: TemporalMeter) -> Self {
        let params = |name: &'static str, description: &'static str| {
            MetricParameters::builder()
                .name(name)
                .description(description)
                .build()
        };
        let counter = |name, description| meter.counter(params(name, description));
        let gauge = |name, description| meter.gauge(params(name, description));
        StudioMetrics {
            jobs_started: counter(names::JOBS_STARTED, "Render and batch jobs started"),
            jobs_finished: counter(names::JOBS_FINISHED, "Jobs that completed"),
            jobs_failed: counter(names::JOBS_FAILED, "Jobs that failed"),
            jobs_cancelled: counter(names::JOBS_CANCELLED, "Jobs that were cancelled"),
            clip_seconds: counter(names::CLIP_SECONDS, "Seconds of video clips generated"),
            provider_errors: counter(
                names::PROVIDER_ERRORS,
                "Failed media work (provider calls, ffmpeg, artifact store), by error class",
            ),
            backlog: gauge(
                names::BACKLOG,
                "Tasks waiting on a task queue (sampled from the server)",
            ),
            backlog_age: gauge(
                names::BACKLOG_AGE,
                "Age of the oldest task waiting on a task queue, in seconds",
            ),
            pollers: gauge(names::POLLERS, "Workers polling a task queue"),
            meter,
        }
    }

    /// Instruments that record nothing (no metrics port configured).
    pub fn disabled() -> Self {
        Self::on(TemporalMeter::no_op())
    }

    fn attrs(&self, kvs: Vec<MetricKeyValue>) -> MetricAttributes {
        self.meter.extend_attributes(
            self.meter.get_default_attributes().clone(),
            NewAttributes { attributes: kvs },
        )
    }

    pub fn job_started(&self, workflow: &str) {
        let a = self.attrs(vec![MetricKeyValue::new(
            "workflow_type",
            workflow.to_owned(),
        )]);
        self.jobs_started.add(1, &a);
    }

    pub fn job_ended(&self, workflow: &str, outcome: JobOutcome) {
        let a = self.attrs(vec![MetricKeyValue::new(
            "workflow_type",
            workflow.to_owned(),
        )]);
        match outcome {
            JobOutcome::Finished => self.jobs_finished.add(1, &a),
            JobOutcome::Failed => self.jobs_failed.add(1, &a),
            JobOutcome::Cancelled => self.jobs_cancelled.add(1, &a),
        }
    }

    pub fn clip_generated(&self, seconds: u32) {
        self.clip_seconds
            .add(u64::from(seconds), self.meter.get_default_attributes());
    }

    pub fn provider_error(&self, class: &'static str) {
        let a = self.attrs(vec![MetricKeyValue::new("class", class)]);
        self.provider_errors.add(1, &a);
    }

    /// Records a task queue's state as the server reports it.
    pub fn queue_sampled(&self, queue: &str, status: &crate::client::QueueStatus) {
        let a = self.attrs(vec![MetricKeyValue::new("task_queue", queue.to_owned())]);
        self.backlog.record(status.backlog, &a);
        self.backlog_age.record(status.backlog_age_secs, &a);
        let pollers = status.workflow_pollers.max(status.activity_pollers) as u64;
        self.pollers.record(pollers, &a);
    }

    /// The interceptor that counts jobs, for the worker's options.
    pub fn job_interceptor(&self) -> WorkflowInterceptorConstructor {
        let metrics = self.clone();
        WorkflowInterceptorConstructor::new(move |_ctx| JobCounter {
            metrics: metrics.clone(),
        })
    }
}

/// A running scrape endpoint and the meter the worker records on.
pub struct MetricsEndpoint {
    pub addr: SocketAddr,
    pub meter: Arc<dyn CoreMeter>,
    abort: tokio::task::AbortHandle,
}

impl MetricsEndpoint {
    /// Serves `GET /metrics` on `addr` (port 0 picks a free one). Needs a tokio runtime.
    pub fn start(addr: SocketAddr) -> Result<Self> {
        let opts = PrometheusExporterOptions::builder()
            .socket_addr(addr)
            .counters_total_suffix(true)
            .build();
        let started = start_prometheus_metric_exporter(opts)
            .map_err(|e| EngineError::Config(format!("cannot serve metrics on {addr}: {e}")))?;
        Ok(MetricsEndpoint {
            addr: started.bound_addr,
            meter: started.meter,
            abort: started.abort_handle,
        })
    }

    /// The studio's instruments on this endpoint's meter.
    pub fn studio_metrics(&self) -> StudioMetrics {
        StudioMetrics::on(TemporalMeter::new(
            self.meter.clone(),
            NewAttributes { attributes: vec![] },
            TaskQueueLabelStrategy::UseNormal,
        ))
    }
}

impl Drop for MetricsEndpoint {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

/// Counts each render once: when it first runs and when it ends, never during replay. Batches
/// are left out: each continue-as-new run would count as a new start.
struct JobCounter {
    metrics: StudioMetrics,
}

impl WorkflowInterceptor for JobCounter {
    fn execute<'a>(
        &'a self,
        ctx: WorkflowInterceptorContext,
        input: ExecuteWorkflowInput,
        next: WorkflowNext<
            'a,
            ExecuteWorkflowInput,
            WorkflowInterceptorFuture<'a, ExecuteWorkflowResult>,
        >,
    ) -> WorkflowInterceptorFuture<'a, ExecuteWorkflowResult> {
        WorkflowInterceptorFuture::new(async move {
            let workflow = ctx.workflow_type().to_owned();
            if workflow != crate::names::VIDEO_WORKFLOW {
                return next.run(input).await;
            }
            if !ctx.is_replaying() {
                self.metrics.job_started(&workflow);
            }
            let result = next.run(input).await;
            if !ctx.is_replaying() {
                let outcome = match &result {
                    Ok(_) => Some(JobOutcome::Finished),
                    Err(WorkflowTermination::Cancelled { .. }) => Some(JobOutcome::Cancelled),
                    Err(WorkflowTermination::Failed(_)) => Some(JobOutcome::Failed),
                    // A new run continues the job; an eviction is not an ending.
                    Err(_) => None,
                };
                if let Some(outcome) = outcome {
                    self.metrics.job_ended(&workflow, outcome);
                }
            }
            result
        })
    }
}
