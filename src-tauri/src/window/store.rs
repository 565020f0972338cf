//! `window.json`: read whole, changed under one lock, replaced atomically; one that cannot be
//! read is never written.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// `window.json`: the recent projects and the window's preferences, kept as a JSON object so
/// keys a newer studio wrote survive this one's rewrites.
pub struct WindowStore {
    path: PathBuf,
    /// How the file is read (`std::fs::read`; a test makes it fail).
    read: fn(&Path) -> std::io::Result<Vec<u8>>,
    /// Read-modify-write of the file, one at a time; and, once the file could not be read,
    /// this session's values, never written.
    session: Mutex<Session>,
}

#[derive(Default)]
struct Session {
    /// Set when the file exists but could not be read (permissions, an I/O error): writing
    /// would replace the list it holds with only what this session set, so the store is
    /// read-only until the next start, and these values are kept in memory instead.
    read_only: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl WindowStore {
    pub fn new(path: PathBuf) -> Self {
        Self::reading_with(path, |p| std::fs::read(p))
    }

    /// A store whose file is read by `read` (a test makes it fail).
    pub(super) fn reading_with(path: PathBuf, read: fn(&Path) -> std::io::Result<Vec<u8>>) -> Self {
        WindowStore {
            path,
            read,
            session: Mutex::new(Session::default()),
        }
    }

    /// The file's object. A missing file is empty; one that is not a JSON object (a crash of an
    /// older studio mid-write, a bad hand edit) is moved aside to `window.json.bad`, logged,
    /// and the window starts from defaults. One that cannot be read at all is left alone: the
    /// store turns read-only for this session (see [`Session::read_only`]).
    fn load(&self, session: &mut Session) -> serde_json::Map<String, serde_json::Value> {
        if let Some(map) = &session.read_only {
            return map.clone();
        }
        let bytes = match (self.read)(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Default::default(),
            Err(e) => {
                tracing::error!(
                    file = %self.path.display(), error = %e,
                    "window state unreadable: defaults used, and nothing is written to it this session"
                );
                session.read_only = Some(Default::default());
                return Default::default();
            }
        };
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(map)) => map,
            other => {
                let reason = match other {
                    Err(e) => e.to_string(),
                    Ok(_) => "not a JSON object".to_owned(),
                };
                let mut bad = self.path.clone().into_os_string();
                bad.push(".bad");
                let bad = PathBuf::from(bad);
                match std::fs::rename(&self.path, &bad) {
                    Ok(()) => tracing::warn!(
                        file = %self.path.display(), kept = %bad.display(), %reason,
                        "window state corrupt: kept aside, defaults used"
                    ),
                    Err(e) => tracing::warn!(
                        file = %self.path.display(), %reason, error = %e,
                        "window state corrupt and not moved aside: defaults used"
                    ),
                }
                Default::default()
            }
        }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panicking holder leaves at worst a map one key short.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value under `key`, if there is one.
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        let mut session = self.session();
        self.load(&mut session).remove(key)
    }

    /// Sets `key` and replaces the file atomically (temporary file, fsync, rename); a store
    /// that could not read its file keeps the value for this session only.
    pub fn set(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError> {
        self.update(key, |_| value).map(drop)
    }

    /// Replaces the value under `key` with `change` of it (None: no value yet), read and
    /// written under one lock, so concurrent updates of the same key are applied one after the
    /// other and none is lost; the file is replaced as by [`WindowStore::set`]. Returns the new
    /// value.
    pub fn update(
        &self,
        key: &str,
        change: impl FnOnce(Option<serde_json::Value>) -> serde_json::Value,
    ) -> Result<serde_json::Value, StoreError> {
        let mut session = self.session();
        let mut map = self.load(&mut session);
        if let Some(kept) = &mut session.read_only {
            tracing::debug!(key, "window state read-only this session: kept in memory");
            let value = change(kept.remove(key));
            kept.insert(key.to_owned(), value.clone());
            return Ok(value);
        }
        let value = change(map.remove(key));
        map.insert(key.to_owned(), value.clone());
        let mut json = serde_json::to_vec_pretty(&map).expect("a JSON map always serializes");
        json.push(b'\n');
        studio_core::write_atomic(&self.path, &json).map_err(|source| StoreError::Io {
            path: self.path.display().to_string(),
            source,
        })?;
        Ok(value)
    }
}
