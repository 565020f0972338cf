//! [`Studio`]: a session with the engine plus the studio's own records. Every operation the
//! window offers is a method here, so the Tauri commands stay one line each.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_core::{
    Cost, Iteration, Progress, Project, Quality, Scenario, ScenarioSpec, SegmentState,
    TimelineEntry, Usage, UsageKind, VideoResult,
};
use studio_engine::session::Session;
use studio_engine::Settings;

use crate::error::{problems_of, ApiError, ErrorCode, FieldProblem};
use crate::jobs::{JobLog, JobRecord};

/// A job as the Jobs panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    #[serde(flatten)]
    pub record: JobRecord,
    /// `running`, `completed`, `failed`, `canceled`, `terminated`, ... or `unknown`.
    pub status: String,
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
}

/// Everything the job view shows beyond progress: takes, versions, cost and the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobDetail {
    pub id: String,
    pub status: String,
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
}

pub struct Studio {
    session: Session,
    jobs: JobLog,
}

pub(crate) fn now_secs() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

impl Studio {
    /// Opens the studio on `data_dir`: the configured cluster, or the embedded dev server and
    /// bundled worker.
    pub async fn open(data_dir: &Path) -> Result<Studio, ApiError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("{data_dir:?}: {e}")))?;
        let settings = Settings::load(data_dir)?;
        // On start, the key's models are listed (unless the cached list is fresh) so the
        // editor's estimate and rule checks know the choice before the first render.
        if settings.models(Quality::High).is_none() {
            let s = settings.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::models::check_models(&s, false).await {
                    tracing::warn!(error = %e, "could not list the key's models at start");
                }
            });
        }
        let session = Session::open_embedded(data_dir, settings).await?;
        // Undo of deleted characters is for one session.
        studio_library::Library::open(data_dir)?.purge_trash()?;
        Ok(Studio {
            session,
            jobs: JobLog::new(data_dir),
        })
    }

    /// The engine session, for operations written as free functions (characters, jobs).
    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn data_dir(&self) -> &Path {
        &self.session.data_dir.0
    }

    pub fn artifacts_dir(&self) -> PathBuf {
        self.session.data_dir.artifacts()
    }

    /// Connection, workers and backlog for the status bar.
    pub async fn health(&self) -> Health {
        let embedded = self.session.embedded();
        let mut h = Health {
            connected: false,
            address: self.session.endpoint.address().to_owned(),
            embedded_server: embedded.server,
            bundled_worker: embedded.worker,
            workers: 0,
            backlog: 0,
            backlog_age_secs: 0,
            error: None,
            warnings: studio_media::Ffmpeg::from_env()
                .missing_tools()
                .into_iter()
                .collect(),
        };
        let worker = &self.session.settings.worker;
        let status = async {
            let fast = self.session.client.queue_status().await?;
            if !worker.is_split() {
                return Ok(fast);
            }
            let slow = self
                .session
                .client
                .queue_status_of(&worker.slow_task_queue)
                .await?;
            Ok::<_, studio_engine::EngineError>(fast.with_slow(slow))
        };
        match status.await {
            Ok(q) => {
                h.connected = true;
                h.workers = q.workflow_pollers.try_into().unwrap_or(u32::MAX);
                h.backlog = q.backlog.try_into().unwrap_or(u32::MAX);
                h.backlog_age_secs = q.backlog_age_secs.try_into().unwrap_or(u32::MAX);
            }
            Err(e) => h.error = Some(e.to_string()),
        }
        h
    }

    /// Link to the job in the Temporal Web UI (embedded server only).
    pub fn web_ui_url(&self, id: &str) -> Option<String> {
        web_ui_url(&self.session, id)
    }

    /// A new project with one scenario, as "New" makes it.
    pub fn new_project() -> Project {
        let mut p = Project::new("Untitled character");
        p.scenarios.push(Scenario {
            id: "scene-1".into(),
            prompt: String::new(),
            negative_prompt: None,
            duration_seconds: Default::default(),
        });
        p
    }

    pub fn load_project(path: &Path) -> Result<Project, ApiError> {
        Ok(Project::load(path)?)
    }

    pub fn save_project(path: &Path, project: &Project) -> Result<(), ApiError> {
        Ok(project.save(path)?)
    }

    /// Every problem with an edited project; relative references resolve against the project's
    /// folder (or are taken as they are for a project never saved).
    pub fn check_project(path: Option<&Path>, project: &Project) -> Vec<FieldProblem> {
        let base = path.and_then(Path::parent).unwrap_or(Path::new("/"));
        problems_of(&project.problems(base))
    }

    /// The model rules an edited project breaks (see [`crate::models::rule_problems`]).
    pub fn rule_problems(&self, project: &Project) -> Vec<FieldProblem> {
        crate::models::rule_problems(&self.session.settings, project)
    }

    /// Which models the key can use and the choice per role (Settings → Test key), listed anew.
    pub async fn check_models(&self) -> Result<crate::models::ModelReport, ApiError> {
        crate::models::check_models(&self.session.settings, true).await
    }

    /// Validates, then starts a render and records the job.
    pub async fn render(
        &self,
        project: &Project,
        path: Option<&Path>,
    ) -> Result<JobRecord, ApiError> {
        let problems = Self::check_project(path, project);
        if !problems.is_empty() {
            return Err(ApiError {
                code: ErrorCode::InvalidProject,
                message: format!("the project has {} problem(s)", problems.len()),
                problems,
            });
        }
        let base = path.and_then(Path::parent).unwrap_or(Path::new("/"));
        let name = if project.character.name.trim().is_empty() {
            "project"
        } else {
            project.character.name.as_str()
        };
        let id = self.session.render_project(project, base, name).await?;
        let record = JobRecord {
            id,
            name: name.to_owned(),
            project_path: path.map(|p| p.display().to_string()),
            started_at: now_secs(),
        };
        self.jobs.add(record.clone())?;
        Ok(record)
    }

    pub async fn progress(&self, id: &str) -> Result<Progress, ApiError> {
        Ok(self.session.client.progress(id).await?)
    }

    /// Pushes progress to `on_change` whenever it changes (polled every `interval`), until the
    /// job ends.
    pub async fn watch(
        &self,
        id: &str,
        interval: Duration,
        mut on_change: impl FnMut(&Progress) + Send,
    ) -> Result<VideoResult, ApiError> {
        Ok(self.session.watch(id, interval, &mut on_change).await?)
    }

    pub async fn pause(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.session.client.pause(id).await?)
    }

    pub async fn resume(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.session.client.resume(id).await?)
    }

    pub async fn cancel(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.session.client.cancel(id).await?)
    }

    /// Returns the previous quality.
    pub async fn change_quality(&self, id: &str, quality: &str) -> Result<Quality, ApiError> {
        Ok(self.session.client.change_quality(id, quality).await?)
    }

    pub async fn add_segment(&self, id: &str, scenario: ScenarioSpec) -> Result<(), ApiError> {
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
        Ok(self.session.client.add_segment(id, scenario).await?)
    }

    /// What rendering `project` is expected to cost with the configured models and prices.
    pub fn estimate(&self, project: &Project) -> Estimate {
        estimate(&self.session.settings, project)
    }

    /// A new take of one scenario: in the running job, or as the finished job's next version.
    pub async fn regenerate(
        &self,
        id: &str,
        scenario_id: &str,
        prompt: Option<String>,
    ) -> Result<Iteration, ApiError> {
        Ok(self.session.regenerate(id, scenario_id, prompt).await?)
    }

    /// The finished job's next version, stitched from the takes picked per scenario.
    pub async fn pick_takes(&self, id: &str, takes: Vec<u32>) -> Result<Iteration, ApiError> {
        Ok(self.session.pick_takes(id, takes).await?)
    }

    /// Takes, versions, cost and timeline of one job.
    pub async fn job_detail(&self, id: &str) -> Result<JobDetail, ApiError> {
        job_detail(&self.session, id).await
    }

    /// What every job of the project at `path` has cost.
    pub async fn project_cost(&self, path: &Path) -> Result<Cost, ApiError> {
        let path = path.display().to_string();
        let mut usage = Vec::new();
        for job in self.jobs.list()? {
            if job.project_path.as_deref() != Some(path.as_str()) {
                continue;
            }
            Usage::merge(&mut usage, self.job_usage(&job.id).await);
        }
        Ok(price(&self.session.settings.prices, &usage))
    }

    /// What a job has generated (empty when it cannot be told).
    async fn job_usage(&self, id: &str) -> Vec<Usage> {
        let client = &self.session.client;
        match client.status(id).await.as_deref() {
            Ok("completed") => client.result(id).await.map(|r| r.usage).unwrap_or_default(),
            Ok(_) => client
                .progress(id)
                .await
                .map(|p| p.usage)
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// The studio's jobs with their current status and, when finished, their video.
    pub async fn jobs(&self) -> Result<Vec<JobView>, ApiError> {
        let mut out = Vec::new();
        for record in self.jobs.list()? {
            let status = self
                .session
                .client
                .status(&record.id)
                .await
                .unwrap_or_else(|_| "unknown".into());
            let (video_path, version) = match status.as_str() {
                "completed" => match self.session.client.result(&record.id).await {
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

    /// A local file with an artifact's bytes, for preview: a local artifact as it is, one in a
    /// shared bucket downloaded (verified, cached) first. None if it cannot be had.
    pub async fn local_file(&self, uri: &str) -> Option<String> {
        local_file(&self.session, uri).await
    }

    /// Stops what the studio started (worker, then dev server). Later calls do nothing.
    pub fn shutdown(&self) {
        if let Err(e) = self.session.shutdown() {
            tracing::warn!(error = %e, "studio shutdown");
        }
    }
}

/// See [`Studio::estimate`]; the CLI estimates without opening a session.
pub fn estimate(settings: &Settings, project: &Project) -> Estimate {
    let plan = settings.models(project.quality);
    let images = 3;
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
            studio_models::clip_plan(
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
    Estimate {
        cost: price(&settings.prices, &usage),
        image_model,
        video_model,
        images,
        video_seconds,
    }
}

/// What `usage` costs: the creator's own prices where set, else the model table's list prices
/// for the model and resolution used.
pub fn price(prices: &studio_core::PriceTable, usage: &[Usage]) -> studio_core::Cost {
    prices.cost_with(usage, |u| {
        studio_models::Catalog::builtin().unit_price(
            &u.model,
            u.kind == UsageKind::VideoSecond,
            u.resolution.as_deref(),
        )
    })
}

fn web_ui_url(session: &Session, id: &str) -> Option<String> {
    session
        .ui_url()
        .map(|u| format!("{u}/namespaces/default/workflows/{id}"))
}

/// See [`Studio::local_file`].
pub async fn local_file(session: &Session, uri: &str) -> Option<String> {
    if !uri.contains("://") {
        return Some(uri.to_owned()); // already a path
    }
    match session.fetch(uri).await {
        Ok(p) => Some(p.display().to_string()),
        Err(e) => {
            tracing::warn!(uri, error = %e, "artifact not available locally");
            None
        }
    }
}

/// See [`Studio::job_detail`]; the CLI calls it on its own session.
pub async fn job_detail(session: &Session, id: &str) -> Result<JobDetail, ApiError> {
    let client = &session.client;
    let status = client.status(id).await?;
    let prices = &session.settings.prices;
    let timeline = studio_engine::history::timeline(&client.history(id).await?);
    let (version, segments, usage, versions) = if status == "completed" {
        let r = client.result(id).await?;
        let mut versions = Vec::new();
        for v in &r.versions {
            versions.push(VersionView {
                number: v.number,
                video_path: local_file(session, &v.video_url).await,
                takes: v.takes.clone(),
                quality: v.quality,
                cost: price(prices, &v.usage),
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
        web_ui_url: web_ui_url(session, id),
    })
}
