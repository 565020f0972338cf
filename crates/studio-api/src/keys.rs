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
    /// when any is invalid. Applies at the next start.
    pub fn save_keys(&self, update: &KeysUpdate) -> Result<KeysView, ApiError> {
        save_keys_in(&Secrets::open(self.data_dir()), update)
    }
}

fn view(s: &Secrets) -> Result<KeysView, ApiError> {
    Ok(KeysView {
        in_keyring: matches!(s.backend(), Backend::Keyring),
        detail: s.describe(),
        gemini_api_key: s.get(SecretName::GeminiApiKey)?.is_some(),
        vertex_credentials_file: s.get(SecretName::VertexCredentialsFile)?,
        temporal_api_key: s.get(SecretName::TemporalApiKey)?.is_some(),
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

/// [`crate::Studio::save_keys`] into a given store (tests pass the file store explicitly).
pub fn save_keys_in(s: &Secrets, update: &KeysUpdate) -> Result<KeysView, ApiError> {
    let problems = update.problems();
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
        (SecretName::TemporalApiKey, &update.temporal_api_key),
    ] {
        if let Some(v) = value {
            s.set(name, v)?;
        }
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
        let err = save_keys_in(&store, &bad).unwrap_err();
        let fields: Vec<_> = err.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["geminiApiKey", "vertexCredentialsFile"]);
        assert!(!dir.path().join(studio_secrets::FILE_NAME).exists());

        let v = save_keys_in(
            &store,
            &KeysUpdate {
                gemini_api_key: Some("AIza-view-test".into()),
                ..Default::default()
            },
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
        )
        .unwrap();
        assert!(!v.gemini_api_key);
    }
}
