//! The keys Settings edits: provider API keys, the Vertex credentials path and the Temporal API
//! key, kept in the OS keyring (or, where none runs, a file only the user can read) and never in
//! `settings.json` or a project. The window is told where they are, and never gets them back.

use std::path::Path;

use serde::{Deserialize, Serialize};
use studio_secrets::{Backend, SecretName, Secrets, SecretsError};

use crate::error::{ApiError, ErrorCode, FieldProblem};

/// Where keys are kept and which are set (values are never sent to the window).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeysView {
    /// True when the OS keyring keeps them; false for the fallback file.
    pub in_keyring: bool,
    /// What Settings shows: where the keys are, and why when it is the file.
    pub detail: String,
    pub gemini_api_key: bool,
    /// A path, not a secret: shown so the creator can check it.
    pub vertex_credentials_file: Option<String>,
    pub temporal_api_key: bool,
    /// The address the Temporal API key was saved for: it is sent there and nowhere else
    /// (None with a key set: an older studio saved it, and it must be entered again).
    pub temporal_api_key_address: Option<String>,
}

/// Changes to the keys: None leaves a key as it is, an empty string removes it. Its `Debug`
/// says which keys change, never their values.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeysUpdate {
    pub gemini_api_key: Option<String>,
    pub vertex_credentials_file: Option<String>,
    pub temporal_api_key: Option<String>,
}

impl std::fmt::Debug for KeysUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let change = |v: &Option<String>| match v {
            None => "unchanged",
            Some(v) if v.is_empty() => "removed",
            Some(_) => "set",
        };
        f.debug_struct("KeysUpdate")
            .field("gemini_api_key", &change(&self.gemini_api_key))
            .field(
                "vertex_credentials_file",
                &change(&self.vertex_credentials_file),
            )
            .field("temporal_api_key", &change(&self.temporal_api_key))
            .finish()
    }
}

impl From<SecretsError> for ApiError {
    fn from(e: SecretsError) -> Self {
        ApiError::new(ErrorCode::Settings, e.to_string())
    }
}

impl crate::Studio {
    /// Where the keys are and which are set. (Blocks on D-Bus with a keyring: call it off
    /// the UI thread.)
    pub fn keys(&self) -> Result<KeysView, ApiError> {
        view(&Secrets::open(self.data_dir()))
    }

    /// Validates, then stores (or removes: an empty value) the given keys; nothing is stored
    /// when any is invalid. Applies at the next start. A Temporal API key is bound to the
    /// address the saved settings name now ([`temporal_key_address`]).
    pub fn save_keys(&self, update: &KeysUpdate) -> Result<KeysView, ApiError> {
        let address = temporal_key_address(self.data_dir())?;
        save_keys_in(&Secrets::open(self.data_dir()), update, address.as_deref())
    }
}

/// The address a Temporal API key saved now is bound to: where the saved settings (file,
/// `temporal.toml`, environment) send the studio, read afresh (the window's settings are those
/// of its start, and an address saved since then is the one the key is entered for). None: the
/// embedded server, which needs no key.
pub fn temporal_key_address(data_dir: &Path) -> Result<Option<String>, ApiError> {
    let s = crate::settings::Settings::load_without_keys(data_dir)?;
    Ok(studio_engine::Endpoint::configured(&s.temporal)?.map(|e| e.address().to_owned()))
}

fn view(s: &Secrets) -> Result<KeysView, ApiError> {
    let temporal = s.temporal_key()?;
    Ok(KeysView {
        in_keyring: matches!(s.backend(), Backend::Keyring),
        detail: s.describe(),
        gemini_api_key: s.get(SecretName::GeminiApiKey)?.is_some(),
        vertex_credentials_file: s.get(SecretName::VertexCredentialsFile)?,
        temporal_api_key: temporal.is_some(),
        temporal_api_key_address: temporal.and_then(|k| k.address),
    })
}

impl KeysUpdate {
    /// Every problem, by field.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut bad = |field: &str, message: &str| {
            out.push(FieldProblem {
                field: field.into(),
                message: message.into(),
            })
        };
        for (field, value) in [
            ("geminiApiKey", &self.gemini_api_key),
            ("temporalApiKey", &self.temporal_api_key),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.trim().chars().any(char::is_whitespace))
            {
                bad(field, "a key has no spaces or line breaks inside");
            }
        }
        if let Some(p) = self.vertex_credentials_file.as_deref().map(str::trim) {
            if !p.is_empty() && !Path::new(p).is_file() {
                bad("vertexCredentialsFile", "no such file");
            }
        }
        out
    }
}

