//! The file pickers, opened by Rust so a path comes from the creator, never from the page.

use std::path::{Path, PathBuf};

use studio_api::ApiError;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use super::FileChoice;
use crate::state::AppState;

/// Opens the dialog for `choice` (in Rust, so the path comes from the creator, not the page),
/// grants what was picked, and returns it (empty when cancelled).
#[tauri::command]
#[specta::specta]
pub async fn choose_files(
    app: AppHandle,
    state: State<'_, AppState>,
    choice: FileChoice,
    suggested_name: Option<String>,
) -> Result<Vec<String>, ApiError> {
    let mut dialog = app.dialog().file();
    let (filter, exts): (&str, &[&str]) = match choice {
        FileChoice::OpenProject | FileChoice::SaveProject => ("Studio project", &["json"]),
        FileChoice::ReferenceImages => ("Images", &["png", "jpg", "jpeg", "webp"]),
        FileChoice::CharacterList => ("Character list", &["csv", "json", "txt"]),
        FileChoice::ImportCharacters | FileChoice::ExportCharacters => {
            ("Character archive", &["tar"])
        }
        FileChoice::ExportVideo => ("MP4 video", &["mp4"]),
        // A folder: no filter applies.
        FileChoice::ExportFolder => ("Folder", &[]),
        FileChoice::MusicFile => (
            "Music",
            &["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"],
        ),
    };
    if !exts.is_empty() {
        dialog = dialog.add_filter(filter, exts);
    }
    if let Some(name) = suggested_name {
        // A file name only: the page does not pick the folder.
        if let Some(name) = Path::new(&name).file_name() {
            dialog = dialog.set_file_name(name.to_string_lossy());
        }
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<Vec<PathBuf>>();
    let one = move |p: Option<tauri_plugin_dialog::FilePath>| {
        let _ = tx.send(p.and_then(|p| p.into_path().ok()).into_iter().collect());
    };
    match choice {
        FileChoice::ReferenceImages => {
            let (tx, rx2) = tokio::sync::oneshot::channel::<Vec<PathBuf>>();
            dialog.pick_files(move |p| {
                let paths = p.unwrap_or_default().into_iter();
                let _ = tx.send(paths.filter_map(|p| p.into_path().ok()).collect());
            });
            drop(one);
            let picked = rx2.await.unwrap_or_default();
            for p in &picked {
                state.grants.grant_picked(choice, p);
            }
            return Ok(picked.iter().map(|p| p.display().to_string()).collect());
        }
        FileChoice::OpenProject
        | FileChoice::CharacterList
        | FileChoice::ImportCharacters
        | FileChoice::MusicFile => dialog.pick_file(one),
        FileChoice::SaveProject | FileChoice::ExportCharacters | FileChoice::ExportVideo => {
            dialog.save_file(one)
        }
        FileChoice::ExportFolder => dialog.pick_folder(one),
    }
    let picked = rx.await.unwrap_or_default();
    for p in &picked {
        // An opened project may only be opened until it loads (see `Grants::open_project`).
        state.grants.grant_picked(choice, p);
        if choice == FileChoice::SaveProject {
            crate::window::note_recent(&app, p);
        }
    }
    Ok(picked.iter().map(|p| p.display().to_string()).collect())
}
