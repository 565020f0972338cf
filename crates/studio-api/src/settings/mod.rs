//! Studio settings: `settings.json` in the data dir, written atomically, with the seed's values
//! as defaults, plus the keys at rest (OS keyring or a private file) filled into memory.
//! Connection details follow Temporal's envconfig (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
//! `temporal.toml` profiles); an address here overrides them.
//!
//! The engine gets plain values from here ([`Settings::worker_spec`], [`Settings::render_input`]);
//! it never reads this file or a keyring itself.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_core::DataDir;
use studio_engine::config::{TemporalConfig, WorkerConfig};
use studio_engine::worker::WorkerSpec;
use studio_engine::{Endpoint, RenderInput, Tuning};
use studio_media::google::GoogleSettings;
use studio_media::{ArtifactSettings, ProviderKind};
use studio_secrets::StoredSecret;
use studio_secrets::{SecretName, Secrets};

use crate::error::{ApiError, ErrorCode};

mod sections;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    #[serde(with = "sections::TemporalSection")]
    pub temporal: TemporalConfig,
    #[serde(with = "sections::WorkerSection")]
    pub worker: WorkerConfig,
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
            temporal: TemporalConfig::default(),
            worker: WorkerConfig::default(),
            provider: None,
            google: GoogleSettings::default(),
            artifacts: ArtifactSettings::default(),
            tuning: None,
            use_cache: true,
            prices: studio_core::PriceTable::default(),
        }
    }
}

/// What a shell may set over the settings file and the environment (None: leave as loaded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub provider: Option<ProviderKind>,
    /// The fast queue, and the slow one too unless it is split off.
    pub task_queue: Option<String>,
    pub slow_task_queue: Option<String>,
    /// A Temporal frontend `host:port`.
    pub address: Option<String>,
}

/// Where the Temporal endpoint the studio uses comes from. The window's status bar says it, so
/// an environment variable or a `temporal.toml` profile that replaces the embedded server is
/// never silent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EndpointSource {
    /// Nothing names an address: the embedded dev server.
    Embedded,
    /// `temporal.address` in `settings.json` (or `studio --address`).
    Settings,
    /// An environment variable of the process (`TEMPORAL_ADDRESS`).
    Environment { variable: String },
    /// A profile of a Temporal client config file (`temporal.toml`).
    Profile { file: String, profile: String },
}

fn settings_error(path: &Path, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::Settings,
        format!("settings file {}: {message}", path.display()),
    )
}

/// Migrates a Temporal API key an older studio stored (bare, with no address), once: it is
/// bound to the address Temporal resolves to now (settings, `TEMPORAL_ADDRESS` or a profile),
/// the server it has been sent to, so an upgrade keeps a Temporal Cloud setup working instead
/// of asking for the key again. With no address (the embedded server, which takes no key) it is
/// stored bound to nothing, and a later address never picks it up. A configuration that does not
/// resolve leaves it for the next start.
fn bind_legacy_temporal_key(secrets: &Secrets, temporal: &TemporalConfig) {
    let key = match secrets.legacy_temporal_key() {
        Ok(Some(k)) => k,
        Ok(None) => return,
        Err(e) => return tracing::warn!(error = %e, "Temporal API key not read"),
    };
    let Ok(endpoint) = Endpoint::configured(temporal) else {
        return;
    };
    let address = endpoint.as_ref().map(|e| e.address().to_owned());
    match secrets.migrate_temporal_key(&key, address.as_deref()) {
        Ok(()) => tracing::info!(?address, "an older studio's Temporal API key bound"),
        Err(e) => tracing::warn!(error = %e, "Temporal API key not migrated"),
    }
}

impl Settings {
    /// Reads `settings.json` from the data dir (defaults when absent), applies `STUDIO_*`
    /// environment overrides, and fills in the keys kept at rest.
    pub fn load(data_dir: &Path) -> Result<Settings, ApiError> {
        let mut settings = Self::load_file(data_dir)?;
        settings.apply_env()?;
        let secrets = Secrets::open(data_dir);
        bind_legacy_temporal_key(&secrets, &settings.temporal);
        settings.load_secrets(&secrets);
        Ok(settings)
    }

