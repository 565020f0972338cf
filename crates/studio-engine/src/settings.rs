//! Studio settings: a small JSON file in the data dir, written atomically, with the seed's values
//! as defaults. Connection details follow Temporal's envconfig (`TEMPORAL_ADDRESS`,
//! `TEMPORAL_NAMESPACE`, `temporal.toml` profiles); an address here overrides them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_media::google::GoogleSettings;
use studio_media::ProviderKind;

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
    /// Path of the `temporal` CLI used for the embedded dev server.
    pub cli_path: Option<PathBuf>,
    pub dev_server_port: u16,
    pub dev_server_ui_port: u16,
}

impl Default for TemporalSettings {
    fn default() -> Self {
        TemporalSettings {
            address: None,
            namespace: None,
            profile: None,
            cli_path: None,
            dev_server_port: 7233,
            dev_server_ui_port: 8233,
        }
    }
}

/// Limits of one worker process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkerSettings {
    pub task_queue: String,
    pub max_concurrent_activities: usize,
    pub max_concurrent_workflow_tasks: usize,
    pub max_cached_workflows: usize,
    /// Seconds running activities get to finish after a shutdown request.
    pub graceful_shutdown_secs: u64,
    /// Whether the studio runs its own worker (off: only external workers run activities).
    pub bundled: bool,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            task_queue: names::TASK_QUEUE.into(),
            max_concurrent_activities: 5,
            max_concurrent_workflow_tasks: 100,
            max_cached_workflows: 200,
            graceful_shutdown_secs: 30,
            bundled: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub temporal: TemporalSettings,
    pub worker: WorkerSettings,
    /// None: chosen from the environment (see [`ProviderKind::from_google_env`]).
    pub provider: Option<ProviderKind>,
    pub google: GoogleSettings,
    /// Overrides sent with every render; None keeps the seed's timeouts and retries.
    pub tuning: Option<Tuning>,
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
        Ok(settings)
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
            self.worker.task_queue = q;
        }
        Ok(())
    }

    /// The provider workers started from these settings use.
    pub fn provider(&self) -> ProviderKind {
        self.provider.unwrap_or_else(ProviderKind::from_google_env)
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
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::default();
        s.temporal.address = Some("10.0.0.5:7233".into());
        s.tuning = Some(Tuning::fast());
        s.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap().temporal, s.temporal);
    }
}
