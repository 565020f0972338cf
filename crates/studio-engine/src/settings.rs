//! Studio settings: a small JSON file in the data dir, written atomically, with the seed's values
//! as defaults. Connection details follow Temporal's envconfig (`TEMPORAL_ADDRESS`,
//! `TEMPORAL_NAMESPACE`, `temporal.toml` profiles); an address here overrides them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_media::google::{GoogleSettings, StoredSecret};
use studio_media::{ArtifactSettings, ProviderKind};
use studio_secrets::{SecretName, Secrets};

use crate::error::{EngineError, Result};
use crate::names;
use crate::tuning::Tuning;

pub const SETTINGS_FILE: &str = "settings.json";

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub temporal: TemporalSettings,
    pub worker: WorkerSettings,
    /// None: chosen from the environment (see [`ProviderKind::from_google_env`]).
    pub provider: Option<ProviderKind>,
    pub google: GoogleSettings,
    /// Where media lives: the data dir's folder, or a bucket shared by every machine.
    pub artifacts: ArtifactSettings,
    /// Overrides sent with every render; None keeps the seed's timeouts and retries.
    pub tuning: Option<Tuning>,
    /// Reuse artifacts that identical inputs made before (on unless turned off).
    pub use_cache: bool,
    /// Price per model, for estimates before a render and the cost of what jobs generated.
    pub prices: studio_core::PriceTable,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            temporal: TemporalSettings::default(),
            worker: WorkerSettings::default(),
            provider: None,
            google: GoogleSettings::default(),
            artifacts: ArtifactSettings::default(),
            tuning: None,
            use_cache: true,
            prices: studio_core::PriceTable::default(),
        }
    }
}

impl Settings {
    /// Reads `settings.json` from the data dir (defaults when absent), then applies `STUDIO_*`
    /// environment overrides.
    pub fn load(data_dir: &Path) -> Result<Settings> {
        let path = data_dir.join(SETTINGS_FILE);
        let mut settings = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| EngineError::Settings {
                path: path.clone(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(e) => {
                return Err(EngineError::Settings {
                    path,
                    message: e.to_string(),
                })
            }
        };
        settings.apply_env()?;
        settings.load_secrets(&Secrets::open(data_dir));
        // Discovered model lists live beside the settings, shared by window and worker.
        settings.google.models_cache_dir = Some(data_dir.to_owned());
        Ok(settings)
    }

    /// Fills the keys kept in the OS keyring (or the private key file) into memory. A key that
    /// cannot be read is logged and left unset: the provider then says which key is missing.
    pub fn load_secrets(&mut self, secrets: &Secrets) {
        let get = |name: SecretName| match secrets.get(name) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "key not loaded");
                None
            }
        };
        self.google.stored_api_key = StoredSecret::new(get(SecretName::GeminiApiKey));
        self.google.stored_credentials_file =
            get(SecretName::VertexCredentialsFile).map(PathBuf::from);
        self.temporal.stored_api_key = StoredSecret::new(get(SecretName::TemporalApiKey));
    }

    fn apply_env(&mut self) -> Result<()> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(p) = env("STUDIO_PROVIDER") {
            self.provider = Some(p.parse().map_err(|e: studio_core::ParseError| {
                EngineError::Config(format!("STUDIO_PROVIDER: {e}"))
            })?);
        }
        if let Some(p) = env("STUDIO_TEMPORAL_CLI") {
            self.temporal.cli_path = Some(p.into());
        }
        if let Some(q) = env("STUDIO_TASK_QUEUE") {
            self.worker.set_task_queue(q);
        }
        if let Some(q) = env("STUDIO_SLOW_TASK_QUEUE") {
            self.worker.slow_task_queue = q;
        }
        if let Some(url) = env("STUDIO_ARTIFACTS_URL") {
            self.artifacts.url = Some(url);
        }
        Ok(())
    }

    /// The provider workers started from these settings use.
    pub fn provider(&self) -> ProviderKind {
        self.provider
            .unwrap_or_else(|| match ProviderKind::from_google_env() {
                // A key entered in Settings counts like one in the environment.
                ProviderKind::Offline if self.google.stored_api_key.is_set() => {
                    ProviderKind::Gemini
                }
                kind => kind,
            })
    }

    /// The models (image, video) a worker started from these settings would generate with at
    /// `quality`, as usage and prices name them: for Google, the pins, else the choice from
    /// the last listing cached in the data dir (None until the key's models were listed).
    pub fn models(&self, quality: studio_core::Quality) -> Option<studio_media::ModelPlan> {
        let backend = match self.provider() {
            ProviderKind::Offline => return studio_media::ModelPlan::local("offline").ok(),
            ProviderKind::Bench => return studio_media::ModelPlan::local("bench").ok(),
            ProviderKind::Gemini => studio_media::google::Backend::Gemini,
            ProviderKind::Vertex => studio_media::google::Backend::Vertex,
        };
        studio_media::google::discovery::cached_plan(&self.google, backend, quality)
    }

    /// The input of a render of `request` with these settings' tuning and queues.
    pub fn render_input(&self, request: studio_core::VideoRequest) -> crate::RenderInput {
        crate::RenderInput {
            request,
            tuning: self.tuning,
            slow_queue: self.worker.slow_queue_for_input(),
            use_cache: self.use_cache,
            base: None,
            character_images: None,
        }
    }

    /// Writes `settings.json` atomically.
    pub fn save(&self, data_dir: &Path) -> Result<()> {
        let path = data_dir.join(SETTINGS_FILE);
        let json = serde_json::to_vec_pretty(self).expect("settings always serialize");
        studio_core::write_atomic(&path, &json).map_err(|e| EngineError::Settings {
            path,
            message: e.to_string(),
        })
    }
}

/// The data dir: explicit, else `STUDIO_DATA_DIR`, else the platform's app-data folder.
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_owned());
    }
    if let Some(p) = std::env::var_os("STUDIO_DATA_DIR").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("studio", "SmokeTech", "SmokeTech Studio")
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| EngineError::Config("no home directory to keep studio data in".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_and_bad_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::load(dir.path()).unwrap();
        assert_eq!(s.worker.task_queue, "video-generation");
        assert_eq!(s.worker.max_concurrent_activities, 5);
        std::fs::write(dir.path().join(SETTINGS_FILE), "{\"worker\": 3}").unwrap();
        let err = Settings::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("settings.json"), "{err}");
    }

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

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::default();
        s.temporal.address = Some("10.0.0.5:7233".into());
        s.tuning = Some(Tuning::fast());
        s.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap().temporal, s.temporal);
    }
}
