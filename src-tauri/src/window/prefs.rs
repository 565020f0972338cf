//! The window's preferences in `window.json`: read field by field, changed by field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use studio_api::ApiError;
use tauri::{AppHandle, Manager, State};

use super::store::{StoreError, WindowStore};
use super::{store_error, PREFS_KEY};
use crate::state::AppState;

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
    /// The story panel beside the storyboard is open (a project planned from a story shows it).
    pub story_open: bool,
    /// Width of the story panel, in CSS pixels.
    pub story_width: u32,
    /// The panels the creator folded or unfolded (cast, music, storyboard, the sound lanes…),
    /// by name: true open. A panel not named here opens as the window's size suggests.
    pub panels: BTreeMap<String, bool>,
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
            story_open: true,
            story_width: 360,
            panels: BTreeMap::new(),
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
    StoryOpen(bool),
    StoryWidth(u32),
    /// Every panel's remembered fold, whole (the page alone writes it).
    Panels(BTreeMap<String, bool>),
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
