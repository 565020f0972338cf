//! The real providers: Nano Banana for character images, Veo (`predictLongRunning`) or Gemini
//! Omni (Interactions) for clips, on the Gemini Developer API or Vertex AI, over HTTP with
//! reqwest (rustls).
//!
//! No model is named here: the key's models are listed ([`discovery`]) and matched to the
//! families of `studio-models`' table, whose route decides how a clip is asked for. The wire
//! formats and failure classes follow `../shared/google-2026.md`. Every request can be cancelled
//! mid-flight, every error names provider, model, HTTP status and the server's message, the key
//! goes only to the configured origin or Google's hosts, and no error or log line carries a key.

mod auth;
mod classify;
pub mod config;
pub mod discovery;
mod files;
#[cfg(test)]
mod fuzz;
mod images;
mod longrun;
mod omni;
mod veo;

use std::future::Future;
use std::path::Path;

use async_trait::async_trait;
use base64::Engine;

pub use config::{Backend, GoogleConfig, GoogleSettings, StoredSecret};
pub use discovery::{read_cache, Discovered};

use crate::error::{ErrorClass, MediaError};
use crate::provider::{ClipRequest, ImageRequest, MediaProvider, ModelPlan};
use crate::task::TaskCtx;
use auth::Auth;
use classify::CallSite;
use studio_core::Quality;
use studio_models::{Catalog, Choice, Role, Route};

pub struct GoogleProvider {
    config: GoogleConfig,
    http: reqwest::Client,
    auth: Auth,
    /// The last listing, shared by every job of this worker.
    discovered: tokio::sync::Mutex<Option<Discovered>>,
    /// Vertex models probed for this project: listed is not the same as callable.
    probed: std::sync::Mutex<std::collections::HashMap<String, bool>>,
}

pub(crate) fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl GoogleProvider {
    pub async fn new(config: GoogleConfig) -> Result<Self, MediaError> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(config.request_timeout)
            .user_agent(concat!("smoketech-studio/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| MediaError::Image(format!("HTTP client: {e}")))?;
        let auth = match config.backend {
            Backend::Gemini => {
                Auth::ApiKey(config.api_key.clone().ok_or_else(|| MediaError::Provider {
                    provider: "gemini".into(),
                    class: ErrorClass::InvalidApiKey,
                    message: "no API key configured".into(),
                    retry_after: None,
                })?)
            }
            Backend::Vertex => {
                let project = config.vertex.as_ref().map_or("", |v| v.project.as_str());
                Auth::vertex(config.credentials_file.as_deref(), project, &http).await?
            }
        };
        Ok(GoogleProvider {
            config,
            http,
            auth,
            discovered: tokio::sync::Mutex::new(None),
            probed: std::sync::Mutex::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.config.backend
    }

    /// The origin serving Cloud Storage downloads when a base URL replaces Google's.
    fn storage_origin(&self) -> Option<&str> {
        self.config.base_override.as_deref()
    }

    /// Where `model` is called: its Vertex location (or why it cannot be called there), None on
    /// the Gemini API. For `studio doctor`.
    pub fn location_of(&self, model: &str) -> Option<Result<String, MediaError>> {
        self.config.location_of(model)
    }

    /// Whether credentials may go to `url`: the configured origin (Google's, or the base URL
    /// set for a mock), or a Google API host. A response naming any other host (a file URI, a
    /// redirect) gets no key.
    fn trusted(&self, url: &reqwest::Url) -> bool {
        let origin = url.origin().ascii_serialization();
        if origin == self.config.origin {
            return true;
        }
        url.scheme() == "https"
            && url
                .host_str()
                .is_some_and(|h| h == "googleapis.com" || h.ends_with(".googleapis.com"))
    }

    /// The video model and its rules for a request: the job's plan when it has one, else this
    /// worker's own choice.
    async fn video_choice(
        &self,
        model: Option<&str>,
        quality: Quality,
        task: &TaskCtx,
    ) -> Result<Choice, MediaError> {
        match model {
            Some(m) => Catalog::builtin()
                .family_of(m)
                .filter(|f| f.role == Role::Video)
                .map(|f| Choice {
                    model: m.to_owned(),
                    family: f.clone(),
                })
                .ok_or_else(|| {
                    self.site(m).error(
                        ErrorClass::UnsupportedModel,
                        format!("{m} is not a video model the studio knows (models.toml)"),
                        None,
                    )
                }),
            None => Ok(self.plan_models(quality, task).await?.video),
        }
    }

    async fn image_choice(
        &self,
        model: Option<&str>,
        task: &TaskCtx,
    ) -> Result<String, MediaError> {
        match model {
            Some(m) => Ok(m.to_owned()),
            None => Ok(self.plan_models(Quality::High, task).await?.image_model),
        }
    }

    fn provider_name(&self) -> &'static str {
        match self.config.backend {
            Backend::Gemini => "gemini",
            Backend::Vertex => "vertex",
        }
    }

    fn site(&self, model: &str) -> CallSite {
        CallSite {
            provider: self.provider_name(),
            model: model.to_owned(),
        }
    }

    /// Sends a request built by `build`, with credentials, racing the task's cancellation.
    /// Returns the body of a 2xx answer; any other answer becomes a classified error.
    async fn send(
        &self,
        site: &CallSite,
        task: &TaskCtx,
        build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<bytes::Bytes, MediaError> {
        let req = build(&self.http);
        let url = req
            .try_clone()
            .and_then(|r| r.build().ok())
            .map(|r| r.url().clone());
        let req = match url {
            Some(u) if self.trusted(&u) => self.auth.apply(req).await?,
            Some(u) => {
                return Err(site.error(
                    ErrorClass::InvalidInput,
                    format!(
                        "refusing to send credentials to {} (not Google and not the configured base URL)",
                        u.host_str().unwrap_or("an unknown host")
                    ),
                    None,
                ))
            }
            None => {
                return Err(site.error(
                    ErrorClass::InvalidInput,
                    "could not build the request".into(),
                    None,
                ))
            }
        };
        let call = async {
            let resp = req.send().await.map_err(|e| transport_error(site, e))?;
            let status = resp.status();
            let retry_after = classify::retry_after(
                resp.headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok()),
            );
            let body = resp.bytes().await.map_err(|e| transport_error(site, e))?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(classify::http_error(
                    site,
                    status.as_u16(),
                    &String::from_utf8_lossy(&body),
                    retry_after,
                ))
            }
        };
        cancellable(task, call).await
    }

    /// [`Self::send`] and parse the JSON body; an unparseable 200 is a retryable "malformed".
    async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        site: &CallSite,
        task: &TaskCtx,
        build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<T, MediaError> {
        let body = self.send(site, task, build).await?;
        serde_json::from_slice(&body).map_err(|e| {
            site.error(
                ErrorClass::Transient,
                format!("malformed response: {e}"),
                None,
            )
        })
    }
}

/// Runs `fut` unless the task is cancelled first (dropping the request at once).
pub(crate) async fn cancellable<T>(
    task: &TaskCtx,
    fut: impl Future<Output = Result<T, MediaError>>,
) -> Result<T, MediaError> {
    tokio::select! {
        r = fut => r,
        _ = task.cancel.cancelled() => Err(MediaError::Cancelled),
    }
}

/// Connection errors and timeouts are retryable. The message never includes the URL's query
/// (keys travel in headers, but be safe).
fn transport_error(site: &CallSite, e: reqwest::Error) -> MediaError {
    let kind = if e.is_timeout() {
        "request timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "connection failed"
    };
    let e = e.without_url();
    site.error(ErrorClass::Transient, format!("{kind}: {e}"), None)
}

fn mime_of(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "image/png",
    }
}

