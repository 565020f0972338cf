//! "Test key": which models the configured key or project can use, the studio's choice per role,
//! and a live check (`studio doctor --live`) that makes the cheapest real image and 4 s clip and
//! reports every way Google's answers differ from the model table and the parsers' expectations.
//!
//! One operation for both shells: the CLI's `studio doctor` and the window's Settings → Test key.

use std::path::Path;

use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use studio_catalog::{check_clip, check_first_frame, clip_plan, Catalog, ListedModel, Role, Rule};
use studio_core::Project;
use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::google::{Backend, GoogleConfig, GoogleProvider};
use studio_media::{
    Angle, ClipRequest, Ffmpeg, ImageRequest, MediaProvider, ProbeInfo, ProviderKind, TaskCtx,
};

use crate::error::{ApiError, FieldProblem};

/// The model rules an edited project breaks, as field problems the editor marks while the
/// creator types (the same check the workflow makes when a render starts). Uses the model the
/// worker would choose from the cached list; nothing until the key's models have been listed.
pub fn rule_problems(settings: &Settings, project: &Project) -> Vec<FieldProblem> {
    let Some(plan) = settings.models(project.quality) else {
        return Vec::new();
    };
    project
        .scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            check_clip(
                &plan.video,
                Some(&s.id),
                project.quality,
                s.duration_seconds.get(),
                project.aspect_ratio,
            )
            .into_iter()
            .chain(
                s.continue_from_previous
                    .then(|| check_first_frame(&plan.video, Some(&s.id)))
                    .flatten(),
            )
            .chain(
                (s.end_frame.as_ref())
                    .and_then(|_| studio_catalog::check_last_frame(&plan.video, Some(&s.id))),
            )
            .map(move |p| FieldProblem {
                field: match p.rule {
                    Rule::AspectRatio => "aspectRatio".to_owned(),
                    Rule::FirstFrame => format!("scenarios[{i}].continueFromPrevious"),
                    Rule::Duration | Rule::ResolutionDuration => {
                        format!("scenarios[{i}].durationSeconds")
                    }
                    Rule::LastFrame => format!("scenarios[{i}].endFrame"),
                    // Extension is asked of a take, not of a project's fields.
                    Rule::Extend | Rule::ExtendSeconds | Rule::ExtendLength => {
                        format!("scenarios[{i}]")
                    }
                },
                message: p.to_string(),
            })
        })
        .collect()
}

/// What the key can use and what the studio picks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelReport {
    /// `offline`, `bench`, `gemini` or `vertex`.
    pub provider: String,
    /// When the list was fetched (Unix seconds; None for the local providers).
    pub listed_at: Option<f64>,
    /// How many models the key can use, of every kind.
    pub listed: u32,
    /// The choice per role: images, video for High/4k, video for Standard (drafts).
    pub image_model: String,
    pub video_model: String,
    pub draft_video_model: String,
    /// How clips are asked for (`predictLongRunning`, `interactions`, `local`).
    pub video_route: String,
    /// Whether the video model renders 4k itself (else the studio upscales).
    pub native_4k: bool,
    /// How many of the character's angles go as reference images (0: the front image is the
    /// first frame).
    pub reference_images: u32,
    /// Every listed model that can make images / clips, best first.
    pub usable_image_models: Vec<String>,
    pub usable_video_models: Vec<String>,
    /// Listed ids that look like image or video models but match no family of the table: the
    /// table may need a new family.
    pub unknown: Vec<String>,
    /// Per role (images, video, drafts): the model, how it is called and where.
    pub roles: Vec<RoleRoute>,
}

/// How and where one role's model is called (`studio doctor`'s per-role lines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoleRoute {
    /// `images`, `video`, `drafts`, `text` (planning a story), `speech` or `music`.
    pub role: String,
    pub model: String,
    /// `generateContent`, `predictLongRunning`, `interactions` or `local`.
    pub route: String,
    /// The Vertex location the model is called at (`global` for Gemini 3.x, the creator's
    /// region for Veo); None on the Gemini API and for the local providers.
    pub location: Option<String>,
    /// Why the model cannot be called with these settings (data kept in a region it is not
    /// served from), if it cannot.
    pub problem: Option<String>,
}

