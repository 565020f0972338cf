//! Settings of the Google providers, read the way Google's own clients read them.
//!
//! Secrets (the API key, the service-account file's contents) are never stored in settings or
//! workflow input: the key comes from the environment, the OS keyring (see `studio-secrets`) or a
//! key file named in settings, and only lives in memory as a [`SecretString`].

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::{ErrorClass, MediaError};

pub use studio_models::Backend;

const GEMINI_ORIGIN: &str = "https://generativelanguage.googleapis.com";
/// How long a discovered model list is trusted before it is listed again.
const MODELS_MAX_AGE_SECS: u64 = 6 * 3600;

/// A key read from the OS keyring (or the studio's private key file) when settings load: held in
/// memory only, never serialized, never printed.
#[derive(Clone, Default)]
pub struct StoredSecret(pub Option<SecretString>);

impl StoredSecret {
    pub fn new(value: Option<String>) -> Self {
        StoredSecret(value.map(SecretString::from))
    }

    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

impl PartialEq for StoredSecret {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        self.0.as_ref().map(|s| s.expose_secret()) == other.0.as_ref().map(|s| s.expose_secret())
    }
}

impl std::fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_set() {
            "StoredSecret(set)"
        } else {
            "StoredSecret(none)"
        })
    }
}

/// The `google` section of the worker's settings (no secrets in here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GoogleSettings {
    /// A Nano Banana model to use whatever the key lists (None: the newest one it lists).
    /// Named apart from the 2025 `imageModel` key, whose saved defaults are all shut down.
    pub pinned_image_model: Option<String>,
    /// A video model to use whatever the key lists (None: the best one it lists).
    pub pinned_video_model: Option<String>,
    /// Whether Standard-quality renders may use a fast or lite video model (cheaper drafts).
    pub fast_drafts: bool,
    /// How long a discovered model list is trusted, in seconds.
    pub models_max_age_secs: u64,
    /// Replaces scheme, host and port of either back end (a mock server in tests and demos).
    pub base_url: Option<String>,
    /// A file holding the Gemini API key (keep it 0600); `GEMINI_API_KEY` wins over it.
    pub api_key_file: Option<PathBuf>,
    pub project: Option<String>,
    pub location: Option<String>,
    /// Service-account JSON; without it, application-default credentials are used.
    pub credentials_file: Option<PathBuf>,
    /// First and longest wait between polls of a Veo operation.
    pub poll_initial_ms: u64,
    pub poll_max_ms: u64,
    /// Upper bound on one HTTP request (a hung server becomes a retryable timeout).
    pub request_timeout_secs: u64,
    /// The Gemini API key from the OS keyring (after `GEMINI_API_KEY`, before `apiKeyFile`).
    #[serde(skip)]
    pub stored_api_key: StoredSecret,
    /// The Vertex service-account path from the OS keyring (after
    /// `GOOGLE_APPLICATION_CREDENTIALS`, before `credentialsFile`).
    #[serde(skip)]
    pub stored_credentials_file: Option<PathBuf>,
    /// Where discovered model lists are cached (the data dir), shared by the window and the
    /// worker so both use the same choice. None: in memory only.
    #[serde(skip)]
    pub models_cache_dir: Option<PathBuf>,
}

impl Default for GoogleSettings {
    fn default() -> Self {
        GoogleSettings {
            pinned_image_model: None,
            pinned_video_model: None,
            fast_drafts: false,
            models_max_age_secs: MODELS_MAX_AGE_SECS,
            base_url: None,
            api_key_file: None,
            project: None,
            location: None,
            credentials_file: None,
            poll_initial_ms: 5_000,
            poll_max_ms: 20_000,
            request_timeout_secs: 120,
            stored_api_key: StoredSecret::default(),
            stored_credentials_file: None,
            models_cache_dir: None,
        }
    }
}

