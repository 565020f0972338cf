//! The window's story commands ("New from story", the story panel, the scene editor's prompt
//! preview): one `Studio` call each, like every command. A story file is opened by Rust, in a
//! dialog Rust shows, and only its text reaches the page: the page never names a story file.

use serde::{Deserialize, Serialize};
use studio_api::{
    ApiError, ErrorCode, PlanEstimate, PlanIssue, PlanOutcome, PlanStoryRequest, PlannerChoice,
    ReplanOutcome, Studio,
};
use studio_core::{Project, Story};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::state::AppState;

/// A story file the creator picked: its name (for the window to show) and its text, read by
/// Rust. The path stays in Rust.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StoryFile {
    pub name: String,
    pub story: Story,
}

/// Plans a story into a project (offline in place; with the text model as a durable job whose
/// cost was shown first), checked against the story and matched to the library.
#[tauri::command]
#[specta::specta]
pub async fn plan_story(
    state: State<'_, AppState>,
    request: PlanStoryRequest,
) -> Result<PlanOutcome, ApiError> {
    state.studio()?.plan_story(request).await
}

/// What planning `story` with `planner` would cost, before anything is paid.
#[tauri::command]
#[specta::specta]
pub async fn plan_estimate(
    state: State<'_, AppState>,
    story: Story,
    planner: PlannerChoice,
) -> Result<PlanEstimate, ApiError> {
    state.studio()?.plan_estimate(&story, planner)
}

/// The edited `story` planned again for `project`: a proposal (and its changes), not applied.
#[tauri::command]
#[specta::specta]
pub async fn replan_story(
    state: State<'_, AppState>,
    project: Project,
    story: Story,
) -> Result<ReplanOutcome, ApiError> {
    state.studio()?.replan_story(&project, story)
}

/// Every way the project's shots are not faithful to its story.
#[tauri::command]
#[specta::specta]
pub async fn check_plan(project: Project) -> Vec<PlanIssue> {
    Studio::check_plan(&project)
}

/// The exact prompt a render sends for the scene `scene_id`.
#[tauri::command]
#[specta::specta]
pub async fn video_prompt(project: Project, scene_id: String) -> Result<String, ApiError> {
    Studio::video_prompt(&project, &scene_id)
}

/// The images a render generated for one of its elements (a location's establishing wide and
/// reverse, a prop's views), as media URLs for the window to show.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedImages {
    /// The element's id in the project.
    pub id: String,
    pub urls: Vec<String>,
}

/// The images job `id` generated for the elements that came with none (empty for a job that
/// made none, or made before elements existed). An image no longer on this machine is left out.
#[tauri::command]
#[specta::specta]
pub async fn job_element_images(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<GeneratedImages>, ApiError> {
    let studio = state.studio()?;
    let result = studio.result(&id).await?;
    let mut out = Vec::with_capacity(result.element_images.len());
    for made in result.element_images {
        let mut urls = Vec::with_capacity(made.images.len());
        for uri in &made.images {
            let Some(path) = studio.local_file(uri).await else {
                tracing::debug!(%uri, "a generated element image is not on this machine");
                continue;
            };
            // Artifacts only: the media server serves nothing else.
            if let Ok(url) = state.media_url(std::path::Path::new(&path)).await {
                urls.push(url);
            }
        }
        out.push(GeneratedImages { id: made.id, urls });
    }
    Ok(out)
}

/// Shows the Open dialog for a story (plain text or Fountain) and reads the file picked, in
/// Rust; None when the creator cancels.
#[tauri::command]
#[specta::specta]
pub async fn open_story_file(app: AppHandle) -> Result<Option<StoryFile>, ApiError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("Story or screenplay", &["txt", "fountain", "spmd", "md"])
        .add_filter("All files", &["*"])
        .pick_file(move |p| {
            let _ = tx.send(p.and_then(|p| p.into_path().ok()));
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    // A large file and a slow disk: off the async runtime's threads.
    tauri::async_runtime::spawn_blocking(move || {
        let story = studio_api::read_story(&path)?;
        let name = (path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        tracing::debug!(%name, chars = story.text.chars().count(), "story file read");
        Ok(Some(StoryFile { name, story }))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
}
