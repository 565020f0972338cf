//! The window's Export (menu File → Export, Ctrl+E): the project's latest finished render
//! delivered at a preset's size into a folder the creator picked in Rust's dialog, with the
//! editor's package on request. One `Studio` call each: the progress comes over a channel
//! (pushed only when it changes), and `cancel_export` stops it by the id every progress
//! message carries.

use studio_api::studio::{ExportOptions, ExportStatus, Exported};
use studio_api::{ApiError, ErrorCode};
use studio_core::Project;
use tauri::ipc::Channel;
use tauri::State;

use crate::files::Access;
use crate::state::AppState;

/// Exports the latest finished render of the project at `path` (`project` as the page holds
/// it) into `out_dir` (picked with the `exportFolder` dialog). Refused with `notRendered` when
/// the project has no finished render and `renderOutdated` when it changed since; ends with
/// `jobCancelled` when cancelled (nothing is then written to the folder).
#[tauri::command]
#[specta::specta]
pub async fn export_film(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    project: Project,
    path: String,
    out_dir: String,
    options: ExportOptions,
    on_progress: Channel<ExportStatus>,
) -> Result<Exported, ApiError> {
    use tauri::Manager;
    // The project must be one this session opened or saved, the folder one the creator picked.
    let path = state.grants.check(&path, Access::Write)?;
    let out = state.grants.check(&out_dir, Access::Write)?;
    // Its references, opened (off the async runtime's threads) as a render opens them.
    let (checked, at) = (project.clone(), path.clone());
    let references = tauri::async_runtime::spawn_blocking(move || {
        app.state::<AppState>()
            .grants
            .references(&checked, Some(&at))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
    .map_err(|problems| {
        studio_api::studio::invalid_references(problems, "need confirming before they are read")
    })?;
    state
        .studio()?
        .export_references(
            &project,
            &path,
            references,
            &out,
            options,
            // Cancelled by `cancel_export`, through the engine.
            std::future::pending::<()>(),
            |s| {
                tracing::debug!(percentage = s.percentage, step = ?s.step, "export progress pushed");
                let _ = on_progress.send(s.clone());
            },
        )
        .await
}

/// Cancels a running export (`id` from its progress): its ffmpeg is killed, and the
/// `export_film` call that started it ends with `jobCancelled`.
#[tauri::command]
#[specta::specta]
pub async fn cancel_export(state: State<'_, AppState>, id: String) -> Result<(), ApiError> {
    state.studio()?.cancel_export(&id).await
}
