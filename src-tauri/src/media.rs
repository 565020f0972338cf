//! The loopback media server. WebKitGTK's `<video>` plays only http(s) and blob URLs, so media
//! is served from 127.0.0.1 on a random port, under a per-launch random token, from the artifact
//! folder only — by tower-http's `ServeDir`, which handles Range requests (seeking).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tower_http::services::ServeDir;

pub struct MediaServer {
    addr: SocketAddr,
    token: String,
    root: PathBuf,
}

impl MediaServer {
    /// Binds 127.0.0.1:0 and serves `root` in the background.
    pub async fn start(root: PathBuf) -> std::io::Result<MediaServer> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new().nest_service(&format!("/{token}"), ServeDir::new(&root));
        tauri::async_runtime::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "media server stopped");
            }
        });
        tracing::info!(%addr, "media server listening");
        Ok(MediaServer { addr, token, root })
    }

    /// The URL of a local file, if it lies inside the served folder.
    pub fn url_for(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| {
                url::form_urlencoded::byte_serialize(c.as_os_str().as_encoded_bytes()).collect()
            })
            .collect();
        Some(format!(
            "http://{}/{}/{}",
            self.addr,
            self.token,
            parts.join("/")
        ))
    }
}