fn route_name(route: studio_catalog::Route) -> String {
    serde_json::to_value(route)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The per-role lines of a report: each model's route from the table, and its location from
/// `provider` (None for the local providers). `text` is the planning model (the local
/// providers plan in-process, offline).
fn roles_of(
    provider: Option<&GoogleProvider>,
    best: &studio_media::ModelPlan,
    draft: &studio_media::ModelPlan,
    text: &str,
) -> Vec<RoleRoute> {
    [
        ("images", best.image_model.as_str()),
        ("video", best.video.model.as_str()),
        ("drafts", draft.video.model.as_str()),
        ("text", text),
    ]
    .into_iter()
    .map(|(role, model)| role_line(provider, role, model))
    .collect()
}

/// One role's line: the model's route from the table and where `provider` calls it.
fn role_line(provider: Option<&GoogleProvider>, role: &str, model: &str) -> RoleRoute {
    let located = provider
        .filter(|_| !model.is_empty())
        .and_then(|p| p.location_of(model));
    RoleRoute {
        role: role.to_owned(),
        model: model.to_owned(),
        route: Catalog::builtin()
            .family_of(model)
            .map(|f| route_name(f.route))
            .unwrap_or_default(),
        location: located.as_ref().and_then(|l| l.as_ref().ok().cloned()),
        problem: located.and_then(|l| l.err().map(|e| e.to_string())),
    }
}

fn google_backend(kind: ProviderKind) -> Option<Backend> {
    match kind {
        ProviderKind::Gemini => Some(Backend::Gemini),
        ProviderKind::Vertex => Some(Backend::Vertex),
        ProviderKind::Offline | ProviderKind::Bench => None,
    }
}

async fn google(settings: &Settings, backend: Backend) -> Result<GoogleProvider, ApiError> {
    let config = GoogleConfig::resolve(backend, &settings.google)?;
    Ok(GoogleProvider::new(config).await?)
}

fn looks_like_media(id: &str) -> bool {
    ["veo", "omni", "image", "banana", "imagen", "video"]
        .iter()
        .any(|w| id.contains(w))
}

fn report_of(
    kind: ProviderKind,
    listed_at: Option<f64>,
    models: &[ListedModel],
    backend: Option<Backend>,
    best: studio_media::ModelPlan,
    draft: studio_media::ModelPlan,
    roles: Vec<RoleRoute>,
) -> ModelReport {
    let catalog = Catalog::builtin();
    let (usable_image_models, usable_video_models, unknown) = match backend {
        Some(b) => (
            catalog.alternatives(models, b, Role::Image),
            catalog.alternatives(models, b, Role::Video),
            models
                .iter()
                .filter(|m| looks_like_media(&m.id) && catalog.family_of(&m.id).is_none())
                .map(|m| m.id.clone())
                .collect(),
        ),
        None => (
            vec![best.image_model.clone()],
            vec![best.video.model.clone()],
            Vec::new(),
        ),
    };
    let family = &best.video.family;
    let refs = clip_plan(
        family,
        Quality::High,
        family.durations.iter().copied().max().unwrap_or(8),
        3,
    );
    ModelReport {
        provider: kind.to_string(),
        listed_at,
        listed: models.len() as u32,
        image_model: best.image_model,
        video_model: best.video.model.clone(),
        draft_video_model: draft.video.model,
        video_route: route_name(family.route),
        native_4k: family.native_4k(),
        reference_images: if refs.references {
            family.max_reference_images.min(3)
        } else {
            0
        },
        usable_image_models,
        usable_video_models,
        unknown,
        roles,
    }
}

/// Lists the key's models (anew when `refresh`, else from the cache when fresh) and reports the
/// choice. Wrong keys, unreachable hosts and pins the key cannot use come back as errors naming
/// the problem.
pub async fn check_models(settings: &Settings, refresh: bool) -> Result<ModelReport, ApiError> {
    let kind = settings.provider();
    let task = TaskCtx::detached();
    let Some(backend) = google_backend(kind) else {
        let plan = studio_media::ModelPlan::local(&kind.to_string())?;
        let roles = roles_of(None, &plan, &plan, &plan.image_model);
        return Ok(report_of(kind, None, &[], None, plan.clone(), plan, roles));
    };
    let provider = google(settings, backend).await?;
    let listed = provider.discovered(&task, refresh).await?;
    // The choice wherever it is served: a model the settings keep from being called is shown
    // with the reason on its line, not as a failure of the whole report.
    let best = provider.plan_models(Quality::High, &task).await?;
    let draft = provider.plan_models(Quality::Standard, &task).await?;
    // No text model listed is no failure of the report: stories are then planned offline.
    let text = provider
        .text_choice(None, &task)
        .await
        .map(|c| c.model)
        .unwrap_or_else(|e| {
            tracing::info!(error = %e, "no text model: stories are planned offline");
            String::new()
        });
    let mut roles = roles_of(Some(&provider), &best, &draft, &text);
    if let Some(line) = roles
        .iter_mut()
        .find(|r| r.role == "text" && r.model.is_empty())
    {
        line.problem = Some("no text model is listed: stories are planned offline".into());
    }
    // The sound's models: a key without one still renders pictures, so its absence is a
    // problem on its line, not a failure of the report.
    let sound = [
        ("speech", provider.speech_model(&task).await),
        ("music", provider.music_model(&task).await),
    ];
    for (role, model) in sound {
        let mut line = role_line(Some(&provider), role, model.as_deref().unwrap_or_default());
        if let Err(e) = model {
            line.problem = Some(e.to_string());
        }
        roles.push(line);
    }
    Ok(report_of(
        kind,
        Some(listed.fetched_at as f64),
        &listed.models,
        Some(backend),
        best,
        draft,
        roles,
    ))
}

/// What a live check would make and what it would cost, before asking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LivePlan {
    pub image_model: String,
    pub video_model: String,
    pub clip_seconds: u32,
    /// At the model table's list prices (None where the table has no price).
    pub usd: Option<f64>,
}

