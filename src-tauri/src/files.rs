//! Paths from the web view are untrusted: a compromised or buggy page must not read, overwrite
//! or upload any file it names. Files the creator picks are picked in dialogs the Rust side
//! opens ([`choose_files`]), and each pick is granted for what it was picked for (read, write,
//! open as a project) for this session; dropped files are granted too. A project the creator
//! names (a dialog, the recent list, the command line, a second start, the example) may be
//! opened; once it has loaded as a project, it may be saved back, and the reference images it
//! names are granted: those in its own folder at once, any elsewhere only once the creator
//! allows them in a native dialog ([`open_project`]). Nothing else beside a project is
//! granted: a project opened from `~` does not expose the images around it. Commands that take
//! a path accept only a granted one, or (for display) one inside the studio's own media
//! folders.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use studio_api::references::{open_allowed, open_regular, OpenError};
use studio_api::{ApiError, DataDir, ErrorCode, FieldProblem, References, Studio};
use studio_core::Project;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::state::AppState;

/// What the creator is choosing a file for: decides the dialog and what the path may be used
/// for afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum FileChoice {
    OpenProject,
    SaveProject,
    ReferenceImages,
    CharacterList,
    ImportCharacters,
    ExportCharacters,
    ExportVideo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    Write,
    /// May be opened as a project ([`Grants::open_project`]): the creator named it as one. Its
    /// read and write grants, and those of what it names, come only once it has loaded.
    Project,
}

/// The largest project file read to list what it names (as large as a project may be).
const MAX_PROJECT_BYTES: u64 = 16 * 1024 * 1024;

/// The paths this window session may use, and how.
#[derive(Default)]
pub struct Grants {
    paths: Mutex<HashSet<(PathBuf, Access)>>,
    /// The SHA-256 of every project file content this session wrote (Save): what such a file
    /// names came from the page, so opening it again grants nothing it names. Keyed by content,
    /// not path: once another program has changed the file (a Reload after a conflict), what
    /// it names now is the creator's again, and goes through the usual grant and question.
    written: Mutex<HashSet<[u8; 32]>>,
}

/// What [`Grants::open_project`] loaded and what it left for the creator to confirm.
#[derive(Debug)]
pub struct OpenedProject {
    pub project: Project,
    /// Reference images it names outside its own folder, not granted yet.
    pub outside: Vec<PathBuf>,
}

/// `path` made absolute, and its canonical form (symlinks resolved) when it exists: a grant
/// holds under both, and a check matches either.
fn forms(path: &Path) -> Vec<PathBuf> {
    let mut forms = Vec::with_capacity(2);
    if let Ok(abs) = std::path::absolute(path) {
        forms.push(abs);
    }
    if let Ok(real) = std::fs::canonicalize(path) {
        if !forms.contains(&real) {
            forms.push(real);
        }
    }
    forms
}

impl Grants {
    pub fn grant(&self, path: &Path, access: &[Access]) {
        let forms = forms(path);
        let mut set = self.paths.lock().unwrap_or_else(|p| p.into_inner());
        for form in forms {
            for a in access {
                set.insert((form.clone(), *a));
            }
        }
    }

    fn revoke(&self, path: &Path, access: Access) {
        let forms = forms(path);
        let mut set = self.paths.lock().unwrap_or_else(|p| p.into_inner());
        for form in forms {
            set.remove(&(form, access));
        }
    }

    fn has(&self, path: &Path, access: Access) -> bool {
        let forms = forms(path);
        let set = self.paths.lock().unwrap_or_else(|p| p.into_inner());
        forms.into_iter().any(|f| set.contains(&(f, access)))
    }

    /// Grants what a file picked in the dialog for `choice` may be used for. A project picked
    /// in Open may only be opened: it is saved back, and what it names granted, once it has
    /// loaded as a project ([`Grants::open_project`]), so a file picked by mistake (a
    /// `package.json`) can never be overwritten by a save.
    pub fn grant_picked(&self, choice: FileChoice, path: &Path) {
        let access: &[Access] = match choice {
            FileChoice::OpenProject => &[Access::Project],
            FileChoice::ReferenceImages
            | FileChoice::CharacterList
            | FileChoice::ImportCharacters => &[Access::Read],
            // Saved as: the project the page holds goes there; what it names was granted
            // already (picked, dropped, or named by a project the creator opened).
            FileChoice::SaveProject => &[Access::Read, Access::Write],
            FileChoice::ExportCharacters | FileChoice::ExportVideo => &[Access::Write],
        };
        self.grant(path, access);
    }

    /// `path` as given, if granted for `access`; else an error naming it.
    pub fn check(&self, path: &str, access: Access) -> Result<PathBuf, ApiError> {
        let p = PathBuf::from(path);
        if self.has(&p, access) {
            return Ok(p);
        }
        Err(refused(path))
    }

