//! A worker: polls the studio's task queue and runs workflows and activities.
//!
//! The SDK's worker future is not `Send`, so each worker gets its own thread and tokio runtime.
//! That also lets the app embed a worker beside its UI and a test run several, each stoppable.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use studio_media::google::GoogleSettings;
use studio_media::{Ffmpeg, LocalStore, ProviderKind, Toolkit};
use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

use crate::activities::StudioActivities;
use crate::client::Endpoint;
use crate::error::{EngineError, Result};
use crate::settings::WorkerSettings;
use crate::workflows::{BatchWorkflow, VideoWorkflow};

/// Everything a worker needs to start.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    pub endpoint: Endpoint,
    pub settings: WorkerSettings,
    pub provider: ProviderKind,
    /// Root of the local artifact store (`<data dir>/artifacts`).
    pub artifacts: PathBuf,
    pub ffmpeg: Ffmpeg,
    /// Models, endpoints and credential locations of the Google providers.
    pub google: GoogleSettings,
}

fn worker_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Worker(e.to_string())
}

/// Builds (but does not run) a worker on `spec`'s task queue.
async fn build(
    runtime: &Runtime,
    client: temporalio_client::Client,
    spec: &WorkerSpec,
) -> Result<Worker> {
    let store = Arc::new(LocalStore::open(&spec.artifacts)?);
    let toolkit = Toolkit::build(spec.provider, &spec.google, spec.ffmpeg.clone()).await?;
    let s = &spec.settings;
    let tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(s.max_concurrent_workflow_tasks))
        .activity_task_slot_supplier(FixedSizeSlotSupplier::new(s.max_concurrent_activities))
        .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(10))
        .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .build();
    let options = WorkerOptions::new(s.task_queue.clone())
        .register_workflow::<VideoWorkflow>()
        .map_err(worker_err)?
        .register_workflow::<BatchWorkflow>()
        .map_err(worker_err)?
        .register_activities(StudioActivities::new(store, toolkit))
        .tuner(tuner)
        .max_cached_workflows(s.max_cached_workflows)
        // Heartbeats reach the server at least this often, so cancellation reaches activities
        // within about a second whatever their heartbeat timeout.
        .max_heartbeat_throttle_interval(Duration::from_secs(1))
        .default_heartbeat_throttle_interval(Duration::from_secs(1))
        .graceful_shutdown_period(Duration::from_secs(s.graceful_shutdown_secs))
        .build();
    Worker::new(runtime, client, options).map_err(worker_err)
}

/// A worker running on its own thread.
pub struct WorkerThread {
    shutdown: Box<dyn Fn() + Send>,
    join: std::thread::JoinHandle<Result<()>>,
}

impl WorkerThread {
    /// Connects, starts polling and returns once the worker is running.
    pub fn spawn(spec: WorkerSpec) -> Result<WorkerThread> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<Box<dyn Fn() + Send>>>();
        let join = std::thread::Builder::new()
            .name(format!("worker-{}", spec.settings.task_queue))
            .spawn(move || -> Result<()> {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(worker_err)?;
                rt.block_on(async move {
                    let started = async {
                        let runtime =
                            Runtime::from_current_tokio(Default::default()).map_err(worker_err)?;
                        let client = spec.endpoint.connect().await?;
                        let worker = build(&runtime, client, &spec).await?;
                        Ok::<_, EngineError>((runtime, worker))
                    }
                    .await;
                    let (_runtime, mut worker) = match started {
                        Ok(w) => w,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return Ok(());
                        }
                    };
                    let _ = ready_tx.send(Ok(Box::new(worker.shutdown_handle())));
                    tracing::info!(task_queue = %spec.settings.task_queue, provider = %spec.provider, "worker running");
                    worker.run().await.map_err(worker_err)
                })
            })
            .map_err(worker_err)?;
        match ready_rx.recv() {
            Ok(Ok(shutdown)) => Ok(WorkerThread { shutdown, join }),
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

    /// Stops polling, lets running activities finish (up to the graceful period) and waits.
    pub fn shutdown(self) -> Result<()> {
        (self.shutdown)();
        self.join
            .join()
            .map_err(|_| EngineError::Worker("the worker thread panicked".into()))?
    }
}
