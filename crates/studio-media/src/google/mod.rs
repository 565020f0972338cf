//! The real providers: Nano Banana (Gemini 2.5 Flash Image) for character images and Veo 3 for
//! clips, on the Gemini Developer API or Vertex AI, over HTTP with reqwest (rustls).
//!
//! The wire formats and failure classes follow `../shared/providers.md`. Every request can be
//! cancelled mid-flight, every error names provider, model, HTTP status and the server's
//! message, and no error or log line ever carries a key.

mod auth;
mod classify;
pub mod config;
#[cfg(test)]
mod fuzz;
mod images;
mod veo;

use std::future::Future;
use std::path::Path;

use async_trait::async_trait;
use base64::Engine;

pub use config::{Backend, GoogleConfig, GoogleSettings, StoredSecret};

use crate::error::{ErrorClass, MediaError};
use crate::provider::{ClipRequest, ImageRequest, MediaProvider};
use crate::task::TaskCtx;
use auth::Auth;
use classify::CallSite;

pub struct GoogleProvider {
    config: GoogleConfig,
    http: reqwest::Client,
    auth: Auth,
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
            Backend::Vertex => Auth::vertex(config.credentials_file.as_deref()).await?,
        };
        Ok(GoogleProvider { config, http, auth })
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
        let req = self.auth.apply(build(&self.http)).await?;
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

async fn read_b64_file(path: &Path) -> Result<String, MediaError> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| MediaError::io(format!("read {}", path.display()), e))?;
    Ok(b64().encode(bytes))
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

#[async_trait]
impl MediaProvider for GoogleProvider {
    fn name(&self) -> &str {
        self.provider_name()
    }

    fn cache_identity(&self) -> String {
        format!(
            "{}:{}:{}",
            self.provider_name(),
            self.config.image_model,
            self.config.video_model
        )
    }

    fn image_model(&self) -> String {
        self.config.image_model.clone()
    }

    fn video_model(&self) -> String {
        self.config.video_model.clone()
    }

    async fn character_image(
        &self,
        req: &ImageRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        images::generate(self, req, out, task).await
    }

    async fn video_clip(
        &self,
        req: &ClipRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        veo::generate(self, req, out, task).await
    }
}
