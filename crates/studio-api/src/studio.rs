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

/// A job as the Jobs panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    #[serde(flatten)]
    pub record: JobRecord,
    pub status: JobStatus,
    /// Local path of the finished video (the latest version's).
    pub video_path: Option<String>,
    /// The latest finished version (1 for a job never iterated on).
    pub version: u32,
}

/// What the status bar shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub connected: bool,
    pub address: String,
    /// Where that address comes from (an environment variable or a profile file that
    /// replaces the embedded server is shown, not silent).
    pub endpoint_source: crate::settings::EndpointSource,
    /// The studio runs the dev server itself.
    pub embedded_server: bool,
    /// The studio runs its own worker.
    pub bundled_worker: bool,
    /// Workers polling the task queue (all machines).
    pub workers: u32,
    /// Activity tasks waiting for a worker, and the oldest one's age.
    pub backlog: u32,
    pub backlog_age_secs: u32,
    pub error: Option<String>,
    /// Problems with this machine that stop renders (e.g. ffmpeg missing), with the fix.
    pub warnings: Vec<String>,
}

/// One version of a job, for the versions list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub number: u32,
    /// Local path of its video (None if it cannot be had on this machine).
    pub video_path: Option<String>,
    /// The take stitched for each scenario.
    pub takes: Vec<u32>,
    pub quality: Quality,
    /// What making this version cost.
    pub cost: Cost,
    /// How long each scene's clip in this version is, in seconds, measured from the files
    /// (the player's timeline puts its boundaries there); empty when a clip cannot be had.
    pub scene_seconds: Vec<f64>,
}

/// Everything the job view shows beyond progress: takes, versions, cost and the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobDetail {
    pub id: String,
    pub status: JobStatus,
    /// The version the latest run is (or makes).
    pub version: u32,
    /// Each scenario with its takes and the take in use.
    pub segments: Vec<SegmentState>,
    /// Finished versions, oldest first.
    pub versions: Vec<VersionView>,
    /// What the job's work has cost so far, all versions included.
    pub spent: Cost,
    pub usage: Vec<Usage>,
    /// The latest run's history, readable.
    pub timeline: Vec<TimelineEntry>,
    pub web_ui_url: Option<String>,
}

/// A render's expected cost, before it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub image_model: String,
    pub video_model: String,
    pub images: u32,
    pub video_seconds: u32,
    /// At the price table's rates, as if nothing were reused from the cache.
    pub cost: Cost,
    /// How long the render is expected to take, in seconds: the cast's images (at once), the
    /// clips in waves of the parallel limit, then the stitch (None until the models are known).
    pub wall_seconds: Option<u32>,
}

/// One task queue as `studio queue` and the status bar show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    pub name: String,
    /// `fast`, `slow`, or `fast+slow` for the one queue of an unsplit setup.
    pub role: String,
    pub workflow_pollers: u32,
    pub activity_pollers: u32,
    pub backlog: u32,
    pub backlog_age_secs: u32,
    /// What to do about the backlog, if anything.
    pub hint: Option<String>,
}

/// A job of the namespace, as `studio list --all` shows it (any client's, not only ours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowView {
    pub id: String,
    pub status: JobStatus,
    pub workflow_type: String,
}

