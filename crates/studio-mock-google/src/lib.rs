//! A mock of Google's generative endpoints for tests and key-less demos, speaking the wire
//! contract of `shared/google-2026.md` (and `shared/providers.md`) over real HTTP on loopback.
//! It is meant to be at least as strict as Google: whatever Google refuses, it refuses, with
//! Google's error body `{"error":{"code","message","status","details":[...]}}`.
//!
//! Back ends and routes:
//! - Gemini API (`x-goog-api-key`): `GET /v1beta/models` (paged ListModels), `GET
//!   /v1beta/models/ID`, `POST /v1beta/models/ID:generateContent`, `POST
//!   /v1beta/models/ID:predictLongRunning`, `GET /v1beta/models/ID/operations/OP`, `GET
//!   /v1beta/files/ID[:download]`, `POST /v1beta/interactions`, `GET /v1beta/interactions/ID`.
//! - Vertex AI (OAuth bearer from the mock's own `POST /token`): `GET
//!   /v1beta1/publishers/google/models` (paged), `POST
//!   /{v1,v1beta1}/projects/P/locations/L/publishers/google/models/ID:{generateContent,
//!   predict,predictLongRunning,fetchPredictOperation}`, `POST /v1beta1/projects/P/locations/L/interactions`,
//!   `GET .../interactions/ID`, and Cloud Storage downloads of `gs://` results (`GET
//!   /storage/v1/b/B/o/OBJECT?alt=media`, also under `/download/`).
//! - `GET /mock/stats`: the [`Stats`], as JSON.
//!
//! Models: only the ids in [`MockOptions::gemini_models`] / [`MockOptions::vertex_models`]
//! exist (404 with Google's message otherwise, on every route); a listed model called through a
//! route its family in `studio-catalog`' table does not serve (or, on the Gemini API, whose
//! listed methods lack the method) is a 404 too. Requests are checked against the family's rules
//! (durations, resolutions, durations per resolution/references, aspect ratios, reference
//! images, image sizes, Vertex-only parameters, `personGeneration`) with Google's 400s.
//! Images and clips are real PNG/JPEG and MP4 bytes from the offline provider.
//!
//! Faults are scripted per request by a marker in the prompt, e.g. `a knight [mock:429]`
//! (several markers: `[mock:429, polls=3]`):
//! - `429`: one 429 per prompt (per character for images), `RetryInfo.retryDelay` `"1.5s"`; a
//!   retry sooner than the delay gets another 429 with the time left; after it, success.
//!   `429=2.25`: the same with that delay. 429s carry no `Retry-After` header, only a body with
//!   `QuotaFailure`, `Help` and `RetryInfo` details, like Google's.
//! - `quota-day`: always 429 with quota id `GenerateRequestsPerDayPerProjectPerModel` (and a
//!   RetryInfo the client must ignore).
//! - `free-tier`: always 429 with quota id `GenerateRequestsPerMinutePerProjectPerModel-FreeTier`
//!   and `limit: 0` in the message.
//! - `500`, `503`, `bad-request` (400): that status, every time. `fail=N`: a 503 for the
//!   first N requests of the prompt (per character for images), then success.
//! - `hang` (no answer), `reset` (200, a few bytes, then the connection is cut), `trickle` (200,
//!   then a byte a second), `malformed` (200 with truncated JSON).
//! - `safety`: images: `promptFeedback.blockReason: SAFETY`, no candidates; operations: done
//!   with `raiMediaFilteredCount`/`raiMediaFilteredReasons`; interactions: `failed` with a
//!   policy message.
//! - `no-image`: a candidate with `finishReason: NO_IMAGE` and empty content.
//! - `op-error`: every operation of the prompt ends `done: true, error: {code: 13}`
//!   (interactions: `status: failed`). `op-error-once`: only the first one does. `op-invalid`:
//!   error code 3. `no-video`: done with an empty `response` (interactions: completed with no
//!   video).
//! - `polls=N`: the operation (or background interaction) is done after N polls.
//! - `inline` (Gemini API): the video comes as `encodedVideo` instead of a file `uri`.
//! - `file-processing=N`: an Omni video delivered by URI on the Gemini API is a file resource
//!   that answers `PROCESSING` to its first N state checks (default 1); downloading it before it
//!   is `ACTIVE` is a 400 `FAILED_PRECONDITION`, as Google's Files API answers.
//!
//! Locations and credentials (Vertex): a family is served only where the table's
//! `vertex_location` says (`global` for Gemini 3.x, regions for Veo); anywhere else its model is
//! a 404 "Publisher Model … was not found". User credentials (a refresh-token grant at `/token`)
//! need an `x-goog-user-project` header, else Google's 403 "requires a quota project".
//! Gemini Omni: a clip whose real size would pass the ~4 MB inline cap fails unless asked by
//! URI; Interactions errors have a string `code`.
//!   `gcs-key` (Vertex): the video comes as `videoGcsUri: gs://mock-bucket/ID.mp4`.
//!   `redirect`: the video's download (a Gemini file's `:download?alt=media`, a Cloud Storage
//!   `alt=media` read) checks the credential, then answers 302 to a signed URL on the mock's
//!   second origin ([`MockGoogle::signed_addr`], another port: another origin), as Google's
//!   downloads do. That host serves the bytes to a request with no credential, records the
//!   header names of every request it gets ([`Stats::signed_downloads`]), and refuses (400) one
//!   that carries `authorization`, `x-goog-api-key` or `x-goog-user-project`: a credential sent
//!   past the redirect fails the download and shows in the stats.
//!
//! Text models (`crate::text`): `generateContent` with structured output checked as Google
//! checks it (`responseSchema` xor `responseJsonSchema`, a schema only with `responseMimeType:
//! application/json`, the supported JSON Schema keywords), answered with a real plan of the
//! story in the prompt (the offline planner's, in the plan contract's JSON), with thought parts
//! and `usageMetadata`. Faults: `drop-sentence` (the first answer for a story misses its last
//! sentence), `finish=REASON` (e.g. `MAX_TOKENS`, `SAFETY`, `RECITATION`), `safety` (a blocked
//! prompt), `not-json` (prose answered), and the shared ones; each with its `usageMetadata`. [`Stats::text_requests`] keeps what each call asked.
//!
//! Speech models (`crate::speech`): Gemini TTS `generateContent` refused as Google refuses it
//! (unknown voices with a field violation, other than 2 speakers, `voiceConfig` beside
//! `multiSpeakerVoiceConfig`, sampling parameters on 3.8, a legacy model without
//! `speechConfig`, input over the token limit) and answered with real espeak-ng speech: a WAV
//! from 3.8, raw `audio/L16;codec=pcm;rate=24000` from the legacy previews. Fault:
//! `refuse-voice`. Music (`crate::music`): Lyria 2 `:predict` on Vertex (prompt required, `seed`
//! never with `sample_count`; a 30 s 48 kHz WAV per sample) and Lyria 3 `generateContent` (any
//! format but MP3 refused; an MP3 and the piece's structure). [`Stats::sound_requests`] keeps
//! every speech and music call accepted.
//!
//! Keys are checked like Google does: a wrong key is a 400 `API_KEY_INVALID`, a missing one a
//! 403; a wrong bearer token a 401.

