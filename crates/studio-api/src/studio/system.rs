//! The studio as a whole: its health (Temporal, the worker, keys, tools) and its task queues.

use super::*;

/// What the status bar shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub connected: bool,
    pub address: String,
    /// Where that address comes from (an environment variable or a profile file that
    /// replaces the embedded server is shown, not silent).
    pub endpoint_source: crate::settings::EndpointSource,
    /// The studio runs the dev server itself.
    pub embedded_server: bool,
    /// The studio runs its own worker.
    pub bundled_worker: bool,
    /// Workers polling the task queue (all machines).
    pub workers: u32,
    /// Activity tasks waiting for a worker, and the oldest one's age.
    pub backlog: u32,
    pub backlog_age_secs: u32,
    pub error: Option<String>,
    /// Problems with this machine that stop renders (e.g. ffmpeg missing), with the fix.
    pub warnings: Vec<String>,
}

/// One task queue as `studio queue` and the status bar show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    pub name: String,
    /// `fast`, `slow`, or `fast+slow` for the one queue of an unsplit setup.
    pub role: String,
    pub workflow_pollers: u32,
    pub activity_pollers: u32,
    pub backlog: u32,
    pub backlog_age_secs: u32,
    /// What to do about the backlog, if anything.
    pub hint: Option<String>,
}

impl Studio {
    /// Each task queue the studio uses: pollers, backlog, and a scale-up hint.
    pub async fn queues(&self) -> Result<Vec<QueueView>, ApiError> {
        let session = self.session().await?;
        let w = &self.settings.worker;
        let mut queues = vec![(w.task_queue.clone(), "fast")];
        if w.is_split() {
            queues.push((w.slow_task_queue.clone(), "slow"));
        } else {
            queues[0].1 = "fast+slow";
        }
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let mut out = Vec::new();
        for (name, role) in queues {
            let q = session.client.queue_status_of(&name).await?;
            out.push(QueueView {
                hint: q.scale_hint(),
                name,
                role: role.to_owned(),
                workflow_pollers: n(q.workflow_pollers),
                activity_pollers: n(q.activity_pollers),
                backlog: u32::try_from(q.backlog).unwrap_or(u32::MAX),
                backlog_age_secs: u32::try_from(q.backlog_age_secs).unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }

    /// Connection, workers and backlog for the status bar.
    pub async fn health(&self) -> Health {
        let mut h = Health {
            connected: false,
            address: self.address(),
            endpoint_source: self.settings.endpoint_source(),
            embedded_server: false,
            bundled_worker: false,
            workers: 0,
            backlog: 0,
            backlog_age_secs: 0,
            error: None,
            warnings: studio_media::Ffmpeg::from_env()
                .missing_tools()
                .into_iter()
                .collect(),
        };
        if let Some(s) = self.session_if_up() {
            let embedded = s.embedded();
            h.embedded_server = embedded.server;
            h.bundled_worker = embedded.worker;
        }
        match self.queues().await {
            Ok(queues) => {
                h.connected = true;
                // Workflow pollers are on the fast queue; the backlog is all queues'.
                h.workers = queues.first().map_or(0, |q| q.workflow_pollers);
                h.backlog = queues.iter().map(|q| q.backlog).sum();
                h.backlog_age_secs = queues.iter().map(|q| q.backlog_age_secs).max().unwrap_or(0);
            }
            Err(e) => h.error = Some(e.message),
        }
        h
    }
}