/// The cheapest image model and the cheapest video model the key can use (by the table's
/// prices at their smallest size / resolution), for a check that costs as little as possible.
pub async fn live_plan(settings: &Settings) -> Result<LivePlan, ApiError> {
    let report = check_models(settings, false).await?;
    let catalog = Catalog::builtin();
    let cheapest = |ids: &[String], video: bool| {
        ids.iter()
            .map(|m| (m.clone(), catalog.unit_price(m, video, None)))
            .min_by(|a, b| a.1.unwrap_or(f64::MAX).total_cmp(&b.1.unwrap_or(f64::MAX)))
    };
    let (image_model, image_price) =
        cheapest(&report.usable_image_models, false).unwrap_or((report.image_model.clone(), None));
    let (video_model, video_price) =
        cheapest(&report.usable_video_models, true).unwrap_or((report.video_model.clone(), None));
    let clip_seconds = catalog
        .family_of(&video_model)
        .and_then(|f| f.durations.iter().copied().filter(|d| *d >= 4).min())
        .unwrap_or(4);
    Ok(LivePlan {
        usd: image_price
            .zip(video_price)
            .map(|(i, v)| i + v * f64::from(clip_seconds)),
        image_model,
        video_model,
        clip_seconds,
    })
}

/// What the live check made and every difference from what the table and parsers expect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LiveReport {
    pub plan: LivePlan,
    pub image_size: (u32, u32),
    pub clip_seconds: f64,
    pub clip_size: (u32, u32),
    pub clip_audio: bool,
    /// Empty when Google answered as the table says.
    pub differences: Vec<String>,
}

/// Makes `plan`'s image and clip for real (the creator agreed to the price) in `work` and
/// compares what came back with the table.
pub async fn live_check(
    settings: &Settings,
    plan: LivePlan,
    ffmpeg: &Ffmpeg,
    work: &Path,
) -> Result<LiveReport, ApiError> {
    let provider = live_provider(settings, ffmpeg).await?;
    let task = TaskCtx::detached();
    let image = work.join("doctor-image.png");
    let clip = work.join("doctor-clip.mp4");
    make_image(provider.as_ref(), &plan, &image, &task).await?;
    make_clip(provider.as_ref(), &plan, &image, &clip, &task).await?;
    let image_size = image::image_dimensions(&image)
        .map_err(|e| ApiError::new(crate::ErrorCode::Io, e.to_string()))?;
    let probe = ffmpeg.probe(&clip).await?;
    let unknown = check_models(settings, false).await?.unknown;
    let differences = differences(&plan, image_size, &probe, &unknown);
    Ok(LiveReport {
        plan,
        image_size,
        clip_seconds: probe.duration,
        clip_size: probe.video.as_ref().map_or((0, 0), |v| (v.width, v.height)),
        clip_audio: probe.has_audio(),
        differences,
    })
}