// Checks return the refusal itself (an HTTP response) as their error: it is built once per
// refused request, so its size does not matter.
#![allow(clippy::result_large_err)]

mod extend;
mod faults;
mod images;
mod interactions;
mod music;
mod render;
mod routes;
mod rules;
mod speech;
mod text;
mod veo;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use faults::{Faults, DEFAULT_RETRY_DELAY_MS};

/// One request the mock answered (after authentication), for tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    /// When the request arrived, in milliseconds since the mock started.
    pub at_ms: u64,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The model the request named (in its path or body), if any.
    pub model: Option<String>,
    /// The prompt the request carried (or, for a poll, the prompt of its operation), if any.
    pub prompt: Option<String>,
    /// The HTTP status of the answer.
    pub status: u16,
}

/// What the mock has seen, for tests (`GET /mock/stats`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// `generateContent` calls by prompt text.
    pub image_requests: HashMap<String, u32>,
    /// Accepted `predictLongRunning` and interaction submissions by prompt text (each one would
    /// be paid for).
    pub video_submissions: HashMap<String, u32>,
    /// Operation and interaction polls.
    pub polls: u32,
    /// File and Cloud Storage downloads.
    pub downloads: u32,
    pub token_requests: u32,
    /// Every request after authentication, in order of arrival.
    pub requests: Vec<LoggedRequest>,
    /// Per prompt, the reference images and the resolution of its last accepted submission.
    #[serde(default)]
    pub reference_images: HashMap<String, u32>,
    #[serde(default)]
    pub resolutions: HashMap<String, String>,
    /// Every request the signed-URL host got (see the `redirect` fault), in order.
    #[serde(default)]
    pub signed_downloads: Vec<SignedDownload>,
    /// Every accepted `generateContent` call of a text model, in order.
    #[serde(default)]
    pub text_requests: Vec<TextRequest>,
    /// Every speech and music call that passed the checks (each would be paid), in order.
    #[serde(default)]
    pub sound_requests: Vec<SoundRequest>,
}

