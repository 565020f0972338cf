//! Where a Temporal frontend is, how to authenticate to it, and connecting: envconfig with the
//! studio's settings on top, and a stored API key sent only to the address it was saved for.

use std::collections::HashMap;

use temporalio_client::envconfig::{ClientConfigProfile, LoadClientConfigProfileOptions};
use temporalio_client::errors::ClientConnectError;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};

use crate::config::TemporalConfig;
use crate::error::{EngineError, Result};

/// Where a Temporal frontend is and how to authenticate to it (envconfig profile). Its `Debug`
/// shows the address and namespace only: the profile holds the API key and TLS key paths.
#[derive(Clone)]
pub struct Endpoint {
    profile: ClientConfigProfile,
    /// A stored API key bound to another address (or, saved by an older studio, to none),
    /// which is therefore not sent here: what [`Endpoint::connect`] says when this address
    /// turns out to need a key.
    withheld: Option<WithheldKey>,
}

/// The address a stored API key that is not sent to an endpoint is bound to (None: it was
/// saved without one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct WithheldKey {
    bound: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("address", &self.address())
            .field("namespace", &self.namespace())
            .field(
                "api_key",
                &self.profile.api_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Endpoint {
    /// The dev server on loopback.
    pub fn local(port: u16) -> Endpoint {
        let mut profile = ClientConfigProfile::default();
        profile.address = Some(format!("127.0.0.1:{port}"));
        profile.namespace = Some("default".into());
        Endpoint {
            profile,
            withheld: None,
        }
    }

    /// From envconfig (`TEMPORAL_*` variables, `temporal.toml`) with the studio's settings on
    /// top. Returns None when no address is configured anywhere (use the embedded server).
    pub fn configured(settings: &TemporalConfig) -> Result<Option<Endpoint>> {
        Self::configured_in(settings, &temporal_env())
    }

    /// [`Endpoint::configured`] with the environment given as `env` (the `TEMPORAL_*`
    /// variables by name) instead of read from the process: a test passes its own, so a
    /// variable exported where it runs changes nothing. A map rather than a lookup function
    /// because envconfig also takes every `TEMPORAL_GRPC_META_*` variable, whatever its name.
    ///
    /// A stored API key goes only to the address it was saved for ([`key_bound_to`]): with
    /// another address the endpoint has no key, and a warning naming both addresses is logged
    /// when it connects (a key-less server there just works; one that asks for a key gets an
    /// error saying why none was sent, see [`Endpoint::connect`]).
    pub fn configured_in(
        settings: &TemporalConfig,
        env: &HashMap<String, String>,
    ) -> Result<Option<Endpoint>> {
        use temporalio_common::envconfig::DataSource;
        let mut opts = LoadClientConfigProfileOptions::default();
        opts.config_file_profile = settings.profile.clone();
        opts.config_source = settings
            .config_file
            .as_ref()
            .map(|p| DataSource::Path(p.display().to_string()));
        let mut profile = temporalio_common::envconfig::load_client_config_profile(opts, Some(env))
            .map_err(|e| EngineError::Config(format!("Temporal client config: {e}")))?;
        if let Some(tls) = &settings.tls {
            let path = |p: &Option<std::path::PathBuf>| {
                p.as_ref()
                    .map(|p| DataSource::Path(p.display().to_string()))
            };
            let mut t = profile.tls.take().unwrap_or_default();
            t.disabled = Some(false);
            t.server_ca_cert = path(&tls.server_ca_cert).or(t.server_ca_cert);
            t.client_cert = path(&tls.client_cert).or(t.client_cert);
            t.client_key = path(&tls.client_key).or(t.client_key);
            t.server_name = tls.server_name.clone().or(t.server_name);
            profile.tls = Some(t);
        }
        if let Some(a) = &settings.address {
            profile.address = Some(a.clone());
        }
        let mut withheld = None;
        if profile.api_key.is_none() {
            if let (Some(key), Some(address)) = (
                settings.stored_api_key.0.as_ref(),
                profile.address.as_deref(),
            ) {
                use secrecy::ExposeSecret;
                let bound = settings.stored_api_key_address.as_deref();
                if key_bound_to(bound, address) {
                    profile.api_key = Some(key.expose_secret().to_owned());
                } else {
                    withheld = Some(WithheldKey {
                        bound: bound.map(str::to_owned),
                    });
                }
            }
        }
        if let Some(ns) = &settings.namespace {
            profile.namespace = Some(ns.clone());
        }
        Ok(profile
            .address
            .is_some()
            .then_some(Endpoint { profile, withheld }))
    }

    /// The one answer to "where is Temporal?": [`Endpoint::configured`], else the embedded
    /// dev server's port on loopback.
    pub fn resolve(settings: &TemporalConfig) -> Result<Endpoint> {
        Ok(Self::configured(settings)?.unwrap_or_else(|| Self::local(settings.dev_server_port)))
    }

    pub fn address(&self) -> &str {
        self.profile.address.as_deref().unwrap_or("localhost:7233")
    }

    /// Whether an API key goes with this endpoint's calls.
    pub fn has_api_key(&self) -> bool {
        self.profile.api_key.is_some()
    }

    /// This endpoint with no API key (a connection test to an address the key was not saved
    /// for: whatever answers there gets no credential).
    pub fn without_api_key(mut self) -> Endpoint {
        self.profile.api_key = None;
        self
    }

    /// Whether a stored API key bound to another address is not sent here.
    pub fn withholds_api_key(&self) -> bool {
        self.withheld.is_some()
    }

    /// Why no key went to this address, and the fix: the error of a connection refused for
    /// want of one.
    fn withheld_key_error(&self, w: &WithheldKey, refusal: &str) -> EngineError {
        let address = self.address();
        let fix = format!(
            "Enter the key again for {address} (Settings → Keys, or `studio keys --set \
             temporal-api-key`)"
        );
        EngineError::Config(match &w.bound {
            Some(b) => format!(
                "Temporal at {address} asks for an API key ({refusal}): the stored Temporal API \
                 key is bound to {b} and is not sent to {address}. {fix}, or set the address \
                 back to {b}"
            ),
            None => format!(
                "Temporal at {address} asks for an API key ({refusal}): the stored Temporal API \
                 key was saved by an older studio without the address it is for, so it is not \
                 sent to {address}. {fix}"
            ),
        })
    }

    pub fn namespace(&self) -> &str {
        self.profile.namespace.as_deref().unwrap_or("default")
    }

    /// Connects. Without a stored key that is bound elsewhere (see [`Endpoint::configured_in`]),
    /// a warning names both addresses; and when the server then refuses the connection as
    /// unauthenticated or not permitted, the error says the key was not sent and how to fix it
    /// (the namespace is asked once, as a server may answer the connection's first call
    /// without a key and refuse everything after).
    pub async fn connect(&self) -> Result<Client> {
        let conn_err = |message: String| EngineError::Connect {
            address: self.address().to_owned(),
            message,
        };
        if let Some(w) = &self.withheld {
            tracing::warn!(
                address = %self.address(),
                key_bound_to = w.bound.as_deref().unwrap_or("no address (an older studio's)"),
                "connecting to Temporal without the stored API key: it is sent only to the \
                 address it was saved for"
            );
        }
        let opts = ConnectionOptions::try_from(self.profile.clone())
            .map_err(|e| EngineError::Config(e.to_string()))?;
        let connection =
            Connection::connect(opts)
                .await
                .map_err(|e| match (&self.withheld, &e) {
                    (Some(w), ClientConnectError::SystemInfoCallError(status))
                        if wants_credentials(status) =>
                    {
                        self.withheld_key_error(w, status.message())
                    }
                    _ => conn_err(e.to_string()),
                })?;
        let client = Client::new(connection, ClientOptions::new(self.namespace()).build())
            .map_err(|e| conn_err(e.to_string()))?;
        if let Some(w) = &self.withheld {
            if let Err(status) = describe_namespace(&client).await {
                if wants_credentials(&status) {
                    return Err(self.withheld_key_error(w, status.message()));
                }
            }
        }
        Ok(client)
    }
}

/// Whether a gRPC refusal is for want of (the right) credentials.
fn wants_credentials(status: &temporalio_client::tonic::Status) -> bool {
    use temporalio_client::tonic::Code;
    matches!(
        status.code(),
        Code::Unauthenticated | Code::PermissionDenied
    )
}

/// The `TEMPORAL_*` variables of this process (those envconfig reads); one that is not
/// Unicode is left out.
pub fn temporal_env() -> HashMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("TEMPORAL_"))
        .collect()
}