/// The configured provider: Google's for a key or project, else the offline one (so the
/// check runs, for free, without a key). Also speaks voice samples (`studio::sound`).
pub(crate) async fn live_provider(
    settings: &Settings,
    ffmpeg: &Ffmpeg,
) -> Result<Box<dyn MediaProvider>, ApiError> {
    Ok(match google_backend(settings.provider()) {
        Some(backend) => Box::new(google(settings, backend).await?),
        None => Box::new(studio_media::offline::OfflineProvider::new(ffmpeg.clone())),
    })
}

/// The live check's image: one landscape front view with `plan`'s image model.
async fn make_image(
    provider: &dyn MediaProvider,
    plan: &LivePlan,
    image: &Path,
    task: &TaskCtx,
) -> Result<(), ApiError> {
    let request = ImageRequest {
        name: "doctor".into(),
        prompt: "a person in a plain grey studio, soft light, photographic".into(),
        angle: Angle::Front,
        aspect_ratio: AspectRatio::Landscape,
        references: vec![],
        model: Some(plan.image_model.clone()),
    };
    Ok(provider.character_image(&request, image, task).await?)
}

/// The live check's clip: `plan`'s length at Standard quality from `image`, with `plan`'s
/// video model.
async fn make_clip(
    provider: &dyn MediaProvider,
    plan: &LivePlan,
    image: &Path,
    clip: &Path,
    task: &TaskCtx,
) -> Result<(), ApiError> {
    let duration = ClipSeconds::try_from(plan.clip_seconds)
        .map_err(|e| ApiError::new(crate::ErrorCode::Internal, e.to_string()))?;
    let request = ClipRequest {
        prompt: "the person turns to the camera and smiles".into(),
        negative_prompt: None,
        duration,
        aspect_ratio: AspectRatio::Landscape,
        quality: Quality::Standard,
        image: image.to_owned(),
        references: vec![],
        model: Some(plan.video_model.clone()),
        variant: 0,
        last_frame: None,
    };
    Ok(provider.video_clip(&request, clip, task).await?)
}

/// Every way what came back differs from what was asked and what the table says: the clip's
/// resolution, sound and length, the image's orientation, and listed models the table does not
/// know (`unknown`). Empty when Google answered as the table says.
fn differences(
    plan: &LivePlan,
    image_size: (u32, u32),
    clip: &ProbeInfo,
    unknown: &[String],
) -> Vec<String> {
    let mut differences = clip_differences(plan, clip);
    if image_size.0 < image_size.1 {
        differences.push(format!(
            "{}: asked for 16:9, got {}x{}",
            plan.image_model, image_size.0, image_size.1
        ));
    }
    differences.extend(
        unknown
            .iter()
            .map(|id| format!("{id} is listed but matches no family of models.toml")),
    );
    differences
}

