//! A worker: polls the studio's task queues and runs workflows and activities.
//!
//! The SDK's worker future is not `Send`, so each worker gets its own thread and tokio runtime.
//! That also lets the app embed a worker beside its UI and a test run several, each stoppable.
//! One worker process can poll the fast queue, the slow queue or both (one SDK worker per
//! distinct queue, each with its own concurrency cap), and serves one metrics endpoint.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use studio_media::google::GoogleSettings;
use studio_media::{ArtifactSettings, Ffmpeg, ProviderKind, Toolkit};
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::runtime::{PollerBehavior, RuntimeOptions};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

use crate::activities::StudioActivities;
use crate::client::Endpoint;
use crate::config::{Limits, Machine, WorkerConfig};
use crate::error::{EngineError, Result};
use crate::export::ExportActivities;
use crate::metrics::{MetricsEndpoint, StudioMetrics};
use crate::sound::SoundActivities;
use crate::story::StoryActivities;
use crate::workflows::{BatchWorkflow, ExportWorkflow, StoryPlanWorkflow, VideoWorkflow};
use studio_core::QueueRole;

/// Everything a worker needs to start.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    pub endpoint: Endpoint,
    pub settings: WorkerConfig,
    pub provider: ProviderKind,
    /// Root of the local artifact store (`<data dir>/artifacts`), the bucket's cache when
    /// `store` names one.
    pub artifacts: PathBuf,
    /// A shared bucket for artifacts, if configured.
    pub store: ArtifactSettings,
    pub ffmpeg: Ffmpeg,
    /// Models, endpoints and credential locations of the Google providers.
    pub google: GoogleSettings,
    /// Which queues to poll (both by default).
    pub roles: Vec<QueueRole>,
    /// Where to serve Prometheus metrics (None: no endpoint).
    pub metrics: Option<SocketAddr>,
}

impl WorkerSpec {
    /// A worker on both queues with `settings`' limits, keeping media under `artifacts`, on
    /// the offline provider with a local store (callers set what their settings say).
    pub fn new(endpoint: Endpoint, settings: WorkerConfig, artifacts: PathBuf) -> Self {
        WorkerSpec {
            endpoint,
            metrics: settings.metrics_address,
            settings,
            provider: ProviderKind::Offline,
            artifacts,
            store: ArtifactSettings::default(),
            ffmpeg: Ffmpeg::from_env(),
            google: GoogleSettings::default(),
            roles: QueueRole::ALL.to_vec(),
        }
    }

    /// The limits this worker runs with: the settings' numbers, `"auto"` sized from this
    /// machine and the provider.
    pub fn limits(&self) -> Limits {
        self.settings.limits(Machine::this(), self.provider)
    }

    /// The distinct queues this worker polls: `(name, runs workflows, activity slots)`. Fast
    /// and slow on one queue (the default) is one SDK worker that does everything.
    fn queues(&self) -> Vec<(String, bool, usize)> {
        let s = &self.settings;
        let limits = self.limits();
        let mut out: Vec<(String, bool, usize)> = Vec::new();
        for role in QueueRole::ALL
            .into_iter()
            .filter(|r| self.roles.contains(r))
        {
            let name = s.queue(role).to_owned();
            if out.iter().any(|(n, ..)| *n == name) {
                continue;
            }
            let fast = name == s.task_queue;
            let slots = if fast {
                limits.activities
            } else {
                limits.slow_activities
            };
            out.push((name, fast, slots));
        }
        out
    }

