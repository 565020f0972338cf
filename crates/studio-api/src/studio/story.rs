//! From a story to a storyboard: plan a story into a project (offline in place, or with the
//! catalog's text model as a durable job), check any plan against its story, plan an edited
//! story again without losing hand-made changes, and show the exact prompt a shot sends.
//!
//! The CLI's `studio plan` and the window's "New from story" both come here, so both use the
//! same planners, the same check and the same library matching.

use studio_core::{Story, StoryFormat};
use studio_story::{PlanIssue, PlanRules, Replan};

use super::*;

/// Which planner plans a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PlannerChoice {
    /// The text model when the studio has a Google key, else the offline planner.
    #[default]
    Auto,
    /// The deterministic offline planner: free, no network.
    Offline,
    /// The catalog's text model (needs a Google key; paid, estimated first).
    Model,
}

/// The planner that made a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum PlannerUsed {
    Offline,
    Model {
        model: String,
        /// The planning job's id (its spend is counted with the other jobs').
        job_id: String,
        /// How many times the model was asked (2: its first plan failed the check).
        asks: u32,
    },
}

/// What `plan_story` is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PlanStoryRequest {
    pub story: Story,
    /// The project whose settings (quality, aspect ratio, budget) the plan keeps; None: a new
    /// project's.
    pub base: Option<Project>,
    pub planner: PlannerChoice,
    /// Use the library's characters for the plan's characters of the same name.
    pub use_library: bool,
    /// The most the creator approved for the model's call (USD), from [`Studio::plan_estimate`];
    /// the model is not asked when its estimate is above it. None: the estimate itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(type = f64)]
    pub approved_usd: Option<f64>,
}

/// A character of the plan whose name a library character has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LibraryMatch {
    /// The plan's character id.
    pub character_id: String,
    pub name: String,
    pub library_id: String,
    /// Whether the plan uses the library character (asked with `use_library`).
    pub used: bool,
}

/// A planned project, with what the check found and what the planner was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PlanOutcome {
    pub project: Project,
    /// What the check found: shown with the sentence or line concerned, never fixed silently.
    pub issues: Vec<PlanIssue>,
    /// Ids of characters and elements the planner invented, for the creator to accept.
    pub invented: Vec<String>,
    pub planner: PlannerUsed,
    pub library_matches: Vec<LibraryMatch>,
    /// What the project file's own rules find in the planned project (as a save would).
    pub problems: Vec<FieldProblem>,
    /// What the planning cost (zero offline).
    pub cost: Cost,
    /// How long planning took, in milliseconds.
    pub millis: u32,
}

/// What planning a story would cost, before anything is paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PlanEstimate {
    /// The planner `Auto` would use, and the model for a model planner.
    pub planner: PlannerChoice,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(type = String)]
    pub model: Option<String>,
    /// Two asks at most (the second when the first plan fails the check): the most it costs.
    pub cost: Cost,
}

/// A re-plan proposal and what the check finds in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplanOutcome {
    pub replan: Replan,
    pub issues: Vec<PlanIssue>,
}

impl Studio {
    /// The planner `choice` comes to with these settings.
    fn planner_for(&self, choice: PlannerChoice) -> Result<PlannerChoice, ApiError> {
        let keyed = !matches!(
            self.settings.provider(),
            studio_core::ProviderKind::Offline | studio_core::ProviderKind::Bench
        );
        match choice {
            PlannerChoice::Auto if keyed => Ok(PlannerChoice::Model),
            PlannerChoice::Auto => Ok(PlannerChoice::Offline),
            PlannerChoice::Model if !keyed => Err(ApiError::new(
                ErrorCode::Rejected,
                "planning with a text model needs a Google key (Settings → Google), or choose \
                 the offline planner",
            )),
            c => Ok(c),
        }
    }

    /// The shot lengths the project's video model allows at its quality and aspect ratio
    /// (the model table's rules, as everywhere), and the most shots a project holds.
    pub fn plan_rules(&self, base: &Project) -> PlanRules {
        let mut rules = PlanRules::default();
        if let Some(plan) = self.settings.models(base.quality) {
            let family = &plan.video.family;
            let allowed: Vec<u32> = (family.durations.iter().copied())
                .filter(|&d| {
                    studio_catalog::rules::check_clip(
                        &plan.video,
                        None,
                        base.quality,
                        d,
                        base.aspect_ratio,
                    )
                    .iter()
                    .all(|p| p.rule == studio_catalog::rules::Rule::AspectRatio)
                })
                .collect();
            if !allowed.is_empty() {
                rules.durations = allowed;
            }
        }
        rules
    }

