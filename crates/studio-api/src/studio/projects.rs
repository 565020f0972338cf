//! Projects before a render: new, load, save, check against the file's rules and the models'
//! rules, and what a render would cost.

use super::*;

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
    /// Warnings: the scenes whose dialogue and narration cannot be spoken in their length at a
    /// natural pace, with the fix ([`Project::lines_too_long`]). A render still starts: the
    /// words would run past their shot, or be cut.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines_too_long: Vec<studio_core::LineTiming>,
    /// The voice-over lines and narration the speech model speaks (their cost is in `cost`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub spoken_lines: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What `project`'s sound uses: its voice-over lines spoken and its music made, at the speech
/// and music models these settings would use (nothing priced for a model not yet known).
fn sound_usage(settings: &Settings, project: &Project) -> (u32, Vec<Usage>) {
    // Only the lines and whether music is made from a prompt matter here, not the file's URI.
    let Some(plan) = project.sound_plan(|_| String::new()) else {
        return (0, Vec::new());
    };
    let speech = settings.sound_model(studio_catalog::Role::Speech);
    let music = (plan.music.as_ref())
        .filter(|m| m.prompt.is_some())
        .and_then(|_| settings.sound_model(studio_catalog::Role::Music));
    let usage = studio_engine::sound::estimate_usage(
        &plan.lines,
        speech.as_deref().unwrap_or_default(),
        music.as_deref(),
    );
    let voiced = plan.lines.iter().filter(|l| !l.native).count();
    (u32::try_from(voiced).unwrap_or(u32::MAX), usage)
}

impl Studio {
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
            ..Default::default()
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
    pub(super) fn refuse_problems(path: Option<&Path>, project: &Project) -> Result<(), ApiError> {
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

    /// What rendering `project` is expected to cost with the configured models and prices.
    pub fn estimate(&self, project: &Project) -> Estimate {
        estimate(&self.settings, project)
    }
}

/// See [`Studio::estimate`].
pub fn estimate(settings: &Settings, project: &Project) -> Estimate {
    let plan = settings.models(project.quality);
    // Three angles per character; a library character's are made already. Two views per
    // element with no images of its own (none for a library element).
    let images = 3 * project
        .characters()
        .filter(|(_, c)| c.library_id.is_none())
        .count() as u32
        + studio_core::Element::<std::path::PathBuf>::GENERATED_IMAGES
            * project.elements.iter().filter(|e| e.needs_images()).count() as u32;
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
    let (spoken_lines, sound) = sound_usage(settings, project);
    Usage::merge(&mut usage, sound);
    Estimate {
        cost: price(&settings.prices, &usage),
        spoken_lines,
        image_model,
        video_model,
        images,
        video_seconds,
        wall_seconds,
        lines_too_long: project.lines_too_long(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate warns of a scene whose words cannot be spoken in it, with the fix; a
    /// project whose lines fit gets no warning (and its JSON no field for one).
    #[test]
    fn the_estimate_warns_of_lines_too_long_for_their_shot() {
        let mut project = Studio::new_project();
        project.scenarios[0].prompt = "the harbour at dawn".into();
        project.scenarios[0].duration_seconds = studio_core::ClipSeconds::try_from(4).unwrap();
        project.scenarios[0].narration = Some("a few words".into());
        let settings = Settings::default();
        let fits = estimate(&settings, &project);
        assert!(fits.lines_too_long.is_empty());
        assert!(serde_json::to_value(&fits)
            .unwrap()
            .get("linesTooLong")
            .is_none());
        project.scenarios[0].narration = Some("word ".repeat(15));
        let warned = estimate(&settings, &project).lines_too_long;
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert_eq!(
            (
                warned[0].scene.as_str(),
                warned[0].needed_seconds,
                warned[0].fix.as_str()
            ),
            ("scene-1", 6.0, "shorten the line")
        );
    }

    /// The estimate counts the lines the speech model speaks: the narration and voice-over
    /// dialogue, not native lines (spoken in their clips).
    #[test]
    fn the_estimate_counts_the_voiced_lines() {
        let mut project = Studio::new_project();
        project.scenarios[0].prompt = "the harbour at dawn".into();
        let settings = Settings::default();
        assert_eq!(estimate(&settings, &project).spoken_lines, 0);
        let lead = "lead".to_owned();
        project.character.id = Some(lead.clone());
        project.scenarios[0].narration = Some("The boats were late.".into());
        project.scenarios[0].dialogue = vec![studio_core::DialogueLine {
            speaker: lead,
            line: "Where are they?".into(),
        }];
        assert_eq!(estimate(&settings, &project).spoken_lines, 1);
        project.dialogue_mode = studio_core::DialogueMode::VoiceOver;
        let e = estimate(&settings, &project);
        assert_eq!(e.spoken_lines, 2);
        assert_eq!(e.cost.usd, 0.0, "offline speaks for free");
    }
}
