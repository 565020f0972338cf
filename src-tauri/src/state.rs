//! Managed state: the studio (opened in the background so the window appears at once) and the
//! media server.

use std::path::PathBuf;
use std::sync::Arc;

use studio_api::{ApiError, ErrorCode, Studio};
use tokio::sync::OnceCell;

use crate::media::MediaServer;

pub struct AppState {
    pub data_dir: PathBuf,
    /// A project named on the command line, opened at start.
    pub initial_project: Option<PathBuf>,
    studio: OnceCell<Result<Arc<Studio>, ApiError>>,
    media: OnceCell<Result<Arc<MediaServer>, ApiError>>,
}

impl AppState {
    pub fn new(data_dir: PathBuf, initial_project: Option<PathBuf>) -> Self {
        AppState {
            data_dir,
            initial_project,
            studio: OnceCell::new(),
            media: OnceCell::new(),
        }
    }

    /// The studio, opening it on first use; concurrent callers wait for the same start-up.
    pub async fn studio(&self) -> Result<Arc<Studio>, ApiError> {
        self.studio
            .get_or_init(|| async { Studio::open(&self.data_dir).await.map(Arc::new) })
            .await
            .clone()
    }

    /// The studio if it has opened already (for checks that must not wait for start-up).
    pub fn studio_if_open(&self) -> Option<Arc<Studio>> {
        self.studio.get().and_then(|r| r.as_ref().ok().cloned())
    }

    pub async fn media(&self) -> Result<Arc<MediaServer>, ApiError> {
        self.media
            .get_or_init(|| async {
                let roots = vec![
                    ("a", self.data_dir.join("artifacts")),
                    ("c", self.data_dir.join(studio_library::LIBRARY_DIR)),
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
        self.data_dir.join("artifacts").join("thumbs")
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

    /// Stops the worker and dev server the studio started, if it started.
    pub fn shutdown(&self) {
        if let Some(Ok(studio)) = self.studio.get() {
            studio.shutdown();
        }
    }
}
