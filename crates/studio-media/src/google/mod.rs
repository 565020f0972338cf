//! The real providers: Nano Banana for character images, Veo (`predictLongRunning`) or Gemini
//! Omni (Interactions) for clips, a Gemini text model for planning (JSON by schema), Gemini TTS
//! for voice-over and narration (`speech`) and Lyria for music (`music`), on the Gemini
//! Developer API or Vertex AI, over HTTP with reqwest (rustls).
//!
//! No model is named here: the key's models are listed ([`discovery`]) and matched to the
//! families of `studio-catalog`' table, whose route decides how a clip is asked for. The wire
//! formats and failure classes follow `../shared/google-2026.md`. Every request can be cancelled
//! mid-flight, every error names provider, model, HTTP status and the server's message, a
//! credential goes only to the origins it belongs to ([`GoogleConfig::credential_origins`]),
//! redirects included, and no error or log line carries a key.

mod audio;
mod auth;
mod classify;
pub mod config;
mod content;
pub mod discovery;
mod extend;
mod files;
#[cfg(test)]
mod fuzz;
mod images;
mod longrun;
mod music;
mod omni;
mod speech;
mod text;
mod veo;

use std::future::Future;
use std::path::Path;

use async_trait::async_trait;
use base64::Engine;

pub use config::{Backend, GoogleConfig, GoogleSettings};
pub use discovery::{read_cache, Discovered};

use crate::error::{ErrorClass, MediaError};
use crate::provider::{
    ClipRequest, ExtendRequest, ImageRequest, MediaProvider, ModelPlan, MusicAnswer, MusicRequest,
    SpeechAnswer, SpeechRequest,
};
use crate::task::TaskCtx;
use crate::text::{JsonAnswer, JsonRequest};
use auth::Auth;
use classify::CallSite;
use studio_catalog::{Catalog, Choice, Role, Route};
use studio_core::Quality;

pub struct GoogleProvider {
    config: GoogleConfig,
    /// Follows no redirect by itself: [`GoogleProvider::send`] does, deciding per hop whether
    /// the credential goes along.
    http: reqwest::Client,
    auth: Auth,
    /// Where `auth` may be sent ([`GoogleConfig::credential_origins`], parsed).
    credential_origins: Vec<reqwest::Url>,
    /// The last listing, shared by every job of this worker.
    discovered: tokio::sync::Mutex<Option<Discovered>>,
    /// Vertex models probed for this project: listed is not the same as callable.
    probed: std::sync::Mutex<std::collections::HashMap<String, bool>>,
    /// ffprobe, to measure the music a model returns.
    ffmpeg: crate::ffmpeg::Ffmpeg,
}

/// How many redirects one request follows (as many as reqwest's default policy).
const MAX_REDIRECTS: usize = 10;

