//! The grants against real files: what passes, what stays closed, what asks first.

use std::path::{Path, PathBuf};

use studio_api::DataDir;
use studio_core::Project;

use super::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\0";

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn write_project(path: &Path, lead: serde_json::Value, cast: serde_json::Value) {
    let json = serde_json::json!({
        "version": 1,
        "character": {"id": "ava", "name": "Ava", "basePrompt": "a pilot", "referenceImages": lead},
        "cast": cast,
        "scenarios": [{"id": "s1", "prompt": "flies", "durationSeconds": 4}]
    });
    std::fs::write(path, serde_json::to_vec(&json).unwrap()).unwrap();
}

/// The project file as the studio reads it (a file may leave out what has a default).
fn load(path: &Path) -> Project {
    studio_api::Studio::load_project(path).unwrap()
}

/// The creator names `path` as a project (Open) and it is opened: what it names elsewhere.
fn open(g: &Grants, path: &Path) -> Vec<PathBuf> {
    g.grant_picked(FileChoice::OpenProject, path);
    g.open_project(path).unwrap().outside
}

#[test]
fn only_granted_paths_pass_and_views_stay_in_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    std::fs::create_dir_all(data.artifacts()).unwrap();
    let art = data.artifacts().join("a.png");
    std::fs::write(&art, PNG).unwrap();
    let settings = data.root().join("settings.json");
    std::fs::write(&settings, b"{}").unwrap();
    let project_dir = dir.path().join("proj");
    std::fs::create_dir_all(&project_dir).unwrap();
    let project = project_dir.join("p.studio.json");
    write_project(
        &project,
        serde_json::json!(["ref.png"]),
        serde_json::json!([]),
    );
    let reference = project_dir.join("ref.png");
    std::fs::write(&reference, PNG).unwrap();
    let elsewhere = dir.path().join("secret.txt");
    std::fs::write(&elsewhere, b"x").unwrap();

    let g = Grants::default();
    assert_eq!(
        g.check(&s(&project), Access::Read).unwrap_err().code,
        ErrorCode::Rejected
    );
    assert!(open(&g, &project).is_empty());
    assert!(g.check(&s(&project), Access::Write).is_ok());
    assert!(g.check(&s(&elsewhere), Access::Read).is_err());
    // Views: the studio's media, what the project names; nothing else of the data dir.
    assert!(g.check_view(&s(&art), &data).is_ok());
    assert!(g.check_view(&s(&reference), &data).is_ok());
    assert!(g.check_view(&s(&elsewhere), &data).is_err());
    assert!(g.check_view(&s(&settings), &data).is_err());
    // `..` does not climb out of the artifacts or the project's folder.
    let climb = data.artifacts().join("../../secret.txt");
    assert!(g.check_view(&s(&climb), &data).is_err());
    let climb = project_dir.join("../secret.txt");
    assert!(g.check_view(&s(&climb), &data).is_err());
    // Write grants are not read grants.
    let out = dir.path().join("out.mp4");
    g.grant(&out, &[Access::Write]);
    assert!(g.check(&s(&out), Access::Read).is_err());
}

/// A project opened from `~` grants the images it names, not every image around it: one
/// beside it (or in a folder below it) that it does not name is neither shown nor
/// uploaded.
#[test]
fn images_beside_a_project_that_it_does_not_name_stay_closed() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("Downloads")).unwrap();
    let project = home.join("p.studio.json");
    write_project(
        &project,
        serde_json::json!(["ref.png"]),
        serde_json::json!([]),
    );
    std::fs::write(home.join("ref.png"), PNG).unwrap();
    let passport = home.join("Downloads/passport.png");
    std::fs::write(&passport, PNG).unwrap();
    std::fs::write(home.join("beside.png"), PNG).unwrap();

    let g = Grants::default();
    open(&g, &project);
    assert!(g.check_view(&s(&home.join("ref.png")), &data).is_ok());
    assert!(g.check_view(&s(&passport), &data).is_err());
    assert!(g.check_view(&s(&home.join("beside.png")), &data).is_err());
    // The page names an unnamed neighbour in the project it holds: not uploaded.
    let mut edited = load(&project);
    edited
        .character
        .reference_images
        .push("Downloads/passport.png".into());
    let problems = g.references(&edited, Some(&project)).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "character.referenceImages[1]");
}

