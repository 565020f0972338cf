//! Credentials on the wire: the Gemini API key header, or a Vertex OAuth bearer token from a
//! service account or application-default credentials (via the maintained `gcp_auth` crate;
//! no hand-rolled JWT signing).

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{ErrorClass, MediaError};

const SCOPES: &[&str] = &["https://www.googleapis.com/auth/cloud-platform"];

#[derive(Clone)]
pub(crate) enum Auth {
    ApiKey(SecretString),
    OAuth(Arc<dyn gcp_auth::TokenProvider>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::ApiKey(_) => "Auth::ApiKey(<redacted>)",
            Auth::OAuth(_) => "Auth::OAuth",
        })
    }
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
    pub async fn vertex(credentials: Option<&std::path::Path>) -> Result<Auth, MediaError> {
        let provider: Arc<dyn gcp_auth::TokenProvider> = match credentials {
            Some(path) => Arc::new(
                gcp_auth::CustomServiceAccount::from_file(path)
                    .map_err(|e| auth_error(format!("service-account file {path:?}: {e}")))?,
            ),
            None => gcp_auth::provider()
                .await
                .map_err(|e| auth_error(format!("no Google Cloud credentials found: {e}")))?,
        };
        Ok(Auth::OAuth(provider))
    }

    /// Adds the credential to a request.
    pub async fn apply(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, MediaError> {
        match self {
            Auth::ApiKey(key) => {
                let mut value = reqwest::header::HeaderValue::from_str(key.expose_secret())
                    .map_err(|_| MediaError::Provider {
                        provider: "gemini".into(),
                        class: ErrorClass::InvalidApiKey,
                        message: "the API key holds characters an HTTP header cannot carry".into(),
                        retry_after: None,
                    })?;
                // Sensitive headers print as "Sensitive" in the HTTP stack's debug and trace
                // output, so even STUDIO_LOG=trace never writes the key.
                value.set_sensitive(true);
                Ok(req.header("x-goog-api-key", value))
            }
            Auth::OAuth(provider) => {
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
                Ok(req.bearer_auth(token.as_str()))
            }
        }
    }
}