/// Whether a stored API key saved for `bound` may go to `address`: only to the address it was
/// saved for (a key saved without one goes nowhere). Addresses compare as typed, host case
/// aside (a different spelling of the same server is asked for again, never guessed to be the
/// same).
pub fn key_bound_to(bound: Option<&str>, address: &str) -> bool {
    bound.is_some_and(|b| b.trim().eq_ignore_ascii_case(address.trim()))
}

/// Whether the client's namespace answers (the dev server registers `default` at start-up).
pub(crate) async fn namespace_ready(client: &Client) -> bool {
    describe_namespace(client).await.is_ok()
}

async fn describe_namespace(
    client: &Client,
) -> std::result::Result<(), temporalio_client::tonic::Status> {
    use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;
    let req = DescribeNamespaceRequest {
        namespace: client.options().namespace.clone(),
        ..Default::default()
    };
    client
        .connection()
        .workflow_service()
        .describe_namespace(temporalio_client::tonic::Request::new(req))
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TemporalConfig;
    use studio_secrets::StoredSecret;

    /// No environment: what a test sets is all there is, whatever this machine exports.
    fn no_env() -> HashMap<String, String> {
        HashMap::new()
    }

    #[test]
    fn an_endpoint_never_prints_its_api_key() {
        let settings = TemporalConfig {
            address: Some("cloud.example:7233".into()),
            config_file: Some("/nonexistent/temporal.toml".into()),
            stored_api_key: StoredSecret::new(Some("tmprl-secret-key-1234".into())),
            stored_api_key_address: Some("cloud.example:7233".into()),
            ..Default::default()
        };
        let e = Endpoint::configured_in(&settings, &no_env())
            .unwrap()
            .unwrap();
        assert!(e.has_api_key());
        let shown = format!("{e:?} {settings:?}");
        assert!(shown.contains("cloud.example:7233"), "{shown}");
        assert!(!shown.contains("tmprl-secret-key-1234"), "{shown}");
    }

    /// Settings pointing at a config file that does not exist: no profile in the way of what
    /// the test sets.
    fn bound_settings(address: &str, bound: Option<&str>) -> TemporalConfig {
        TemporalConfig {
            address: Some(address.into()),
            config_file: Some("/nonexistent/temporal.toml".into()),
            stored_api_key: StoredSecret::new(Some("tmprl-bound-key".into())),
            stored_api_key_address: bound.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn a_stored_key_goes_only_to_the_address_it_was_saved_for() {
        let e = Endpoint::configured_in(
            &bound_settings("Cloud.Example:7233", Some("cloud.example:7233")),
            &no_env(),
        )
        .unwrap()
        .unwrap();
        assert!(e.has_api_key() && !e.withholds_api_key());
        assert!(!e.without_api_key().has_api_key());

        // Another address: no key, and the endpoint knows why (for the error if it asks).
        let e = Endpoint::configured_in(
            &bound_settings("evil.example:7233", Some("cloud.example:7233")),
            &no_env(),
        )
        .unwrap()
        .unwrap();
        assert!(!e.has_api_key() && e.withholds_api_key(), "{e:?}");
        let w = e.withheld.clone().unwrap();
        let msg = e.withheld_key_error(&w, "unauthenticated").to_string();
        for part in [
            "cloud.example:7233",
            "evil.example:7233",
            "Enter the key again",
        ] {
            assert!(msg.contains(part), "{msg}");
        }
        assert!(!msg.contains("tmprl-bound-key"), "{msg}");

        // A key an older studio kept without its address goes nowhere until entered again.
        let e = Endpoint::configured_in(&bound_settings("cloud.example:7233", None), &no_env())
            .unwrap()
            .unwrap();
        assert!(!e.has_api_key());
        let w = e.withheld.clone().unwrap();
        let msg = e.withheld_key_error(&w, "unauthenticated").to_string();
        assert!(msg.contains("Enter the key again"), "{msg}");
    }

    /// The environment is what the caller passes: an address and a key there are used (the
    /// key is envconfig's own, not a stored one, so it is not bound).
    #[test]
    fn the_environment_is_the_one_given() {
        let settings = TemporalConfig {
            config_file: Some("/nonexistent/temporal.toml".into()),
            ..Default::default()
        };
        assert!(Endpoint::configured_in(&settings, &no_env())
            .unwrap()
            .is_none());
        let env: HashMap<String, String> = [
            ("TEMPORAL_ADDRESS", "env.example:7233"),
            ("TEMPORAL_API_KEY", "tmprl-env-key"),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        let e = Endpoint::configured_in(&settings, &env).unwrap().unwrap();
        assert_eq!(e.address(), "env.example:7233");
        assert!(e.has_api_key() && !e.withholds_api_key());
    }
}
