//! A key once read from the store, held in memory.

use secrecy::SecretString;

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