/// Every character's references go through the one check: a cast member naming a file
/// outside the project's folder (absolute, or through a symlink; a relative one beside the
/// project that leads out does not load at all) is listed for the creator's confirmation
/// and refused until it is given; the references that pass are the files opened by the
/// check.
#[cfg(unix)]
#[test]
fn every_characters_references_outside_the_folder_need_the_creators_consent() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let project_dir = root.join("proj");
    std::fs::create_dir_all(&project_dir).unwrap();
    std::fs::write(project_dir.join("lead.png"), PNG).unwrap();
    let secret = root.join("id_card.png");
    std::fs::write(&secret, PNG).unwrap();
    let other = root.join("other.png");
    std::fs::write(&other, PNG).unwrap();
    let link = root.join("link.png");
    std::os::unix::fs::symlink(&other, &link).unwrap();
    let project_path = project_dir.join("p.studio.json");
    write_project(
        &project_path,
        serde_json::json!(["lead.png"]),
        serde_json::json!([
            {"id": "rex", "name": "Rex", "basePrompt": "a boxer", "referenceImages": [secret]},
            {"id": "mo", "name": "Mo", "basePrompt": "a cook", "referenceImages": [link]},
        ]),
    );
    let project = load(&project_path);
    let g = Grants::default();
    let outside = open(&g, &project_path);
    assert_eq!(outside, [secret.clone(), other.clone()]);
    let problems = g.references(&project, Some(&project_path)).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["cast[0].referenceImages[0]", "cast[1].referenceImages[0]"],
        "{problems:?}"
    );
    assert!(problems[0].message.contains("id_card.png"));
    // The creator allows them (the native dialog): all go, each by its real path.
    for p in &outside {
        g.grant(p, &[Access::Read]);
    }
    let refs = g.references(&project, Some(&project_path)).unwrap();
    let paths: Vec<Vec<PathBuf>> = refs
        .characters()
        .map(|c| c.iter().map(|r| r.path.clone()).collect())
        .collect();
    assert_eq!(
        paths,
        [
            vec![project_dir.join("lead.png")],
            vec![secret],
            vec![other]
        ]
    );
}

/// The music file a project names is read by a render like a reference image: beside the
/// project it is granted on open, elsewhere it waits for the creator's consent.
#[test]
fn a_projects_music_file_is_granted_like_its_references() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let project_dir = root.join("proj");
    std::fs::create_dir_all(&project_dir).unwrap();
    let theme = project_dir.join("theme.wav");
    std::fs::write(&theme, b"RIFF").unwrap();
    let elsewhere = root.join("elsewhere.wav");
    std::fs::write(&elsewhere, b"RIFF").unwrap();
    let project_path = project_dir.join("p.studio.json");
    let write = |file: &Path| {
        let json = serde_json::json!({
            "version": 1,
            "character": {"name": "Ava", "basePrompt": "a pilot", "referenceImages": []},
            "scenarios": [{"id": "s1", "prompt": "flies", "durationSeconds": 4}],
            "music": {"file": file},
        });
        std::fs::write(&project_path, serde_json::to_vec(&json).unwrap()).unwrap();
    };
    write(Path::new("theme.wav"));
    let g = Grants::default();
    assert!(open(&g, &project_path).is_empty());
    assert!(g.check(&s(&theme), Access::Read).is_ok());
    write(&elsewhere);
    let g = Grants::default();
    assert_eq!(open(&g, &project_path), std::slice::from_ref(&elsewhere));
    assert!(g.check(&s(&elsewhere), Access::Read).is_err());
}

/// A project file this session saved names what the page put in it: opening it again
/// grants nothing it names.
#[test]
fn a_project_written_here_grants_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    let project = dir.path().join("p.studio.json");
    write_project(
        &project,
        serde_json::json!(["planted.png"]),
        serde_json::json!([]),
    );
    std::fs::write(dir.path().join("planted.png"), PNG).unwrap();
    let g = Grants::default();
    g.note_written(&project);
    assert!(open(&g, &project).is_empty());
    assert!(g.check(&s(&project), Access::Write).is_ok());
    let planted = dir.path().join("planted.png");
    assert!(g.check_view(&s(&planted), &data).is_err());
}

/// A file picked in Open that is not a project (a `package.json` picked by mistake) is
/// never granted for saving, nor what it names: a save from the page cannot overwrite it.
#[test]
fn a_file_that_does_not_load_as_a_project_is_not_granted_for_saving() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    let package = dir.path().join("package.json");
    let named = serde_json::json!({
        "name": "my-app",
        "character": {"referenceImages": ["logo.png"]}
    });
    std::fs::write(&package, serde_json::to_vec(&named).unwrap()).unwrap();
    std::fs::write(dir.path().join("logo.png"), PNG).unwrap();
    let g = Grants::default();
    g.grant_picked(FileChoice::OpenProject, &package);
    assert!(g.check(&s(&package), Access::Write).is_err());
    assert!(g.open_project(&package).is_err());
    assert!(g.check(&s(&package), Access::Write).is_err());
    assert!(g
        .check_view(&s(&dir.path().join("logo.png")), &data)
        .is_err());
    // Only a file named as a project is opened as one: a picked image is not.
    let image = dir.path().join("logo.png");
    g.grant_picked(FileChoice::ReferenceImages, &image);
    let err = g.open_project(&image).unwrap_err();
    assert_eq!(err.code, ErrorCode::Rejected, "{err}");
}

