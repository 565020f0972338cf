//! Tauri commands: one line of glue each over `studio_api::Studio`. Errors cross as
//! `ApiError {code, message, problems}`. Every command is async (off the main thread), and
//! every path the page sends is checked against the session's grants (`files`) first.

use std::path::PathBuf;
use std::time::Duration;
use studio_api::models::ModelReport;

use serde::{Deserialize, Serialize};
use studio_api::{
    ApiError, CacheView, ErrorCode, Estimate, FieldProblem, Health, JobDetail, JobView, KeysUpdate,
    KeysView, RenderStarted, Studio, StudioSettings,
};
use studio_core::{ClipSeconds, Cost, Iteration, Progress, Project, Quality, Scenario};
use tauri::ipc::Channel;
use tauri::State;

use studio_api::characters::{BatchRecord, BatchView, CharacterView};

use crate::files::{inside, Access};
use crate::state::AppState;

/// How often the backend queries a running job's progress (pushed only when it changes).
const PROGRESS_POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StudioStatus {
    pub data_dir: String,
    pub artifacts_dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobOutcome {
    /// The job in the Temporal Web UI (embedded server only).
    pub web_ui_url: Option<String>,
    pub video_path: Option<String>,
    pub video_url: Option<String>,
    pub character_images: Vec<String>,
}

/// Waits for the studio (embedded server and worker) to be up.
#[tauri::command]
#[specta::specta]
pub async fn studio_status(state: State<'_, AppState>) -> Result<StudioStatus, ApiError> {
    let studio = state.studio()?;
    studio.ready().await?;
    Ok(StudioStatus {
        data_dir: studio.data_dir().display().to_string(),
        artifacts_dir: studio.artifacts_dir().display().to_string(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn new_project() -> Project {
    Studio::new_project()
}

/// Opens a project named in this session (the Open dialog, the command line, a second start,
/// the recent menu, the example, a file saved here), and reloads one after a conflict: both
/// grant through [`crate::files::open_project`], once the file has loaded as a project.
#[tauri::command]
#[specta::specta]
pub async fn open_project(app: tauri::AppHandle, path: String) -> Result<Project, ApiError> {
    crate::files::open_project(&app, std::path::Path::new(&path)).await
}

/// Saves to a file chosen in this session (Save As, or the opened project itself). In place,
/// a file another program changed since it was read answers `ErrorCode::Conflict` and is left
/// as it is, unless `overwrite` (the creator chose Overwrite); a Save As replaces the file the
/// dialog confirmed and carries only its source's unknown fields.
#[tauri::command]
#[specta::specta]
pub async fn save_project(
    app: tauri::AppHandle,
    path: String,
    project: Project,
    options: studio_api::projects::SaveOptions,
) -> Result<(), ApiError> {
    use tauri::Manager;
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let path = state.grants.check(&path, Access::Write)?;
        Studio::save_project(&path, &project, &options)?;
        // Remembered by its content: reopening it grants nothing the page put in it.
        state.grants.note_written(&path);
        Ok(())
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
}

#[tauri::command]
#[specta::specta]
pub async fn check_project(
    state: State<'_, AppState>,
    path: Option<String>,
    project: Project,
) -> Result<Vec<FieldProblem>, ApiError> {
    // It opens every reference the project names: off the async runtime's threads.
    let checked = project.clone();
    let mut problems = tauri::async_runtime::spawn_blocking(move || {
        Studio::check_project(path.map(PathBuf::from).as_deref(), &checked)
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    // The chosen model's rules (from the cached model list: never waits for a server).
    if let Ok(studio) = state.studio() {
        problems.extend(studio.rule_problems(&project));
    }
    Ok(problems)
}

/// Settings → Test key: lists the models the key can use and shows the choice per role.
#[tauri::command]
#[specta::specta]
pub async fn test_key(state: State<'_, AppState>) -> Result<ModelReport, ApiError> {
    state.studio()?.check_models(true).await
}

#[tauri::command]
#[specta::specta]
pub async fn render(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    project: Project,
    path: Option<String>,
) -> Result<RenderStarted, ApiError> {
    use tauri::Manager;
    let path = path.map(PathBuf::from);
    // Every character's references, opened once (off the async runtime's threads) and checked
    // against this session's grants; the render uploads exactly these open files.
    let (checked, at) = (project.clone(), path.clone());
    let references = tauri::async_runtime::spawn_blocking(move || {
        app.state::<AppState>()
            .grants
            .references(&checked, at.as_deref())
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
    .map_err(|problems| {
        studio_api::studio::invalid_references(problems, "need confirming before they are uploaded")
    })?;
    state
        .studio()?
        .render_references(&project, path.as_deref(), None, references)
        .await
}

/// Streams a job's progress over `on_progress` (only changes), until it ends.
#[tauri::command]
#[specta::specta]
pub async fn watch_job(
    state: State<'_, AppState>,
    id: String,
    on_progress: Channel<Progress>,
) -> Result<JobOutcome, ApiError> {
    let studio = state.studio()?;
    let media = state.media().await?;
    let result = studio
        .watch(&id, PROGRESS_POLL, |p| {
            tracing::debug!(percentage = p.percentage, stage = ?p.stage, "progress pushed");
            let _ = on_progress.send(p.clone());
        })
        .await?;
    let video_path = studio.local_file(&result.video_url).await;
    Ok(JobOutcome {
        web_ui_url: studio.web_ui_url(&id),
        video_url: video_path
            .as_deref()
            .and_then(|p| media.url_for(std::path::Path::new(p))),
        video_path,
        character_images: result.character_images,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn pause_job(state: State<'_, AppState>, id: String) -> Result<(), ApiError> {
    state.studio()?.pause(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn resume_job(state: State<'_, AppState>, id: String) -> Result<(), ApiError> {
    state.studio()?.resume(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_job(state: State<'_, AppState>, id: String) -> Result<(), ApiError> {
    state.studio()?.cancel(&id).await
}

/// Returns the previous quality; a refused value comes back as `code: "rejected"`.
#[tauri::command]
#[specta::specta]
pub async fn change_quality(
    state: State<'_, AppState>,
    id: String,
    quality: Quality,
) -> Result<Quality, ApiError> {
    state.studio()?.change_quality(&id, quality).await
}

/// Approves `usd` more dollars for a job waiting at its budget (or about to); returns the
/// approved total in dollars. A refused amount or a job without a budget comes back as
/// `code: "rejected"`.
#[tauri::command]
#[specta::specta]
pub async fn approve_spend(
    state: State<'_, AppState>,
    id: String,
    usd: f64,
) -> Result<f64, ApiError> {
    Ok(state.studio()?.approve_spend(&id, usd).await?.dollars())
}

#[tauri::command]
#[specta::specta]
pub async fn add_segment(
    state: State<'_, AppState>,
    id: String,
    prompt: String,
    duration_seconds: ClipSeconds,
) -> Result<(), ApiError> {
    let scenario = Scenario {
        duration_seconds,
        ..Scenario::new(prompt)
    };
    state.studio()?.add_segment(&id, scenario, None).await
}

/// A new take of one scenario: in the running job, or as the finished job's next version.
#[tauri::command]
#[specta::specta]
pub async fn regenerate_segment(
    state: State<'_, AppState>,
    id: String,
    scenario_id: String,
    prompt: Option<String>,
) -> Result<Iteration, ApiError> {
    state.studio()?.regenerate(&id, &scenario_id, prompt).await
}

/// The finished job's next version with one scene's current take continued by `seconds` (the
/// video model's extension) as a new take; refused before paying where the model cannot.
#[tauri::command]
#[specta::specta]
pub async fn extend_shot(
    state: State<'_, AppState>,
    id: String,
    scene_id: String,
    seconds: u32,
    prompt: Option<String>,
) -> Result<Iteration, ApiError> {
    state
        .studio()?
        .extend_shot(&id, &scene_id, seconds, prompt)
        .await
}

/// The finished job's next version, stitched from one take per scenario (in order).
#[tauri::command]
#[specta::specta]
pub async fn pick_takes(
    state: State<'_, AppState>,
    id: String,
    takes: Vec<u32>,
) -> Result<Iteration, ApiError> {
    state.studio()?.pick_takes(&id, takes).await
}

/// Takes, versions, cost and the readable timeline of one job.
#[tauri::command]
#[specta::specta]
pub async fn job_detail(state: State<'_, AppState>, id: String) -> Result<JobDetail, ApiError> {
    state.studio()?.job_detail(&id).await
}

/// The expected cost of rendering a project (configured models, price table).
#[tauri::command]
#[specta::specta]
pub async fn estimate_cost(
    state: State<'_, AppState>,
    project: Project,
) -> Result<Estimate, ApiError> {
    Ok(state.studio()?.estimate(&project))
}

/// What every job of the project saved at `path` has cost.
#[tauri::command]
#[specta::specta]
pub async fn project_cost(state: State<'_, AppState>, path: String) -> Result<Cost, ApiError> {
    state
        .studio()?
        .project_cost(std::path::Path::new(&path))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_jobs(state: State<'_, AppState>) -> Result<Vec<JobView>, ApiError> {
    state.studio()?.jobs(usize::MAX).await
}

/// The loopback URL of a media file (an artifact) for `<video>` and `<img>`.
#[tauri::command]
#[specta::specta]
pub async fn media_url(state: State<'_, AppState>, path: String) -> Result<String, ApiError> {
    let studio = state.studio()?;
    let path = studio.local_file(&path).await.unwrap_or(path);
    state.media_url(std::path::Path::new(&path)).await
}

/// A cached thumbnail of any image (e.g. a reference), as a media URL.
#[tauri::command]
#[specta::specta]
pub async fn thumbnail(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<String, ApiError> {
    use tauri::Manager;
    let cache = state.thumbs_dir();
    // The check opens the file (a FIFO or a device is refused without waiting): off the async
    // runtime's threads, like the thumbnail itself.
    let thumb = tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let source = state.grants.check_view(&path, &state.data_dir)?;
        studio_api::thumbs::thumbnail(&source, &cache)
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    state.media_url(&thumb).await
}

/// The project named on the command line, if any: it may be opened as a project (opening it
/// asks about any images it names outside its folder).
#[tauri::command]
#[specta::specta]
pub async fn initial_project(app: tauri::AppHandle) -> Option<String> {
    use tauri::Manager;
    let state = app.state::<AppState>();
    let path = state.initial_project.clone()?;
    state.grants.grant(&path, &[Access::Project]);
    Some(path.display().to_string())
}

/// Copies a finished video (an artifact of this studio, nothing else) to the file the creator
/// chose in the Export dialog: streamed into a temporary file beside it, then renamed, so a
/// large video never sits in memory and a failed copy leaves nothing half-written.
#[tauri::command]
#[specta::specta]
pub async fn export_video(
    state: State<'_, AppState>,
    source: String,
    destination: String,
) -> Result<(), ApiError> {
    let src = PathBuf::from(&source);
    if !inside(&src, &state.data_dir.artifacts()) {
        return Err(ApiError::new(
            ErrorCode::Rejected,
            format!("{source:?} is not a video of this studio"),
        ));
    }
    let dest = state.grants.check(&destination, Access::Write)?;
    tauri::async_runtime::spawn_blocking(move || copy_streaming(&src, &dest))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
}

fn copy_streaming(src: &std::path::Path, dest: &std::path::Path) -> Result<(), ApiError> {
    let io = |what: &std::path::Path, e: std::io::Error| {
        ApiError::new(ErrorCode::Io, format!("{}: {e}", what.display()))
    };
    let mut input = std::fs::File::open(src).map_err(|e| io(src, e))?;
    // The one atomic-write helper: a replaced export keeps its mode and symlink, a new one
    // gets the usual mode (the creator shares it).
    studio_core::replace_with(dest, studio_core::FileMode::KeepOrUmask, |out| {
        std::io::copy(&mut input, out).map(drop)
    })
    .map_err(|e| io(dest, e))
}

/// Connection, workers and backlog for the status bar.
#[tauri::command]
#[specta::specta]
pub async fn health(state: State<'_, AppState>) -> Result<Health, ApiError> {
    Ok(state.studio()?.health().await)
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Result<StudioSettings, ApiError> {
    state.studio()?.settings_view()
}

/// Validates and saves; takes effect at the next start of the studio. A new Temporal address
/// is saved only after the creator confirms it in a native dialog shown by Rust (the page can
/// neither answer nor skip it); declined, nothing is saved.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(
    app: tauri::AppHandle,
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    settings: StudioSettings,
) -> Result<(), ApiError> {
    let studio = state.studio()?;
    // The keyring and the dialog block: off the async runtime's threads.
    tauri::async_runtime::spawn_blocking(move || {
        studio.save_settings(&settings, |ask| {
            use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};
            app.dialog()
                .message(ask.message())
                .title(studio_api::settings_view::AddressConfirmation::TITLE)
                .kind(MessageDialogKind::Warning)
                .buttons(MessageDialogButtons::OkCancelCustom(
                    format!("Use {}", ask.to),
                    "Cancel".into(),
                ))
                .parent(&window)
                .blocking_show()
        })
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
}

/// Connects with the edited settings and says what answered. The Temporal API key goes only
/// to the saved address it was entered for; a new, unsaved address is tested without it.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    settings: StudioSettings,
) -> Result<String, ApiError> {
    state.studio()?.test_connection(&settings).await
}

/// Where keys are kept (OS keyring or the private file, and why) and which are set.
#[tauri::command]
#[specta::specta]
pub async fn get_keys(state: State<'_, AppState>) -> Result<KeysView, ApiError> {
    let studio = state.studio()?;
    // Secret Service calls block on D-Bus: off the async runtime's threads.
    tauri::async_runtime::spawn_blocking(move || studio.keys())
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
}

/// Stores or removes keys (None: unchanged, empty: remove); applies at the next start.
#[tauri::command]
#[specta::specta]
pub async fn save_keys(
    state: State<'_, AppState>,
    update: KeysUpdate,
) -> Result<KeysView, ApiError> {
    let studio = state.studio()?;
    tauri::async_runtime::spawn_blocking(move || studio.save_keys(&update))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
}

/// Entries and size of the artifact cache (Settings).
#[tauri::command]
#[specta::specta]
pub async fn cache_usage(state: State<'_, AppState>) -> Result<CacheView, ApiError> {
    state.studio()?.cache_usage()
}

/// Forgets the cache entries; returns how many there were.
#[tauri::command]
#[specta::specta]
pub async fn clear_cache(state: State<'_, AppState>) -> Result<u32, ApiError> {
    state.studio()?.clear_cache()
}

/// A thumbnail of a clip (a frame at 1 s), as a media URL, for the segment strip.
#[tauri::command]
#[specta::specta]
pub async fn clip_thumbnail(state: State<'_, AppState>, clip: String) -> Result<String, ApiError> {
    let path = state.studio()?.local_file(&clip).await.unwrap_or(clip);
    // Clips are artifacts: nothing outside the store is handed to ffmpeg.
    if !inside(std::path::Path::new(&path), &state.data_dir.artifacts()) {
        return Err(ApiError::new(
            ErrorCode::Rejected,
            format!("{path:?} is not a clip of this studio"),
        ));
    }
    let thumb =
        studio_api::thumbs::video_thumbnail(std::path::Path::new(&path), &state.thumbs_dir())
            .await?;
    state.media_url(&thumb).await
}

// ---------- the character library ----------

/// Characters whose name or prompt contains `query`, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_characters(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<CharacterView>, ApiError> {
    state.studio()?.characters(&query)
}

#[tauri::command]
#[specta::specta]
pub async fn create_character(
    state: State<'_, AppState>,
    name: String,
    base_prompt: String,
    references: Vec<String>,
) -> Result<CharacterView, ApiError> {
    let refs = references
        .iter()
        .map(|r| state.grants.check(r, Access::Read))
        .collect::<Result<Vec<PathBuf>, _>>()?;
    state.studio()?.create_character(&name, &base_prompt, &refs)
}

#[tauri::command]
#[specta::specta]
pub async fn rename_character(
    state: State<'_, AppState>,
    id: String,
    name: String,
) -> Result<CharacterView, ApiError> {
    state.studio()?.rename_character(&id, &name)
}

/// A new prompt drops the angles made from the old one (regenerate them).
#[tauri::command]
#[specta::specta]
pub async fn set_character_prompt(
    state: State<'_, AppState>,
    id: String,
    base_prompt: String,
) -> Result<CharacterView, ApiError> {
    state.studio()?.set_character_prompt(&id, &base_prompt)
}

#[tauri::command]
#[specta::specta]
pub async fn duplicate_character(
    state: State<'_, AppState>,
    id: String,
    name: String,
) -> Result<CharacterView, ApiError> {
    state.studio()?.duplicate_character(&id, &name)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_character(state: State<'_, AppState>, id: String) -> Result<(), ApiError> {
    state.studio()?.delete_character(&id)
}

#[tauri::command]
#[specta::specta]
pub async fn undo_delete_character(
    state: State<'_, AppState>,
    id: String,
) -> Result<CharacterView, ApiError> {
    state.studio()?.undo_delete_character(&id)
}

/// Writes the characters `ids` (all when empty) into one archive; returns how many.
#[tauri::command]
#[specta::specta]
pub async fn export_characters(
    state: State<'_, AppState>,
    ids: Vec<String>,
    path: String,
) -> Result<u32, ApiError> {
    let out = state.grants.check(&path, Access::Write)?;
    state.studio()?.export_characters(&ids, &out)
}

/// Adds an archive's characters; a bad archive is refused and changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn import_characters(
    state: State<'_, AppState>,
    path: String,
) -> Result<Vec<CharacterView>, ApiError> {
    let archive = state.grants.check(&path, Access::Read)?;
    state.studio()?.import_characters(&archive)
}

/// Adds a pasted list (JSON or CSV) and generates the characters' angles as one batch.
#[tauri::command]
#[specta::specta]
pub async fn generate_characters(
    state: State<'_, AppState>,
    list: String,
) -> Result<BatchView, ApiError> {
    state.studio()?.generate_characters(&list).await
}

/// [`generate_characters`] from a CSV or JSON file the creator picked.
#[tauri::command]
#[specta::specta]
pub async fn generate_characters_file(
    state: State<'_, AppState>,
    path: String,
) -> Result<BatchView, ApiError> {
    let file = state.grants.check(&path, Access::Read)?;
    state.studio()?.generate_characters_file(&file).await
}

#[tauri::command]
#[specta::specta]
pub async fn regenerate_angles(
    state: State<'_, AppState>,
    id: String,
) -> Result<BatchView, ApiError> {
    state.studio()?.regenerate_angles(&id).await
}

/// Files what the batch has finished into the library and reports its progress.
#[tauri::command]
#[specta::specta]
pub async fn batch_status(state: State<'_, AppState>, id: String) -> Result<BatchView, ApiError> {
    state.studio()?.sync_batch(&id).await
}

/// How often a watched batch is looked at (its view is pushed only when it changed).
const BATCH_POLL: Duration = Duration::from_secs(1);

/// Streams a batch's view over `on_progress` (only changes) while filing what it finishes into
/// the library, until it ends; returns its last view. The Characters view follows a batch with
/// it, as it follows a job with [`watch_job`].
#[tauri::command]
#[specta::specta]
pub async fn watch_batch(
    state: State<'_, AppState>,
    id: String,
    on_progress: Channel<BatchView>,
) -> Result<BatchView, ApiError> {
    state
        .studio()?
        .watch_batch(&id, BATCH_POLL, |b| {
            let _ = on_progress.send(b.clone());
        })
        .await
}

/// Batches started from this library, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_batches(state: State<'_, AppState>) -> Result<Vec<BatchRecord>, ApiError> {
    state.studio()?.batches()
}
