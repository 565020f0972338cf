//! The settings the window edits: a validated view over `settings.json` (saved atomically, no
//! secrets — API keys stay in the environment or a key file on the worker).

use std::path::Path;

use serde::{Deserialize, Serialize};
use studio_core::PriceTable;
use studio_engine::StudioClient;
use studio_media::ProviderKind;

use crate::error::{ApiError, ErrorCode, FieldProblem};
use crate::settings::Settings;
use crate::Studio;

/// Which provider workers started by this studio use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ProviderChoice {
    /// Google when a key is set (in the environment or Settings), else offline.
    Auto,
    Offline,
    Gemini,
    Vertex,
}

impl ProviderChoice {
    fn of(kind: Option<ProviderKind>) -> Self {
        match kind {
            None | Some(ProviderKind::Bench) => ProviderChoice::Auto,
            Some(ProviderKind::Offline) => ProviderChoice::Offline,
            Some(ProviderKind::Gemini) => ProviderChoice::Gemini,
            Some(ProviderKind::Vertex) => ProviderChoice::Vertex,
        }
    }

    fn kind(self) -> Option<ProviderKind> {
        match self {
            ProviderChoice::Auto => None,
            ProviderChoice::Offline => Some(ProviderKind::Offline),
            ProviderChoice::Gemini => Some(ProviderKind::Gemini),
            ProviderChoice::Vertex => Some(ProviderKind::Vertex),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StudioSettings {
    /// `host:port` of a Temporal frontend; empty = the embedded local server.
    pub temporal_address: String,
    pub namespace: String,
    /// Run the studio's own worker (off: only external workers run activities).
    pub bundled_worker: bool,
    pub provider: ProviderChoice,
    /// Clips generated at once per job.
    pub max_parallel_segments: u32,
    /// Reuse artifacts that identical inputs made before.
    pub use_cache: bool,
    /// US dollars per image and per video second, by model.
    pub prices: PriceTable,
}

/// How much the artifact cache holds, for Settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CacheView {
    pub entries: u32,
    /// Size of the cached artifacts, in MiB.
    pub mebibytes: f64,
}

/// The artifact cache of the data dir's local store. A bucket's cache is shared by the whole
/// team and is not measured or cleared from one machine.
fn local_cache(data_dir: &Path) -> Result<studio_media::LocalStore, ApiError> {
    let s = Settings::load_file(data_dir)?;
    if let Some(url) = &s.artifacts.url {
        return Err(ApiError {
            code: ErrorCode::Settings,
            message: format!(
                "artifacts live in the shared bucket {url}; its cache is managed there"
            ),
            problems: vec![],
        });
    }
    Ok(studio_media::LocalStore::open(
        studio_core::DataDir::new(data_dir).artifacts(),
    )?)
}

/// Entries and size of the artifact cache.
fn cache_usage(data_dir: &Path) -> Result<CacheView, ApiError> {
    let u = local_cache(data_dir)?.cache_usage();
    Ok(CacheView {
        entries: u32::try_from(u.entries).unwrap_or(u32::MAX),
        mebibytes: u.bytes as f64 / (1024.0 * 1024.0),
    })
}

/// Forgets every cache entry (artifacts of finished jobs stay playable); returns how many.
fn clear_cache(data_dir: &Path) -> Result<u32, ApiError> {
    let n = local_cache(data_dir)?.clear_cache()?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

impl StudioSettings {
    pub fn from_settings(s: &Settings) -> Self {
        StudioSettings {
            temporal_address: s.temporal.address.clone().unwrap_or_default(),
            namespace: s.temporal.namespace.clone().unwrap_or_default(),
            bundled_worker: s.worker.bundled,
            provider: ProviderChoice::of(s.provider),
            max_parallel_segments: s.tuning.unwrap_or_default().max_parallel_segments,
            use_cache: s.use_cache,
            prices: s.prices.clone(),
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
        if !(1..=16).contains(&self.max_parallel_segments) {
            bad(
                "maxParallelSegments",
                format!("{} is outside 1..=16", self.max_parallel_segments),
            );
        }
        if self.prices.0.keys().any(|m| m.trim().is_empty()) {
            bad("prices", "a price has no model name".into());
        }
        if let Some(model) = self.prices.invalid_model() {
            bad(
                &format!("prices.{model}"),
                "prices must be numbers of 0 or more".into(),
            );
        }
        out
    }

    /// The problems as one error (Ok when there are none).
    fn check(&self) -> Result<(), ApiError> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(ApiError {
                code: ErrorCode::Settings,
                message: format!("{} invalid setting(s)", problems.len()),
                problems,
            });
        }
        Ok(())
    }

    /// Validates and writes these values into `settings.json`, keeping every other setting.
    /// (The window saves through [`Studio::save_settings`], which asks about a new address.)
    pub fn save(&self, data_dir: &Path) -> Result<(), ApiError> {
        self.check()?;
        // The file alone (a value from the environment is never written back), under its lock.
        Settings::update(data_dir, |s| {
            let opt = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
            s.temporal.address = opt(&self.temporal_address);
            s.temporal.namespace = opt(&self.namespace);
            s.worker.bundled = self.bundled_worker;
            s.provider = self.provider.kind();
            s.use_cache = self.use_cache;
            s.prices = self.prices.clone();
            let mut tuning = s.tuning.unwrap_or_default();
            tuning.max_parallel_segments = self.max_parallel_segments;
            s.tuning = Some(tuning);
        })
    }
}

/// Whether two `host:port` strings name the same address as typed (host case aside).
fn same_address(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// A Temporal address the creator has not confirmed yet. Saving it sends the studio's jobs
/// there, and the bundled worker runs whatever tasks that server hands out with the creator's
/// provider keys, so Rust asks the creator in a native dialog (the page cannot answer it)
/// before anything is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressConfirmation {
    /// The saved address (None: the embedded server).
    pub from: Option<String>,
    pub to: String,
    /// The address the stored Temporal API key is bound to, if one is stored.
    pub key_for: Option<String>,
}

impl AddressConfirmation {
    pub const TITLE: &'static str = "Use a new Temporal server?";

    /// The dialog's text: where jobs go, and that the API key does not follow the address.
    pub fn message(&self) -> String {
        let from = self
            .from
            .as_deref()
            .map_or("the studio's embedded server".to_owned(), |a| a.to_owned());
        let mut m = format!(
            "Settings ask to connect SmokeTech Studio to the Temporal server at {to} instead of \
             {from}.\n\nYour jobs and projects' prompts will go to {to}, and the bundled worker \
             will run the tasks it hands out with your provider keys. Only continue if you \
             entered this address yourself.",
            to = self.to
        );
        match self.key_for.as_deref() {
            Some(k) if same_address(k, &self.to) => {}
            Some(k) => m.push_str(&format!(
                "\n\nYour Temporal API key was saved for {k}: it is not sent to {to}. Enter \
                 it again for {to} after saving.",
                to = self.to
            )),
            None => {}
        }
        m
    }
}

/// What saving `view` over the saved file needs confirmed: a new non-empty address (None for
/// an unchanged address, or going back to the embedded server, which is local).
pub fn address_confirmation(
    saved: &Settings,
    key_for: Option<&str>,
    view: &StudioSettings,
) -> Option<AddressConfirmation> {
    let to = view.temporal_address.trim();
    let from = saved.temporal.address.as_deref().map(str::trim);
    if to.is_empty() || from.is_some_and(|f| same_address(f, to)) {
        return None;
    }
    Some(AddressConfirmation {
        from: from.map(str::to_owned),
        to: to.to_owned(),
        key_for: key_for.map(str::to_owned),
    })
}

/// Saves `view` into the data dir's settings, asking `confirm` first when it names a new
/// Temporal address; when the creator declines, nothing is written.
pub fn save_confirmed(
    data_dir: &Path,
    key_for: Option<&str>,
    view: &StudioSettings,
    confirm: impl FnOnce(&AddressConfirmation) -> bool,
) -> Result<(), ApiError> {
    // Invalid values are refused before anyone is asked anything.
    view.check()?;
    let saved = Settings::load_file(data_dir)?;
    if let Some(ask) = address_confirmation(&saved, key_for, view) {
        if !confirm(&ask) {
            tracing::info!(address = %ask.to, "new Temporal address declined; nothing saved");
            return Err(ApiError {
                code: ErrorCode::Settings,
                message: format!(
                    "Not saved: you did not confirm the Temporal address {}",
                    ask.to
                ),
                problems: vec![FieldProblem {
                    field: "temporalAddress".into(),
                    message: "not confirmed".into(),
                }],
            });
        }
        tracing::info!(address = %ask.to, "new Temporal address confirmed");
    }
    view.save(data_dir)
}

/// Connects with the edited settings over the saved ones (`saved`: file, environment and keys)
/// and says what answered. An API key goes only to the saved endpoint it is bound to: an
/// address that is not the saved one is tested with no key at all, and the answer says so.
pub async fn test_connection_from(
    saved: Settings,
    view: &StudioSettings,
) -> Result<String, ApiError> {
    let typed = view.temporal_address.trim();
    let unsaved = match saved.temporal.address.as_deref() {
        Some(a) => !same_address(a, typed),
        None => !typed.is_empty(),
    };
    let mut s = saved;
    s.temporal.address = Some(typed.to_owned()).filter(|a| !a.is_empty());
    if !view.namespace.trim().is_empty() {
        s.temporal.namespace = Some(view.namespace.trim().to_owned());
    }
    let (endpoint, note) = if unsaved {
        let had_key = s.temporal.stored_api_key.is_set();
        s.temporal.stored_api_key = Default::default();
        let endpoint = s.endpoint()?;
        let note = (had_key || endpoint.has_api_key()).then(|| {
            format!(
                " — without the API key: it is sent only to the saved address; save {}, then \
                 enter the key again for it",
                endpoint.address()
            )
        });
        (endpoint.without_api_key(), note.unwrap_or_default())
    } else {
        (s.endpoint()?, String::new())
    };
    let answer = async {
        let client = StudioClient::connect(&endpoint, s.worker.task_queue.clone()).await?;
        Ok::<_, ApiError>(client.queue_status().await?)
    };
    match answer.await {
        Ok(q) => Ok(format!(
            "Connected to {} (namespace {}): {} worker(s) polling {}{note}",
            endpoint.address(),
            endpoint.namespace(),
            q.workflow_pollers,
            s.worker.task_queue
        )),
        Err(mut e) => {
            e.message.push_str(&note);
            Err(e)
        }
    }
}

impl Studio {
    /// The settings the window edits, as saved (environment overrides left out).
    pub fn settings_view(&self) -> Result<StudioSettings, ApiError> {
        Ok(StudioSettings::from_settings(&Settings::load_file(
            self.data_dir(),
        )?))
    }

    /// Validates and saves; takes effect at the next start of the studio. A new Temporal
    /// address is saved only when `confirm` (a native dialog in the window) says yes. Blocks
    /// (the keyring, the dialog): call it off the UI thread.
    pub fn save_settings(
        &self,
        view: &StudioSettings,
        confirm: impl FnOnce(&AddressConfirmation) -> bool,
    ) -> Result<(), ApiError> {
        let key_for = match studio_secrets::Secrets::open(self.data_dir()).temporal_key() {
            Ok(k) => k.and_then(|k| k.address),
            Err(e) => {
                tracing::warn!(error = %e, "Temporal API key not read");
                None
            }
        };
        save_confirmed(self.data_dir(), key_for.as_deref(), view, confirm)
    }

    /// Connects with the edited (unsaved) settings and says what answered; the API key goes
    /// only to the saved address it is bound to.
    pub async fn test_connection(&self, view: &StudioSettings) -> Result<String, ApiError> {
        test_connection_from(Settings::load(self.data_dir())?, view).await
    }

    /// Entries and size of the artifact cache.
    pub fn cache_usage(&self) -> Result<CacheView, ApiError> {
        cache_usage(self.data_dir())
    }

    /// Forgets every cache entry (artifacts of finished jobs stay playable); returns how many.
    pub fn clear_cache(&self) -> Result<u32, ApiError> {
        clear_cache(self.data_dir())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_values_are_named_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = StudioSettings::from_settings(&Settings::default());
        v.temporal_address = "no-port".into();
        v.max_parallel_segments = 0;
        v.prices.0.insert(
            "veo-x".into(),
            studio_core::Price {
                per_image: 0.0,
                per_video_second: f64::NAN,
            },
        );
        let err = v.save(dir.path()).unwrap_err();
        let fields: Vec<_> = err.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["temporalAddress", "maxParallelSegments", "prices.veo-x"]
        );
        assert!(!dir.path().join("settings.json").exists());
    }

    /// Set in the child process [`run_in_own_process`] starts: the test it is to run.
    const OWN_PROCESS: &str = "STUDIO_TEST_IN_OWN_PROCESS";

    /// Whether this process is the one [`run_in_own_process`] started for `test`.
    fn in_own_process(test: &str) -> bool {
        std::env::var(OWN_PROCESS).as_deref() == Ok(test)
    }

    /// Runs `test` (its name in this test binary) alone in a child process of this binary
    /// with `vars` set (None: unset) in its environment; fails with the child's output unless
    /// it ran and passed. The environment belongs to the whole process and tests run on
    /// parallel threads, so a test that changed it would race every other test reading it: a
    /// test that needs other variables gets a process of its own instead.
    fn run_in_own_process(test: &str, vars: &[(&str, Option<&str>)]) {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap());
        child
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(OWN_PROCESS, test);
        for (k, v) in vars {
            match v {
                Some(v) => child.env(k, v),
                None => child.env_remove(k),
            };
        }
        let out = child.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.contains("1 passed"),
            "{test} in its own process:\n{text}"
        );
    }

    #[test]
    fn a_value_from_the_environment_is_never_saved() {
        const TEST: &str = "settings_view::tests::a_value_from_the_environment_is_never_saved";
        const URL: &str = "s3://from-the-environment/x";
        if !in_own_process(TEST) {
            return run_in_own_process(TEST, &[("STUDIO_ARTIFACTS_URL", Some(URL))]);
        }
        let dir = tempfile::tempdir().unwrap();
        let loaded = Settings::load(dir.path()).unwrap();
        assert_eq!(
            loaded.artifacts.url.as_deref(),
            Some(URL),
            "the override applies"
        );
        StudioSettings::from_settings(&loaded)
            .save(dir.path())
            .unwrap();
        let saved = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
        assert!(!saved.contains("from-the-environment"), "{saved}");
    }

    #[test]
    fn saving_keeps_other_settings() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::default();
        s.temporal.dev_server_port = 17001;
        s.save(dir.path()).unwrap();
        let mut v = StudioSettings::from_settings(&s);
        v.provider = ProviderChoice::Offline;
        v.max_parallel_segments = 2;
        v.bundled_worker = false;
        v.prices.0.get_mut("offline").unwrap().per_video_second = 0.25;
        v.save(dir.path()).unwrap();
        let back = Settings::load(dir.path()).unwrap();
        assert_eq!(back.temporal.dev_server_port, 17001);
        assert_eq!(back.provider, Some(ProviderKind::Offline));
        assert!(!back.worker.bundled);
        assert_eq!(StudioSettings::from_settings(&back), v);
    }

    #[test]
    fn a_new_temporal_address_is_saved_only_when_the_creator_confirms_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut saved = Settings::default();
        saved.temporal.address = Some("cloud.example:7233".into());
        saved.save(dir.path()).unwrap();
        let before = std::fs::read(dir.path().join("settings.json")).unwrap();
        let mut v = StudioSettings::from_settings(&saved);

        // Unchanged (as typed, host case aside): nothing to ask.
        v.temporal_address = " Cloud.Example:7233 ".into();
        assert_eq!(address_confirmation(&saved, None, &v), None);
        // Back to the embedded server: local, nothing to ask.
        v.temporal_address = String::new();
        assert_eq!(address_confirmation(&saved, None, &v), None);

        v.temporal_address = "10.0.0.5:7233".into();
        let ask = address_confirmation(&saved, Some("cloud.example:7233"), &v).unwrap();
        assert_eq!(ask.from.as_deref(), Some("cloud.example:7233"));
        assert_eq!(ask.to, "10.0.0.5:7233");
        let text = ask.message();
        assert!(
            text.contains("10.0.0.5:7233") && text.contains("not sent to 10.0.0.5:7233"),
            "{text}"
        );

        // Declined: the dialog was shown, nothing is written.
        let mut asked = None;
        let err = save_confirmed(dir.path(), Some("cloud.example:7233"), &v, |a| {
            asked = Some(a.clone());
            false
        })
        .unwrap_err();
        assert_eq!(asked.as_ref(), Some(&ask));
        assert_eq!(err.problems[0].field, "temporalAddress");
        assert_eq!(
            std::fs::read(dir.path().join("settings.json")).unwrap(),
            before
        );

        // Invalid values are refused before anyone is asked.
        v.temporal_address = "no-port".into();
        save_confirmed(dir.path(), None, &v, |_| {
            panic!("asked about an invalid address")
        })
        .unwrap_err();

        // Confirmed: saved.
        v.temporal_address = "10.0.0.5:7233".into();
        save_confirmed(dir.path(), None, &v, |_| true).unwrap();
        let back = Settings::load_file(dir.path()).unwrap();
        assert_eq!(back.temporal.address.as_deref(), Some("10.0.0.5:7233"));
        // Saving again with the same address asks nothing.
        save_confirmed(dir.path(), None, &v, |_| panic!("asked twice")).unwrap();
    }
}
