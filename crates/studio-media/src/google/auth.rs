//! Credentials on the wire: the Gemini API key header, or a Vertex OAuth bearer token from a
//! service account or application-default credentials (via the maintained `gcp_auth` crate;
//! no hand-rolled JWT signing), or from user credentials (`gcloud auth application-default
//! login`, an `authorized_user` file).
//!
//! User credentials bill no project of their own, so Google requires a quota project with them:
//! like Google's SDKs, every call carries `x-goog-user-project` (the file's `quota_project_id`,
//! else the studio's `google.project`). `gcp_auth` reads such files only from gcloud's own path
//! and refreshes only at Google's fixed endpoint, so this module refreshes them itself, the way
//! `google-auth` does (the file's `token_uri`, else Google's): one form POST.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{ErrorClass, MediaError};

const SCOPES: &[&str] = &["https://www.googleapis.com/auth/cloud-platform"];

/// Where google-auth refreshes user credentials whose file names no `token_uri`.
const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

#[derive(Clone)]
pub(crate) enum Auth {
    ApiKey(SecretString),
    /// A service account (or the metadata server, or gcloud): bills its own project.
    TokenSource(Arc<dyn gcp_auth::TokenProvider>),
    /// User credentials, sent with their quota project.
    User(Arc<UserCredentials>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::ApiKey(_) => "Auth::ApiKey(<redacted>)",
            Auth::TokenSource(_) => "Auth::TokenSource",
            Auth::User(_) => "Auth::User",
        })
    }
}

/// The fields of a credentials file the studio reads (`type` decides which others matter).
#[derive(serde::Deserialize)]
struct CredentialsFile {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: Option<SecretString>,
    #[serde(default)]
    refresh_token: Option<SecretString>,
    #[serde(default)]
    quota_project_id: Option<String>,
    #[serde(default)]
    token_uri: Option<String>,
}

/// An `authorized_user` file and its current access token.
pub(crate) struct UserCredentials {
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
    token_uri: String,
    /// Sent as `x-goog-user-project`.
    pub(crate) quota_project: String,
    http: reqwest::Client,
    token: tokio::sync::Mutex<Option<(SecretString, Instant)>>,
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: SecretString,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl UserCredentials {
    /// A token valid for at least another minute, refreshed when needed.
    async fn token(&self) -> Result<SecretString, MediaError> {
        let mut held = self.token.lock().await;
        if let Some((token, until)) = held.as_ref() {
            if Instant::now() + Duration::from_secs(60) < *until {
                return Ok(token.clone());
            }
        }
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("refresh_token", self.refresh_token.expose_secret()),
        ];
        let refused = |detail: String| MediaError::Provider {
            provider: "vertex".into(),
            // A token endpoint that is down is worth a retry; a revoked login is not, but the
            // answer does not always say which, and max attempts bound the cost.
            class: ErrorClass::Transient,
            message: format!("cannot refresh the user credentials' access token: {detail}"),
            retry_after: None,
        };
        let resp = self
            .http
            .post(&self.token_uri)
            .form(&form)
            .send()
            .await
            .map_err(|e| refused(e.without_url().to_string()))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| refused(e.to_string()))?;
        if status.as_u16() == 400 || status.as_u16() == 401 {
            return Err(auth_error(format!(
                "the user credentials were refused ({}); run `gcloud auth application-default \
                 login` again",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            )));
        }
        if !status.is_success() {
            return Err(refused(format!("HTTP {status}")));
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| refused(format!("malformed answer: {e}")))?;
        // Trust the lifetime only up to an hour (Google's own); a wild value must not overflow.
        let lifetime = answer.expires_in.unwrap_or(3600).min(3600);
        let until = Instant::now() + Duration::from_secs(lifetime);
        *held = Some((answer.access_token.clone(), until));
        Ok(answer.access_token)
    }
}

/// gcloud's application-default credentials file, where `gcloud auth application-default login`
/// writes it.
fn gcloud_adc_file() -> Option<PathBuf> {
    let dir = std::env::var_os("CLOUDSDK_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/gcloud")))?;
    let file = dir.join("application_default_credentials.json");
    file.is_file().then_some(file)
}

fn auth_error(message: String) -> MediaError {
    MediaError::Provider {
        provider: "vertex".into(),
        class: ErrorClass::InvalidApiKey,
        message,
        retry_after: None,
    }
}