/// How the clip differs from the table's family of `plan`'s video model (its resolution for a
/// Standard clip, whether it has sound) and from the length asked for.
fn clip_differences(plan: &LivePlan, clip: &ProbeInfo) -> Vec<String> {
    let mut differences = Vec::new();
    let (width, height) = clip.video.as_ref().map_or((0, 0), |v| (v.width, v.height));
    if let Some(family) = Catalog::builtin().family_of(&plan.video_model) {
        let asked = clip_plan(family, Quality::Standard, plan.clip_seconds, 0).resolution;
        let expected_height = asked.trim_end_matches('p').parse::<u32>().ok();
        // 720p is 1280x720 landscape: the short side is the "p".
        if expected_height.is_some_and(|h| width.min(height) != h) {
            differences.push(format!(
                "{}: asked for {asked}, got {width}x{height}",
                plan.video_model
            ));
        }
        if family.audio != clip.has_audio() {
            differences.push(format!(
                "{}: the table says audio {}, the clip has {}",
                plan.video_model,
                if family.audio { "yes" } else { "no" },
                if clip.has_audio() {
                    "an audio track"
                } else {
                    "none"
                }
            ));
        }
    }
    if (clip.duration - f64::from(plan.clip_seconds)).abs() > 0.5 {
        differences.push(format!(
            "{}: asked for {} s, got {:.2} s",
            plan.video_model, plan.clip_seconds, clip.duration
        ));
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_media::google::Discovered;

    /// The editor's check uses the worker's choice from the cached list: a High render of a
    /// 6 s scene on Veo is marked on that scene's duration, with the fix.
    #[test]
    fn the_editor_marks_what_the_chosen_model_would_refuse() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings {
            provider: Some(ProviderKind::Vertex),
            ..Default::default()
        };
        settings.google.models_cache_dir = Some(dir.path().to_owned());
        let mut project = Project::new("Ava");
        project.quality = Quality::High;
        project.scenarios.push(studio_core::Scenario {
            id: "scene-1".into(),
            prompt: "waves".into(),
            negative_prompt: None,
            duration_seconds: ClipSeconds::try_from(6).unwrap(),
            cast: Vec::new(),
            continue_from_previous: false,
            ..Default::default()
        });
        // Nothing listed yet: nothing to say.
        assert!(rule_problems(&settings, &project).is_empty());
        let listed = Discovered {
            backend: Backend::Vertex,
            fetched_at: 0,
            // One listed model each of the table's full Veo family and its fast image family,
            // named from their patterns: the test follows the table, not today's ids.
            models: ["veo", "nano-banana-flash"]
                .map(|family| {
                    let catalog = studio_catalog::Catalog::builtin();
                    catalog.family(family).unwrap().patterns[0].replace('*', "x")
                })
                .map(|id| ListedModel {
                    id,
                    methods: vec![],
                    display_name: None,
                })
                .to_vec(),
        };
        std::fs::write(
            dir.path().join("models-vertex.json"),
            serde_json::to_vec(&listed).unwrap(),
        )
        .unwrap();
        let problems = rule_problems(&settings, &project);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "scenarios[0].durationSeconds");
        assert!(
            problems[0]
                .message
                .contains("make this scene 8 s, or use Standard"),
            "{}",
            problems[0].message
        );
        project.quality = Quality::Standard;
        assert!(rule_problems(&settings, &project).is_empty());
    }

    /// The live check names each way a clip and image differ from what was asked and what the
    /// table says, and nothing when they match. The expectations are read from the table (the
    /// Veo family's Standard resolution and sound), so the test follows it.
    #[test]
    fn the_live_check_names_every_difference_from_the_table() {
        use studio_media::ffmpeg::{AudioStream, VideoStream};
        let catalog = Catalog::builtin();
        let family = catalog.family("veo").unwrap();
        let plan = LivePlan {
            image_model: "an-image-model".into(),
            video_model: family.patterns[0].replace('*', "x"),
            clip_seconds: 4,
            usd: None,
        };
        let height: u32 = clip_plan(family, Quality::Standard, 4, 0)
            .resolution
            .trim_end_matches('p')
            .parse()
            .unwrap();
        let clip = |(width, height): (u32, u32), audio: bool, duration: f64| ProbeInfo {
            duration,
            video: Some(VideoStream {
                codec: "h264".into(),
                width,
                height,
                pix_fmt: "yuv420p".into(),
                frame_rate: "24/1".into(),
                profile: "High".into(),
            }),
            audio: audio.then(|| AudioStream {
                codec: "aac".into(),
                sample_rate: 48_000,
                channels: 2,
                channel_layout: "stereo".into(),
            }),
        };
        let expected = clip((height * 16 / 9, height), family.audio, 4.2);
        assert_eq!(
            differences(&plan, (1280, 720), &expected, &[]),
            Vec::<String>::new()
        );

        let wrong = clip((height * 16 / 9 / 2, height / 2), !family.audio, 6.0);
        let found = differences(&plan, (720, 1280), &wrong, &["mystery-video-1".into()]);
        let video = &plan.video_model;
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(
            found[0].starts_with(&format!("{video}: asked for {height}p, got ")),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with(&format!("{video}: the table says audio ")),
            "{found:#?}"
        );
        assert_eq!(found[2], format!("{video}: asked for 4 s, got 6.00 s"));
        assert_eq!(found[3], "an-image-model: asked for 16:9, got 720x1280");
        assert_eq!(
            found[4],
            "mystery-video-1 is listed but matches no family of models.toml"
        );
    }
}