/// Resolved configuration of a Google provider.
#[derive(Debug, Clone)]
pub struct GoogleConfig {
    pub backend: Backend,
    pub pinned_image_model: Option<String>,
    pub pinned_video_model: Option<String>,
    pub fast_drafts: bool,
    /// Scheme, host and port: the only place the API key is ever sent.
    pub origin: String,
    /// Base of model paths: `{origin}/v1beta` or `{origin}/v1/projects/P/locations/L/publishers/google`.
    pub base: String,
    /// Where model lists are read: `{origin}/v1beta/models` or `{origin}/v1beta1/publishers/google/models`.
    pub models_url: String,
    /// Where interactions are created: `{origin}/v1beta/interactions` or
    /// `{origin}/v1beta1/projects/P/locations/L/interactions`.
    pub interactions_url: String,
    pub models_cache_file: Option<PathBuf>,
    pub models_max_age: Duration,
    pub api_key: Option<SecretString>,
    pub credentials_file: Option<PathBuf>,
    pub poll_initial: Duration,
    pub poll_max: Duration,
    pub request_timeout: Duration,
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

fn config_error(message: String) -> MediaError {
    MediaError::Provider {
        provider: "google".into(),
        class: ErrorClass::InvalidApiKey,
        message,
        retry_after: None,
    }
}

impl GoogleConfig {
    /// Resolves settings plus the environment (`GEMINI_API_KEY` / `GOOGLE_API_KEY`,
    /// `GOOGLE_CLOUD_PROJECT`, `GOOGLE_CLOUD_LOCATION`, `GOOGLE_APPLICATION_CREDENTIALS`,
    /// `STUDIO_GOOGLE_BASE_URL`).
    pub fn resolve(backend: Backend, s: &GoogleSettings) -> Result<GoogleConfig, MediaError> {
        let origin_override = env("STUDIO_GOOGLE_BASE_URL")
            .or_else(|| s.base_url.clone())
            .map(|u| u.trim_end_matches('/').to_owned());
        let (origin, base, models_url, interactions_url, api_key, credentials_file) = match backend
        {
            Backend::Gemini => {
                let from_env = env("GEMINI_API_KEY")
                    .or_else(|| env("GOOGLE_API_KEY"))
                    .map(SecretString::from);
                let key = match from_env.or_else(|| s.stored_api_key.0.clone()) {
                    Some(k) => Some(k),
                    None => match &s.api_key_file {
                        Some(p) => Some(
                            std::fs::read_to_string(p)
                                .map_err(|e| {
                                    config_error(format!("cannot read the API key file {p:?}: {e}"))
                                })?
                                .trim()
                                .to_owned()
                                .into(),
                        ),
                        None => None,
                    },
                };
                let key = key.ok_or_else(|| {
                    config_error(
                        "no Gemini API key: enter it in Settings (kept in the OS keyring), set \
                         GEMINI_API_KEY (or GOOGLE_API_KEY), or name a key file in \
                         google.apiKeyFile"
                            .into(),
                    )
                })?;
                let origin = origin_override.unwrap_or_else(|| GEMINI_ORIGIN.into());
                (
                    origin.clone(),
                    format!("{origin}/v1beta"),
                    format!("{origin}/v1beta/models"),
                    format!("{origin}/v1beta/interactions"),
                    Some(key),
                    None,
                )
            }
            Backend::Vertex => {
                let project = env("GOOGLE_CLOUD_PROJECT")
                    .or_else(|| s.project.clone())
                    .ok_or_else(|| {
                        config_error(
                            "Vertex AI needs a project: set GOOGLE_CLOUD_PROJECT or google.project"
                                .into(),
                        )
                    })?;
                let location = env("GOOGLE_CLOUD_LOCATION")
                    .or_else(|| s.location.clone())
                    .unwrap_or_else(|| "us-central1".into());
                let origin = origin_override.unwrap_or_else(|| {
                    if location == "global" {
                        "https://aiplatform.googleapis.com".into()
                    } else {
                        format!("https://{location}-aiplatform.googleapis.com")
                    }
                });
                let creds = env("GOOGLE_APPLICATION_CREDENTIALS")
                    .map(PathBuf::from)
                    .or_else(|| s.stored_credentials_file.clone())
                    .or_else(|| s.credentials_file.clone());
                (
                    origin.clone(),
                    format!(
                        "{origin}/v1/projects/{project}/locations/{location}/publishers/google"
                    ),
                    format!("{origin}/v1beta1/publishers/google/models"),
                    format!(
                        "{origin}/v1beta1/projects/{project}/locations/{location}/interactions"
                    ),
                    None,
                    creds,
                )
            }
        };
        let pin = |m: &Option<String>| {
            m.as_ref()
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
        };
        Ok(GoogleConfig {
            backend,
            pinned_image_model: pin(&s.pinned_image_model),
            pinned_video_model: pin(&s.pinned_video_model),
            fast_drafts: s.fast_drafts,
            origin,
            base,
            models_url,
            interactions_url,
            models_cache_file: s
                .models_cache_dir
                .as_ref()
                .map(|d| d.join(format!("models-{}.json", backend.as_str()))),
            models_max_age: Duration::from_secs(s.models_max_age_secs),
            api_key,
            credentials_file,
            poll_initial: Duration::from_millis(s.poll_initial_ms.max(10)),
            poll_max: Duration::from_millis(s.poll_max_ms.max(s.poll_initial_ms).max(10)),
            request_timeout: Duration::from_secs(s.request_timeout_secs.max(1)),
        })
    }
}