impl Auth {
    /// Vertex credentials: the named file (a service account or user credentials), else
    /// gcloud's application-default file, else whatever `gcp_auth` finds (the metadata server,
    /// the gcloud CLI). `project` is the quota project of user credentials whose file names none.
    pub async fn vertex(
        credentials: Option<&Path>,
        project: &str,
        http: &reqwest::Client,
    ) -> Result<Auth, MediaError> {
        let default_provider = || async {
            gcp_auth::provider()
                .await
                .map(Auth::TokenSource)
                .map_err(|e| auth_error(format!("no Google Cloud credentials found: {e}")))
        };
        let named = credentials.is_some();
        let Some(path) = credentials.map(Path::to_owned).or_else(gcloud_adc_file) else {
            return default_provider().await;
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| auth_error(format!("cannot read the credentials file {path:?}: {e}")))?;
        let file: CredentialsFile = serde_json::from_str(&text).map_err(|e| {
            auth_error(format!(
                "the credentials file {path:?} is not valid JSON: {e}"
            ))
        })?;
        match file.kind.as_str() {
            "service_account" => Ok(Auth::TokenSource(Arc::new(
                gcp_auth::CustomServiceAccount::from_json(&text)
                    .map_err(|e| auth_error(format!("service-account file {path:?}: {e}")))?,
            ))),
            "authorized_user" => {
                let missing = |field: &str| {
                    auth_error(format!(
                        "the user credentials file {path:?} has no {field}; run `gcloud auth \
                         application-default login` again"
                    ))
                };
                let quota_project = file
                    .quota_project_id
                    .filter(|p| !p.trim().is_empty())
                    .unwrap_or_else(|| project.to_owned());
                Ok(Auth::User(Arc::new(UserCredentials {
                    client_secret: file.client_secret.ok_or_else(|| missing("client_secret"))?,
                    refresh_token: file.refresh_token.ok_or_else(|| missing("refresh_token"))?,
                    client_id: Some(file.client_id)
                        .filter(|c| !c.is_empty())
                        .ok_or_else(|| missing("client_id"))?,
                    token_uri: file.token_uri.unwrap_or_else(|| GOOGLE_TOKEN_URI.into()),
                    quota_project,
                    http: http.clone(),
                    token: tokio::sync::Mutex::new(None),
                })))
            }
            // gcloud's own file of another kind (impersonation, external accounts): what
            // gcp_auth finds (the gcloud CLI among them) handles it.
            _ if !named => default_provider().await,
            other => Err(auth_error(format!(
                "the credentials file {path:?} is of type {other:?}; the studio takes a \
                 service account (\"service_account\") or user credentials \
                 (\"authorized_user\", from `gcloud auth application-default login`)"
            ))),
        }
    }

    /// The credential as request headers (the API key; or a bearer token, with the quota
    /// project of user credentials). Marked sensitive: the HTTP stack's debug and trace output
    /// prints them as "Sensitive", so even STUDIO_LOG=trace never writes a key or a token. The
    /// caller decides which hosts get them (see `GoogleProvider::send`).
    pub async fn headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, MediaError> {
        match self {
            Auth::ApiKey(key) => {
                let value = sensitive(key.expose_secret()).ok_or_else(|| MediaError::Provider {
                    provider: "gemini".into(),
                    class: ErrorClass::InvalidApiKey,
                    message: "the API key holds characters an HTTP header cannot carry".into(),
                    retry_after: None,
                })?;
                Ok(vec![(HeaderName::from_static("x-goog-api-key"), value)])
            }
            Auth::TokenSource(provider) => {
                let token = provider
                    .token(SCOPES)
                    .await
                    .map_err(|e| MediaError::Provider {
                        provider: "vertex".into(),
                        // A token endpoint that is down is worth a retry; bad credentials are not,
                        // but gcp_auth does not tell them apart, and max attempts bound the cost.
                        class: ErrorClass::Transient,
                        message: format!("cannot get an OAuth token: {e}"),
                        retry_after: None,
                    })?;
                Ok(vec![bearer(token.as_str())?])
            }
            Auth::User(user) => {
                let token = user.token().await?;
                let project = HeaderValue::from_str(&user.quota_project).map_err(|_| {
                    auth_error(format!(
                        "the quota project {:?} holds characters an HTTP header cannot carry",
                        user.quota_project
                    ))
                })?;
                Ok(vec![
                    bearer(token.expose_secret())?,
                    (HeaderName::from_static("x-goog-user-project"), project),
                ])
            }
        }
    }
}

/// A header value that is never printed.
fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

fn bearer(token: &str) -> Result<(HeaderName, HeaderValue), MediaError> {
    let value = sensitive(&format!("Bearer {token}")).ok_or_else(|| MediaError::Provider {
        provider: "vertex".into(),
        class: ErrorClass::Transient,
        message: "the OAuth token holds characters an HTTP header cannot carry".into(),
        retry_after: None,
    })?;
    Ok((reqwest::header::AUTHORIZATION, value))
}
