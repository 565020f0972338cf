//! The menu bar, with the accelerators every editor has, and the recent projects (Open Recent
//! and the welcome screen's list).

use std::path::Path;

use serde::{Deserialize, Serialize};
use studio_api::{ApiError, ErrorCode};
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder, SubmenuBuilder};
use tauri::{AppHandle, Manager, Wry};
use tauri_specta::Event;

use super::{MAX_RECENT, RECENT_KEY};
use crate::files::Access;
use crate::state::AppState;

/// The menu's "Open Recent" submenu.
const RECENT_MENU: &str = "recent";
const RECENT_ITEM: &str = "recent:";

/// What a menu item (or its accelerator) asks the window to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum MenuAction {
    New,
    /// A new project planned from a story ("New from story").
    NewFromStory,
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

/// The recent projects, newest first (files that no longer exist are left out).
pub fn recent(app: &AppHandle) -> Vec<String> {
    let state = app.state::<AppState>();
    state
        .window_store
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
    if let Err(e) = state.window_store.set(RECENT_KEY, serde_json::json!(list)) {
        tracing::warn!(error = %e, "recent projects not saved");
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
        .item(&item(
            "new-from-story",
            "New from S&tory…",
            Some("CmdOrCtrl+Shift+N"),
        )?)
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
            "new-from-story" => MenuAction::NewFromStory,
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
                // The creator picked it: it may be opened as a project (opening it grants
                // what it names, asking about its outside images).
                app.state::<AppState>()
                    .grants
                    .grant(Path::new(&path), &[Access::Project]);
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
    let state = app.state::<AppState>();
    state.grants.grant(Path::new(&path), &[Access::Project]);
    crate::files::open_project(&app, Path::new(&path)).await
}
