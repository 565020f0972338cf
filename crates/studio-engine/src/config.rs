//! What the engine is configured with: where Temporal is ([`TemporalSettings`]) and what one
//! worker process polls and runs ([`WorkerSettings`]). The settings file that holds them, keys
//! and prices live above the engine (`studio-api`); these are plain values.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use studio_media::google::StoredSecret;

use crate::error::{EngineError, Result};
use crate::names;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TemporalSettings {
    /// `host:port` of a Temporal frontend. None: envconfig, else the embedded dev server.
    pub address: Option<String>,
    pub namespace: Option<String>,
    /// envconfig profile name in `temporal.toml`.
    pub profile: Option<String>,
    /// The envconfig file (else `TEMPORAL_CONFIG_FILE`, else Temporal's default location).
    pub config_file: Option<PathBuf>,
    /// TLS to a remote cluster, over what the profile says. API keys are not kept here: they
    /// come from `TEMPORAL_API_KEY`, the profile or the OS keyring.
    pub tls: Option<TlsSettings>,
    /// Path of the `temporal` CLI used for the embedded dev server.
    pub cli_path: Option<PathBuf>,
    pub dev_server_port: u16,
    pub dev_server_ui_port: u16,
    /// A Temporal Cloud API key from the OS keyring, used when neither `TEMPORAL_API_KEY` nor
    /// the profile gives one.
    #[serde(skip)]
    pub stored_api_key: StoredSecret,
}

impl Default for TemporalSettings {
    fn default() -> Self {
        TemporalSettings {
            address: None,
            namespace: None,
            profile: None,
            config_file: None,
            tls: None,
            cli_path: None,
            dev_server_port: 7233,
            dev_server_ui_port: 8233,
            stored_api_key: StoredSecret::default(),
        }
    }
}

/// TLS (optionally mutual) to a Temporal frontend: PEM files on this machine.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsSettings {
    /// CA that signed the server's certificate (None: the system's roots).
    pub server_ca_cert: Option<PathBuf>,
    /// Client certificate and key, for clusters that require mTLS (Temporal Cloud's mTLS auth).
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Name to verify the server's certificate against, when it differs from the address.
    pub server_name: Option<String>,
}

/// The two kinds of work a worker can poll for. Fast work (workflow tasks, character images,
/// stitching) takes seconds and little memory; slow work (video clips, 4K enhance) takes minutes
/// and waits on a paid provider, so operators size and place it separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueRole {
    Fast,
    Slow,
}

impl QueueRole {
    pub const ALL: [QueueRole; 2] = [QueueRole::Fast, QueueRole::Slow];
}

impl std::fmt::Display for QueueRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QueueRole::Fast => "fast",
            QueueRole::Slow => "slow",
        })
    }
}

impl std::str::FromStr for QueueRole {
    type Err = EngineError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "fast" => Ok(QueueRole::Fast),
            "slow" => Ok(QueueRole::Slow),
            other => Err(EngineError::Config(format!(
                "unknown queue {other:?}: expected fast, slow or fast,slow"
            ))),
        }
    }
}

/// Parses `--queues fast,slow` (any order, duplicates ignored).
pub fn parse_queue_roles(list: &str) -> Result<Vec<QueueRole>> {
    let mut roles = Vec::new();
    for part in list.split(',').filter(|p| !p.trim().is_empty()) {
        let role: QueueRole = part.parse()?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return Err(EngineError::Config(
            "no queue given: expected fast, slow or fast,slow".into(),
        ));
    }
    Ok(roles)
}

/// Limits of one worker process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkerSettings {
    /// The fast queue: workflows are started here, and character images and stitching run here.
    pub task_queue: String,
    /// The slow queue: video clips and 4K enhance. The same name as `task_queue` (the default)
    /// is the single-queue setup the seed design uses.
    pub slow_task_queue: String,
    /// Activities run at once on the fast queue (on the only queue when not split).
    pub max_concurrent_activities: usize,
    /// Activities run at once on the slow queue when it is split off.
    pub max_concurrent_slow_activities: usize,
    pub max_concurrent_workflow_tasks: usize,
    pub max_cached_workflows: usize,
    /// Seconds running activities get to finish after a shutdown request.
    pub graceful_shutdown_secs: u64,
    /// Whether the studio runs its own worker (off: only external workers run activities).
    pub bundled: bool,
    /// Where a worker serves Prometheus metrics (`0.0.0.0:9464`); None: not served.
    pub metrics_address: Option<std::net::SocketAddr>,
}

impl WorkerSettings {
    /// Whether slow work has a queue of its own.
    pub fn is_split(&self) -> bool {
        self.slow_task_queue != self.task_queue
    }

    /// Moves the fast queue; an unsplit slow queue moves with it.
    pub fn set_task_queue(&mut self, queue: String) {
        if !self.is_split() {
            self.slow_task_queue = queue.clone();
        }
        self.task_queue = queue;
    }

    /// The queue a role polls.
    pub fn queue(&self, role: QueueRole) -> &str {
        match role {
            QueueRole::Fast => &self.task_queue,
            QueueRole::Slow => &self.slow_task_queue,
        }
    }

    /// The queue slow activities are sent to, as workflow input: None keeps them on the
    /// workflow's own queue, exactly as a client of the seed design starts them.
    pub fn slow_queue_for_input(&self) -> Option<String> {
        self.is_split().then(|| self.slow_task_queue.clone())
    }
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            task_queue: names::TASK_QUEUE.into(),
            slow_task_queue: names::TASK_QUEUE.into(),
            max_concurrent_activities: 5,
            max_concurrent_slow_activities: 5,
            max_concurrent_workflow_tasks: 100,
            max_cached_workflows: 200,
            graceful_shutdown_secs: 30,
            bundled: true,
            metrics_address: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_default_to_one_and_parse_by_role() {
        let w = WorkerSettings::default();
        assert!(!w.is_split());
        assert_eq!(w.slow_queue_for_input(), None);
        let w = WorkerSettings {
            slow_task_queue: "video-slow".into(),
            ..w
        };
        assert_eq!(w.queue(QueueRole::Slow), "video-slow");
        assert_eq!(w.slow_queue_for_input().as_deref(), Some("video-slow"));
        assert_eq!(
            parse_queue_roles("slow, fast,slow").unwrap(),
            vec![QueueRole::Slow, QueueRole::Fast]
        );
        let err = parse_queue_roles("fast,medium").unwrap_err().to_string();
        assert!(err.contains("\"medium\""), "{err}");
        assert!(parse_queue_roles(",").is_err());
    }
}