pub(crate) fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl GoogleProvider {
    pub async fn new(config: GoogleConfig) -> Result<Self, MediaError> {
        // No automatic redirects: reqwest's policy drops `Authorization` on a cross-host hop
        // but keeps `x-goog-api-key` and `x-goog-user-project`, and a policy cannot remove
        // headers. `send` follows them instead. The token refresh of user credentials uses
        // this client too, so a token endpoint that redirects is an error, and the refresh
        // token is never posted anywhere else.
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(config.request_timeout)
            .user_agent(concat!("smoketech-studio/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| MediaError::Image(format!("HTTP client: {e}")))?;
        let credential_origins = config
            .credential_origins()
            .iter()
            .map(|o| {
                reqwest::Url::parse(o).map_err(|e| MediaError::Provider {
                    provider: "google".into(),
                    class: ErrorClass::Settings,
                    message: format!("{o} is not a URL: {e}"),
                    retry_after: None,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
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
            credential_origins,
            discovered: tokio::sync::Mutex::new(None),
            probed: std::sync::Mutex::default(),
            ffmpeg: crate::ffmpeg::Ffmpeg::from_env(),
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

    /// Whether the credential may go to `url`: its origin (scheme, host and port) is one of
    /// [`GoogleConfig::credential_origins`]. A response naming any other host (a file URI, a
    /// redirect to a signed URL) gets no credential.
    fn trusted(&self, url: &reqwest::Url) -> bool {
        let origin = url.origin();
        self.credential_origins.iter().any(|o| o.origin() == origin)
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
                    // As this back end serves it: an extension's rules are its (Family::on).
                    family: f.on(self.config.backend),
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
    /// Returns the body of a 2xx answer; any other answer becomes a classified error. Every
    /// credentialed request of the provider goes through here; its first URL must be trusted.
    async fn send(
        &self,
        site: &CallSite,
        task: &TaskCtx,
        build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<bytes::Bytes, MediaError> {
        let req = build(&self.http).build().map_err(|e| {
            site.error(
                ErrorClass::InvalidInput,
                format!("could not build the request: {}", e.without_url()),
                None,
            )
        })?;
        if !self.trusted(req.url()) {
            return Err(site.error(
                ErrorClass::InvalidInput,
                format!(
                    "refusing to send credentials to {} (not an origin they were given for)",
                    req.url().host_str().unwrap_or("an unknown host")
                ),
                None,
            ));
        }
        let call = async {
            let resp = self.follow(site, req).await?;
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

    /// Sends `first` with the credential and follows its redirects (at most
    /// [`MAX_REDIRECTS`]), so that downloads answered with a signed URL elsewhere still arrive.
    ///
    /// Each hop carries the credential only while every hop so far, this one included, is
    /// [`Self::trusted`]: once a redirect leaves the credential's origins, no later hop gets
    /// it again, so a host that never saw the credential cannot steer an authenticated
    /// request (even one back to Google). 301, 302 and 303 continue as a GET without a body;
    /// 307 and 308 keep the method and the body, which is refused outside the trusted origins
    /// (a prompt or a reference image goes to no host the creator did not choose). Any other
    /// answer, a 3xx without a `Location` included, is returned as it is.
    async fn follow(
        &self,
        site: &CallSite,
        first: reqwest::Request,
    ) -> Result<reqwest::Response, MediaError> {
        use reqwest::header;
        let credential = self.auth.headers().await?;
        let mut method = first.method().clone();
        let mut url = first.url().clone();
        let mut headers = first.headers().clone();
        let timeout = first.timeout().copied();
        let mut body = match first.body() {
            None => None,
            Some(b) => Some(bytes::Bytes::copy_from_slice(b.as_bytes().ok_or_else(
                || {
                    site.error(
                        ErrorClass::InvalidInput,
                        "a streamed request body cannot be sent again after a redirect".into(),
                        None,
                    )
                },
            )?)),
        };
        let mut with_credential = true;
        for _ in 0..=MAX_REDIRECTS {
            let mut req = reqwest::Request::new(method.clone(), url.clone());
            *req.headers_mut() = headers.clone();
            if with_credential {
                for (name, value) in &credential {
                    req.headers_mut().insert(name.clone(), value.clone());
                }
            }
            *req.timeout_mut() = timeout;
            *req.body_mut() = body.clone().map(reqwest::Body::from);
            let resp = self
                .http
                .execute(req)
                .await
                .map_err(|e| transport_error(site, e))?;
            let status = resp.status().as_u16();
            let as_get = matches!(status, 301..=303);
            if !as_get && !matches!(status, 307 | 308) {
                return Ok(resp);
            }
            let Some(location) = resp
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
            else {
                return Ok(resp);
            };
            let next = url
                .join(location)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    site.error(
                        ErrorClass::Transient,
                        format!("HTTP {status} to a location that is not an HTTP URL"),
                        None,
                    )
                })?;
            if as_get {
                method = reqwest::Method::GET;
                body = None;
                for name in [
                    header::CONTENT_TYPE,
                    header::CONTENT_LENGTH,
                    header::CONTENT_ENCODING,
                ] {
                    headers.remove(name);
                }
            }
            with_credential = with_credential && self.trusted(&next);
            if !with_credential && body.is_some() {
                return Err(site.error(
                    ErrorClass::InvalidInput,
                    format!(
                        "HTTP {status} asks to send the request again to {}, which is not an \
                         origin the studio was set up to call; refused",
                        next.host_str().unwrap_or("an unknown host")
                    ),
                    None,
                ));
            }
            // Hosts only: a signed URL's query is a credential of its own.
            tracing::debug!(
                status,
                from = url.host_str().unwrap_or_default(),
                to = next.host_str().unwrap_or_default(),
                with_credential,
                "following a redirect"
            );
            url = next;
        }
        Err(site.error(
            ErrorClass::Transient,
            format!("more than {MAX_REDIRECTS} redirects"),
            None,
        ))
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

/// The MIME type of image bytes, by their magic numbers (a name can lie; Google checks): PNG,
/// JPEG or WebP, the input images Google takes.
pub(crate) fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    use image::ImageFormat;
    match image::guess_format(bytes).ok()? {
        format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) => {
            Some(format.to_mime_type())
        }
        _ => None,
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
            let resolution = studio_catalog::clip_plan(family, quality, 0, 0).resolution;
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
        // The engine checks the table before paying; this is the provider's own refusal.
        if req.last_frame.is_some() && !choice.family.last_frame {
            return Err(MediaError::NoLastFrame {
                provider: self.provider_name().into(),
                model: choice.model,
            });
        }
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

    /// Veo's video extension on Vertex, or Omni's `extend` task ([`extend`]).
    async fn extend_clip(
        &self,
        req: &ExtendRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let choice = self
            .video_choice(req.model.as_deref(), Quality::Standard, task)
            .await?;
        match extend::extend(self, &choice, req, out, task).await {
            Err(e) if e.class() == ErrorClass::UnsupportedModel => {
                Err(self.explain_unsupported(e, Role::Video).await)
            }
            other => other,
        }
    }

    async fn text_model(&self, task: &TaskCtx) -> Result<String, MediaError> {
        Ok(self.text_choice(None, task).await?.model)
    }

    async fn generate_json(
        &self,
        req: &JsonRequest,
        task: &TaskCtx,
    ) -> Result<JsonAnswer, MediaError> {
        let model = self.text_choice(req.model.as_deref(), task).await?.model;
        match text::generate(self, &model, req, task).await {
            Err(e) if e.class() == ErrorClass::UnsupportedModel => {
                Err(self.explain_unsupported(e, Role::Text).await)
            }
            other => other,
        }
    }

    async fn speech_model(&self, task: &TaskCtx) -> Result<String, MediaError> {
        Ok(self.sound_choice(Role::Speech, task).await?.model)
    }

    async fn speak(
        &self,
        req: &SpeechRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<SpeechAnswer, MediaError> {
        let choice = self.sound_choice(Role::Speech, task).await?;
        match speech::speak(self, &choice.model, &choice.family, req, out, task).await {
            Err(e) if e.class() == ErrorClass::UnsupportedModel => {
                Err(self.explain_unsupported(e, Role::Speech).await)
            }
            other => other,
        }
    }

    async fn music_model(&self, task: &TaskCtx) -> Result<String, MediaError> {
        Ok(self.sound_choice(Role::Music, task).await?.model)
    }

    async fn make_music(
        &self,
        req: &MusicRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<MusicAnswer, MediaError> {
        let choice = self.sound_choice(Role::Music, task).await?;
        match music::compose(self, &choice, req, out, task).await {
            Err(e) if e.class() == ErrorClass::UnsupportedModel => {
                Err(self.explain_unsupported(e, Role::Music).await)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests;
