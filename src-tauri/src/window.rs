//! The desktop habits of the window: a native menu bar with the accelerators every editor has,
//! recent projects, window-only preferences (in `tauri-plugin-store`), and the example project.
//!
//! Settings shared with the CLI and workers stay in the studio's own locked settings file; what
//! lives here is only this window's (panel sizes, last view, volume, recent files). The store
//! file sits in the studio's data dir, so a test's data dir keeps its window state apart.
//!
//! Recent projects are kept by Rust, never sent in by the page: opening one grants the path
//! (the creator picked it from the menu or the welcome list), so the list must not be writable
//! from the web view.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_api::{ApiError, ErrorCode};
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder, SubmenuBuilder};
use tauri::{AppHandle, Manager, State, Wry};
use tauri_plugin_store::StoreExt;
use tauri_specta::Event;

use crate::files::Access;
use crate::state::AppState;

/// What a menu item (or its accelerator) asks the window to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum MenuAction {
    New,
    Open,
    /// A recent project, already granted: open it.
    OpenRecent {
        path: String,
    },
    Save,
    SaveAs,
    Export,
    Close,
    Undo,
    Redo,
    Render,
    Preferences,
    Help,
}

/// Sent to the window when the creator picks a menu item.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct MenuEvent {
    pub action: MenuAction,
}

/// The view the window showed last; the next start reopens it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum WindowView {
    #[default]
    Storyboard,
    /// A scene's editor: the same scene when the opened project has it, else its first.
    Scene,
    /// The character library.
    Characters,
}

/// A value the store holds that this version cannot read (a newer or hand-edited file) falls
/// back to its default, not the whole preferences with it.
fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

/// Window-only preferences, saved on change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct WindowPrefs {
    /// Width of the scene editor panel, in CSS pixels.
    pub editor_width: u32,
    /// Height of the player, in CSS pixels.
    pub player_height: u32,
    /// The view shown last.
    #[serde(deserialize_with = "or_default")]
    #[specta(type = WindowView)]
    pub last_view: WindowView,
    /// The scene whose editor was open last.
    pub last_scene: Option<String>,
    /// Player volume, 0..=1.
    pub volume: f64,
    pub muted: bool,
}

impl Default for WindowPrefs {
    fn default() -> Self {
        WindowPrefs {
            editor_width: 380,
            player_height: 360,
            last_view: WindowView::Storyboard,
            last_scene: None,
            volume: 1.0,
            muted: false,
        }
    }
}

/// Most recent projects listed.
const MAX_RECENT: usize = 10;
const RECENT_KEY: &str = "recentProjects";
const PREFS_KEY: &str = "prefs";
/// The menu's "Open Recent" submenu.
const RECENT_MENU: &str = "recent";
const RECENT_ITEM: &str = "recent:";

fn store_path(state: &AppState) -> PathBuf {
    state.data_dir.root().join("window.json")
}

fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("window state: {e}"))
}

/// The recent projects, newest first (files that no longer exist are left out).
pub fn recent(app: &AppHandle) -> Vec<String> {
    let state = app.state::<AppState>();
    let Ok(store) = app.store(store_path(&state)) else {
        return Vec::new();
    };
    store
        .get(RECENT_KEY)
        .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| Path::new(p).is_file())
        .take(MAX_RECENT)
        .collect()
}

/// Puts `path` first among the recent projects and updates the menu. A failure costs only the
/// list, never the open or save that called it.
pub fn note_recent(app: &AppHandle, path: &Path) {
    let Ok(path) = std::path::absolute(path) else {
        return;
    };
    let path = path.display().to_string();
    let mut list = recent(app);
    list.retain(|p| *p != path);
    list.insert(0, path);
    list.truncate(MAX_RECENT);
    let state = app.state::<AppState>();
    match app.store(store_path(&state)) {
        Ok(store) => {
            store.set(RECENT_KEY, serde_json::json!(list));
            if let Err(e) = store.save() {
                tracing::warn!(error = %e, "recent projects not saved");
            }
        }
        Err(e) => tracing::warn!(error = %e, "recent projects not saved"),
    }
    if let Err(e) = fill_recent_menu(app, &list) {
        tracing::warn!(error = %e, "Open Recent menu not updated");
    }
}