/// The MIME type of image bytes, by their magic numbers (a name can lie; Google checks).
pub(crate) fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// An image file as Google's inline parts carry it: base64 and its sniffed MIME type.
pub(crate) async fn read_image(path: &Path) -> Result<(String, &'static str), MediaError> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| MediaError::io(format!("read {}", path.display()), e))?;
    let mime = sniff_image(&bytes).unwrap_or_else(|| mime_of(path));
    Ok((b64().encode(bytes), mime))
}

#[async_trait]
impl MediaProvider for GoogleProvider {
    fn name(&self) -> &str {
        self.provider_name()
    }

    /// The models are part of each job's plan, and so of its cache keys.
    fn cache_identity(&self) -> String {
        self.provider_name().to_owned()
    }

    /// The job's models, refused here (before anything is paid) when the settings keep data in
    /// a region one of them is not served from.
    async fn plan(&self, quality: Quality, task: &TaskCtx) -> Result<ModelPlan, MediaError> {
        let plan = self.plan_models(quality, task).await?;
        for model in [&plan.image_model, &plan.video.model] {
            if let Some(Err(e)) = self.config.location_of(model) {
                return Err(e);
            }
        }
        // Vertex returns a clip too large for inline delivery only to the creator's bucket:
        // without one, a quality none of whose clips fit inline is refused now, not per clip.
        let family = &plan.video.family;
        let bucketless = self
            .config
            .vertex
            .as_ref()
            .is_some_and(|v| v.output_gcs_uri.is_none());
        if bucketless && family.route == Route::Interactions {
            let resolution = studio_models::clip_plan(family, quality, 0, 0).resolution;
            let shortest = family.durations.iter().copied().min().unwrap_or(1);
            if !family.inline_fits(&resolution, shortest) {
                return Err(self.site(&plan.video.model).error(
                    ErrorClass::Settings,
                    omni::too_big_for_inline(&plan.video.model, &resolution, shortest),
                    None,
                ));
            }
        }
        Ok(plan)
    }

    async fn character_image(
        &self,
        req: &ImageRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let model = self.image_choice(req.model.as_deref(), task).await?;
        match images::generate(self, &model, req, out, task).await {
            Err(e) if e.class() == ErrorClass::UnsupportedModel => {
                Err(self.explain_unsupported(e, Role::Image).await)
            }
            other => other,
        }
    }

    async fn video_clip(
        &self,
        req: &ClipRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let choice = self
            .video_choice(req.model.as_deref(), req.quality, task)
            .await?;
        let result = match choice.family.route {
            Route::Interactions => omni::generate(self, &choice, req, out, task).await,
            _ => veo::generate(self, &choice, req, out, task).await,
        };
        match result {
            Err(e) if e.class() == ErrorClass::UnsupportedModel => {
                Err(self.explain_unsupported(e, Role::Video).await)
            }
            other => other,
        }
    }
}
