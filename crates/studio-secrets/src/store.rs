//! The store: the OS keyring, else the 0600 file, and saying which.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The keyring service every entry is filed under.
pub const SERVICE: &str = "smoketech-studio";
/// The fallback file, in the data dir.
pub const FILE_NAME: &str = "secrets.json";
/// `STUDIO_SECRETS=file` keeps keys in the file even where a keyring runs (e.g. a worker
/// machine whose operator manages that file).
pub const BACKEND_ENV: &str = "STUDIO_SECRETS";

/// The secrets the studio keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretName {
    /// Gemini Developer API key (Nano Banana, Veo 3).
    GeminiApiKey,
    /// Path of the Vertex AI service-account JSON.
    VertexCredentialsFile,
    /// API key of a Temporal Cloud namespace.
    TemporalApiKey,
}

impl SecretName {
    pub const ALL: [SecretName; 3] = [
        SecretName::GeminiApiKey,
        SecretName::VertexCredentialsFile,
        SecretName::TemporalApiKey,
    ];

    /// The keyring entry's user name (and the fallback file's key).
    pub fn key(self) -> &'static str {
        match self {
            SecretName::GeminiApiKey => "gemini-api-key",
            SecretName::VertexCredentialsFile => "vertex-credentials-file",
            SecretName::TemporalApiKey => "temporal-api-key",
        }
    }
}

/// Where keys are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The OS keyring.
    Keyring,
    /// A 0600 file, because `reason`.
    File { path: PathBuf, reason: String },
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    #[error("the OS keyring refused {name}: {message}")]
    Keyring { name: &'static str, message: String },
    #[error("the key file {path:?}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the key file {path:?} is damaged ({message}); fix or delete it and enter the keys again"
    )]
    Damaged { path: PathBuf, message: String },
    #[error(
        "the key file {path:?} can be read by other users (mode {mode:o}); run `chmod 600` on it"
    )]
    Exposed { path: PathBuf, mode: u32 },
}

pub type Result<T, E = SecretsError> = std::result::Result<T, E>;

/// The studio's keys, wherever they are kept.
#[derive(Debug, Clone)]
pub struct Secrets {
    backend: Backend,
}

impl Secrets {
    /// The OS keyring when its service answers, else the 0600 file in `data_dir` (with why).
    pub fn open(data_dir: &Path) -> Secrets {
        let file = |reason: String| Secrets {
            backend: Backend::File {
                path: data_dir.join(FILE_NAME),
                reason,
            },
        };
        if std::env::var(BACKEND_ENV).is_ok_and(|v| v == "file") {
            return file(format!("{BACKEND_ENV}=file"));
        }
        match keyring_probe() {
            Ok(()) => Secrets {
                backend: Backend::Keyring,
            },
            Err(reason) => file(reason),
        }
    }

    /// Keys in the 0600 file of `data_dir`, whatever else runs.
    pub fn file(data_dir: &Path, reason: impl Into<String>) -> Secrets {
        Secrets {
            backend: Backend::File {
                path: data_dir.join(FILE_NAME),
                reason: reason.into(),
            },
        }
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// A one-line description for Settings and logs.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Keyring => "kept in the OS keyring".into(),
            Backend::File { path, reason } => format!(
                "no keyring service is available ({reason}): kept in {} (readable only by you)",
                path.display()
            ),
        }
    }

    pub fn get(&self, name: SecretName) -> Result<Option<String>> {
        match &self.backend {
            Backend::Keyring => match entry(name)?.get_password() {
                Ok(v) => Ok(Some(v)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(keyring_error(name, e)),
            },
            Backend::File { path, .. } => Ok(read_file(path)?.remove(name.key())),
        }
    }

    /// Stores `value` (trimmed); an empty value deletes the key.
    pub fn set(&self, name: SecretName, value: &str) -> Result<()> {
        let value = value.trim();
        if value.is_empty() {
            return self.delete(name);
        }
        match &self.backend {
            Backend::Keyring => entry(name)?
                .set_password(value)
                .map_err(|e| keyring_error(name, e)),
            Backend::File { path, .. } => {
                let _lock = lock(path)?;
                let mut all = read_file(path)?;
                all.insert(name.key().to_owned(), value.to_owned());
                write_private(path, &all)
            }
        }
    }

    /// Removes the key; a key that is not there is not an error.
    pub fn delete(&self, name: SecretName) -> Result<()> {
        match &self.backend {
            Backend::Keyring => match entry(name)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keyring_error(name, e)),
            },
            Backend::File { path, .. } => {
                let _lock = lock(path)?;
                let mut all = read_file(path)?;
                if all.remove(name.key()).is_some() {
                    write_private(path, &all)?;
                }
                Ok(())
            }
        }
    }
}