/// The menu bar: File, Edit, Project, Help, with the usual accelerators.
pub fn build_menu(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    let item = |id: &str, text: &str, accel: Option<&str>| {
        let b = MenuItemBuilder::with_id(id, text);
        match accel {
            Some(a) => b.accelerator(a).build(app),
            None => b.build(app),
        }
    };
    let recent = SubmenuBuilder::with_id(app, RECENT_MENU, "Open &Recent").build()?;
    let file = SubmenuBuilder::new(app, "&File")
        .item(&item("new", "&New Project", Some("CmdOrCtrl+N"))?)
        .item(&item("open", "&Open…", Some("CmdOrCtrl+O"))?)
        .item(&recent)
        .separator()
        .item(&item("save", "&Save", Some("CmdOrCtrl+S"))?)
        .item(&item("save-as", "Save &As…", Some("CmdOrCtrl+Shift+S"))?)
        .item(&item("export", "&Export Video…", Some("CmdOrCtrl+E"))?)
        .separator()
        .item(&item("close", "&Close Window", Some("CmdOrCtrl+W"))?)
        .build()?;
    let edit = SubmenuBuilder::new(app, "&Edit")
        .item(&item("undo", "&Undo", Some("CmdOrCtrl+Z"))?)
        .item(&item("redo", "&Redo", Some("CmdOrCtrl+Shift+Z"))?)
        .separator()
        .item(&item("preferences", "&Preferences…", Some("CmdOrCtrl+,"))?)
        .build()?;
    let project = SubmenuBuilder::new(app, "&Project")
        .item(&item("render", "&Render", Some("CmdOrCtrl+R"))?)
        .build()?;
    let help = SubmenuBuilder::new(app, "&Help")
        .item(&item("help", "SmokeTech Studio &Help", Some("F1"))?)
        .build()?;
    MenuBuilder::new(app)
        .items(&[&file, &edit, &project, &help])
        .build()
}

/// Rebuilds "Open Recent" from `list`.
fn fill_recent_menu(app: &AppHandle, list: &[String]) -> tauri::Result<()> {
    let Some(menu) = app.menu() else {
        return Ok(());
    };
    let Some(submenu) = menu.get(RECENT_MENU).and_then(|k| k.as_submenu().cloned()) else {
        return Ok(());
    };
    for old in submenu.items()? {
        submenu.remove(&old)?;
    }
    if list.is_empty() {
        let none = MenuItemBuilder::with_id("recent-none", "No recent projects")
            .enabled(false)
            .build(app)?;
        submenu.append(&none)?;
    }
    for (i, path) in list.iter().enumerate() {
        let label = Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.clone());
        let entry = MenuItemBuilder::with_id(format!("{RECENT_ITEM}{i}"), label).build(app)?;
        submenu.append(&entry)?;
    }
    Ok(())
}

/// Installs the menu and sends its picks to the window as [`MenuEvent`]s.
pub fn install_menu(app: &AppHandle) -> tauri::Result<()> {
    app.set_menu(build_menu(app)?)?;
    fill_recent_menu(app, &recent(app))?;
    app.on_menu_event(|app, event| {
        let id = event.id().as_ref();
        let action = match id {
            "new" => MenuAction::New,
            "open" => MenuAction::Open,
            "save" => MenuAction::Save,
            "save-as" => MenuAction::SaveAs,
            "export" => MenuAction::Export,
            "close" => MenuAction::Close,
            "undo" => MenuAction::Undo,
            "redo" => MenuAction::Redo,
            "render" => MenuAction::Render,
            "preferences" => MenuAction::Preferences,
            "help" => MenuAction::Help,
            other => {
                let Some(path) = other
                    .strip_prefix(RECENT_ITEM)
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| recent(app).into_iter().nth(i))
                else {
                    return;
                };
                grant_project(app, Path::new(&path));
                MenuAction::OpenRecent { path }
            }
        };
        tracing::debug!(?action, "menu");
        if let Err(e) = (MenuEvent { action }).emit(app) {
            tracing::warn!(error = %e, "menu event not sent");
        }
    });
    Ok(())
}

