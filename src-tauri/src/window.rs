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
//! from the web view.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use studio_api::{ApiError, ErrorCode};
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder, SubmenuBuilder};
use tauri::{AppHandle, Manager, State, Wry};
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

/// Window-only preferences, saved on change. The page receives them whole and changes them by
/// field ([`WindowPrefChange`]); the stored object is read by [`WindowPrefs::from_stored`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WindowPrefs {
    /// Width of the scene editor panel, in CSS pixels.
    pub editor_width: u32,
    /// Height of the player, in CSS pixels.
    pub player_height: u32,
    /// The view shown last.
    pub last_view: WindowView,
    /// The scene whose editor was open last.
    pub last_scene: Option<String>,
    /// Player volume, 0..=1.
    pub volume: f64,
    pub muted: bool,
}

impl WindowPrefs {
    /// The preferences a stored object holds, field by field: a field it lacks (an older
    /// studio's file) or that this version cannot read (a newer or hand-edited file) keeps its
    /// default, not the whole preferences with it; keys this version does not know are skipped.
    pub fn from_stored(stored: serde_json::Value) -> WindowPrefs {
        let defaults = WindowPrefs::default();
        let Ok(serde_json::Value::Object(mut known)) = serde_json::to_value(&defaults) else {
            return defaults;
        };
        let serde_json::Value::Object(stored) = stored else {
            return defaults;
        };
        for (key, value) in stored {
            if !known.contains_key(&key) {
                continue;
            }
            let mut trial = known.clone();
            trial.insert(key, value);
            if serde_json::from_value::<WindowPrefs>(serde_json::Value::Object(trial.clone()))
                .is_ok()
            {
                known = trial;
            }
        }
        serde_json::from_value(serde_json::Value::Object(known)).unwrap_or(defaults)
    }
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

/// One window preference changed by one part of the window (the storyboard's last view and
/// scene, the editor's width, the player's volume and mute). Each part sends only what it
/// changed, and Rust merges it into the stored preferences under the store's lock
/// ([`update_prefs`]): a part that wrote back the whole preferences it had read at start would
/// undo what another part saved since (the player's volume lost when the storyboard saved the
/// selected scene).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum WindowPrefChange {
    EditorWidth(u32),
    PlayerHeight(u32),
    LastView(WindowView),
    /// The scene whose editor is open (null: none).
    LastScene(Option<String>),
    /// 0..=1; a value outside is clamped.
    Volume(f64),
    Muted(bool),
}

impl WindowPrefChange {
    /// The change as the stored object's key and value (`{"volume": 0.5}`).
    fn entry(&self) -> serde_json::Map<String, serde_json::Value> {
        let clamped = match self {
            WindowPrefChange::Volume(v) => WindowPrefChange::Volume(v.clamp(0.0, 1.0)),
            other => other.clone(),
        };
        match serde_json::to_value(clamped) {
            Ok(serde_json::Value::Object(entry)) => entry,
            // A newtype variant of plain values always serializes as a one-key object.
            _ => Default::default(),
        }
    }
}

/// The stored preferences, or the defaults.
pub fn prefs(store: &WindowStore) -> WindowPrefs {
    store
        .get(PREFS_KEY)
        .map(WindowPrefs::from_stored)
        .unwrap_or_default()
}

/// Merges `changes` into the stored preferences in one read-modify-write under the store's
/// lock, so two parts of the window changing different preferences both keep theirs; keys of
/// a newer studio in the stored object survive. Returns the merged preferences.
pub fn update_prefs(
    store: &WindowStore,
    changes: &[WindowPrefChange],
) -> Result<WindowPrefs, StoreError> {
    let merged = store.update(PREFS_KEY, |stored| {
        let mut object = match stored {
            Some(serde_json::Value::Object(object)) => object,
            _ => Default::default(),
        };
        for change in changes {
            object.extend(change.entry());
        }
        serde_json::Value::Object(object)
    })?;
    Ok(WindowPrefs::from_stored(merged))
}

