//! A mock of Google's generative endpoints for tests and key-less demos, speaking the wire
//! contract of `../shared/providers.md` over real HTTP on loopback.
//!
//! It serves both back ends — Gemini API (`/v1beta/...`, `x-goog-api-key`) and Vertex AI
//! (`/v1/projects/P/locations/L/publishers/google/...`, OAuth bearer from its own `/token`) —
//! for `generateContent`, `predictLongRunning`, the operation poll and the file download. Images
//! and clips are real PNG and MP4 bytes from the offline provider.
//!
//! Faults are scripted per request by a marker in the prompt, e.g. `a knight [mock:429]`:
//! `429` (once per prompt — per character for images — with Retry-After: 1, then success),
//! `500`, `503`, `hang`,
//! `safety`, `bad-request`, `malformed`, `no-image`, `op-error`, `polls=N` (operation done after
//! N polls). Keys and models are checked like Google does: a wrong key is a 400
//! `API_KEY_INVALID`, a missing one a 403, an unknown model a 404.

mod faults;
mod routes;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde::Serialize;

pub use faults::Faults;

/// What the mock has seen, for tests (`GET /mock/stats`).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// `generateContent` calls by prompt text.
    pub image_requests: HashMap<String, u32>,
    /// `predictLongRunning` submissions by prompt text (each one would be paid for).
    pub video_submissions: HashMap<String, u32>,
    pub polls: u32,
    pub downloads: u32,
    pub token_requests: u32,
}

#[derive(Debug, Clone)]
pub struct MockOptions {
    /// The only Gemini API key accepted.
    pub api_key: String,
    /// Default number of polls before an operation is done.
    pub polls: u32,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            api_key: "mock-key".into(),
            polls: 1,
        }
    }
}

/// The bearer token the mock's `/token` endpoint issues and Vertex routes accept.
pub const ACCESS_TOKEN: &str = "mock-access-token";

pub(crate) struct State {
    options: MockOptions,
    stats: Mutex<Stats>,
    ops: Mutex<HashMap<String, routes::Op>>,
    files: Mutex<HashMap<String, Vec<u8>>>,
    /// Prompts that already got their one scripted 429.
    throttled: Mutex<std::collections::HashSet<String>>,
    work: tempfile::TempDir,
    offline: studio_media::offline::OfflineProvider,
}

/// A running mock server.
pub struct MockGoogle {
    pub addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl MockGoogle {
    /// Binds 127.0.0.1:`port` (0 for any free port) and serves in the background.
    pub async fn start(port: u16, options: MockOptions) -> std::io::Result<MockGoogle> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            options,
            stats: Mutex::default(),
            ops: Mutex::default(),
            files: Mutex::default(),
            throttled: Mutex::default(),
            work: tempfile::tempdir()?,
            offline: studio_media::offline::OfflineProvider::new(studio_media::Ffmpeg::from_env()),
        });
        let app = routes::router(state.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "mock server stopped");
            }
        });
        Ok(MockGoogle { addr, state, task })
    }

    /// `http://127.0.0.1:PORT`, for `STUDIO_GOOGLE_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stats(&self) -> Stats {
        self.state.stats.lock().expect("stats lock").clone()
    }

    /// Serves until the process ends.
    pub async fn wait(mut self) {
        let task = std::mem::replace(&mut self.task, tokio::spawn(async {}));
        let _ = task.await;
    }
}

impl Drop for MockGoogle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
