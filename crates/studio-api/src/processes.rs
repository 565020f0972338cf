//! The long-running processes a studio can be: `studio server` (the dev server on this data
//! dir's database) and `studio worker` (a headless worker), started from the same settings the
//! window uses.

use std::net::SocketAddr;

use studio_core::QueueRole;
use studio_engine::devserver::DevServer;
use studio_engine::worker::WorkerThread;

use crate::error::ApiError;
use crate::Studio;

/// A dev server this studio started; stopped by [`RunningServer::stop`] or when dropped.
pub struct RunningServer {
    server: DevServer,
    pub port: u16,
    pub db_file: std::path::PathBuf,
}

impl RunningServer {
    pub fn ui_port(&self) -> Option<u16> {
        self.server.ui_port()
    }

    pub fn stop(mut self) {
        self.server.stop();
    }
}

/// A worker this studio started.
pub struct RunningWorker {
    worker: WorkerThread,
    /// Queues and slots, e.g. `video-generation (fast+slow, 5 activity slots)`.
    pub description: String,
    pub address: String,
    pub provider: String,
}

impl RunningWorker {
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.worker.metrics_addr()
    }

    /// Stops polling, lets running activities finish within the graceful period, then returns.
    pub fn shutdown(self) -> Result<(), ApiError> {
        Ok(self.worker.shutdown()?)
    }
}

impl Studio {
    /// Runs the dev server on this data dir's database (port and UI port as given, else from
    /// the settings, else free ones) and records it, so the window and `studio render` on this
    /// data dir adopt it.
    pub async fn start_dev_server(
        &self,
        port: Option<u16>,
        ui_port: Option<u16>,
    ) -> Result<RunningServer, ApiError> {
        let dd = studio_core::DataDir::new(self.data_dir());
        let server = crate::embedded::start(self.settings(), &dd, port, ui_port).await?;
        let port = server.port();
        Ok(RunningServer {
            server,
            port,
            db_file: dd.dev_db(),
        })
    }

    /// Starts a worker polling `roles` (both queues when empty), serving Prometheus metrics at
    /// `metrics` (else where the settings say).
    pub fn start_worker(
        &self,
        roles: Vec<QueueRole>,
        metrics: Option<SocketAddr>,
    ) -> Result<RunningWorker, ApiError> {
        let settings = self.settings();
        let endpoint = settings.endpoint()?;
        let address = endpoint.address().to_owned();
        let mut spec = settings.worker_spec(endpoint, &studio_core::DataDir::new(self.data_dir()));
        if !roles.is_empty() {
            spec.roles = roles;
        }
        if metrics.is_some() {
            spec.metrics = metrics;
        }
        let description = spec.describe();
        Ok(RunningWorker {
            worker: WorkerThread::spawn(spec)?,
            description,
            address,
            provider: settings.provider().to_string(),
        })
    }
}
