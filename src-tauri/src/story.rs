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