/// What [`Studio::render`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RenderStarted {
    #[serde(flatten)]
    pub record: JobRecord,
    /// False when a job with the asked id existed already and this call attached to it.
    pub started: bool,
    pub web_ui_url: Option<String>,
}

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

    /// Each task queue the studio uses: pollers, backlog, and a scale-up hint.
    pub async fn queues(&self) -> Result<Vec<QueueView>, ApiError> {
        let session = self.session().await?;
        let w = &self.settings.worker;
        let mut queues = vec![(w.task_queue.clone(), "fast")];
        if w.is_split() {
            queues.push((w.slow_task_queue.clone(), "slow"));
        } else {
            queues[0].1 = "fast+slow";
        }
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let mut out = Vec::new();
        for (name, role) in queues {
            let q = session.client.queue_status_of(&name).await?;
            out.push(QueueView {
                hint: q.scale_hint(),
                name,
                role: role.to_owned(),
                workflow_pollers: n(q.workflow_pollers),
                activity_pollers: n(q.activity_pollers),
                backlog: u32::try_from(q.backlog).unwrap_or(u32::MAX),
                backlog_age_secs: u32::try_from(q.backlog_age_secs).unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }

    /// Connection, workers and backlog for the status bar.
    pub async fn health(&self) -> Health {
        let mut h = Health {
            connected: false,
            address: self.address(),
            endpoint_source: self.settings.endpoint_source(),
            embedded_server: false,
            bundled_worker: false,
            workers: 0,
            backlog: 0,
            backlog_age_secs: 0,
            error: None,
            warnings: studio_media::Ffmpeg::from_env()
                .missing_tools()
                .into_iter()
                .collect(),
        };
        if let Some(s) = self.session_if_up() {
            let embedded = s.embedded();
            h.embedded_server = embedded.server;
            h.bundled_worker = embedded.worker;
        }
        match self.queues().await {
            Ok(queues) => {
                h.connected = true;
                // Workflow pollers are on the fast queue; the backlog is all queues'.
                h.workers = queues.first().map_or(0, |q| q.workflow_pollers);
                h.backlog = queues.iter().map(|q| q.backlog).sum();
                h.backlog_age_secs = queues.iter().map(|q| q.backlog_age_secs).max().unwrap_or(0);
            }
            Err(e) => h.error = Some(e.message),
        }
        h
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

    /// A new project with one scenario, as "New" makes it.
    pub fn new_project() -> Project {
        let mut p = Project::new("Untitled character");
        p.scenarios.push(Scenario {
            id: "scene-1".into(),
            prompt: String::new(),
            negative_prompt: None,
            duration_seconds: Default::default(),
            cast: Vec::new(),
            continue_from_previous: false,
        });
        p
    }

    /// Loads a project, remembered for the saves that follow ([`crate::projects`]).
    pub fn load_project(path: &Path) -> Result<Project, ApiError> {
        crate::projects::ProjectFiles::shared().open(path)
    }

    /// Saves a project as [`crate::projects::ProjectFiles::save`] does: unknown fields kept,
    /// a file changed by another program or made by a newer studio not overwritten.
    pub fn save_project(
        path: &Path,
        project: &Project,
        options: &crate::projects::SaveOptions,
    ) -> Result<(), ApiError> {
        crate::projects::ProjectFiles::shared().save(path, project, options)
    }

    /// Every problem with an edited project; relative references resolve against the project's
    /// folder (or are taken as they are for a project never saved).
    pub fn check_project(path: Option<&Path>, project: &Project) -> Vec<FieldProblem> {
        let base = path.and_then(Path::parent).unwrap_or(Path::new("/"));
        problems_of(&project.problems(base))
    }

    /// Err with the project's problems, if it has any.
    fn refuse_problems(path: Option<&Path>, project: &Project) -> Result<(), ApiError> {
        let problems = Self::check_project(path, project);
        if problems.is_empty() {
            return Ok(());
        }
        Err(ApiError {
            code: ErrorCode::InvalidProject,
            message: format!("the project has {} problem(s)", problems.len()),
            problems,
        })
    }

    /// The model rules an edited project breaks (see [`crate::models::rule_problems`]).
    pub fn rule_problems(&self, project: &Project) -> Vec<FieldProblem> {
        crate::models::rule_problems(&self.settings, project)
    }

    /// Which models the key can use and the choice per role; `refresh` lists them anew
    /// (Settings → Test key, `studio doctor`), else a fresh cached list is used.
    pub async fn check_models(
        &self,
        refresh: bool,
    ) -> Result<crate::models::ModelReport, ApiError> {
        crate::models::check_models(&self.settings, refresh).await
    }

    /// What `studio doctor --live` would make, and its price.
    pub async fn live_plan(&self) -> Result<crate::models::LivePlan, ApiError> {
        crate::models::live_plan(&self.settings).await
    }

    /// Makes the cheapest real image and clip of `plan` in a scratch folder and reports how
    /// Google's answers differ from the model table.
    pub async fn live_check(
        &self,
        plan: crate::models::LivePlan,
    ) -> Result<crate::models::LiveReport, ApiError> {
        let work = tempfile::tempdir()
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("scratch folder: {e}")))?;
        crate::models::live_check(
            &self.settings,
            plan,
            &studio_media::Ffmpeg::from_env(),
            work.path(),
        )
        .await
    }

    /// Validates, then starts a render and records the job (before it is started, so a crash
    /// in between leaves a record the job list reconciles, never a job nobody lists).
    ///
    /// With `id`, the job gets that id and the call is idempotent: when the job exists (a
    /// client relaunched after a crash) nothing new starts and `started` is false. Without,
    /// the id is made from the project's name.
    ///
    /// The reference images are the ones the project names, every one accepted (the creator
    /// named the project to this shell); a shell that must confirm them first opens them
    /// itself and calls [`Studio::render_references`].
    pub async fn render(
        &self,
        project: &Project,
        path: Option<&Path>,
        id: Option<String>,
    ) -> Result<RenderStarted, ApiError> {
        Self::refuse_problems(path, project)?;
        let base = path.and_then(Path::parent).unwrap_or(Path::new("/"));
        let references = References::open(project, base, |_| true)
            .map_err(|problems| invalid_references(problems, "cannot be read"))?;
        self.render_references(project, path, id, references).await
    }

    /// [`Studio::render`] with the reference images already opened (and checked) by the
    /// caller: the render uploads exactly those open files, resolving no path again.
    pub async fn render_references(
        &self,
        project: &Project,
        path: Option<&Path>,
        id: Option<String>,
        references: References,
    ) -> Result<RenderStarted, ApiError> {
        Self::refuse_problems(path, project)?;
        if let Some(budget) = project.budget {
            let estimate = self.estimate(project);
            if estimate.cost.usd > budget.dollars() + 1e-9 {
                return Err(ApiError::new(
                    ErrorCode::OverBudget,
                    format!(
                        "this render is estimated at ${:.2} ({} images, {} s of video), over the \
                         project's budget of {budget}; nothing was started: raise the budget, or \
                         render fewer or shorter scenes or at a lower quality",
                        estimate.cost.usd, estimate.images, estimate.video_seconds
                    ),
                ));
            }
        }
        let session = self.session().await?;
        let name = project_name(project, path);
        let id = id.unwrap_or_else(|| session::job_id(&name));
        let record = JobRecord {
            id: id.clone(),
            name,
            project_path: path.map(|p| p.display().to_string()),
            started_at: now_secs(),
        };
        // Recorded before the start, so a crash in between leaves a record (whose status
        // then reads `unknown`), never a job the studio does not list.
        let recorded_now = self.jobs.add_if_new(record.clone())?;
        let started = match session.render_project_as(project, &references, &id).await {
            Ok(started) => started,
            Err(e) => {
                if recorded_now {
                    self.jobs.remove(&id)?;
                }
                return Err(e);
            }
        };
        Ok(RenderStarted {
            record,
            started,
            web_ui_url: self.web_ui_url(&id),
        })
    }

    pub async fn progress(&self, id: &str) -> Result<Progress, ApiError> {
        Ok(self.session().await?.client.progress(id).await?)
    }

    /// Waits for a job's result.
    pub async fn result(&self, id: &str) -> Result<VideoResult, ApiError> {
        Ok(self.session().await?.client.result(id).await?)
    }

    /// Pushes progress to `on_change` whenever it changes (polled every `interval`), until the
    /// job ends.
    pub async fn watch(
        &self,
        id: &str,
        interval: Duration,
        mut on_change: impl FnMut(&Progress) + Send,
    ) -> Result<VideoResult, ApiError> {
        let client = &self.session().await?.client;
        Ok(client.watch(id, interval, &mut on_change).await?)
    }

    pub async fn pause(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.session().await?.client.pause(id).await?)
    }

    pub async fn resume(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.session().await?.client.resume(id).await?)
    }

    pub async fn cancel(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.session().await?.client.cancel(id).await?)
    }

    /// Approves `usd` more dollars for a running job with a budget; returns the approved total.
    /// A job waiting at its budget goes on once its next step fits.
    pub async fn approve_spend(&self, id: &str, usd: f64) -> Result<studio_core::Usd, ApiError> {
        let amount = studio_core::Usd::from_dollars(usd)
            .filter(|u| *u > studio_core::Usd::ZERO)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Rejected,
                    format!("{usd} is not an amount to approve: give a number of dollars above 0"),
                )
            })?;
        let client = &self.session().await?.client;
        match client.approve_spend(id, amount).await {
            // Temporal answers an update to a closed job as "not found": say what happened.
            Err(studio_engine::EngineError::NotFound { .. }) => match client.status(id).await {
                Ok(status) => Err(ApiError::new(
                    ErrorCode::Rejected,
                    format!("job {id} has ended ({status}): there is nothing left to pay for"),
                )),
                Err(e) => Err(e.into()),
            },
            other => Ok(other?),
        }
    }

    /// Returns the previous quality.
    pub async fn change_quality(&self, id: &str, quality: Quality) -> Result<Quality, ApiError> {
        let client = &self.session().await?.client;
        Ok(client.change_quality(id, quality.as_str()).await?)
    }

    /// Adds a scenario to a running job. With `start`, a job that is not running is started
    /// from that project (with the scenario) instead of refused.
    pub async fn add_segment(
        &self,
        id: &str,
        scenario: Scenario<Option<String>>,
        start: Option<(&Project, &Path)>,
    ) -> Result<(), ApiError> {
        if scenario.prompt.trim().is_empty() {
            return Err(ApiError {
                code: ErrorCode::InvalidProject,
                message: "the new scenario's prompt is empty".into(),
                problems: vec![FieldProblem {
                    field: "prompt".into(),
                    message: "empty prompt".into(),
                }],
            });
        }
        let session = self.session().await?;
        match start {
            None => Ok(session.client.add_segment(id, scenario).await?),
            Some((project, path)) => {
                // Started as a render of the project starts: its reference images copied into
                // the artifact store, a library character's stored angles used, its budget kept.
                let base = path.parent().unwrap_or(Path::new("/"));
                let references = References::open(project, base, |_| true)
                    .map_err(|problems| invalid_references(problems, "cannot be read"))?;
                let input = session.render_input(project, &references).await?;
                session
                    .client
                    .add_segment_or_start(id, scenario, input)
                    .await?;
                let record = JobRecord {
                    id: id.to_owned(),
                    name: project_name(project, Some(path)),
                    project_path: Some(path.display().to_string()),
                    started_at: now_secs(),
                };
                self.jobs.add_if_new(record)?;
                Ok(())
            }
        }
    }

    /// What rendering `project` is expected to cost with the configured models and prices.
    pub fn estimate(&self, project: &Project) -> Estimate {
        estimate(&self.settings, project)
    }

    /// A new take of one scenario: in the running job, or as the finished job's next version.
    pub async fn regenerate(
        &self,
        id: &str,
        scenario_id: &str,
        prompt: Option<String>,
    ) -> Result<Iteration, ApiError> {
        self.session()
            .await?
            .regenerate(id, scenario_id, prompt)
            .await
    }

    /// The finished job's next version, stitched from the takes picked per scenario.
    pub async fn pick_takes(&self, id: &str, takes: Vec<u32>) -> Result<Iteration, ApiError> {
        self.session().await?.pick_takes(id, takes).await
    }

    /// Takes, versions, cost and timeline of one job.
    pub async fn job_detail(&self, id: &str) -> Result<JobDetail, ApiError> {
        let session = self.session().await?;
        let client = &session.client;
        let status = client.status(id).await?;
        let prices = &self.settings.prices;
        let timeline = studio_engine::history::timeline(&client.history(id).await?);
        let (version, segments, usage, versions) = if status == JobStatus::Completed {
            let r = client.result(id).await?;
            let mut versions = Vec::new();
            let mut seconds = std::collections::HashMap::new();
            for v in &r.versions {
                versions.push(VersionView {
                    number: v.number,
                    video_path: self.local_file(&v.video_url).await,
                    takes: v.takes.clone(),
                    quality: v.quality,
                    cost: price(prices, &v.usage),
                    scene_seconds: self
                        .scene_seconds(&r.segments, &v.takes, &mut seconds)
                        .await,
                });
            }
            (r.version(), r.segments, r.usage, versions)
        } else {
            // A running job answers from its state; a failed one may not (no worker to replay).
            let p = client.progress(id).await.unwrap_or_default();
            (p.version.max(1), p.segments, p.usage, Vec::new())
        };
        Ok(JobDetail {
            id: id.to_owned(),
            status,
            version,
            segments,
            versions,
            spent: price(prices, &usage),
            usage,
            timeline,
            web_ui_url: self.web_ui_url(id),
        })
    }

    /// The length of each scene's clip for the takes `takes` (by probing the files, each clip
    /// once: `known` remembers them); empty if any clip cannot be had or read.
    async fn scene_seconds(
        &self,
        segments: &[SegmentState],
        takes: &[u32],
        known: &mut std::collections::HashMap<String, f64>,
    ) -> Vec<f64> {
        let ffmpeg = studio_media::Ffmpeg::from_env();
        let mut out = Vec::with_capacity(takes.len());
        for (seg, take) in segments.iter().zip(takes) {
            let Some(t) = seg.takes.iter().find(|t| t.number == *take) else {
                return Vec::new();
            };
            let secs = match known.get(&t.clip_url) {
                Some(s) => *s,
                None => {
                    let Some(path) = self.local_file(&t.clip_url).await else {
                        return Vec::new();
                    };
                    let Ok(info) = ffmpeg.probe(Path::new(&path)).await else {
                        return Vec::new();
                    };
                    known.insert(t.clip_url.clone(), info.duration);
                    info.duration
                }
            };
            out.push(secs);
        }
        out
    }

    /// What every job of the project at `path` has cost.
    pub async fn project_cost(&self, path: &Path) -> Result<Cost, ApiError> {
        let path = path.display().to_string();
        let mut usage = Vec::new();
        for job in self.jobs.list()? {
            if job.project_path.as_deref() != Some(path.as_str()) {
                continue;
            }
            Usage::merge(&mut usage, self.job_usage(&job.id).await?);
        }
        Ok(price(&self.settings.prices, &usage))
    }

    /// What a job has generated (empty when it cannot be told).
    async fn job_usage(&self, id: &str) -> Result<Vec<Usage>, ApiError> {
        let client = &self.session().await?.client;
        Ok(match client.status(id).await {
            Ok(JobStatus::Completed) => {
                client.result(id).await.map(|r| r.usage).unwrap_or_default()
            }
            Ok(_) => client
                .progress(id)
                .await
                .map(|p| p.usage)
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        })
    }

    /// The studio's jobs (window and CLI renders), newest first, with their current status
    /// and, when finished, their video.
    pub async fn jobs(&self, limit: usize) -> Result<Vec<JobView>, ApiError> {
        let client = &self.session().await?.client;
        let mut out = Vec::new();
        for record in self.jobs.list()?.into_iter().take(limit) {
            let status = client
                .status(&record.id)
                .await
                .unwrap_or(JobStatus::Unknown);
            let (video_path, version) = match status {
                JobStatus::Completed => match client.result(&record.id).await {
                    Ok(r) => (self.local_file(&r.video_url).await, r.version()),
                    Err(_) => (None, 1),
                },
                _ => (None, 1),
            };
            out.push(JobView {
                record,
                status,
                video_path,
                version,
            });
        }
        Ok(out)
    }

    /// Every render and batch workflow of the namespace, newest first: other clients' too.
    pub async fn workflows(&self, limit: usize) -> Result<Vec<WorkflowView>, ApiError> {
        let client = &self.session().await?.client;
        Ok(client
            .list(limit)
            .await?
            .into_iter()
            .map(|j| WorkflowView {
                id: j.id,
                status: j.status,
                workflow_type: j.workflow_type,
            })
            .collect())
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

/// The name a job is listed under: the character's, else the project file's, else "project".
fn project_name(project: &Project, path: Option<&Path>) -> String {
    let name = project.character.name.trim();
    if !name.is_empty() {
        return name.to_owned();
    }
    path.and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .map(|n| n.trim_end_matches(".json").trim_end_matches(".studio"))
        .filter(|n| !n.is_empty())
        .unwrap_or("project")
        .to_owned()
}

use crate::session;

/// See [`Studio::estimate`].
pub fn estimate(settings: &Settings, project: &Project) -> Estimate {
    let plan = settings.models(project.quality);
    // Three angles per character; a library character's are made already.
    let images = 3 * project
        .characters()
        .filter(|(_, c)| c.library_id.is_none())
        .count() as u32;
    let video_seconds: u32 = project
        .scenarios
        .iter()
        .map(|s| s.duration_seconds.get())
        .sum();
    // Until the key's models have been listed the choice is unknown: say so, price nothing.
    let unknown = || "(chosen when the key's models are first listed)".to_owned();
    let image_model = plan
        .as_ref()
        .map_or_else(unknown, |p| p.image_model.clone());
    let video_model = plan
        .as_ref()
        .map_or_else(unknown, |p| p.video.model.clone());
    let mut usage = vec![Usage {
        model: image_model.clone(),
        kind: UsageKind::Image,
        quantity: images,
        resolution: None,
    }];
    for s in &project.scenarios {
        let resolution = plan.as_ref().map(|p| {
            studio_catalog::clip_plan(
                &p.video.family,
                project.quality,
                s.duration_seconds.get(),
                3,
            )
            .resolution
        });
        Usage::merge(
            &mut usage,
            [Usage {
                model: video_model.clone(),
                kind: UsageKind::VideoSecond,
                quantity: s.duration_seconds.get(),
                resolution,
            }],
        );
    }
    // Clips at once: the creator's own limit, else as many as a worker runs (a job without
    // one schedules all its clips together and the worker's slots decide).
    let parallel = match settings.tuning {
        Some(t) => t.max_parallel_segments,
        None => {
            let slots = settings
                .worker
                .clip_slots(studio_engine::config::Machine::this(), settings.provider());
            u32::try_from(slots).unwrap_or(u32::MAX)
        }
    }
    .max(1);
    let wall_seconds = plan.as_ref().and_then(|p| {
        let catalog = studio_catalog::Catalog::builtin();
        let clip = p.video.family.typical_seconds?;
        let image = catalog
            .family_of(&p.image_model)
            .and_then(|f| f.typical_seconds)
            .unwrap_or(clip);
        let waves = (project.scenarios.len() as u32).div_ceil(parallel);
        let characters = if images > 0 { image } else { 0.0 };
        // The stitch (and a 4K upscale) take a moment per second of video.
        let finish = 2.0 + f64::from(video_seconds) * 0.1;
        Some((characters + f64::from(waves) * clip + finish).round() as u32)
    });
    Estimate {
        cost: price(&settings.prices, &usage),
        image_model,
        video_model,
        images,
        video_seconds,
        wall_seconds,
    }
}

/// What `usage` costs: the creator's own prices where set, else the model table's list prices
/// for the model and resolution used.
pub fn price(prices: &studio_core::PriceTable, usage: &[Usage]) -> studio_core::Cost {
    prices.cost_with(usage, |u| {
        studio_catalog::Catalog::builtin().unit_price(
            &u.model,
            u.kind == UsageKind::VideoSecond,
            u.resolution.as_deref(),
        )
    })
}

/// The error of reference images [`References::open`] refused: `what` says why, e.g. "need
/// confirming before they are uploaded".
pub fn invalid_references(problems: Vec<FieldProblem>, what: &str) -> ApiError {
    ApiError {
        code: ErrorCode::InvalidProject,
        message: format!("{} reference image(s) {what}", problems.len()),
        problems,
    }
}
