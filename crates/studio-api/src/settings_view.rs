//! The settings the window edits: a validated view over `settings.json` (saved atomically, no
//! secrets — API keys stay in the environment or a key file on the worker).

use std::path::Path;

use serde::{Deserialize, Serialize};
use studio_engine::{Endpoint, Settings, StudioClient};
use studio_media::ProviderKind;

use crate::error::{ApiError, ErrorCode, FieldProblem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StudioSettings {
    /// `host:port` of a Temporal frontend; empty = the embedded local server.
    pub temporal_address: String,
    pub namespace: String,
    /// Run the studio's own worker (off: only external workers run activities).
    pub bundled_worker: bool,
    /// `auto` (offline without keys), `offline`, `gemini` or `vertex`.
    pub provider: String,
    /// Clips generated at once per job.
    pub max_parallel_segments: u32,
}

impl StudioSettings {
    pub fn from_settings(s: &Settings) -> Self {
        StudioSettings {
            temporal_address: s.temporal.address.clone().unwrap_or_default(),
            namespace: s.temporal.namespace.clone().unwrap_or_default(),
            bundled_worker: s.worker.bundled,
            provider: s
                .provider
                .map(|p| p.to_string())
                .unwrap_or_else(|| "auto".into()),
            max_parallel_segments: s.tuning.unwrap_or_default().max_parallel_segments,
        }
    }

    /// Every problem, by field.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut bad = |field: &str, message: String| {
            out.push(FieldProblem {
                field: field.into(),
                message,
            })
        };
        let addr = self.temporal_address.trim();
        if !addr.is_empty() {
            let port_ok = addr
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !port_ok {
                bad("temporalAddress", format!("{addr:?} is not host:port"));
            }
        }
        if self.provider != "auto" {
            if let Err(e) = self.provider.parse::<ProviderKind>() {
                bad("provider", e.to_string());
            }
        }
        if !(1..=16).contains(&self.max_parallel_segments) {
            bad(
                "maxParallelSegments",
                format!("{} is outside 1..=16", self.max_parallel_segments),
            );
        }
        out
    }

    /// Validates and writes these values into `settings.json`, keeping every other setting.
    pub fn save(&self, data_dir: &Path) -> Result<(), ApiError> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(ApiError {
                code: ErrorCode::Settings,
                message: format!("{} invalid setting(s)", problems.len()),
                problems,
            });
        }
        let mut s = Settings::load(data_dir)?;
        let opt = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        s.temporal.address = opt(&self.temporal_address);
        s.temporal.namespace = opt(&self.namespace);
        s.worker.bundled = self.bundled_worker;
        s.provider = if self.provider == "auto" {
            None
        } else {
            self.provider.parse().ok()
        };
        let mut tuning = s.tuning.unwrap_or_default();
        tuning.max_parallel_segments = self.max_parallel_segments;
        s.tuning = Some(tuning);
        Ok(s.save(data_dir)?)
    }
}

/// Connects to `address` (or the embedded server's port) and checks the namespace answers.
pub async fn test_connection(data_dir: &Path, view: &StudioSettings) -> Result<String, ApiError> {
    let mut s = Settings::load(data_dir)?;
    s.temporal.address = Some(view.temporal_address.trim().to_owned()).filter(|a| !a.is_empty());
    if !view.namespace.trim().is_empty() {
        s.temporal.namespace = Some(view.namespace.trim().to_owned());
    }
    let endpoint = match Endpoint::configured(&s.temporal)? {
        Some(e) => e,
        None => Endpoint::local(s.temporal.dev_server_port),
    };
    let client = StudioClient::connect(&endpoint, s.worker.task_queue.clone()).await?;
    let q = client.queue_status().await?;
    Ok(format!(
        "Connected to {} (namespace {}): {} worker(s) polling {}",
        endpoint.address(),
        endpoint.namespace(),
        q.workflow_pollers,
        s.worker.task_queue
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_values_are_named_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = StudioSettings::from_settings(&Settings::default());
        v.temporal_address = "no-port".into();
        v.provider = "sora".into();
        v.max_parallel_segments = 0;
        let err = v.save(dir.path()).unwrap_err();
        let fields: Vec<_> = err.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["temporalAddress", "provider", "maxParallelSegments"]
        );
        assert!(!dir.path().join("settings.json").exists());
    }

    #[test]
    fn saving_keeps_other_settings() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::default();
        s.temporal.dev_server_port = 17001;
        s.save(dir.path()).unwrap();
        let mut v = StudioSettings::from_settings(&s);
        v.provider = "offline".into();
        v.max_parallel_segments = 2;
        v.bundled_worker = false;
        v.save(dir.path()).unwrap();
        let back = Settings::load(dir.path()).unwrap();
        assert_eq!(back.temporal.dev_server_port, 17001);
        assert_eq!(back.provider, Some(ProviderKind::Offline));
        assert!(!back.worker.bundled);
        assert_eq!(StudioSettings::from_settings(&back), v);
    }
}