/// A speech or music call the mock accepted: its model, its words (or prompt), and the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoundRequest {
    pub model: String,
    /// The text spoken (turns joined by a space), or the music prompt.
    pub prompt: String,
    /// The request body as sent.
    pub body: serde_json::Value,
}

/// A text model's `generateContent` call the mock accepted: what it was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextRequest {
    pub model: String,
    /// The first text part.
    pub prompt: String,
    /// The request's `generationConfig` as sent (`responseMimeType`, `responseJsonSchema`, …).
    pub generation_config: serde_json::Value,
}

/// A request to the signed-URL host: what a redirected download carried there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedDownload {
    pub path: String,
    /// The names of its headers, lower case.
    pub headers: Vec<String>,
    pub status: u16,
}

impl SignedDownload {
    /// The credential headers it carried (none, if credentials stayed home).
    pub fn credentials(&self) -> Vec<&str> {
        self.headers
            .iter()
            .map(String::as_str)
            .filter(|h| CREDENTIAL_HEADERS.contains(h))
            .collect()
    }
}

/// The headers that carry a Google credential.
pub const CREDENTIAL_HEADERS: [&str; 3] =
    ["authorization", "x-goog-api-key", "x-goog-user-project"];

/// A model on the Gemini API's list, with its `supportedGenerationMethods`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockModel {
    pub id: String,
    pub methods: Vec<String>,
}