/// A project the creator picked: it may be read, saved back, and its images shown.
fn grant_project(app: &AppHandle, path: &Path) {
    app.state::<AppState>()
        .grants
        .grant(path, &[Access::Read, Access::Write, Access::Project]);
}

/// The recent projects, newest first, for the welcome screen.
#[tauri::command]
#[specta::specta]
pub async fn recent_projects(app: AppHandle) -> Vec<String> {
    recent(&app)
}

/// Opens a project from the recent list (the welcome screen's pick): only a path on the list
/// is granted.
#[tauri::command]
#[specta::specta]
pub async fn open_recent(app: AppHandle, path: String) -> Result<studio_core::Project, ApiError> {
    if !recent(&app).contains(&path) {
        return Err(ApiError::new(
            ErrorCode::Rejected,
            format!("{path:?} is not a recent project"),
        ));
    }
    grant_project(&app, Path::new(&path));
    let project = studio_api::Studio::load_project(Path::new(&path))?;
    note_recent(&app, Path::new(&path));
    Ok(project)
}

#[tauri::command]
#[specta::specta]
pub async fn window_prefs(app: AppHandle) -> WindowPrefs {
    let state = app.state::<AppState>();
    app.store(store_path(&state))
        .ok()
        .and_then(|s| s.get(PREFS_KEY))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

#[tauri::command]
#[specta::specta]
pub async fn save_window_prefs(
    app: AppHandle,
    state: State<'_, AppState>,
    prefs: WindowPrefs,
) -> Result<(), ApiError> {
    let store = app.store(store_path(&state)).map_err(store_error)?;
    store.set(
        PREFS_KEY,
        serde_json::to_value(&prefs).map_err(store_error)?,
    );
    store.save().map_err(store_error)
}

/// The example project (a pilot, three scenes and a reference image) copied into the data dir
/// the first time, so autosave edits the creator's copy, never the shipped one. Returns its
/// path, granted like a project the creator opened.
#[tauri::command]
#[specta::specta]
pub async fn open_example(app: AppHandle, state: State<'_, AppState>) -> Result<String, ApiError> {
    const PROJECT: &str = include_str!("../../examples/pilot/pilot.studio.json");
    const REFERENCE: &[u8] = include_bytes!("../../examples/pilot/reference.png");
    let dir = state.data_dir.root().join("examples/pilot");
    let path = dir.join("pilot.studio.json");
    if !path.exists() {
        let io =
            |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(&dir).map_err(io)?;
        studio_core::write_atomic(&dir.join("reference.png"), REFERENCE).map_err(io)?;
        studio_core::write_atomic(&path, PROJECT.as_bytes()).map_err(io)?;
    }
    grant_project(&app, &path);
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefs_of_an_older_or_newer_version_keep_what_they_can() {
        let old: WindowPrefs =
            serde_json::from_str(r#"{"editorWidth": 400, "lastView": "scene"}"#).unwrap();
        assert_eq!(old.editor_width, 400);
        assert_eq!(old.last_view, WindowView::Scene);
        assert_eq!(old.last_scene, None);
        let newer: WindowPrefs =
            serde_json::from_str(r#"{"editorWidth": 500, "lastView": "timeline", "muted": true}"#)
                .unwrap();
        assert_eq!(newer.editor_width, 500);
        assert_eq!(newer.last_view, WindowView::Storyboard);
        assert!(newer.muted);
    }
}
