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

pub use studio_catalog::Backend;
use studio_catalog::{Catalog, VertexLocation};
use studio_secrets::StoredSecret;

const GEMINI_ORIGIN: &str = "https://generativelanguage.googleapis.com";
/// Where Cloud Storage's JSON API is served (a mock's origin replaces it).
pub(crate) const STORAGE_ORIGIN: &str = "https://storage.googleapis.com";
/// How long a discovered model list is trusted before it is listed again.
const MODELS_MAX_AGE_SECS: u64 = 6 * 3600;

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
    /// The Vertex region for families Google serves regionally (Veo); `GOOGLE_CLOUD_LOCATION`
    /// wins. Families served only at `global` (Nano Banana, Omni) go there whatever this says,
    /// unless [`Self::keep_data_in_region`].
    pub location: Option<String>,
    /// Keep every Vertex call in [`Self::location`]: a family served elsewhere is refused
    /// before anything is paid, naming the location it needs (for data-residency rules).
    pub keep_data_in_region: bool,
    /// Where Vertex writes a clip too large to come back inline (`gs://bucket/prefix/`), for
    /// Gemini Omni's URI delivery. Without it such clips are refused before they are paid for.
    pub output_gcs_uri: Option<String>,
    /// Service-account or `authorized_user` JSON; without it, application-default credentials
    /// are used.
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
            keep_data_in_region: false,
            output_gcs_uri: None,
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
    /// Scheme, host and port: the only place the API key is ever sent (on Vertex, the host of
    /// the creator's region; every Vertex host is Google's).
    pub origin: String,
    /// A base URL replacing every Google host (a mock), if set.
    pub base_override: Option<String>,
    /// Where model lists are read: `{origin}/v1beta/models` or `{origin}/v1beta1/publishers/google/models`.
    pub models_url: String,
    /// The Vertex project, its region and how calls are routed between locations (None on the
    /// Gemini API).
    pub vertex: Option<VertexSite>,
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

/// Whether the environment replaces Google's hosts or the region (for tests of the defaults).
#[cfg(test)]
pub(crate) fn env_overrides_hosts() -> bool {
    env("STUDIO_GOOGLE_BASE_URL").is_some() || env("GOOGLE_CLOUD_LOCATION").is_some()
}

/// The region Vertex calls go to when none is set, as in Google's samples.
pub const DEFAULT_REGION: &str = "us-central1";

/// The Vertex side of a configuration: where each family is called.
#[derive(Debug, Clone)]
pub struct VertexSite {
    pub project: String,
    /// The creator's region (`google.location`, `GOOGLE_CLOUD_LOCATION`; `us-central1`).
    pub region: String,
    /// Refuse families not served in `region` instead of calling them at `global`.
    pub keep_in_region: bool,
    /// `gs://…` where Vertex may write clips too large for inline delivery.
    pub output_gcs_uri: Option<String>,
    /// A mock's origin, which serves every location.
    origin_override: Option<String>,
}

impl VertexSite {
    /// The host serving `location`: `global` has no region prefix, the multi-regions `us` and
    /// `eu` have their own hosts, a region prefixes it (the SDK's `_api_client.py` does the same).
    pub fn origin_of(&self, location: &str) -> String {
        if let Some(o) = &self.origin_override {
            return o.clone();
        }
        match location {
            "global" => "https://aiplatform.googleapis.com".into(),
            "us" | "eu" => format!("https://aiplatform.{location}.rep.googleapis.com"),
            region => format!("https://{region}-aiplatform.googleapis.com"),
        }
    }

    /// Where `model` is served: its family's location (`global` for Gemini 3.x, the creator's
    /// region for Veo). A model no family names goes to the region. With the region kept, a
    /// family served elsewhere is a settings error, so nothing is sent (or paid) there.
    pub fn location_of(&self, model: &str) -> Result<String, MediaError> {
        let family = Catalog::builtin().family_of(model);
        let served = family.and_then(|f| f.vertex_location);
        match served {
            Some(VertexLocation::Global) if self.region != "global" => {
                if self.keep_in_region {
                    let name = family.map_or(model, |f| f.name.as_str());
                    return Err(settings_error(format!(
                        "{name} ({model}) is served on Vertex only at location \"global\", and \
                         google.keepDataInRegion keeps every call in {}: turn that setting off \
                         or pin a model served in {}",
                        self.region, self.region
                    )));
                }
                Ok("global".into())
            }
            _ => Ok(self.region.clone()),
        }
    }

