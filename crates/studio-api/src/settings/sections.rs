//! How the engine's configuration is written in `settings.json`: its `temporal` and `worker`
//! sections. The engine's [`TemporalConfig`] and [`WorkerConfig`] are plain values; their names
//! on disk (camelCase), their defaults for a missing key and the `"auto"`-or-a-number limits are
//! decided here, with the rest of the file, so a change in the engine cannot change the file's
//! format unseen. Each section mirrors the engine's struct field for field through serde's
//! remote derive: a field added to one and not the other does not compile.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use studio_engine::config::{Limit, TemporalConfig, TlsConfig, WorkerConfig};
use studio_secrets::StoredSecret;

/// The `temporal` section.
#[derive(Serialize, Deserialize)]
#[serde(remote = "TemporalConfig", rename_all = "camelCase", default)]
pub(crate) struct TemporalSection {
    address: Option<String>,
    namespace: Option<String>,
    profile: Option<String>,
    config_file: Option<PathBuf>,
    #[serde(with = "optional_tls")]
    tls: Option<TlsConfig>,
    cli_path: Option<PathBuf>,
    dev_server_port: u16,
    dev_server_ui_port: u16,
    /// Keys are never in the file: they are filled in from the OS keyring.
    #[serde(skip)]
    stored_api_key: StoredSecret,
    #[serde(skip)]
    stored_api_key_address: Option<String>,
}

/// `temporal.tls`.
#[derive(Serialize, Deserialize)]
#[serde(remote = "TlsConfig", rename_all = "camelCase", default)]
struct TlsSection {
    server_ca_cert: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    server_name: Option<String>,
}

/// The `worker` section.
#[derive(Serialize, Deserialize)]
#[serde(remote = "WorkerConfig", rename_all = "camelCase", default)]
pub(crate) struct WorkerSection {
    task_queue: String,
    slow_task_queue: String,
    #[serde(with = "limit")]
    max_concurrent_activities: Limit,
    #[serde(with = "limit")]
    max_concurrent_slow_activities: Limit,
    #[serde(with = "limit")]
    max_concurrent_workflow_tasks: Limit,
    #[serde(with = "limit")]
    max_cached_workflows: Limit,
    #[serde(with = "limit")]
    pollers: Limit,
    graceful_shutdown_secs: u64,
    bundled: bool,
    metrics_address: Option<SocketAddr>,
}

/// serde fills a missing key from the section's `Default`: the engine's own defaults, taken
/// whole (the destructuring is exhaustive, so a new field must be named here too).
impl Default for TemporalSection {
    fn default() -> Self {
        let TemporalConfig {
            address,
            namespace,
            profile,
            config_file,
            tls,
            cli_path,
            dev_server_port,
            dev_server_ui_port,
            stored_api_key,
            stored_api_key_address,
        } = TemporalConfig::default();
        TemporalSection {
            address,
            namespace,
            profile,
            config_file,
            tls,
            cli_path,
            dev_server_port,
            dev_server_ui_port,
            stored_api_key,
            stored_api_key_address,
        }
    }
}

impl Default for TlsSection {
    fn default() -> Self {
        let TlsConfig {
            server_ca_cert,
            client_cert,
            client_key,
            server_name,
        } = TlsConfig::default();
        TlsSection {
            server_ca_cert,
            client_cert,
            client_key,
            server_name,
        }
    }
}

impl Default for WorkerSection {
    fn default() -> Self {
        let WorkerConfig {
            task_queue,
            slow_task_queue,
            max_concurrent_activities,
            max_concurrent_slow_activities,
            max_concurrent_workflow_tasks,
            max_cached_workflows,
            pollers,
            graceful_shutdown_secs,
            bundled,
            metrics_address,
        } = WorkerConfig::default();
        WorkerSection {
            task_queue,
            slow_task_queue,
            max_concurrent_activities,
            max_concurrent_slow_activities,
            max_concurrent_workflow_tasks,
            max_cached_workflows,
            pollers,
            graceful_shutdown_secs,
            bundled,
            metrics_address,
        }
    }
}

