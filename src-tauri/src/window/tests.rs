//! `window.json` and the preferences in it against real files, and the window lock.

use super::instance::{InstanceError, InstanceLock};
use super::prefs::{prefs, update_prefs, WindowPrefChange, WindowPrefs, WindowView};
use super::store::WindowStore;
use super::{PREFS_KEY, RECENT_KEY};

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
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
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
    let store = WindowStore::reading_with(path.clone(), |_| {
        Err(std::io::Error::from_raw_os_error(5)) // EIO
    });
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
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
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
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
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

/// The story panel's place (open, width) is kept like the editor's width: an older file without
/// it reads the defaults (open, 360 px), and a change of one keeps the other.
#[test]
fn the_story_panel_is_remembered_and_defaults_for_older_files() {
    let old = WindowPrefs::from_stored(serde_json::json!({"editorWidth": 400}));
    assert_eq!((old.story_open, old.story_width), (true, 360));
    let dir = tempfile::tempdir().unwrap();
    let store = WindowStore::new(dir.path().join("window.json"));
    update_prefs(&store, &[WindowPrefChange::StoryWidth(420)]).unwrap();
    let merged = update_prefs(&store, &[WindowPrefChange::StoryOpen(false)]).unwrap();
    assert_eq!((merged.story_open, merged.story_width), (false, 420));
    let sent: Vec<WindowPrefChange> =
        serde_json::from_str(r#"[{"storyOpen": true}, {"storyWidth": 300}]"#).unwrap();
    assert_eq!(
        sent,
        [
            WindowPrefChange::StoryOpen(true),
            WindowPrefChange::StoryWidth(300)
        ]
    );
}

/// The panels' folds are remembered whole, beside the other preferences, and an older file
/// without them opens every panel as the window's size suggests (none named).
#[test]
fn panel_folds_are_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let store = WindowStore::new(dir.path().join("window.json"));
    assert!(prefs(&store).panels.is_empty());
    update_prefs(&store, &[WindowPrefChange::EditorWidth(400)]).unwrap();
    let folds: std::collections::BTreeMap<String, bool> =
        [("cast".to_owned(), true), ("lanes".to_owned(), false)].into();
    let merged = update_prefs(&store, &[WindowPrefChange::Panels(folds.clone())]).unwrap();
    assert_eq!((merged.panels, merged.editor_width), (folds.clone(), 400));
    assert_eq!(
        prefs(&WindowStore::new(dir.path().join("window.json"))).panels,
        folds
    );
    let bad =
        WindowPrefs::from_stored(serde_json::json!({"panels": {"cast": "yes"}, "storyWidth": 300}));
    assert!(bad.panels.is_empty());
    assert_eq!(bad.story_width, 300);
}
