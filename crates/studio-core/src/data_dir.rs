//! The layout of a studio data dir, in one place: every crate that keeps files there asks
//! [`DataDir`] where they go, so the folder reads the same to the window, the CLI and workers.

use std::path::{Path, PathBuf};

/// A studio data dir (`--data-dir`, `STUDIO_DATA_DIR`, else the platform's app-data folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir(PathBuf);

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir(root.into())
    }

    pub fn root(&self) -> &Path {
        &self.0
    }

    /// The local artifact store (or the shared bucket's cache).
    pub fn artifacts(&self) -> PathBuf {
        self.0.join("artifacts")
    }

    /// Poster frames and clip thumbnails: inside the artifact store, so the window's media
    /// server serves them.
    pub fn thumbnails(&self) -> PathBuf {
        self.artifacts().join("thumbs")
    }

    /// The embedded dev server's SQLite database.
    pub fn dev_db(&self) -> PathBuf {
        self.0.join("temporal").join("dev.db")
    }

    pub fn logs(&self) -> PathBuf {
        self.0.join("logs")
    }

    /// The character library (index, images, undo trash).
    pub fn characters(&self) -> PathBuf {
        self.0.join("characters")
    }

    /// The studio's record of the renders it started.
    pub fn jobs(&self) -> PathBuf {
        self.0.join("jobs.json")
    }

    /// Settings shared by the window, the CLI and workers on this machine.
    pub fn settings(&self) -> PathBuf {
        self.0.join("settings.json")
    }

    /// Where discovered model lists are cached (`models-<backend>.json`).
    pub fn models_cache(&self) -> PathBuf {
        self.0.clone()
    }

    /// Creates the folder (and its parents) if missing.
    pub fn create(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.0)
    }
}

impl AsRef<Path> for DataDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}