    /// `{origin}/v1/projects/P/locations/L/publishers/google` for `model`.
    pub fn model_base(&self, model: &str) -> Result<String, MediaError> {
        let location = self.location_of(model)?;
        Ok(format!(
            "{}/v1/projects/{}/locations/{location}/publishers/google",
            self.origin_of(&location),
            self.project
        ))
    }

    /// `{origin}/v1beta1/projects/P/locations/L/interactions` for `model`.
    pub fn interactions_url(&self, model: &str) -> Result<String, MediaError> {
        let location = self.location_of(model)?;
        Ok(format!(
            "{}/v1beta1/projects/{}/locations/{location}/interactions",
            self.origin_of(&location),
            self.project
        ))
    }
}

/// Whether `s` can be a location in a host name and a path (letters, digits, dashes).
fn plausible_location(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn settings_error(message: String) -> MediaError {
    MediaError::Provider {
        provider: "vertex".into(),
        class: ErrorClass::Settings,
        message,
        retry_after: None,
    }
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
    /// Base of `model`'s paths: `{origin}/v1beta` on the Gemini API, the model's location on
    /// Vertex.
    pub fn model_base(&self, model: &str) -> Result<String, MediaError> {
        match &self.vertex {
            None => Ok(format!("{}/v1beta", self.origin)),
            Some(v) => v.model_base(model),
        }
    }

    /// Where `model`'s interactions are created.
    pub fn interactions_url(&self, model: &str) -> Result<String, MediaError> {
        match &self.vertex {
            None => Ok(format!("{}/v1beta/interactions", self.origin)),
            Some(v) => v.interactions_url(model),
        }
    }

    /// The Vertex location `model` is called at (None on the Gemini API).
    pub fn location_of(&self, model: &str) -> Option<Result<String, MediaError>> {
        self.vertex.as_ref().map(|v| v.location_of(model))
    }

    /// The origins this configuration's credential may be sent to; no other host ever gets it,
    /// neither as a request's first hop nor after a redirect.
    ///
    /// - The Gemini API key belongs to the Gemini API's origin (or the base URL replacing it)
    ///   and to nothing else, other Google hosts included. Google's own SDK (python-genai's
    ///   `download_file`) downloads a file from its base URL, never from another host with
    ///   the key; a Gemini key opens nothing at `storage.googleapis.com`; and "any
    ///   `*.googleapis.com` host" would take in every Google service, Cloud Storage's signed
    ///   URLs among them, which need no key and would log it.
    /// - A Vertex OAuth token (with its `x-goog-user-project`) is scoped `cloud-platform`, so
    ///   it would open any Google Cloud API: it goes only to the Vertex hosts the studio calls
    ///   (the region's, and `global`'s where Gemini 3.x is served) and to Cloud Storage's JSON
    ///   API, which reads the clips Vertex writes to the creator's bucket.
    /// - A base URL (a mock) replaces all of them: its origin alone.
    pub fn credential_origins(&self) -> Vec<String> {
        match (&self.base_override, &self.vertex) {
            (Some(base), _) => vec![base.clone()],
            (None, Some(v)) => vec![
                v.origin_of(&v.region),
                v.origin_of("global"),
                STORAGE_ORIGIN.to_owned(),
            ],
            (None, None) => vec![self.origin.clone()],
        }
    }

    /// Resolves settings plus the environment (`GEMINI_API_KEY` / `GOOGLE_API_KEY`,
    /// `GOOGLE_CLOUD_PROJECT`, `GOOGLE_CLOUD_LOCATION`, `GOOGLE_APPLICATION_CREDENTIALS`,
    /// `STUDIO_GOOGLE_BASE_URL`).
    pub fn resolve(backend: Backend, s: &GoogleSettings) -> Result<GoogleConfig, MediaError> {
        let origin_override = env("STUDIO_GOOGLE_BASE_URL")
            .or_else(|| s.base_url.clone())
            .map(|u| u.trim_end_matches('/').to_owned());
        let (origin, models_url, vertex, api_key, credentials_file) = match backend {
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
                let origin = origin_override
                    .clone()
                    .unwrap_or_else(|| GEMINI_ORIGIN.into());
                (
                    origin.clone(),
                    format!("{origin}/v1beta/models"),
                    None,
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
                let region = env("GOOGLE_CLOUD_LOCATION")
                    .or_else(|| s.location.clone())
                    .map(|l| l.trim().to_owned())
                    .unwrap_or_else(|| DEFAULT_REGION.into());
                if !plausible_location(&region) {
                    return Err(settings_error(format!(
                        "google.location {region:?} is not a Vertex location (e.g. us-central1, \
                         europe-west4, global)"
                    )));
                }
                let output_gcs_uri = s
                    .output_gcs_uri
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(|u| {
                        if u.starts_with("gs://") && u.len() > 5 {
                            Ok(u.to_owned())
                        } else {
                            Err(settings_error(format!(
                                "google.outputGcsUri {u:?} is not a Cloud Storage URI \
                                 (gs://bucket/folder/)"
                            )))
                        }
                    })
                    .transpose()?;
                let site = VertexSite {
                    project,
                    region,
                    keep_in_region: s.keep_data_in_region,
                    output_gcs_uri,
                    origin_override: origin_override.clone(),
                };
                let origin = site.origin_of(&site.region);
                let creds = env("GOOGLE_APPLICATION_CREDENTIALS")
                    .map(PathBuf::from)
                    .or_else(|| s.stored_credentials_file.clone())
                    .or_else(|| s.credentials_file.clone());
                (
                    origin.clone(),
                    format!("{origin}/v1beta1/publishers/google/models"),
                    Some(site),
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
            base_override: origin_override,
            origin,
            models_url,
            vertex,
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

#[cfg(test)]
mod tests {
    use super::*;
    use studio_catalog::Role;

    /// A model of the first family with `role` and this Vertex location, named from the
    /// table's own pattern (no model id in code).
    fn model_served(role: Role, location: VertexLocation) -> String {
        let f = Catalog::builtin()
            .families
            .iter()
            .find(|f| f.role == role && f.vertex_location == Some(location))
            .unwrap();
        f.patterns[0].replacen('*', "9.9", 1).replace('*', "")
    }

    fn site(region: &str, keep: bool) -> VertexSite {
        VertexSite {
            project: "p".into(),
            region: region.into(),
            keep_in_region: keep,
            output_gcs_uri: None,
            origin_override: None,
        }
    }

    #[test]
    fn each_family_is_called_where_google_serves_it() {
        let image = model_served(Role::Image, VertexLocation::Global);
        let veo = model_served(Role::Video, VertexLocation::Region);
        let s = site("us-central1", false);
        assert_eq!(
            s.model_base(&image).unwrap(),
            "https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google"
        );
        assert_eq!(
            s.model_base(&veo).unwrap(),
            "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google"
        );
        let omni = model_served(Role::Video, VertexLocation::Global);
        assert_eq!(
            s.interactions_url(&omni).unwrap(),
            "https://aiplatform.googleapis.com/v1beta1/projects/p/locations/global/interactions"
        );
        // The multi-regions have hosts of their own.
        assert_eq!(
            site("eu", false).model_base(&veo).unwrap(),
            "https://aiplatform.eu.rep.googleapis.com/v1/projects/p/locations/eu/publishers/google"
        );
    }

    #[test]
    fn data_kept_in_a_region_refuses_what_is_served_elsewhere() {
        let image = model_served(Role::Image, VertexLocation::Global);
        let veo = model_served(Role::Video, VertexLocation::Region);
        let kept = site("europe-west4", true);
        let e = kept.model_base(&image).unwrap_err();
        assert_eq!(e.class(), ErrorClass::Settings);
        let text = e.to_string();
        assert!(
            text.contains("\"global\"") && text.contains("europe-west4"),
            "{text}"
        );
        assert!(text.contains("Nano Banana"), "the family is named: {text}");
        assert!(kept
            .model_base(&veo)
            .unwrap()
            .contains("/locations/europe-west4/"));
        // Kept at global, global families are fine.
        assert!(site("global", true).model_base(&image).is_ok());
    }

    #[test]
    fn bad_locations_and_buckets_are_settings_errors() {
        let settings = |f: &dyn Fn(&mut GoogleSettings)| {
            let mut s = GoogleSettings {
                project: Some("p".into()),
                ..Default::default()
            };
            f(&mut s);
            s
        };
        // Only settings the environment does not override here are checked.
        if env("GOOGLE_CLOUD_LOCATION").is_none() && env("GOOGLE_CLOUD_PROJECT").is_none() {
            let e = GoogleConfig::resolve(
                Backend::Vertex,
                &settings(&|s| s.location = Some("us-central1/../x".into())),
            )
            .unwrap_err();
            assert_eq!(e.class(), ErrorClass::Settings, "{e}");
            let e = GoogleConfig::resolve(
                Backend::Vertex,
                &settings(&|s| s.output_gcs_uri = Some("/tmp/out".into())),
            )
            .unwrap_err();
            assert!(e.to_string().contains("gs://"), "{e}");
            let ok = GoogleConfig::resolve(Backend::Vertex, &settings(&|_| {})).unwrap();
            assert_eq!(ok.vertex.unwrap().region, DEFAULT_REGION);
        }
    }
}
