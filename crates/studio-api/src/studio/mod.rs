//! [`Studio`]: the one door. Every operation of SmokeTech Studio is a method here, written once;
//! the CLI's commands and the window's Tauri commands each parse their input, make one call and
//! print or return the answer.
//!
//! A `Studio` is made without I/O ([`Studio::new`]) and reaches Temporal only when an operation
//! needs it, the way [`Start`] says: so the library, keys, settings and estimates work with no
//! server, and the window appears before the embedded server is up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_core::{
    Cost, DataDir, Iteration, JobStatus, Progress, Project, Quality, Scenario, SegmentState,
    TimelineEntry, Usage, UsageKind, VideoResult,
};
use tokio::sync::OnceCell;

use crate::error::{problems_of, ApiError, ErrorCode, FieldProblem};
use crate::jobs::{JobLog, JobRecord};
use crate::references::References;
use crate::session::Session;
use crate::settings::Settings;

mod export;
mod jobs;
mod projects;
mod render;
mod sound;
mod story;
mod system;

pub use export::{what_changed, ExportOptions, ExportStatus, ExportStep, Exported, EXPORT_POLL};
pub use jobs::{price, JobDetail, JobView, VersionView, WorkflowView};
pub use projects::{estimate, Estimate};
pub use render::{invalid_references, RenderStarted};
pub use sound::{
    wav_peaks, JobSound, SpeechVoices, Stem, StemFiles, VoiceSample, VoiceSampleRequest,
    MAX_SAMPLE_CHARS, SAMPLE_LINE,
};
pub use story::{
    read_story, story_format_of, LibraryMatch, PlanEstimate, PlanOutcome, PlanStoryRequest,
    PlannerChoice, PlannerUsed, ReplanOutcome,
};
pub use system::{Health, QueueView};

/// How a [`Studio`] reaches Temporal when an operation first needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Connect only (the configured cluster, else the local port); start nothing.
    Connect,
    /// The embedded default: start the dev server when nothing is configured or listening,
    /// and a worker in this process when nobody polls the queue.
    Embedded,
}

pub struct Studio {
    data: DataDir,
    settings: Settings,
    jobs: JobLog,
    start: Start,
    session: OnceCell<Session>,
}

pub(crate) fn now_secs() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

impl Studio {
    /// A studio on `data_dir` with `settings`; nothing is connected or started until an
    /// operation needs Temporal (then as `start` says).
    pub fn new(data_dir: &Path, settings: Settings, start: Start) -> Studio {
        let data = DataDir::new(data_dir);
        Studio {
            jobs: JobLog::new(data.root()),
            data,
            settings,
            start,
            session: OnceCell::new(),
        }
    }

    /// Connects at once (steering commands: fail fast when no server answers).
    pub async fn connect(data_dir: &Path, settings: Settings) -> Result<Studio, ApiError> {
        let studio = Self::new(data_dir, settings, Start::Connect);
        studio.session().await?;
        Ok(studio)
    }

    /// The embedded default, started at once.
    pub async fn open_embedded(data_dir: &Path, settings: Settings) -> Result<Studio, ApiError> {
        let studio = Self::new(data_dir, settings, Start::Embedded);
        studio.session().await?;
        Ok(studio)
    }

    /// The window's studio: settings from the data dir, the embedded default on first need.
    /// Call [`Studio::start_up`] in the background.
    pub fn for_window(data_dir: &Path) -> Result<Studio, ApiError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("{data_dir:?}: {e}")))?;
        Ok(Self::new(
            data_dir,
            Settings::load(data_dir)?,
            Start::Embedded,
        ))
    }

    /// What the window does once at start: lists the key's models when no fresh list is
    /// cached (so the editor's estimate and rule checks know the choice before the first
    /// render), then brings up the server and worker.
    pub async fn start_up(&self) -> Result<(), ApiError> {
        if self.settings.models(Quality::High).is_none() {
            let s = self.settings.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::models::check_models(&s, false).await {
                    tracing::warn!(error = %e, "could not list the key's models at start");
                }
            });
        }
        self.ready().await
    }

    /// Waits until Temporal is reachable (and, embedded, the server and worker are up).
    pub async fn ready(&self) -> Result<(), ApiError> {
        self.session().await.map(|_| ())
    }

    /// The engine connection, made on first use; callers waiting at once share one start-up,
    /// and a failed start-up is tried again by the next call.
    pub(crate) async fn session(&self) -> Result<&Session, ApiError> {
        self.session
            .get_or_try_init(|| async {
                let dir = self.data.root();
                match self.start {
                    Start::Connect => Session::connect(dir, self.settings.clone()).await,
                    Start::Embedded => Session::open_embedded(dir, self.settings.clone()).await,
                }
            })
            .await
    }

    /// The session if it is up (for checks that must never wait for start-up).
    fn session_if_up(&self) -> Option<&Session> {
        self.session.get()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn data_dir(&self) -> &Path {
        self.data.root()
    }

    pub fn artifacts_dir(&self) -> PathBuf {
        self.data.artifacts()
    }

    /// Whether this studio started the dev server or a worker, so it must stay up until the
    /// jobs it started are done.
    pub fn is_embedded(&self) -> bool {
        self.session_if_up().is_some_and(Session::is_embedded)
    }

    /// The Temporal frontend this studio talks (or would talk) to.
    pub fn address(&self) -> String {
        match self.session_if_up() {
            Some(s) => s.endpoint.address().to_owned(),
            None => self
                .settings
                .endpoint()
                .map(|e| e.address().to_owned())
                .unwrap_or_default(),
        }
    }

    /// Link to the job in the Temporal Web UI (embedded server only: a remote cluster's UI
    /// is wherever its operators put it).
    pub fn web_ui_url(&self, id: &str) -> Option<String> {
        let s = self.session_if_up()?;
        let ui = s.ui_url()?;
        Some(format!(
            "{ui}/namespaces/{}/workflows/{id}",
            s.endpoint.namespace()
        ))
    }

    /// A local file with an artifact's bytes, for preview: a local artifact as it is, one in a
    /// shared bucket downloaded (verified, cached) first. None if it cannot be had.
    pub async fn local_file(&self, uri: &str) -> Option<String> {
        if !uri.contains("://") {
            return Some(uri.to_owned()); // already a path
        }
        let fetched = match self.session().await {
            Ok(s) => s.fetch(uri).await,
            Err(e) => Err(e),
        };
        match fetched {
            Ok(p) => Some(p.display().to_string()),
            Err(e) => {
                tracing::warn!(uri, error = %e, "artifact not available locally");
                None
            }
        }
    }

    /// [`Studio::local_file`] that says why when the artifact cannot be had.
    pub async fn fetch(&self, uri: &str) -> Result<PathBuf, ApiError> {
        self.session().await?.fetch(uri).await
    }

    /// Stops what the studio started (worker, then dev server). Later calls do nothing.
    pub fn shutdown(&self) {
        if let Some(s) = self.session_if_up() {
            if let Err(e) = s.shutdown() {
                tracing::warn!(error = %e, "studio shutdown");
            }
        }
    }
}
