//! The desktop habits of the window: a native menu bar with the accelerators every editor has,
//! recent projects, window-only preferences (in `window.json`), and the example project.
//!
//! Settings shared with the CLI and workers stay in the studio's own locked settings file; what
//! lives here is only this window's (panel sizes, last view, volume, recent files). The file
//! sits in the studio's data dir, so a test's data dir keeps its window state apart. It is
//! replaced atomically (a crash mid-write leaves the old list, never half a file), and one that
//! cannot be read is kept as `window.json.bad` and the window starts from defaults.
//!
//! Recent projects are kept by Rust, never sent in by the page: opening one grants the path
//! (the creator picked it from the menu or the welcome list), so the list must not be writable
//! from the web view. Commands here: the example project, revealing a video, the Web UI.
//!
//! [`store`] is `window.json`; [`prefs`] the preferences in it; [`menu`] the menu bar and the
//! recent projects; [`instance`] the one window per data dir.

pub mod instance;
pub mod menu;
pub mod prefs;
pub mod store;
#[cfg(test)]
mod tests;

use studio_api::{ApiError, ErrorCode};
use tauri::{AppHandle, State};

use crate::files::Access;
use crate::state::AppState;

pub use instance::{already_running, InstanceError, InstanceLock};
pub use menu::{install_menu, note_recent, MenuEvent};
pub use store::WindowStore;

/// Most recent projects listed.
const MAX_RECENT: usize = 10;
const RECENT_KEY: &str = "recentProjects";
const PREFS_KEY: &str = "prefs";

fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("window state: {e}"))
}

/// The example project (a pilot, three scenes and a reference image) copied into the data dir
/// the first time, so autosave edits the creator's copy, never the shipped one. Returns its
/// path, which may be opened like a project the creator picked.
#[tauri::command]
#[specta::specta]
pub async fn open_example(state: State<'_, AppState>) -> Result<String, ApiError> {
    const PROJECT: &str = include_str!("../../../examples/pilot/pilot.studio.json");
    const REFERENCE: &[u8] = include_bytes!("../../../examples/pilot/reference.png");
    let dir = state.data_dir.root().join("examples/pilot");
    let path = dir.join("pilot.studio.json");
    if !path.exists() {
        let io =
            |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(&dir).map_err(io)?;
        studio_core::write_atomic(&dir.join("reference.png"), REFERENCE).map_err(io)?;
        studio_core::write_atomic(&path, PROJECT.as_bytes()).map_err(io)?;
    }
    state.grants.grant(&path, &[Access::Project]);
    Ok(path.display().to_string())
}

/// Shows a finished video in the file manager: only a file among the studio's artifacts (the
/// page names it; nothing else on the disk is revealed).
#[tauri::command]
#[specta::specta]
pub async fn reveal_video(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<(), ApiError> {
    let real = std::fs::canonicalize(&path)
        .ok()
        .filter(|p| p.is_file() && crate::files::inside(p, &state.data_dir.artifacts()));
    let Some(real) = real else {
        return Err(ApiError::new(
            ErrorCode::Rejected,
            format!("{path:?} is not a video of this studio"),
        ));
    };
    use tauri_plugin_opener::OpenerExt;
    // It waits on D-Bus or a file manager: off the async runtime's threads.
    tauri::async_runtime::spawn_blocking(move || app.opener().reveal_item_in_dir(real))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot show the file: {e}")))
}

/// Opens a job in the Temporal Web UI of the server this studio runs: the URL is made here
/// from the server's port (known only at run time), never taken from the page.
#[tauri::command]
#[specta::specta]
pub async fn open_web_ui(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> Result<(), ApiError> {
    let segment: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let url = state
        .studio()?
        .web_ui_url(&segment)
        .and_then(|u| url::Url::parse(&u).ok())
        .filter(|u| u.scheme() == "http" && u.host_str() == Some("127.0.0.1"))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                "no local Temporal Web UI: the studio did not start the server",
            )
        })?;
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot open the browser: {e}")))
}
