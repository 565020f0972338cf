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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out.lines().next().unwrap_or_default().to_owned()
    }

    /// The media server serves the studio's folders only: a project's folder beside them, or a
    /// `..` out of a served folder, gets no URL and no bytes.
    #[tokio::test]
    async fn serves_its_roots_and_nothing_beside_them() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = dir.path().join("artifacts");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&artifacts).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(artifacts.join("clip.mp4"), b"clip").unwrap();
        std::fs::write(project.join("photo.png"), b"photo").unwrap();
        let server = MediaServer::start(vec![("a", artifacts.clone())])
            .await
            .unwrap();
        let url = server.url_for(&artifacts.join("clip.mp4")).unwrap();
        let path = url.split_once(&server.addr.to_string()).unwrap().1;
        assert!(get(server.addr, path).await.contains("200"), "{url}");
        assert_eq!(server.url_for(&project.join("photo.png")), None);
        let token = &server.token;
        for escape in [
            format!("/{token}/a/../project/photo.png"),
            format!("/{token}/a/%2e%2e/project/photo.png"),
            format!("/{token}/a/..%2fproject%2fphoto.png"),
            format!("/{token}/project/photo.png"),
            "/a/clip.mp4".to_owned(),
        ] {
            let status = get(server.addr, &escape).await;
            assert!(!status.contains("200"), "{escape}: {status}");
        }
    }
}