/// A Temporal API key and the address it was saved for. The key is sent to that address and
/// nowhere else: whoever can change the address (a page, a profile, an environment variable)
/// must not thereby choose where the key goes. Stored as one entry, so the key and its address
/// never come apart.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemporalKey {
    pub key: String,
    /// `host:port` the key was saved for; None for a key an older studio saved (it is sent
    /// nowhere until it is entered again).
    #[serde(default)]
    pub address: Option<String>,
}

impl std::fmt::Debug for TemporalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporalKey")
            .field("key", &"<redacted>")
            .field("address", &self.address)
            .finish()
    }
}

impl TemporalKey {
    /// What the store keeps: `{"key", "address"}` as JSON (a bare key, as older studios wrote
    /// it, reads as a key bound to nothing).
    fn encode(&self) -> String {
        serde_json::to_string(self).expect("two strings serialize")
    }

    fn decode(stored: String) -> TemporalKey {
        if stored.trim_start().starts_with('{') {
            if let Ok(k) = serde_json::from_str::<TemporalKey>(&stored) {
                return k;
            }
        }
        TemporalKey {
            key: stored,
            address: None,
        }
    }
}

impl Secrets {
    /// The Temporal API key with the address it is bound to.
    pub fn temporal_key(&self) -> Result<Option<TemporalKey>> {
        Ok(self
            .get(SecretName::TemporalApiKey)?
            .map(TemporalKey::decode))
    }

    /// The Temporal API key as an older studio stored it (bare, with no address), if it is
    /// still stored that way: [`Secrets::migrate_temporal_key`] rewrites it once.
    pub fn legacy_temporal_key(&self) -> Result<Option<String>> {
        Ok(self
            .get(SecretName::TemporalApiKey)?
            .filter(|s| !s.trim_start().starts_with('{')))
    }

    /// Rewrites an older studio's key in today's form, bound to `address`, or to nothing
    /// (None: it is then sent nowhere until entered again). Either way it is migrated once.
    pub fn migrate_temporal_key(&self, key: &str, address: Option<&str>) -> Result<()> {
        let migrated = TemporalKey {
            key: key.trim().to_owned(),
            address: address.map(|a| a.trim().to_owned()),
        };
        self.set(SecretName::TemporalApiKey, &migrated.encode())
    }

    /// Stores the Temporal API key (trimmed) bound to `address`; an empty key deletes it.
    pub fn set_temporal_key(&self, key: &str, address: &str) -> Result<()> {
        let key = key.trim();
        if key.is_empty() {
            return self.delete(SecretName::TemporalApiKey);
        }
        let bound = TemporalKey {
            key: key.to_owned(),
            address: Some(address.trim().to_owned()),
        };
        self.set(SecretName::TemporalApiKey, &bound.encode())
    }
}

fn entry(name: SecretName) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, name.key()).map_err(|e| keyring_error(name, e))
}

fn keyring_error(name: SecretName, e: keyring::Error) -> SecretsError {
    SecretsError::Keyring {
        name: name.key(),
        message: e.to_string(),
    }
}

