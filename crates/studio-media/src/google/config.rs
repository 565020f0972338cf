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

pub const DEFAULT_IMAGE_MODEL: &str = "gemini-2.5-flash-image";
pub const DEFAULT_VIDEO_MODEL: &str = "veo-3.0-generate-001";
pub const FAST_VIDEO_MODEL: &str = "veo-3.0-fast-generate-001";
const GEMINI_ORIGIN: &str = "https://generativelanguage.googleapis.com";

/// Which Google API serves the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The Gemini Developer API, with an API key.
    #[default]
    Gemini,
    /// Vertex AI, with OAuth (service account or application-default credentials).
    Vertex,
}

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
    pub image_model: String,
    /// `veo-3.0-generate-001`, or `veo-3.0-fast-generate-001` for the fast model.
    pub video_model: String,
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
}

impl Default for GoogleSettings {
    fn default() -> Self {
        GoogleSettings {
            image_model: DEFAULT_IMAGE_MODEL.into(),
            video_model: DEFAULT_VIDEO_MODEL.into(),
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
        }
    }
}

/// Resolved configuration of a Google provider.
#[derive(Debug, Clone)]
pub struct GoogleConfig {
    pub backend: Backend,
    pub image_model: String,
    pub video_model: String,
    /// Base of model paths: `{origin}/v1beta` or `{origin}/v1/projects/P/locations/L/publishers/google`.
    pub base: String,
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
        let (base, api_key, credentials_file) = match backend {
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
                (format!("{origin}/v1beta"), Some(key), None)
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
                    format!(
                        "{origin}/v1/projects/{project}/locations/{location}/publishers/google"
                    ),
                    None,
                    creds,
                )
            }
        };
        Ok(GoogleConfig {
            backend,
            image_model: s.image_model.clone(),
            video_model: s.video_model.clone(),
            base,
            api_key,
            credentials_file,
            poll_initial: Duration::from_millis(s.poll_initial_ms.max(10)),
            poll_max: Duration::from_millis(s.poll_max_ms.max(s.poll_initial_ms).max(10)),
            request_timeout: Duration::from_secs(s.request_timeout_secs.max(1)),
        })
    }
}
