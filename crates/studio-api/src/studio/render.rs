//! Rendering and steering a job: start it, watch it, pause, resume, cancel, approve spend, change
//! quality, add or retake a scene, pick takes.

use super::*;

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

impl Studio {
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

    /// The finished job's next version with scene `scene_id`'s current take continued by
    /// `seconds` (video extension) as a new take: durable, cached, priced per second like a
    /// clip, refused before paying where the job's video model cannot extend so (see
    /// [`session::Session::extend`]).
    pub async fn extend_shot(
        &self,
        id: &str,
        scene_id: &str,
        seconds: u32,
        prompt: Option<String>,
    ) -> Result<Iteration, ApiError> {
        self.session()
            .await?
            .extend(id, scene_id, seconds, prompt)
            .await
    }
}

/// The name a job is listed under: the character's, else the project file's, else "project".
pub(super) fn project_name(project: &Project, path: Option<&Path>) -> String {
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

/// The error of reference images [`References::open`] refused: `what` says why, e.g. "need
/// confirming before they are uploaded".
pub fn invalid_references(problems: Vec<FieldProblem>, what: &str) -> ApiError {
    ApiError {
        code: ErrorCode::InvalidProject,
        message: format!("{} reference image(s) {what}", problems.len()),
        problems,
    }
}