/// [`crate::Studio::save_keys`] into a given store (tests pass the file store explicitly),
/// binding a Temporal API key to `temporal_address` (None: no address is configured, and a
/// Temporal key is refused: it would have nowhere it may go).
pub fn save_keys_in(
    s: &Secrets,
    update: &KeysUpdate,
    temporal_address: Option<&str>,
) -> Result<KeysView, ApiError> {
    let mut problems = update.problems();
    let new_temporal_key = update
        .temporal_api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if new_temporal_key.is_some() && temporal_address.is_none() {
        problems.push(FieldProblem {
            field: "temporalApiKey".into(),
            message: "save the Temporal address first: the key is sent only to the address \
                      it is saved for"
                .into(),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError {
            code: ErrorCode::Settings,
            message: format!("{} invalid key(s)", problems.len()),
            problems,
        });
    }
    for (name, value) in [
        (SecretName::GeminiApiKey, &update.gemini_api_key),
        (
            SecretName::VertexCredentialsFile,
            &update.vertex_credentials_file,
        ),
    ] {
        if let Some(v) = value {
            s.set(name, v)?;
        }
    }
    if let Some(key) = &update.temporal_api_key {
        // Checked above: a non-empty key has an address.
        s.set_temporal_key(key, temporal_address.unwrap_or_default())?;
    }
    if let (Some(_), Some(address)) = (new_temporal_key, temporal_address) {
        tracing::info!(%address, "Temporal API key saved for this address only");
    }
    view(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file fallback (the keyring itself is tested in `studio-secrets`).
    #[test]
    fn keys_are_stored_apart_from_settings_and_never_sent_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Secrets::file(dir.path(), "test");
        let bad = KeysUpdate {
            gemini_api_key: Some("two words".into()),
            vertex_credentials_file: Some("/no/such/sa.json".into()),
            temporal_api_key: None,
        };
        let shown = format!("{bad:?}");
        assert!(
            !shown.contains("two words") && shown.contains("set"),
            "{shown}"
        );
        let err = save_keys_in(&store, &bad, None).unwrap_err();
        let fields: Vec<_> = err.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["geminiApiKey", "vertexCredentialsFile"]);
        assert!(!dir.path().join(studio_secrets::FILE_NAME).exists());

        let v = save_keys_in(
            &store,
            &KeysUpdate {
                gemini_api_key: Some("AIza-view-test".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
        assert!(v.gemini_api_key && !v.temporal_api_key && !v.in_keyring);
        assert!(!serde_json::to_string(&v)
            .unwrap()
            .contains("AIza-view-test"));
        // Settings saved afterwards never carry the key.
        crate::settings::Settings::load(dir.path())
            .unwrap()
            .save(dir.path())
            .unwrap();
        let settings = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
        assert!(!settings.contains("AIza-view-test"));
        let mut loaded = crate::settings::Settings::load(dir.path()).unwrap();
        loaded.load_secrets(&store);
        assert!(loaded.google.stored_api_key.is_set());
        assert_eq!(loaded.provider(), studio_media::ProviderKind::Gemini);

        let v = save_keys_in(
            &store,
            &KeysUpdate {
                gemini_api_key: Some(String::new()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
        assert!(!v.gemini_api_key);
    }

    #[test]
    fn a_temporal_key_is_bound_to_the_address_it_is_saved_for() {
        let dir = tempfile::tempdir().unwrap();
        let store = Secrets::file(dir.path(), "test");
        let update = KeysUpdate {
            temporal_api_key: Some("tmprl-bound".into()),
            ..Default::default()
        };
        // No address configured: nowhere the key may go, so it is not stored.
        let err = save_keys_in(&store, &update, None).unwrap_err();
        assert_eq!(err.problems[0].field, "temporalApiKey");
        assert!(!dir.path().join(studio_secrets::FILE_NAME).exists());

        let v = save_keys_in(&store, &update, Some("cloud.example:7233")).unwrap();
        assert!(v.temporal_api_key);
        assert_eq!(
            v.temporal_api_key_address.as_deref(),
            Some("cloud.example:7233")
        );
        let mut s = crate::settings::Settings::default();
        s.load_secrets(&store);
        assert_eq!(
            s.temporal.stored_api_key_address.as_deref(),
            Some("cloud.example:7233")
        );
        // Settings pointing elsewhere get an endpoint without the key (it knows one was
        // withheld, for the error if that server asks for one). The environment is passed
        // explicitly: a TEMPORAL_API_KEY or TEMPORAL_ADDRESS exported where the test runs
        // changes nothing.
        let endpoint = |s: &crate::settings::Settings| {
            studio_engine::Endpoint::configured_in(&s.temporal, &Default::default())
                .unwrap()
                .unwrap()
        };
        s.temporal.address = Some("elsewhere.example:7233".into());
        s.temporal.config_file = Some(dir.path().join("no-temporal.toml"));
        let elsewhere = endpoint(&s);
        assert!(!elsewhere.has_api_key() && elsewhere.withholds_api_key());
        s.temporal.address = Some("cloud.example:7233".into());
        assert!(endpoint(&s).has_api_key());

        // Removing it needs no address.
        let v = save_keys_in(
            &store,
            &KeysUpdate {
                temporal_api_key: Some(String::new()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
        assert!(!v.temporal_api_key && v.temporal_api_key_address.is_none());
    }
}