/// `Option<TlsConfig>` through [`TlsSection`] (serde's `with` takes no generic wrapper).
mod optional_tls {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Tls(#[serde(with = "TlsSection")] TlsConfig);

    pub fn serialize<S: Serializer>(tls: &Option<TlsConfig>, s: S) -> Result<S::Ok, S::Error> {
        tls.as_ref().map(|t| Tls(t.clone())).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TlsConfig>, D::Error> {
        Ok(Option::<Tls>::deserialize(d)?.map(|Tls(t)| t))
    }
}

/// A worker limit: `"auto"` or a whole number from 1.
mod limit {
    use super::*;

    pub fn serialize<S: Serializer>(limit: &Limit, s: S) -> Result<S::Ok, S::Error> {
        match limit {
            Limit::Auto => s.serialize_str("auto"),
            Limit::Fixed(n) => s.serialize_u64(*n as u64),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Limit, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        use serde::de::Error;
        match Raw::deserialize(d).map_err(|_| D::Error::custom("expected \"auto\" or a number"))? {
            Raw::Text(t) if t == "auto" => Ok(Limit::Auto),
            Raw::Text(t) => Err(D::Error::custom(format!(
                "expected \"auto\" or a number, got \"{t}\""
            ))),
            Raw::Number(0) => Err(D::Error::custom("must be at least 1 (or \"auto\")")),
            Raw::Number(n) => Ok(Limit::Fixed(usize::try_from(n).unwrap_or(usize::MAX))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `worker` section alone, as `settings.json` holds it.
    #[derive(Serialize, Deserialize)]
    struct Worker(#[serde(with = "WorkerSection")] WorkerConfig);

    #[derive(Serialize, Deserialize)]
    struct Temporal(#[serde(with = "TemporalSection")] TemporalConfig);

    #[test]
    fn limits_read_auto_or_a_number_and_refuse_anything_else() {
        let Worker(w) = serde_json::from_str(
            r#"{"maxConcurrentActivities": 12, "maxConcurrentWorkflowTasks": "auto"}"#,
        )
        .unwrap();
        assert_eq!(w.max_concurrent_activities, Limit::Fixed(12));
        assert_eq!(w.max_concurrent_workflow_tasks, Limit::Auto);
        assert_eq!(w.max_cached_workflows, Limit::Auto);
        assert_eq!(w.task_queue, WorkerConfig::default().task_queue);
        let json = serde_json::to_value(Worker(w)).unwrap();
        assert_eq!(json["maxConcurrentActivities"], 12);
        assert_eq!(json["maxCachedWorkflows"], "auto");
        for (bad, says) in [
            (r#"{"maxCachedWorkflows": 0}"#, "at least 1"),
            (r#"{"maxCachedWorkflows": "lots"}"#, "got \"lots\""),
            (r#"{"maxCachedWorkflows": -3}"#, "\"auto\" or a number"),
        ] {
            let err = serde_json::from_str::<Worker>(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn the_temporal_section_keeps_its_names_and_defaults_and_never_writes_a_key() {
        let Temporal(t) = serde_json::from_str(
            r#"{"address": "temporal.example:7233", "tls": {"serverName": "t.example"}}"#,
        )
        .unwrap();
        assert_eq!(t.address.as_deref(), Some("temporal.example:7233"));
        assert_eq!(
            t.tls.as_ref().unwrap().server_name.as_deref(),
            Some("t.example")
        );
        assert_eq!(t.dev_server_port, TemporalConfig::default().dev_server_port);
        let keyed = TemporalConfig {
            stored_api_key: StoredSecret::new(Some("tmprl-never-on-disk".into())),
            ..t
        };
        let json = serde_json::to_string(&Temporal(keyed)).unwrap();
        assert!(!json.contains("tmprl-never-on-disk"), "{json}");
        assert!(json.contains("\"devServerPort\":7233"), "{json}");
        assert!(json.contains("\"serverName\":\"t.example\""), "{json}");
    }
}
