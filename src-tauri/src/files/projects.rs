//! Opening a project the creator named: its file read once (a regular file, bounded), what it
//! names listed, and the creator asked about images outside its folder.

use std::io::Read;
use std::path::{Path, PathBuf};

use studio_api::references::open_regular;
use studio_api::{ApiError, ErrorCode};
use studio_core::Project;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use super::Access;
use crate::state::AppState;

/// The largest project file read to list what it names (as large as a project may be).
const MAX_PROJECT_BYTES: u64 = 16 * 1024 * 1024;

/// The bytes of the project file at `path` (a regular file, opened without waiting), at most
/// [`MAX_PROJECT_BYTES`] of them.
pub(super) fn read_project_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let real = std::fs::canonicalize(path)?;
    let file = open_regular(&real).map_err(std::io::Error::other)?;
    let mut bytes = Vec::new();
    file.take(MAX_PROJECT_BYTES).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The reference images (and the music file) the project file at `project_file`, read as
/// `bytes`, names, resolved
/// (symlinks and `..` followed): those inside the project's own folder, and those elsewhere.
/// Files that do not exist are left out (the project check names them); bytes that are not
/// JSON name nothing.
pub(super) fn named_references(project_file: &Path, bytes: &[u8]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return (Vec::new(), Vec::new());
    };
    let Some(folder) = project_file
        .parent()
        .and_then(|d| std::fs::canonicalize(d).ok())
    else {
        return (Vec::new(), Vec::new());
    };
    let characters = std::iter::once(&value["character"])
        .chain(value["cast"].as_array().into_iter().flatten())
        // A library character's images come from the library; its paths are not read.
        .filter(|c| c.get("libraryId").is_none_or(|id| id.is_null()));
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    // The characters' reference images, and the music file a render reads (issue 31).
    let named = characters
        .flat_map(|c| c["referenceImages"].as_array().into_iter().flatten())
        .chain(std::iter::once(&value["music"]["file"]));
    for r in named {
        let Some(r) = r.as_str() else { continue };
        let Ok(real) = std::fs::canonicalize(folder.join(r)) else {
            continue;
        };
        let list = if real.starts_with(&folder) {
            &mut inside
        } else {
            &mut outside
        };
        if !list.contains(&real) {
            list.push(real);
        }
    }
    (inside, outside)
}

/// Opens a project the creator named (the Open dialog, the recent list, the command line, a
/// second start, the example), and again on Reload after a conflict: every open of a project
/// goes through here. Loaded as a project, it may be saved back, the reference images it
/// names in its own folder may be shown and uploaded, and those elsewhere on the disk too once
/// the creator allows them in a native dialog listing them. A file whose content this session
/// wrote grants nothing beyond itself (the page wrote what it names); one that does not load
/// grants nothing.
pub async fn open_project(app: &AppHandle, path: &Path) -> Result<Project, ApiError> {
    let handle = app.clone();
    let file = path.to_owned();
    let opened = tauri::async_runtime::spawn_blocking(move || {
        handle.state::<AppState>().grants.open_project(&file)
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    let outside = opened.outside;
    if !outside.is_empty() {
        if ask_outside(app, path, &outside).await {
            tracing::info!(project = %path.display(), files = outside.len(), "references outside the project allowed");
            let state = app.state::<AppState>();
            for p in &outside {
                state.grants.grant(p, &[Access::Read]);
            }
        } else {
            tracing::info!(project = %path.display(), files = outside.len(), "references outside the project not allowed");
        }
    }
    crate::window::note_recent(app, path);
    Ok(opened.project)
}

/// Asks the creator, in a native dialog, whether the files a project names outside its folder
/// may be shown and uploaded; false when refused or closed.
async fn ask_outside(app: &AppHandle, project: &Path, outside: &[PathBuf]) -> bool {
    const SHOWN: usize = 8;
    let mut list: Vec<String> = outside
        .iter()
        .take(SHOWN)
        .map(|p| format!("  {}", p.display()))
        .collect();
    if outside.len() > SHOWN {
        list.push(format!("  … and {} more", outside.len() - SHOWN));
    }
    let name = project
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| project.display().to_string());
    let message = format!(
        "{name} uses {} reference image(s) outside its folder:\n\n{}\n\nAllow the studio to show \
         them and upload them to the video service when you render?",
        outside.len(),
        list.join("\n")
    );
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .message(message)
        .title("Images outside the project's folder")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            "Allow".into(),
            "Don't allow".into(),
        ));
    if let Some(w) = app.get_webview_window("main") {
        dialog = dialog.parent(&w);
    }
    dialog.show(move |allowed| {
        let _ = tx.send(allowed);
    });
    rx.await.unwrap_or(false)
}