/// Whether the keyring's service answers: a lookup that finds nothing is an answer.
/// Whether the OS keyring answers, asked once per process: a probe that failed once (a slow
/// D-Bus at start) must not send one save to the file and the next to the keyring, leaving
/// keys split between them.
fn keyring_probe() -> std::result::Result<(), String> {
    static ANSWER: std::sync::OnceLock<std::result::Result<(), String>> =
        std::sync::OnceLock::new();
    ANSWER.get_or_init(probe_once).clone()
}

fn probe_once() -> std::result::Result<(), String> {
    let answer = keyring::Entry::new(SERVICE, "probe")
        .map_err(|e| e.to_string())
        .and_then(|probe| match probe.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        });
    if let Err(reason) = &answer {
        // Once per process, and only where keys are read or stored (nothing else opens them).
        tracing::warn!(%reason, "no OS keyring: keys go to a file only this user can read");
    }
    answer
}

/// The key file's write lock (Settings and `studio keys` may write it at once).
fn lock(path: &Path) -> Result<studio_core::FileLock> {
    studio_core::FileLock::exclusive(path).map_err(|source| SecretsError::File {
        path: path.to_owned(),
        source,
    })
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(SecretsError::File {
                path: path.to_owned(),
                source,
            })
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| SecretsError::File {
                path: path.to_owned(),
                source,
            })?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(SecretsError::Exposed {
                path: path.to_owned(),
                mode,
            });
        }
    }
    serde_json::from_slice(&bytes).map_err(|e| SecretsError::Damaged {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Replaces the file atomically; the new file is 0600 from its creation, never readable by
/// others even for a moment (and 0600 again if someone widened it). A symlinked key file stays
/// a symlink ([`studio_core::replace_with`]).
fn write_private(path: &Path, all: &BTreeMap<String, String>) -> Result<()> {
    use std::io::Write;
    let bytes = serde_json::to_vec_pretty(all).expect("a string map serializes");
    studio_core::replace_with(path, studio_core::FileMode::Exactly(0o600), |f| {
        f.write_all(&bytes)
    })
    .map_err(|source| SecretsError::File {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::file(dir.path(), "test");
        assert_eq!(s.get(SecretName::GeminiApiKey).unwrap(), None);
        s.set(SecretName::GeminiApiKey, " AIza-one \n").unwrap();
        s.set(SecretName::TemporalApiKey, "tmprl-two").unwrap();
        assert_eq!(
            s.get(SecretName::GeminiApiKey).unwrap().as_deref(),
            Some("AIza-one")
        );
        let path = dir.path().join(FILE_NAME);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        s.set(SecretName::GeminiApiKey, "").unwrap();
        assert_eq!(s.get(SecretName::GeminiApiKey).unwrap(), None);
        assert_eq!(
            s.get(SecretName::TemporalApiKey).unwrap().as_deref(),
            Some("tmprl-two")
        );
        assert!(
            s.describe().contains("readable only by you"),
            "{}",
            s.describe()
        );
    }

    #[test]
    fn a_temporal_key_keeps_the_address_it_was_saved_for() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::file(dir.path(), "test");
        assert_eq!(s.temporal_key().unwrap(), None);
        s.set_temporal_key(" tmprl-bound \n", "cloud.example:7233")
            .unwrap();
        let k = s.temporal_key().unwrap().unwrap();
        assert_eq!(k.key, "tmprl-bound");
        assert_eq!(k.address.as_deref(), Some("cloud.example:7233"));
        assert!(!format!("{k:?}").contains("tmprl-bound"));
        // A bare key, as an older studio stored it, is bound to nothing.
        s.set(SecretName::TemporalApiKey, "tmprl-legacy").unwrap();
        let k = s.temporal_key().unwrap().unwrap();
        assert_eq!((k.key.as_str(), k.address), ("tmprl-legacy", None));
        s.set_temporal_key("", "cloud.example:7233").unwrap();
        assert_eq!(s.temporal_key().unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_or_a_damaged_one_is_refused_by_name() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let s = Secrets::file(dir.path(), "test");
        let err = s.get(SecretName::GeminiApiKey).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&path, "{ not json").unwrap();
        let err = s.set(SecretName::GeminiApiKey, "k").unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{ not json");
    }
}