impl MockModel {
    pub fn new(id: &str, methods: &[&str]) -> MockModel {
        MockModel {
            id: id.to_owned(),
            methods: methods.iter().map(|m| (*m).to_owned()).collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MockOptions {
    /// The only Gemini API key accepted.
    pub api_key: String,
    /// Default number of polls before an operation is done.
    pub polls: u32,
    /// What the Gemini API lists (and serves), with each model's methods.
    pub gemini_models: Vec<MockModel>,
    /// What Vertex lists (and serves).
    pub vertex_models: Vec<String>,
    /// Listed on Vertex (the publisher catalog) but not callable by this project: 404 on use,
    /// as for a project without access.
    pub vertex_no_access: Vec<String>,
    /// The most models one page of a listing holds (also the default page size), so clients
    /// must page.
    pub page_size: u32,
}

impl MockOptions {
    /// The Gemini API's models of late 2026: text models (Flash, Flash-Lite, listed with the
    /// methods Google lists for them), Nano Banana, Gemini Omni (listed with `generateContent`
    /// only; video is through Interactions), an embedding model, speech (3.8 Flash and
    /// Flash-Lite TTS, the legacy 3.1 preview) and music (Lyria 3 clip and pro). No Veo, no
    /// Lyria 2 (Vertex only).
    pub fn default_gemini_models() -> Vec<MockModel> {
        const TEXT: &[&str] = &[
            "generateContent",
            "countTokens",
            "createCachedContent",
            "batchGenerateContent",
        ];
        vec![
            MockModel::new("gemini-3.5-flash", TEXT),
            MockModel::new("gemini-3.8-flash", TEXT),
            MockModel::new("gemini-3.5-flash-lite", TEXT),
            MockModel::new("gemini-3.1-flash-image", &["generateContent"]),
            MockModel::new("gemini-3-pro-image", &["generateContent"]),
            MockModel::new("gemini-nano-banana-2.1", &["generateContent"]),
            MockModel::new("gemini-omni-1.1-flash", &["generateContent"]),
            MockModel::new("gemini-omni-1.2-flash", &["generateContent"]),
            MockModel::new("text-embedding-004", &["embedContent"]),
            MockModel::new("gemini-3.8-flash-tts", &["generateContent", "countTokens"]),
            MockModel::new(
                "gemini-3.8-flash-lite-tts",
                &["generateContent", "countTokens"],
            ),
            MockModel::new(
                "gemini-3.1-flash-tts-preview",
                &["generateContent", "countTokens"],
            ),
            MockModel::new("lyria-3-clip-preview", &["generateContent"]),
            MockModel::new("lyria-3-pro-preview", &["generateContent"]),
        ]
    }

    /// Vertex's publisher models of late 2026: Veo 3.1, Gemini Omni, Nano Banana, Gemini 3.8
    /// Flash (text), Gemini TTS (3.8 and the legacy 2.5) and Lyria (2 on `:predict`, 3 clip).
    pub fn default_vertex_models() -> Vec<String> {
        [
            "veo-3.1-generate-001",
            "veo-3.1-fast-generate-001",
            "veo-3.1-lite-generate-001",
            "gemini-omni-1.2-flash",
            "gemini-3.1-flash-image",
            "gemini-3-pro-image",
            "gemini-3.8-flash",
            "gemini-3.8-flash-tts",
            "gemini-3.8-flash-lite-tts",
            "gemini-2.5-flash-tts",
            "lyria-002",
            "lyria-3-clip-preview",
        ]
        .map(str::to_owned)
        .to_vec()
    }
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            api_key: "mock-key".into(),
            polls: 1,
            gemini_models: MockOptions::default_gemini_models(),
            vertex_models: MockOptions::default_vertex_models(),
            vertex_no_access: Vec::new(),
            page_size: 2,
        }
    }
}

/// The bearer token the mock's `/token` endpoint issues to service accounts.
pub const ACCESS_TOKEN: &str = "mock-access-token";
/// The bearer token it issues to user credentials (a refresh-token grant): Vertex takes it only
/// with an `x-goog-user-project` header.
pub const USER_ACCESS_TOKEN: &str = "mock-user-access-token";

pub(crate) struct State {
    options: MockOptions,
    started: Instant,
    stats: Mutex<Stats>,
    ops: Mutex<HashMap<String, veo::Op>>,
    interactions: Mutex<HashMap<String, interactions::Stored>>,
    /// Finished videos: Gemini file ids, and `gs://bucket/object` URIs.
    files: Mutex<HashMap<String, Vec<u8>>>,
    /// Gemini files still `PROCESSING`, and how many more state checks say so.
    processing: Mutex<HashMap<String, u32>>,
    /// Prompts that got their one scripted 429, and until when they stay throttled.
    throttled: Mutex<HashMap<String, Instant>>,
    /// How many requests of each prompt got their scripted `fail=N` 503.
    failed_first: Mutex<HashMap<String, u32>>,
    /// Prompts whose first operation already failed (`op-error-once`).
    failed_once: Mutex<HashSet<String>>,
    /// Videos (Gemini file ids, `gs://` URIs) whose download redirects (`redirect`).
    redirected: Mutex<HashSet<String>>,
    /// Answers given per story (text models), for `drop-sentence`.
    text_answers: Mutex<HashMap<String, u32>>,
    /// Signed URLs handed out: their token, and the video each one reads.
    signed: Mutex<HashMap<String, String>>,
    /// `http://127.0.0.1:PORT` of the signed-URL host.
    signed_origin: String,
    work: tempfile::TempDir,
    offline: studio_media::offline::OfflineProvider,
}

/// A running mock server.
pub struct MockGoogle {
    pub addr: SocketAddr,
    /// The signed-URL host redirected downloads go to: another origin than `addr`.
    pub signed_addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl MockGoogle {
    /// Binds 127.0.0.1:`port` (0 for any free port) and serves in the background.
    pub async fn start(port: u16, options: MockOptions) -> std::io::Result<MockGoogle> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let signed_listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let signed_addr = signed_listener.local_addr()?;
        let state = Arc::new(State {
            options,
            started: Instant::now(),
            stats: Mutex::default(),
            ops: Mutex::default(),
            interactions: Mutex::default(),
            files: Mutex::default(),
            processing: Mutex::default(),
            throttled: Mutex::default(),
            failed_first: Mutex::default(),
            failed_once: Mutex::default(),
            redirected: Mutex::default(),
            signed: Mutex::default(),
            text_answers: Mutex::default(),
            signed_origin: format!("http://{signed_addr}"),
            work: tempfile::tempdir()?,
            offline: studio_media::offline::OfflineProvider::new(studio_media::Ffmpeg::from_env()),
        });
        let app = routes::router(state.clone());
        let signed_app = routes::signed_router(state.clone());
        let task = tokio::spawn(async move {
            use std::future::IntoFuture;
            let (api, signed) = tokio::join!(
                axum::serve(listener, app).into_future(),
                axum::serve(signed_listener, signed_app).into_future()
            );
            if let Err(e) = api.and(signed) {
                tracing::error!(error = %e, "mock server stopped");
            }
        });
        Ok(MockGoogle {
            addr,
            signed_addr,
            state,
            task,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_default_model_is_retired_and_each_has_a_family_or_is_noise() {
        let catalog = studio_catalog::Catalog::builtin();
        let o = MockOptions::default();
        let ids = o
            .gemini_models
            .iter()
            .map(|m| m.id.as_str())
            .chain(o.vertex_models.iter().map(String::as_str));
        for id in ids {
            assert!(catalog.retired(id).is_none(), "{id} is retired");
        }
        for id in &o.vertex_models {
            assert!(catalog.family_of(id).is_some(), "{id}");
        }
        assert!(!o.gemini_models.iter().any(|m| m.id.starts_with("veo-")));
    }
}
