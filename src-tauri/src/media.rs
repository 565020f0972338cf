//! The loopback media server. WebKitGTK's `<video>` plays only http(s) and blob URLs, so media
//! is served from 127.0.0.1 on a random port, under a per-launch random token, from the artifact
//! folder and the character library only — by tower-http's `ServeDir`, which handles Range
//! requests (seeking).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tower_http::services::ServeDir;

pub struct MediaServer {
    addr: SocketAddr,
    token: String,
    /// (URL prefix, folder) pairs; nothing outside them is served.
    roots: Vec<(&'static str, PathBuf)>,
}

impl MediaServer {
    /// Binds 127.0.0.1:0 and serves each folder under its prefix in the background.
    pub async fn start(roots: Vec<(&'static str, PathBuf)>) -> std::io::Result<MediaServer> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let mut app = axum::Router::new();
        for (prefix, root) in &roots {
            app = app.nest_service(&format!("/{token}/{prefix}"), ServeDir::new(root));
        }
        tauri::async_runtime::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "media server stopped");
            }
        });
        tracing::info!(%addr, "media server listening");
        Ok(MediaServer { addr, token, roots })
    }

    /// The URL of a local file, if it lies inside a served folder.
    pub fn url_for(&self, path: &Path) -> Option<String> {
        let (prefix, rel) = self
            .roots
            .iter()
            .find_map(|(prefix, root)| Some((prefix, path.strip_prefix(root).ok()?)))?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| {
                url::form_urlencoded::byte_serialize(c.as_os_str().as_encoded_bytes()).collect()
            })
            .collect();
        Some(format!(
            "http://{}/{}/{prefix}/{}",
            self.addr,
            self.token,
            parts.join("/")
        ))
    }
}