/// Most recent projects listed.
const MAX_RECENT: usize = 10;
const RECENT_KEY: &str = "recentProjects";
const PREFS_KEY: &str = "prefs";
/// The menu's "Open Recent" submenu.
const RECENT_MENU: &str = "recent";
const RECENT_ITEM: &str = "recent:";

/// `window.json`: the recent projects and the window's preferences, kept as a JSON object so
/// keys a newer studio wrote survive this one's rewrites.
pub struct WindowStore {
    path: PathBuf,
    /// How the file is read (`std::fs::read`; a test makes it fail).
    read: fn(&Path) -> std::io::Result<Vec<u8>>,
    /// Read-modify-write of the file, one at a time; and, once the file could not be read,
    /// this session's values, never written.
    session: Mutex<Session>,
}

#[derive(Default)]
struct Session {
    /// Set when the file exists but could not be read (permissions, an I/O error): writing
    /// would replace the list it holds with only what this session set, so the store is
    /// read-only until the next start, and these values are kept in memory instead.
    read_only: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl WindowStore {
    pub fn new(path: PathBuf) -> Self {
        WindowStore {
            path,
            read: |p| std::fs::read(p),
            session: Mutex::new(Session::default()),
        }
    }

    /// The file's object. A missing file is empty; one that is not a JSON object (a crash of an
    /// older studio mid-write, a bad hand edit) is moved aside to `window.json.bad`, logged,
    /// and the window starts from defaults. One that cannot be read at all is left alone: the
    /// store turns read-only for this session (see [`Session::read_only`]).
    fn load(&self, session: &mut Session) -> serde_json::Map<String, serde_json::Value> {
        if let Some(map) = &session.read_only {
            return map.clone();
        }
        let bytes = match (self.read)(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Default::default(),
            Err(e) => {
                tracing::error!(
                    file = %self.path.display(), error = %e,
                    "window state unreadable: defaults used, and nothing is written to it this session"
                );
                session.read_only = Some(Default::default());
                return Default::default();
            }
        };
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(map)) => map,
            other => {
                let reason = match other {
                    Err(e) => e.to_string(),
                    Ok(_) => "not a JSON object".to_owned(),
                };
                let mut bad = self.path.clone().into_os_string();
                bad.push(".bad");
                let bad = PathBuf::from(bad);
                match std::fs::rename(&self.path, &bad) {
                    Ok(()) => tracing::warn!(
                        file = %self.path.display(), kept = %bad.display(), %reason,
                        "window state corrupt: kept aside, defaults used"
                    ),
                    Err(e) => tracing::warn!(
                        file = %self.path.display(), %reason, error = %e,
                        "window state corrupt and not moved aside: defaults used"
                    ),
                }
                Default::default()
            }
        }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panicking holder leaves at worst a map one key short.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value under `key`, if there is one.
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        let mut session = self.session();
        self.load(&mut session).remove(key)
    }

    /// Sets `key` and replaces the file atomically (temporary file, fsync, rename); a store
    /// that could not read its file keeps the value for this session only.
    pub fn set(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError> {
        self.update(key, |_| value).map(drop)
    }

    /// Replaces the value under `key` with `change` of it (None: no value yet), read and
    /// written under one lock, so concurrent updates of the same key are applied one after the
    /// other and none is lost; the file is replaced as by [`WindowStore::set`]. Returns the new
    /// value.
    pub fn update(
        &self,
        key: &str,
        change: impl FnOnce(Option<serde_json::Value>) -> serde_json::Value,
    ) -> Result<serde_json::Value, StoreError> {
        let mut session = self.session();
        let mut map = self.load(&mut session);
        if let Some(kept) = &mut session.read_only {
            tracing::debug!(key, "window state read-only this session: kept in memory");
            let value = change(kept.remove(key));
            kept.insert(key.to_owned(), value.clone());
            return Ok(value);
        }
        let value = change(map.remove(key));
        map.insert(key.to_owned(), value.clone());
        let mut json = serde_json::to_vec_pretty(&map).expect("a JSON map always serializes");
        json.push(b'\n');
        studio_core::write_atomic(&self.path, &json).map_err(|source| StoreError::Io {
            path: self.path.display().to_string(),
            source,
        })?;
        Ok(value)
    }
}

fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("window state: {e}"))
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

/// The stored window preferences (the defaults for those never saved).
#[tauri::command]
#[specta::specta]
pub async fn window_prefs(app: AppHandle) -> WindowPrefs {
    prefs(&app.state::<AppState>().window_store)
}

/// Saves the preferences one part of the window changed, merged into the stored ones (see
/// [`WindowPrefChange`]); returns them merged.
#[tauri::command]
#[specta::specta]
pub async fn update_window_prefs(
    state: State<'_, AppState>,
    changes: Vec<WindowPrefChange>,
) -> Result<WindowPrefs, ApiError> {
    update_prefs(&state.window_store, &changes).map_err(store_error)
}

/// The example project (a pilot, three scenes and a reference image) copied into the data dir
/// the first time, so autosave edits the creator's copy, never the shipped one. Returns its
/// path, which may be opened like a project the creator picked.
#[tauri::command]
#[specta::specta]
pub async fn open_example(state: State<'_, AppState>) -> Result<String, ApiError> {
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
    state.grants.grant(&path, &[Access::Project]);
    Ok(path.display().to_string())
}

/// One studio window per data dir. The single-instance plugin finds a running window over the
/// D-Bus session and hands it a second start's project; without a session bus (a bare X
/// session, `ssh -X`, some containers) it finds nothing, and a second window would empty the
/// first one's undo trash and start a second worker. This lock, taken before anything touches
/// the data dir, holds in every case: the OS drops it when the process ends, however it ends.
pub struct InstanceLock {
    _file: std::fs::File,
}

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("SmokeTech Studio is already running with the data folder {0}")]
    Running(String),
    #[error("the window lock {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl InstanceLock {
    /// Takes `window.lock` in `data_dir` without waiting.
    pub fn acquire(data_dir: &Path) -> Result<InstanceLock, InstanceError> {
        let path = data_dir.join("window.lock");
        let io = |source| InstanceError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(InstanceLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(InstanceError::Running(data_dir.display().to_string()))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// The title of the dialog a second start shows (and the e2e test looks for).
pub const ALREADY_RUNNING_TITLE: &str = "SmokeTech Studio is already running";

/// A second start that found the first by its lock, not over D-Bus: says so (on stderr and in
/// a native dialog) and exits without a window, having touched nothing in the data dir.
pub fn already_running(app: &AppHandle, error: &InstanceError, project: Option<&Path>) {
    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
    let mut message = format!("{error}. Use the open window");
    if let Some(p) = project {
        message.push_str(&format!(
            " (with no D-Bus session this start cannot hand it {}: open it there)",
            p.display()
        ));
    }
    message.push('.');
    eprintln!("{message}");
    tracing::warn!(%message, "second start: exiting");
    let handle = app.clone();
    app.dialog()
        .message(message)
        .title(ALREADY_RUNNING_TITLE)
        .kind(MessageDialogKind::Info)
        .show(move |_| handle.exit(1));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefs_of_an_older_or_newer_version_keep_what_they_can() {
        let old =
            WindowPrefs::from_stored(serde_json::json!({"editorWidth": 400, "lastView": "scene"}));
        assert_eq!(old.editor_width, 400);
        assert_eq!(old.last_view, WindowView::Scene);
        assert_eq!(old.last_scene, None);
        assert_eq!(old.volume, 1.0);
        let newer = WindowPrefs::from_stored(serde_json::json!({
            "editorWidth": 500, "lastView": "timeline", "muted": true, "volume": "loud",
            "panels": {"left": 3}
        }));
        assert_eq!(newer.editor_width, 500);
        assert_eq!(newer.last_view, WindowView::Storyboard);
        assert_eq!(newer.volume, 1.0);
        assert!(newer.muted);
        assert_eq!(
            WindowPrefs::from_stored(serde_json::json!([1, 2])),
            WindowPrefs::default()
        );
    }

    /// A corrupt `window.json` (a crash of a non-atomic writer) is kept as `.bad`, the window
    /// starts from defaults, and the next save writes a whole file again.
    #[test]
    fn a_corrupt_window_file_is_kept_aside_and_defaults_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.json");
        let torn = br#"{"recentProjects": ["/home/a/p.studio.json"], "pre"#;
        std::fs::write(&path, torn).unwrap();
        let store = WindowStore::new(path.clone());
        assert_eq!(store.get(RECENT_KEY), None);
        assert_eq!(
            std::fs::read(dir.path().join("window.json.bad")).unwrap(),
            torn
        );
        store.set(RECENT_KEY, serde_json::json!(["/p"])).unwrap();
        let saved: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(saved[RECENT_KEY], serde_json::json!(["/p"]));
    }

    /// A `window.json` that exists but cannot be read (an I/O error, not a missing or corrupt
    /// file) is never overwritten: the session's changes stay in memory, and the recent list
    /// in the file survives for the next start.
    #[test]
    fn an_unreadable_window_file_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.json");
        let kept = br#"{"recentProjects": ["/home/a/p.studio.json", "/home/a/q.studio.json"]}"#;
        std::fs::write(&path, kept).unwrap();
        let store = WindowStore {
            read: |_| Err(std::io::Error::from_raw_os_error(5)), // EIO
            ..WindowStore::new(path.clone())
        };
        assert_eq!(store.get(RECENT_KEY), None);
        let prefs = serde_json::to_value(WindowPrefs::default()).unwrap();
        store.set(PREFS_KEY, prefs.clone()).unwrap();
        store.set(RECENT_KEY, serde_json::json!(["/new"])).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            kept,
            "the file was rewritten"
        );
        // This session sees what it set.
        assert_eq!(store.get(PREFS_KEY), Some(prefs));
        assert_eq!(store.get(RECENT_KEY), Some(serde_json::json!(["/new"])));
        assert!(!dir.path().join("window.json.bad").exists());

        // The real read of a `window.json` that is a folder: an error, not a missing file.
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("window.json");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"x").unwrap();
        let store = WindowStore::new(path.clone());
        store.set(RECENT_KEY, serde_json::json!(["/p"])).unwrap();
        assert_eq!(store.get(RECENT_KEY), Some(serde_json::json!(["/p"])));
        assert!(path.join("inside").is_file());
    }

    /// A save replaces the file by rename (a new inode; a reader of the old one still sees it
    /// whole), and keys this version does not know survive it.
    #[cfg(unix)]
    #[test]
    fn window_file_is_replaced_atomically_and_keeps_unknown_keys() {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.json");
        let old = br#"{"recentProjects": ["/a"], "fromANewerStudio": {"x": 1}}"#;
        std::fs::write(&path, old).unwrap();
        let mut reader = std::fs::File::open(&path).unwrap();
        let inode = std::fs::metadata(&path).unwrap().ino();
        let store = WindowStore::new(path.clone());
        store
            .set(
                PREFS_KEY,
                serde_json::to_value(WindowPrefs::default()).unwrap(),
            )
            .unwrap();
        assert_ne!(
            std::fs::metadata(&path).unwrap().ino(),
            inode,
            "replaced in place"
        );
        let mut seen = Vec::new();
        reader.read_to_end(&mut seen).unwrap();
        assert_eq!(seen, old);
        let saved: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(saved["fromANewerStudio"], serde_json::json!({"x": 1}));
        assert_eq!(saved[RECENT_KEY], serde_json::json!(["/a"]));
        assert_eq!(saved[PREFS_KEY]["editorWidth"], 380);
    }

    /// The lost update of issue 29: the storyboard read the prefs at start and, when a scene
    /// was selected, wrote them all back, undoing the volume the player had saved since. Each
    /// part now sends only the fields it changed, merged in Rust: both are kept, in the file.
    #[test]
    fn two_parts_of_the_window_changing_different_prefs_both_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.json");
        let store = WindowStore::new(path.clone());
        // Both parts read the prefs as the window starts.
        let storyboard_read = prefs(&store);
        let player_read = prefs(&store);
        assert_eq!(storyboard_read, player_read);
        // The player saves a new volume and mute...
        let after_player = update_prefs(
            &store,
            &[
                WindowPrefChange::Volume(0.25),
                WindowPrefChange::Muted(true),
            ],
        )
        .unwrap();
        assert_eq!((after_player.volume, after_player.muted), (0.25, true));
        // ...then the storyboard saves the selected scene, from what it read at start.
        let after_storyboard = update_prefs(
            &store,
            &[
                WindowPrefChange::LastView(WindowView::Scene),
                WindowPrefChange::LastScene(Some("second".into())),
            ],
        )
        .unwrap();
        let expected = WindowPrefs {
            last_view: WindowView::Scene,
            last_scene: Some("second".into()),
            volume: 0.25,
            muted: true,
            ..storyboard_read
        };
        assert_eq!(after_storyboard, expected);
        // As the next start reads them.
        assert_eq!(prefs(&WindowStore::new(path)), expected);
    }

    /// Updates racing from many threads (the page's commands run concurrently) are applied one
    /// after the other: every part's last value is stored.
    #[test]
    fn concurrent_updates_of_different_prefs_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.json");
        let store = WindowStore::new(path.clone());
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for w in 300..=340 {
                    update_prefs(&store, &[WindowPrefChange::EditorWidth(w)]).unwrap();
                }
            });
            scope.spawn(|| {
                for h in 200..=240 {
                    update_prefs(&store, &[WindowPrefChange::PlayerHeight(h)]).unwrap();
                }
            });
            scope.spawn(|| {
                for i in 0..=40 {
                    update_prefs(&store, &[WindowPrefChange::Volume(f64::from(i) / 40.0)]).unwrap();
                }
            });
        });
        let saved = prefs(&WindowStore::new(path));
        assert_eq!(
            (saved.editor_width, saved.player_height, saved.volume),
            (340, 240, 1.0)
        );
    }

    /// A change keeps what it does not name, a newer studio's keys included; a volume out of
    /// range is clamped; a scene can be cleared.
    #[test]
    fn a_prefs_update_changes_only_its_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.json");
        std::fs::write(
            &path,
            br#"{"prefs": {"editorWidth": 500, "lastScene": "a", "fromANewerStudio": 7}}"#,
        )
        .unwrap();
        let store = WindowStore::new(path.clone());
        let merged = update_prefs(&store, &[WindowPrefChange::Volume(3.0)]).unwrap();
        assert_eq!(
            (
                merged.editor_width,
                merged.last_scene.as_deref(),
                merged.volume
            ),
            (500, Some("a"), 1.0)
        );
        let merged = update_prefs(&store, &[WindowPrefChange::LastScene(None)]).unwrap();
        assert_eq!(merged.last_scene, None);
        let saved: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(saved[PREFS_KEY]["fromANewerStudio"], 7);
        // What the page sends: one key per change.
        let sent: Vec<WindowPrefChange> =
            serde_json::from_str(r#"[{"lastView": "characters"}, {"muted": true}]"#).unwrap();
        assert_eq!(
            sent,
            [
                WindowPrefChange::LastView(WindowView::Characters),
                WindowPrefChange::Muted(true)
            ]
        );
    }

    /// One lock holder per data dir: a second acquisition (another open file, as another
    /// process would have) is refused while the first holds, and succeeds once it is gone.
    #[test]
    fn the_window_lock_admits_one_instance() {
        let dir = tempfile::tempdir().unwrap();
        let first = InstanceLock::acquire(dir.path()).unwrap();
        let second = InstanceLock::acquire(dir.path());
        assert!(
            matches!(second, Err(InstanceError::Running(_))),
            "a second instance got the lock"
        );
        drop(first);
        assert!(InstanceLock::acquire(dir.path()).is_ok());
    }
}