    /// Plans a story into a project: checked against the story, matched to the library's
    /// characters by name. The offline planner runs here; the model planner runs as a durable
    /// job (asked once, asked again once with the check's issues, its cost counted).
    pub async fn plan_story(&self, req: PlanStoryRequest) -> Result<PlanOutcome, ApiError> {
        let started = std::time::Instant::now();
        check_story(&req.story)?;
        let base = req.base.clone().unwrap_or_else(Studio::new_project);
        let rules = self.plan_rules(&base);
        let (plan, planner, cost) = match self.planner_for(req.planner)? {
            PlannerChoice::Model => self.plan_with_model(&req, &rules).await?,
            _ => (
                studio_story::plan_offline(&req.story, &rules),
                PlannerUsed::Offline,
                Cost::default(),
            ),
        };
        let invented = plan.invented.clone();
        let mut project = plan.into_project(req.story.clone(), &base);
        let library_matches = self.match_library(&mut project, req.use_library)?;
        let issues = studio_story::check(&project);
        let problems = Studio::check_project(None, &project);
        Ok(PlanOutcome {
            project,
            issues,
            invented,
            planner,
            library_matches,
            problems,
            cost,
            millis: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        })
    }

    /// What planning `story` would cost with `choice`, before anything is paid.
    pub fn plan_estimate(
        &self,
        story: &Story,
        choice: PlannerChoice,
    ) -> Result<PlanEstimate, ApiError> {
        check_story(story)?;
        let planner = self.planner_for(choice)?;
        if planner == PlannerChoice::Offline {
            return Ok(PlanEstimate {
                planner,
                model: None,
                cost: Cost::default(),
            });
        }
        self.model_plan_estimate(story)
    }

    /// Every way `project`'s plan is not faithful to its story (nothing without a story).
    pub fn check_plan(project: &Project) -> Vec<PlanIssue> {
        studio_story::check(project)
    }

    /// Plans `story` (an edit of `project`'s) again, offline, and proposes the result: shots
    /// whose words did not change and shots changed by hand are kept; only the changed
    /// passages get new shots. Nothing is applied: the creator sees the changes first.
    pub fn replan_story(&self, project: &Project, story: Story) -> Result<ReplanOutcome, ApiError> {
        check_story(&story)?;
        let rules = self.plan_rules(project);
        let fresh = studio_story::plan_offline(&story, &rules);
        let replan = studio_story::replan(project, story, fresh);
        let issues = studio_story::check(&replan.project);
        Ok(ReplanOutcome { replan, issues })
    }

    /// The exact prompt a render sends for the scene `scene_id` of `project`.
    pub fn video_prompt(project: &Project, scene_id: &str) -> Result<String, ApiError> {
        let scene = (project.scenarios.iter())
            .find(|s| s.id == scene_id)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("the project has no scene {scene_id:?}"),
                )
            })?;
        Ok(project.video_prompt(scene))
    }

    /// Finds the library characters named like the plan's characters; with `use` set, the plan
    /// uses them (their stored angles, so they look as they do in every project).
    fn match_library(
        &self,
        project: &mut Project,
        use_them: bool,
    ) -> Result<Vec<LibraryMatch>, ApiError> {
        let lib = match studio_library::Library::open(self.data_dir()) {
            Ok(lib) => lib,
            Err(e) => {
                tracing::warn!(error = %e, "library not readable; planning without it");
                return Ok(Vec::new());
            }
        };
        let known = lib.list("")?;
        let mut matches = Vec::new();
        let lead = std::iter::once(&mut project.character);
        for c in lead.chain(project.cast.iter_mut()) {
            let name = c.name.trim().to_lowercase();
            let Some(found) = known.iter().find(|l| l.name.trim().to_lowercase() == name) else {
                continue;
            };
            if use_them {
                c.library_id = Some(found.id.clone());
            }
            matches.push(LibraryMatch {
                character_id: c.id.clone().unwrap_or_default(),
                name: c.name.clone(),
                library_id: found.id.clone(),
                used: use_them,
            });
        }
        Ok(matches)
    }
}

/// Refuses a story that cannot be planned, naming why.
fn check_story(story: &Story) -> Result<(), ApiError> {
    let chars = story.text.chars().count();
    if story.text.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the story is empty: paste or open a story, script or treatment",
        ));
    }
    if chars > studio_core::MAX_STORY_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "the story is {chars} characters; the limit is {} (split it into several \
                 projects)",
                studio_core::MAX_STORY_CHARS
            ),
        ));
    }
    Ok(())
}