    /// The file and the environment, without reading the keyring: for commands that make no
    /// paid call and talk to the local server (no keyring prompt or warning for them).
    pub fn load_without_keys(data_dir: &Path) -> Result<Settings, ApiError> {
        Self::load_without_keys_from(data_dir, |k| std::env::var(k).ok())
    }

    /// [`Settings::load_without_keys`] with the environment given as `var` (name to value)
    /// instead of read from the process: a test passes its own rather than changing the
    /// process's, which every test thread shares.
    pub fn load_without_keys_from(
        data_dir: &Path,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ApiError> {
        let mut settings = Self::load_file(data_dir)?;
        settings.apply_env_from(var)?;
        Ok(settings)
    }

    /// Whether Temporal is somewhere other than the local dev server (so its API key, which
    /// may be in the keyring, is needed to connect).
    pub fn remote_temporal(&self) -> bool {
        Endpoint::configured(&self.temporal).is_ok_and(|e| e.is_some())
    }

    /// The file alone: no environment, no keys (what Settings edits and writes back, so a
    /// value that came from the environment is never persisted).
    pub fn load_file(data_dir: &Path) -> Result<Settings, ApiError> {
        let dd = DataDir::new(data_dir);
        let path = dd.settings();
        let mut settings: Settings = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| settings_error(&path, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(e) => return Err(settings_error(&path, e)),
        };
        // Discovered model lists live beside the settings, shared by window and worker.
        settings.google.models_cache_dir = Some(dd.models_cache());
        Ok(settings)
    }

    /// [`Settings::load_secrets`] from the data dir's key store (the OS keyring, else its file).
    pub fn load_keys(&mut self, data_dir: &Path) {
        let secrets = Secrets::open(data_dir);
        // Where Temporal resolves without this run's overrides (`studio --address`): an older
        // studio's key was saved for the configured server.
        if let Ok(mut configured) = Self::load_file(data_dir) {
            if configured.apply_env().is_ok() {
                bind_legacy_temporal_key(&secrets, &configured.temporal);
            }
        }
        self.load_secrets(&secrets);
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
        // The Temporal key with the address it was saved for: the engine attaches it to a
        // connection to that address only.
        let temporal = secrets.temporal_key().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "Temporal API key not loaded");
            None
        });
        self.temporal.stored_api_key_address = temporal.as_ref().and_then(|k| k.address.clone());
        self.temporal.stored_api_key = StoredSecret::new(temporal.map(|k| k.key));
    }

    fn apply_env(&mut self) -> Result<(), ApiError> {
        self.apply_env_from(|k| std::env::var(k).ok())
    }

    /// The `STUDIO_*` overrides, read through `var`.
    fn apply_env_from(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ApiError> {
        let env = |k: &str| var(k).filter(|v| !v.is_empty());
        let provider = env("STUDIO_PROVIDER")
            .map(|p| {
                p.parse().map_err(|e: studio_core::ParseError| {
                    ApiError::new(ErrorCode::Settings, format!("STUDIO_PROVIDER: {e}"))
                })
            })
            .transpose()?;
        self.override_with(Overrides {
            provider,
            task_queue: env("STUDIO_TASK_QUEUE"),
            slow_task_queue: env("STUDIO_SLOW_TASK_QUEUE"),
            address: None,
        });
        if let Some(p) = env("STUDIO_TEMPORAL_CLI") {
            self.temporal.cli_path = Some(p.into());
        }
        if let Some(url) = env("STUDIO_ARTIFACTS_URL") {
            self.artifacts.url = Some(url);
        }
        Ok(())
    }

    /// A shell's overrides (the CLI's `--provider`, `--task-queue`, `--slow-task-queue`,
    /// `--address`) over the file and the environment, so a shell never reaches into the
    /// engine's configuration itself.
    pub fn override_with(&mut self, o: Overrides) {
        if let Some(p) = o.provider {
            self.provider = Some(p);
        }
        if let Some(q) = o.task_queue {
            self.worker.set_task_queue(q);
        }
        if let Some(q) = o.slow_task_queue {
            self.worker.slow_task_queue = q;
        }
        if let Some(a) = o.address {
            self.temporal.address = Some(a);
        }
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
    pub(crate) fn models(&self, quality: studio_core::Quality) -> Option<studio_media::ModelPlan> {
        let backend = match self.provider() {
            ProviderKind::Offline => return studio_media::ModelPlan::local("offline").ok(),
            ProviderKind::Bench => return studio_media::ModelPlan::local("bench").ok(),
            ProviderKind::Gemini => studio_media::google::Backend::Gemini,
            ProviderKind::Vertex => studio_media::google::Backend::Vertex,
        };
        studio_media::google::discovery::cached_plan(&self.google, backend, quality)
    }

    /// The text model planning jobs of these settings would ask, from the last listing cached
    /// in the data dir (None for the offline and bench providers, which have none, and until
    /// the key's models were listed).
    pub(crate) fn text_model(&self) -> Option<studio_catalog::Choice> {
        let backend = match self.provider() {
            ProviderKind::Offline | ProviderKind::Bench => return None,
            ProviderKind::Gemini => studio_media::google::Backend::Gemini,
            ProviderKind::Vertex => studio_media::google::Backend::Vertex,
        };
        studio_media::google::discovery::cached_choice(
            &self.google,
            backend,
            studio_catalog::Role::Text,
        )
    }

    /// The speech or music model (`role`) renders of these settings would use: the local
    /// provider's own, or a Google key's from its last listing cached in the data dir (None
    /// until the key's models were listed).
    pub(crate) fn sound_model(&self, role: studio_catalog::Role) -> Option<String> {
        let backend = match self.provider() {
            ProviderKind::Offline => return Some("offline".to_owned()),
            ProviderKind::Bench => return Some("bench".to_owned()),
            ProviderKind::Gemini => studio_media::google::Backend::Gemini,
            ProviderKind::Vertex => studio_media::google::Backend::Vertex,
        };
        studio_media::google::discovery::cached_choice(&self.google, backend, role).map(|c| c.model)
    }

    /// The input of a render of `request` with these settings' tuning and queues.
    pub(crate) fn render_input(&self, request: studio_core::VideoRequest) -> RenderInput {
        RenderInput {
            request,
            tuning: self.tuning,
            slow_queue: self.worker.slow_queue_for_input(),
            use_cache: self.use_cache,
            ..RenderInput::default()
        }
    }

    /// The Temporal frontend these settings name: envconfig with the studio's settings on
    /// top, else the embedded dev server's port.
    pub(crate) fn endpoint(&self) -> Result<Endpoint, ApiError> {
        Ok(Endpoint::resolve(&self.temporal)?)
    }

    /// Where [`Settings::endpoint`]'s address comes from, as the process environment says.
    pub fn endpoint_source(&self) -> EndpointSource {
        self.endpoint_source_in(&|k: &str| std::env::var(k).ok())
    }

    /// [`Settings::endpoint_source`] with the environment read through `env` (tests pass
    /// their own). The same order as envconfig under the studio's settings: the settings'
    /// address, then `TEMPORAL_ADDRESS`, then the profile file (the settings' file, else
    /// `TEMPORAL_CONFIG_FILE`, else Temporal's default place; the settings' profile, else
    /// `TEMPORAL_PROFILE`, else `default`).
    pub fn endpoint_source_in(&self, env: &dyn Fn(&str) -> Option<String>) -> EndpointSource {
        use temporalio_common::envconfig::{
            load_client_config_profile, DataSource, LoadClientConfigProfileOptions,
        };
        const ADDRESS: &str = "TEMPORAL_ADDRESS";
        let t = &self.temporal;
        if t.address.is_some() {
            return EndpointSource::Settings;
        }
        if env(ADDRESS).is_some() {
            return EndpointSource::Environment {
                variable: ADDRESS.into(),
            };
        }
        let set = |k: &str| env(k).filter(|v| !v.is_empty());
        // Only what locates the file goes in: the address, if any, is the file's.
        let vars: std::collections::HashMap<String, String> =
            ["TEMPORAL_CONFIG_FILE", "TEMPORAL_PROFILE"]
                .into_iter()
                .filter_map(|k| set(k).map(|v| (k.to_owned(), v)))
                .collect();
        let file = t
            .config_file
            .as_ref()
            .map(|p| p.display().to_string())
            .or_else(|| vars.get("TEMPORAL_CONFIG_FILE").cloned())
            .or_else(|| {
                directories::BaseDirs::new().map(|d| {
                    d.config_dir()
                        .join("temporalio")
                        .join("temporal.toml")
                        .display()
                        .to_string()
                })
            })
            .unwrap_or_else(|| "temporal.toml".into());
        let profile = t
            .profile
            .clone()
            .or_else(|| vars.get("TEMPORAL_PROFILE").cloned())
            .unwrap_or_else(|| "default".into());
        let mut opts = LoadClientConfigProfileOptions::default();
        opts.config_file_profile = t.profile.clone();
        opts.config_source = t
            .config_file
            .as_ref()
            .map(|p| DataSource::Path(p.display().to_string()));
        match load_client_config_profile(opts, Some(&vars)) {
            Ok(p) if p.address.is_none() => EndpointSource::Embedded,
            // An address in the profile, or a profile that fails to load (the studio then
            // reports that error): either way, the file decides.
            _ => EndpointSource::Profile { file, profile },
        }
    }

    /// A worker on both queues as these settings describe it, keeping media in `data_dir`.
    pub(crate) fn worker_spec(&self, endpoint: Endpoint, data_dir: &DataDir) -> WorkerSpec {
        let mut spec = WorkerSpec::new(endpoint, self.worker.clone(), data_dir.artifacts());
        spec.provider = self.provider();
        spec.store = self.artifacts.clone();
        spec.google = self.google.clone();
        spec
    }

    /// Changes the saved file (environment and keys left out) under its lock: the window's
    /// Settings and `studio` commands may write it at once.
    pub fn update(data_dir: &Path, change: impl FnOnce(&mut Settings)) -> Result<(), ApiError> {
        let path = DataDir::new(data_dir).settings();
        let _lock =
            studio_core::FileLock::exclusive(&path).map_err(|e| settings_error(&path, e))?;
        let mut s = Self::load_file(data_dir)?;
        change(&mut s);
        s.save(data_dir)
    }

    /// Writes `settings.json` atomically, keeping the fields of the file this studio does not
    /// read (a newer studio's settings survive this one's rewrite: [`keep_unknown_fields`]).
    pub fn save(&self, data_dir: &Path) -> Result<(), ApiError> {
        let path = DataDir::new(data_dir).settings();
        let internal = |e: serde_json::Error| ApiError::new(ErrorCode::Internal, e.to_string());
        let old = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        let json = match old {
            Some(old) => {
                let mut new = serde_json::to_value(self).map_err(internal)?;
                if keep_unknown_fields::<Settings>(&old, &mut new) {
                    serde_json::to_vec_pretty(&new)
                } else {
                    // Nothing to keep: the fields in the studio's own order.
                    serde_json::to_vec_pretty(self)
                }
            }
            None => serde_json::to_vec_pretty(self),
        }
        .map_err(internal)?;
        studio_core::write_atomic(&path, &json).map_err(|e| settings_error(&path, e))
    }
}

/// Adds to `new` (what this studio writes, as JSON) every field of `old` (the file as it was)
/// at any depth that this studio does not read; true when it added any.
///
/// "Does not read" is found by asking serde rather than by a list of names that would drift
/// from the nested settings types (owned by the engine and media crates): a field of `old`
/// missing from `new` is kept only when adding it leaves what `T` reads unchanged. So a field
/// this studio knows but omits (a cleared option) is not brought back, and a field it does not
/// know is, wherever it sits.
fn keep_unknown_fields<T: serde::de::DeserializeOwned + PartialEq>(
    old: &serde_json::Value,
    new: &mut serde_json::Value,
) -> bool {
    use serde_json::Value;
    let Ok(baseline) = serde_json::from_value::<T>(new.clone()) else {
        return false;
    };
    // Objects of `old` to visit, by JSON pointer; a pointer's object exists in both.
    let mut pending = vec![String::new()];
    let mut kept = false;
    while let Some(at) = pending.pop() {
        let (Some(Value::Object(from)), Some(Value::Object(to))) =
            (old.pointer(&at), new.pointer(&at))
        else {
            continue;
        };
        let mut missing = Vec::new();
        for (key, value) in from {
            let child = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
            match to.get(key) {
                Some(Value::Object(_)) if value.is_object() => pending.push(child),
                Some(_) => {}
                None => missing.push((key.clone(), value.clone())),
            }
        }
        for (key, value) in missing {
            let mut probe = new.clone();
            if let Some(Value::Object(o)) = probe.pointer_mut(&at) {
                o.insert(key.clone(), value.clone());
            }
            if serde_json::from_value::<T>(probe).is_ok_and(|t| t == baseline) {
                if let Some(Value::Object(o)) = new.pointer_mut(&at) {
                    o.insert(key, value);
                    kept = true;
                }
            }
        }
    }
    kept
}

/// The data dir: explicit, else `STUDIO_DATA_DIR`, else the platform's app-data folder.
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf, ApiError> {
    if let Some(p) = explicit {
        return Ok(p.to_owned());
    }
    if let Some(p) = std::env::var_os("STUDIO_DATA_DIR").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("studio", "SmokeTech", "SmokeTech Studio")
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Settings,
                "no home directory to keep studio data in",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_and_bad_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::load(dir.path()).unwrap();
        assert_eq!(s.worker.task_queue, "video-generation");
        assert_eq!(
            s.worker.max_concurrent_activities,
            studio_engine::config::Limit::Auto
        );
        std::fs::write(dir.path().join("settings.json"), "{\"worker\": 3}").unwrap();
        let err = Settings::load(dir.path()).unwrap_err();
        assert_eq!(err.code, ErrorCode::Settings);
        assert!(err.to_string().contains("settings.json"), "{err}");
    }

    #[test]
    fn an_older_studios_temporal_key_is_bound_once_to_where_it_was_sent() {
        let dir = tempfile::tempdir().unwrap();
        // An empty profile file: no address but the one given (TEMPORAL_ADDRESS aside, which
        // no test sets).
        let profile = dir.path().join("temporal.toml");
        std::fs::write(&profile, "").unwrap();
        let at = |address: Option<&str>| TemporalConfig {
            address: address.map(str::to_owned),
            config_file: Some(profile.clone()),
            ..TemporalConfig::default()
        };
        let secrets = Secrets::file(dir.path(), "test");
        // An older studio stored the bare key, used with a server in settings.json.
        secrets.set(SecretName::TemporalApiKey, "old-key").unwrap();
        bind_legacy_temporal_key(&secrets, &at(Some("cloud.example:7233")));
        let k = secrets.temporal_key().unwrap().unwrap();
        assert_eq!(
            (k.key.as_str(), k.address.as_deref()),
            ("old-key", Some("cloud.example:7233"))
        );
        // Once: a later address does not move it.
        bind_legacy_temporal_key(&secrets, &at(Some("elsewhere:7233")));
        let k = secrets.temporal_key().unwrap().unwrap();
        assert_eq!(k.address.as_deref(), Some("cloud.example:7233"));
        let mut s = Settings::default();
        s.load_secrets(&secrets);
        assert_eq!(
            s.temporal.stored_api_key_address.as_deref(),
            Some("cloud.example:7233")
        );

        // No server configured at upgrade: bound to nothing, and an address saved later (by
        // a page, say) never picks the key up.
        secrets.set(SecretName::TemporalApiKey, "old-key").unwrap();
        bind_legacy_temporal_key(&secrets, &at(None));
        assert_eq!(secrets.temporal_key().unwrap().unwrap().address, None);
        bind_legacy_temporal_key(&secrets, &at(Some("chosen-by-a-page:7233")));
        assert_eq!(secrets.temporal_key().unwrap().unwrap().address, None);
    }

    #[test]
    fn a_rewrite_keeps_the_fields_a_newer_studio_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(
            &path,
            serde_json::json!({
                "theme": {"accent": "teal"},
                "temporal": {"address": "10.0.0.5:7233", "retryBudget": 3},
                "google": {"fastDrafts": true, "region": {"fallback": "europe-west4"}},
                "tuning": {"segmentAttempts": 5},
                "useCache": false
            })
            .to_string(),
        )
        .unwrap();
        Settings::update(dir.path(), |s| {
            s.temporal.address = Some("10.0.0.6:7233".into());
            s.tuning = None;
        })
        .unwrap();
        let w: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(w["theme"], serde_json::json!({"accent": "teal"}), "{w}");
        assert_eq!(w["temporal"]["retryBudget"], 3, "{w}");
        assert_eq!(w["google"]["region"]["fallback"], "europe-west4", "{w}");
        // This studio's own fields: changed, cleared and kept as it says.
        assert_eq!(w["temporal"]["address"], "10.0.0.6:7233");
        assert_eq!(w["tuning"], serde_json::Value::Null, "{w}");
        assert_eq!(w["google"]["fastDrafts"], true);
        assert_eq!(w["useCache"], false);
        let s = Settings::load_file(dir.path()).unwrap();
        assert_eq!(s.tuning, None);
        assert_eq!(s.temporal.address.as_deref(), Some("10.0.0.6:7233"));
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

    #[test]
    fn where_the_temporal_endpoint_comes_from_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let no_env = |_: &str| None;
        let mut s = Settings::default();
        // A config file that is not there: nothing names an address.
        s.temporal.config_file = Some(dir.path().join("absent.toml"));
        assert_eq!(s.endpoint_source_in(&no_env), EndpointSource::Embedded);

        let env = |k: &str| (k == "TEMPORAL_ADDRESS").then(|| "10.0.0.5:7233".to_owned());
        assert_eq!(
            s.endpoint_source_in(&env),
            EndpointSource::Environment {
                variable: "TEMPORAL_ADDRESS".into()
            }
        );

        let toml = dir.path().join("temporal.toml");
        std::fs::write(
            &toml,
            "[profile.default]\nnamespace = \"studio\"\n\n[profile.prod]\naddress = \"prod.example:7233\"\n",
        )
        .unwrap();
        s.temporal.config_file = Some(toml.clone());
        // A profile without an address leaves the embedded server in place.
        assert_eq!(s.endpoint_source_in(&no_env), EndpointSource::Embedded);
        // TEMPORAL_PROFILE picks the profile that has one.
        let env = |k: &str| (k == "TEMPORAL_PROFILE").then(|| "prod".to_owned());
        let from_profile = EndpointSource::Profile {
            file: toml.display().to_string(),
            profile: "prod".into(),
        };
        assert_eq!(s.endpoint_source_in(&env), from_profile);
        s.temporal.profile = Some("prod".into());
        assert_eq!(s.endpoint_source_in(&no_env), from_profile);
        // The file found through TEMPORAL_CONFIG_FILE is named.
        s.temporal.config_file = None;
        let env = |k: &str| (k == "TEMPORAL_CONFIG_FILE").then(|| toml.display().to_string());
        assert_eq!(s.endpoint_source_in(&env), from_profile);

        // The settings' address wins over all of them.
        s.temporal.address = Some("cloud.example:7233".into());
        assert_eq!(s.endpoint_source_in(&env), EndpointSource::Settings);
    }
}
