//! Managed state: the studio (made at once; it reaches Temporal on first need, so the window
//! appears before the embedded server is up) and the media server.

use std::path::PathBuf;
use std::sync::Arc;

use studio_api::{ApiError, DataDir, ErrorCode, Studio};
use tokio::sync::OnceCell;

use crate::files::Grants;
use crate::media::MediaServer;

pub struct AppState {
    pub data_dir: DataDir,
    /// A project named on the command line, opened at start.
    pub initial_project: Option<PathBuf>,
    /// Err when the settings file cannot be read: every command says so.
    studio: Result<Arc<Studio>, ApiError>,
    media: OnceCell<Result<Arc<MediaServer>, ApiError>>,
    /// Paths the creator chose in this session (see `files`).
    pub grants: Grants,
    /// `window.json`: recent projects and window preferences.
    pub window_store: crate::window::WindowStore,
}

impl AppState {
    pub fn new(data_dir: PathBuf, initial_project: Option<PathBuf>) -> Self {
        AppState {
            grants: Grants::default(),
            window_store: crate::window::WindowStore::new(data_dir.join("window.json")),
            studio: Studio::for_window(&data_dir).map(Arc::new),
            data_dir: DataDir::new(data_dir),
            initial_project,
            media: OnceCell::new(),
        }
    }

    /// The studio (its operations connect on first need; concurrent callers share start-up).
    pub fn studio(&self) -> Result<Arc<Studio>, ApiError> {
        self.studio.clone()
    }

    pub async fn media(&self) -> Result<Arc<MediaServer>, ApiError> {
        self.media
            .get_or_init(|| async {
                let roots = vec![
                    ("a", self.data_dir.artifacts()),
                    ("c", self.data_dir.characters()),
                ];
                for (_, root) in &roots {
                    std::fs::create_dir_all(root)
                        .map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
                }
                MediaServer::start(roots)
                    .await
                    .map(Arc::new)
                    .map_err(|e| ApiError::new(ErrorCode::Io, format!("media server: {e}")))
            })
            .await
            .clone()
    }

    /// Where thumbnails are cached: inside the served folder, so they have media URLs.
    pub fn thumbs_dir(&self) -> PathBuf {
        self.data_dir.thumbnails()
    }

    /// The loopback URL of a file in the served folder.
    pub async fn media_url(&self, path: &std::path::Path) -> Result<String, ApiError> {
        self.media().await?.url_for(path).ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "{} is neither a studio artifact nor a library image",
                    path.display()
                ),
            )
        })
    }

    /// Stops the worker and dev server the studio started, if it started them.
    pub fn shutdown(&self) {
        if let Ok(studio) = &self.studio {
            studio.shutdown();
        }
    }
}