/// What this session wrote grants nothing it names, but once another program has changed
/// the file, a Reload (the same open as Open) grants what the file names now: its own
/// folder's images at once, and lists those elsewhere for the creator's confirmation.
#[test]
fn a_reload_of_a_file_another_program_changed_grants_what_it_names_now() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let data = DataDir::new(root.join("data"));
    let folder = root.join("proj");
    std::fs::create_dir(&folder).unwrap();
    let project = folder.join("p.studio.json");
    for name in ["mine.png", "planted.png", "theirs.png"] {
        std::fs::write(folder.join(name), PNG).unwrap();
    }
    let far = root.join("far.png");
    std::fs::write(&far, PNG).unwrap();
    write_project(
        &project,
        serde_json::json!(["mine.png"]),
        serde_json::json!([]),
    );
    let g = Grants::default();
    open(&g, &project);
    // The page saves a project naming a file it was never given.
    write_project(
        &project,
        serde_json::json!(["mine.png", "planted.png"]),
        serde_json::json!([]),
    );
    g.note_written(&project);
    assert!(open(&g, &project).is_empty());
    assert!(g
        .check_view(&s(&folder.join("planted.png")), &data)
        .is_err());
    // Another program rewrites it; the conflict dialog's Reload opens it again.
    write_project(
        &project,
        serde_json::json!(["theirs.png"]),
        serde_json::json!([{"id": "rex", "name": "Rex", "basePrompt": "a boxer",
                            "referenceImages": [far]}]),
    );
    let opened = g.open_project(&project).unwrap();
    assert_eq!(opened.outside, std::slice::from_ref(&far));
    assert!(g.check_view(&s(&folder.join("theirs.png")), &data).is_ok());
    assert!(g.check_view(&s(&far), &data).is_err());
    assert!(g
        .check_view(&s(&folder.join("planted.png")), &data)
        .is_err());
    // Once the creator allowed it, a reload asks no more.
    g.grant(&far, &[Access::Read]);
    assert!(g.open_project(&project).unwrap().outside.is_empty());
}

/// A project naming a FIFO as a reference image does not open (it is not an image), and
/// opening it answers at once instead of waiting on the FIFO for a writer.
#[cfg(unix)]
#[test]
fn a_project_naming_a_fifo_is_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.png");
    mkfifo(&fifo);
    let project = dir.path().join("p.studio.json");
    write_project(
        &project,
        serde_json::json!(["pipe.png"]),
        serde_json::json!([]),
    );
    let g = Grants::default();
    g.grant_picked(FileChoice::OpenProject, &project);
    let err = within(&fifo, move || g.open_project(&project).map(drop)).unwrap_err();
    assert!(err.to_string().contains("pipe.png"), "{err}");
}

/// Runs `f` on a thread and waits for it at most 5 s; if it is still waiting (a FIFO
/// opened for reading waits for a writer), a writer comes to free it and the test fails.
#[cfg(unix)]
fn within<T: Send + 'static>(fifo: &Path, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(5)) {
        Ok(v) => v,
        Err(_) => {
            let writer = fifo.to_owned();
            std::thread::spawn(move || std::fs::OpenOptions::new().write(true).open(writer));
            panic!("still waiting after 5 s: the FIFO was opened and blocked");
        }
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A FIFO shown as a thumbnail is refused at once, granted (dropped on the window) or
/// not, instead of holding the thread that opens it until a writer comes.
#[cfg(unix)]
#[test]
fn a_fifo_is_not_opened_for_a_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    let fifo = dir.path().join("pipe.png");
    mkfifo(&fifo);
    let g = std::sync::Arc::new(Grants::default());
    for granted in [false, true] {
        if granted {
            g.grant(&fifo, &[Access::Read]);
        }
        let (g2, path, data) = (g.clone(), s(&fifo), data.clone());
        let err = within(&fifo, move || g2.check_view(&path, &data)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Rejected, "{err}");
        if granted {
            assert!(err.message.contains("FIFO"), "{err}");
        }
    }
}