    /// Notes that this session wrote the project file at `path` (a save just returned): the
    /// content is read back and remembered by its hash, and the file may be opened again (a
    /// Reload after a conflict). Content that cannot be read back cannot be remembered, so the
    /// file may then not be opened again until the creator names it again.
    pub fn note_written(&self, path: &Path) {
        match read_project_bytes(path) {
            Ok(bytes) => {
                let mut set = self.written.lock().unwrap_or_else(|p| p.into_inner());
                set.insert(Sha256::digest(&bytes).into());
                drop(set);
                self.grant(path, &[Access::Project]);
            }
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "saved project not read back: it is not reopened without being chosen again");
                self.revoke(path, Access::Project);
            }
        }
    }

    fn wrote(&self, bytes: &[u8]) -> bool {
        let hash: [u8; 32] = Sha256::digest(bytes).into();
        let set = self.written.lock().unwrap_or_else(|p| p.into_inner());
        set.contains(&hash)
    }

    /// Where `path` really is, if it may be read for display (a thumbnail): the file it
    /// resolves to was granted for reading, or lies in the studio's artifacts or character
    /// library, and is a regular file. Nothing else, however close to a granted project; a
    /// path that is not allowed is never opened.
    ///
    /// Blocking file IO: call it off the async runtime's worker threads.
    pub fn check_view(&self, path: &str, data: &DataDir) -> Result<PathBuf, ApiError> {
        let allowed = |real: &Path| {
            self.has(real, Access::Read)
                || inside(real, &data.artifacts())
                || inside(real, &data.characters())
        };
        match open_allowed(Path::new(path), allowed) {
            Ok((_, real)) => Ok(real),
            Err(OpenError::Resolve { .. } | OpenError::Refused(_)) => Err(refused(path)),
            Err(e) => Err(ApiError::new(ErrorCode::Rejected, format!("{path:?}: {e}"))),
        }
    }

    /// Opens a project the creator named ([`Access::Project`]). Only once it has loaded as a
    /// project is it granted for reading and saving back, with the reference images it names
    /// inside its own folder; those it names elsewhere (not granted yet) come back for the
    /// creator to confirm ([`open_project`] asks). A file whose content this session wrote
    /// grants only itself. A file that is not a project grants nothing.
    ///
    /// Blocking file IO: call it off the async runtime's worker threads.
    pub fn open_project(&self, path: &Path) -> Result<OpenedProject, ApiError> {
        if !self.has(path, Access::Project) {
            return Err(refused(&path.display().to_string()));
        }
        let io = |e: &dyn std::fmt::Display| {
            ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()))
        };
        // Not a FIFO or a device: loading would wait on it forever.
        let meta = std::fs::metadata(path).map_err(|e| io(&e))?;
        if !meta.is_file() {
            return Err(io(&"not a project file (not a regular file)"));
        }
        let project = Studio::load_project(path)?;
        // What it names is read from one reading of the file, the one its hash is taken of.
        let bytes = read_project_bytes(path).map_err(|e| io(&e))?;
        self.grant(path, &[Access::Read, Access::Write]);
        if self.wrote(&bytes) {
            return Ok(OpenedProject {
                project,
                outside: Vec::new(),
            });
        }
        let (inside, outside) = named_references(path, &bytes);
        for p in &inside {
            self.grant(p, &[Access::Read]);
        }
        let outside = outside
            .into_iter()
            .filter(|p| !self.has(p, Access::Read))
            .collect();
        Ok(OpenedProject { project, outside })
    }

    /// Every character's reference images (the lead's and the cast's) of `project`, saved at
    /// `path`, opened once: each file must have been granted for reading in this session
    /// (picked, dropped, or named by a project the creator opened) before it is opened. What a
    /// render uploads is read from these open files, so a path changed after this check
    /// cannot widen what leaves the machine. Refused or unreadable files come back as problems.
    ///
    /// Blocking file IO: call it off the async runtime's worker threads.
    pub fn references(
        &self,
        project: &Project,
        path: Option<&Path>,
    ) -> Result<References, Vec<FieldProblem>> {
        let base = path.and_then(Path::parent).unwrap_or(Path::new("/"));
        References::open(project, base, |real| self.has(real, Access::Read))
    }
}

fn refused(path: &str) -> ApiError {
    ApiError::new(
        ErrorCode::Rejected,
        format!("{path:?} was not chosen in a dialog in this session: choose it again"),
    )
}

/// Whether `path` resolves (symlinks followed) to somewhere inside `root`.
pub fn inside(path: &Path, root: &Path) -> bool {
    match (std::fs::canonicalize(path), std::fs::canonicalize(root)) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => false,
    }
}

/// The bytes of the project file at `path` (a regular file, opened without waiting), at most
/// [`MAX_PROJECT_BYTES`] of them.
fn read_project_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let real = std::fs::canonicalize(path)?;
    let file = open_regular(&real).map_err(std::io::Error::other)?;
    let mut bytes = Vec::new();
    file.take(MAX_PROJECT_BYTES).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The reference images the project file at `project_file`, read as `bytes`, names, resolved
/// (symlinks and `..` followed): those inside the project's own folder, and those elsewhere.
/// Files that do not exist are left out (the project check names them); bytes that are not
/// JSON name nothing.
pub fn named_references(project_file: &Path, bytes: &[u8]) -> (Vec<PathBuf>, Vec<PathBuf>) {
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
    for c in characters {
        for r in c["referenceImages"].as_array().into_iter().flatten() {
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
    };
    dialog = dialog.add_filter(filter, exts);
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
        FileChoice::OpenProject | FileChoice::CharacterList | FileChoice::ImportCharacters => {
            dialog.pick_file(one)
        }
        FileChoice::SaveProject | FileChoice::ExportCharacters | FileChoice::ExportVideo => {
            dialog.save_file(one)
        }
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

#[cfg(test)]
mod tests {
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

    fn load(path: &Path) -> Project {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
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
}