/// Reads a story file: UTF-8 text of at most [`studio_core::MAX_STORY_CHARS`] characters, its
/// format from its name ([`story_format_of`]). A byte-order mark and CRLF line ends are read
/// as the text they stand for, so offsets count what the creator sees.
pub fn read_story(path: &Path) -> Result<Story, ApiError> {
    use std::io::Read;
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
    let limit = (studio_core::MAX_STORY_CHARS as u64) * 4 + 4;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "{} is too large for a story (the limit is {} characters)",
                path.display(),
                studio_core::MAX_STORY_CHARS
            ),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "{} is not UTF-8 text (byte {} is not): save it as UTF-8 plain text or Fountain",
                path.display(),
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(&text)
        .replace("\r\n", "\n");
    let story = Story {
        text,
        format: story_format_of(path),
        accepted: Vec::new(),
    };
    check_story(&story)?;
    Ok(story)
}

/// The story format a file's name suggests: `.fountain` (or `.spmd`) is a screenplay.
pub fn story_format_of(path: &Path) -> StoryFormat {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("fountain") || e.eq_ignore_ascii_case("spmd") => {
            StoryFormat::Fountain
        }
        _ => StoryFormat::Plain,
    }
}

impl Studio {
    /// Plans with the catalog's text model as a durable job (`storyPlanWorkflow`): recorded in
    /// the studio's jobs before it starts (so its spend is listed with the renders'), bounded
    /// by what the creator approved, waited for, and read back as a plan with its gaps.
    async fn plan_with_model(
        &self,
        req: &PlanStoryRequest,
        rules: &PlanRules,
    ) -> Result<(studio_story::Plan, PlannerUsed, Cost), ApiError> {
        let approved = match req.approved_usd {
            Some(usd) => usd,
            None => self.model_plan_estimate(&req.story)?.cost.usd,
        };
        let budget = studio_core::Usd::from_dollars(approved).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("{approved} is not an amount of US dollars to approve"),
            )
        })?;
        let session = self.session().await?;
        let name = story_name(&req.story);
        let id = crate::session::job_id(&format!("plan {name}"));
        let record = JobRecord {
            id: id.clone(),
            name: format!("Plan: {name}"),
            project_path: None,
            started_at: now_secs(),
        };
        let recorded_now = self.jobs.add_if_new(record)?;
        let input = studio_engine::story::StoryPlanInput {
            story: req.story.clone(),
            rules: rules.clone(),
            model: self.settings.text_model().map(|c| c.model),
            budget: Some(budget),
            tuning: None,
        };
        if let Err(e) = session.client.start_story_plan(&id, input).await {
            if recorded_now {
                self.jobs.remove(&id)?;
            }
            return Err(e.into());
        }
        let done = session.client.story_plan_result(&id).await?;
        let cost = price(&self.settings.prices, &done.usage);
        let Some(plan) = done.plan else {
            return Err(ApiError::new(
                ErrorCode::JobFailed,
                format!(
                    "the text model made no plan: {} (job {id}; spent ${:.4})",
                    done.problem.as_deref().unwrap_or("no answer"),
                    cost.usd
                ),
            ));
        };
        let planner = PlannerUsed::Model {
            model: done.model.unwrap_or_default(),
            job_id: id,
            asks: done.asks,
        };
        Ok((plan, planner, cost))
    }

    /// What planning `story` with the settings' text model costs at most: two questions (the
    /// second, with the first plan's issues, only when that plan fails the check).
    fn model_plan_estimate(&self, story: &Story) -> Result<PlanEstimate, ApiError> {
        let choice = self.settings.text_model().ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnsupportedModel,
                "the key's models have not been listed yet, so the text model and its price \
                 are unknown: run `studio doctor` (or open Settings → Google), or choose the \
                 offline planner",
            )
        })?;
        let rules = self.plan_rules(&Studio::new_project());
        let max_tokens = studio_engine::tuning::StoryTuning::default().max_output_tokens;
        let one = studio_engine::story::estimate_ask(story, &rules, &[], &choice.model, max_tokens)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::UnsupportedModel,
                    format!(
                        "models.toml has no price for the text model {}",
                        choice.model
                    ),
                )
            })?;
        Ok(PlanEstimate {
            planner: PlannerChoice::Model,
            model: Some(choice.model),
            cost: Cost {
                usd: one.usd * 2.0,
                ..Cost::default()
            },
        })
    }
}

/// A planning job's name: the story's first words.
fn story_name(story: &Story) -> String {
    let words: Vec<&str> = story.text.split_whitespace().take(6).collect();
    words.join(" ")
}