    /// A short description for logs and the CLI: `video-generation (fast+slow)`.
    pub fn describe(&self) -> String {
        let s = &self.settings;
        self.queues()
            .iter()
            .map(|(name, _, slots)| {
                let roles: Vec<String> = QueueRole::ALL
                    .into_iter()
                    .filter(|r| self.roles.contains(r) && s.queue(*r) == name)
                    .map(|r| r.to_string())
                    .collect();
                format!("{name} ({}, {slots} activity slots)", roles.join("+"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn worker_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Worker(e.to_string())
}

/// Builds (but does not run) one SDK worker per queue `spec` polls.
async fn build(
    runtime: &Runtime,
    client: temporalio_client::Client,
    spec: &WorkerSpec,
    metrics: &StudioMetrics,
) -> Result<Vec<Worker>> {
    let store = spec.store.open(&spec.artifacts)?;
    let toolkit = Toolkit::build(spec.provider, &spec.google, spec.ffmpeg.clone()).await?;
    let limits = spec.limits();
    tracing::info!(?limits, provider = ?spec.provider, "worker limits");
    let mut workers = Vec::new();
    for (queue, workflows, slots) in spec.queues() {
        let tuner = TunerHolder::builder()
            .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(limits.workflow_tasks))
            .activity_task_slot_supplier(FixedSizeSlotSupplier::new(slots))
            // A job's first workflow task runs its lookups as local activities: as many slots
            // as workflow tasks, so a burst of new jobs never waits on them (a task held past
            // 8 s is heartbeated: three more events and a query left waiting).
            .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(limits.workflow_tasks))
            .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
            .build();
        let (workflow_pollers, activity_pollers) = pollers(&limits, slots);
        let mut options = WorkerOptions::new(queue)
            .workflow_task_poller_behavior(workflow_pollers)
            .activity_task_poller_behavior(activity_pollers);
        if workflows {
            options = options
                .register_workflow::<VideoWorkflow>()
                .map_err(worker_err)?
                .register_workflow::<BatchWorkflow>()
                .map_err(worker_err)?
                .register_workflow::<StoryPlanWorkflow>()
                .map_err(worker_err)?
                .register_workflow::<ExportWorkflow>()
                .map_err(worker_err)?
                .workflow_interceptor(metrics.job_interceptor());
        }
        // Every activity is registered on every queue: a job started by a client that does not
        // split queues (the seed's) still runs its clips on the fast queue.
        let activities = StudioActivities::new(store.clone(), toolkit.clone(), metrics.clone());
        let options = options
            .register_activities(activities)
            .register_activities(StoryActivities::new(toolkit.clone(), metrics.clone()))
            .register_activities(SoundActivities::new(
                store.clone(),
                toolkit.clone(),
                metrics.clone(),
            ))
            .register_activities(ExportActivities::new(
                store.clone(),
                toolkit.clone(),
                spec.ffmpeg.clone(),
                metrics.clone(),
            ))
            .tuner(tuner)
            .max_cached_workflows(limits.cached_workflows)
            // Heartbeats reach the server at least this often, so cancellation reaches activities
            // within about a second whatever their heartbeat timeout.
            .max_heartbeat_throttle_interval(Duration::from_secs(1))
            .default_heartbeat_throttle_interval(Duration::from_secs(1))
            .graceful_shutdown_period(Duration::from_secs(spec.settings.graceful_shutdown_secs))
            .build();
        workers.push(Worker::new(runtime, client.clone(), options).map_err(worker_err)?);
    }
    Ok(workers)
}

/// How many polls a worker keeps open for workflow and activity tasks.
///
/// `"auto"` (measured under the load bench, docs/performance.md): as many workflow-task polls
/// as slots, of which the SDK gives the shared queue a fifth (at least one) and the worker's
/// sticky queue the rest, so the jobs a worker already holds go on before it takes new ones:
/// under a burst of starts their next tasks wait little, and a progress query to one of them
/// with them. A job not taken yet answers from its input (`StudioClient::progress`). Half the
/// activity slots poll; the other half are free when a workflow task completes, so the server
/// can hand the activities it schedules straight back (eager execution), without a trip through
/// the queue. The server-scaled polls this replaced kept two polls on the shared queue and every
/// activity slot polling: new jobs crowded out running ones and no slot was ever free for an
/// eager activity. A number fixes the most of each kind.
fn pollers(limits: &Limits, activity_slots: usize) -> (PollerBehavior, PollerBehavior) {
    match limits.fixed_pollers {
        // Sticky and normal queue each need a poll of their own.
        Some(n) => (
            PollerBehavior::SimpleMaximum(n.max(2)),
            PollerBehavior::SimpleMaximum(n.max(1)),
        ),
        None => (
            PollerBehavior::SimpleMaximum(limits.workflow_tasks.max(2)),
            PollerBehavior::SimpleMaximum((activity_slots / 2).max(1)),
        ),
    }
}

/// How often a worker with metrics on samples its queues' backlog.
const QUEUE_SAMPLE_EVERY: Duration = Duration::from_secs(10);

async fn sample_queues(endpoint: Endpoint, queues: Vec<String>, metrics: StudioMetrics) {
    let client = match endpoint.connect().await {
        Ok(c) => crate::StudioClient::new(c, queues[0].clone()),
        Err(e) => {
            tracing::warn!(error = %e, "queue sampler cannot connect");
            return;
        }
    };
    let mut tick = tokio::time::interval(QUEUE_SAMPLE_EVERY);
    loop {
        tick.tick().await;
        for q in &queues {
            match client.queue_status_of(q).await {
                Ok(status) => metrics.queue_sampled(q, &status),
                Err(e) => tracing::debug!(queue = %q, error = %e, "queue sample failed"),
            }
        }
    }
}

/// Caps glibc's malloc at two arenas for the whole process, unless `MALLOC_ARENA_MAX` says
/// otherwise. Call it first in `main`, before any thread starts: glibc fixes its arena limit when
/// it makes its second arena, and ignores the setting after that.
///
/// glibc gives each thread that allocates under contention an arena of its own, up to 8 per
/// core, and an arena keeps what it once held: under a burst of jobs a worker's tokio threads
/// and its blocking pool spread one heap over many arenas. Measured under the 200-job load
/// (docs/performance.md): anonymous memory at the peak 18.2-18.8 MiB with two arenas against
/// 20.2 MiB with glibc's 16 on two cores, worker CPU the same. A worker's runtime has two
/// threads, so two arenas are not contended.
pub fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
            return;
        }
        // SAFETY: mallopt only sets one of glibc's allocator tunables; M_ARENA_MAX may be set at
        // any time and bounds the arenas created after it. No memory is touched.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// A worker running on its own thread.
pub struct WorkerThread {
    shutdown: Vec<Box<dyn Fn() + Send>>,
    join: std::thread::JoinHandle<Result<()>>,
    metrics_addr: Option<SocketAddr>,
}

type Started = (Vec<Box<dyn Fn() + Send>>, Option<SocketAddr>);

/// The worker thread's life: starts the workers (saying on `ready` that they run, or why they
/// could not start), runs them until they are shut down, and stops sampling the queues.
async fn serve(spec: WorkerSpec, ready: std::sync::mpsc::Sender<Result<Started>>) -> Result<()> {
    let (_runtime, mut workers, endpoint) = match start_workers(&spec).await {
        Ok(w) => w,
        Err(e) => {
            let _ = ready.send(Err(e));
            return Ok(());
        }
    };
    let handles: Vec<Box<dyn Fn() + Send>> = workers
        .iter()
        .map(|w| Box::new(w.shutdown_handle()) as Box<dyn Fn() + Send>)
        .collect();
    let _ = ready.send(Ok((handles, endpoint.as_ref().map(|e| e.addr))));
    tracing::info!(queues = %spec.describe(), provider = %spec.provider, "worker running");
    // With metrics on, sample each polled queue's backlog for the alerts.
    let sampler = endpoint.as_ref().map(|e| {
        let metrics = e.studio_metrics();
        let queues: Vec<String> = spec.queues().into_iter().map(|(q, ..)| q).collect();
        let endpoint = spec.endpoint.clone();
        tokio::spawn(sample_queues(endpoint, queues, metrics))
    });
    let runs = workers.iter_mut().map(|w| w.run());
    let results = futures::future::join_all(runs).await;
    if let Some(s) = sampler {
        s.abort();
    }
    drop(endpoint);
    results
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map(drop)
        .map_err(worker_err)
}

/// The metrics endpoint (when asked), the SDK runtime reporting to it, the connection, and one
/// worker per queue `spec` polls, built but not yet running.
async fn start_workers(
    spec: &WorkerSpec,
) -> Result<(Runtime, Vec<Worker>, Option<MetricsEndpoint>)> {
    let endpoint = spec.metrics.map(MetricsEndpoint::start).transpose()?;
    let mut telemetry = TelemetryOptions::builder().build();
    let metrics = match &endpoint {
        Some(e) => {
            telemetry.metrics = Some(e.meter.clone());
            e.studio_metrics()
        }
        None => StudioMetrics::disabled(),
    };
    let options = RuntimeOptions::builder()
        .telemetry_options(telemetry)
        .build()
        .map_err(worker_err)?;
    let runtime = Runtime::from_current_tokio(options).map_err(worker_err)?;
    let client = spec.endpoint.connect().await?;
    let workers = build(&runtime, client, spec, &metrics).await?;
    Ok((runtime, workers, endpoint))
}

impl WorkerThread {
    /// Connects, starts polling and returns once the worker is running.
    pub fn spawn(spec: WorkerSpec) -> Result<WorkerThread> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<Started>>();
        let join = std::thread::Builder::new()
            .name(format!("worker-{}", spec.settings.task_queue))
            .spawn(move || -> Result<()> {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .max_blocking_threads(spec.limits().blocking_threads)
                    .enable_all()
                    .build()
                    .map_err(worker_err)?;
                rt.block_on(serve(spec, ready_tx))
            })
            .map_err(worker_err)?;
        match ready_rx.recv() {
            Ok(Ok((shutdown, metrics_addr))) => Ok(WorkerThread {
                shutdown,
                join,
                metrics_addr,
            }),
            Ok(Err(e)) => {
                let _ = join.join();
                Err(e)
            }
            Err(_) => Err(match join.join() {
                Ok(Err(e)) => e,
                _ => EngineError::Worker("the worker thread stopped at start-up".into()),
            }),
        }
    }

    /// Where this worker serves Prometheus metrics, if it does.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Stops polling, lets running activities finish (up to the graceful period) and waits.
    pub fn shutdown(self) -> Result<()> {
        for stop in &self.shutdown {
            stop();
        }
        self.join
            .join()
            .map_err(|_| EngineError::Worker("the worker thread panicked".into()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Machine, WorkerConfig};
    use studio_media::ProviderKind;

    #[test]
    fn auto_pollers_follow_the_slots_and_leave_half_the_activity_slots_free() {
        let two_cores = Machine {
            cores: 2,
            memory_mib: 8 * 1024,
        };
        let limits = WorkerConfig::default().limits(two_cores, ProviderKind::Bench);
        assert_eq!((limits.workflow_tasks, limits.activities), (8, 16));
        assert_eq!(
            pollers(&limits, limits.activities),
            (
                PollerBehavior::SimpleMaximum(8),
                PollerBehavior::SimpleMaximum(8)
            )
        );
        // A queue of one activity slot still polls.
        assert_eq!(pollers(&limits, 1).1, PollerBehavior::SimpleMaximum(1));
        let fixed = WorkerConfig {
            pollers: 1.into(),
            ..WorkerConfig::default()
        }
        .limits(two_cores, ProviderKind::Bench);
        // The sticky and the shared queue need a poll each.
        assert_eq!(
            pollers(&fixed, 16),
            (
                PollerBehavior::SimpleMaximum(2),
                PollerBehavior::SimpleMaximum(1)
            )
        );
    }
}
