//! Paths from the web view are untrusted: a compromised or buggy page must not read, overwrite
//! or upload any file it names. Files the creator picks are picked in dialogs the Rust side
//! opens ([`choose_files`]), and each pick is granted for what it was picked for (read, write)
//! for this session; dropped files are granted too. A project the creator opens (a dialog, the
//! recent list, the command line, a second start) grants the reference images it names: those
//! in its own folder at once, any elsewhere only once the creator allows them in a native
//! dialog ([`grant_project`]). Nothing else beside a project is granted: a project opened from
//! `~` does not expose the images around it. Commands that take a path accept only a granted
//! one, or (for display) one inside the studio's own media folders.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use studio_api::{ApiError, DataDir, ErrorCode, FieldProblem, References};
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
}

/// The paths this window session may use, and how.
#[derive(Default)]
pub struct Grants {
    paths: Mutex<HashSet<(PathBuf, Access)>>,
    /// Project files this session wrote (Save): what they name came from the page, so opening
    /// them again grants nothing new.
    written: Mutex<HashSet<PathBuf>>,
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

    fn has(&self, path: &Path, access: Access) -> bool {
        let forms = forms(path);
        let set = self.paths.lock().unwrap_or_else(|p| p.into_inner());
        forms.into_iter().any(|f| set.contains(&(f, access)))
    }

    /// `path` as given, if granted for `access`; else an error naming it.
    pub fn check(&self, path: &str, access: Access) -> Result<PathBuf, ApiError> {
        let p = PathBuf::from(path);
        if self.has(&p, access) {
            return Ok(p);
        }
        Err(refused(path))
    }

    /// Notes that this session wrote the project file at `path`.
    pub fn note_written(&self, path: &Path) {
        let mut set = self.written.lock().unwrap_or_else(|p| p.into_inner());
        set.extend(forms(path));
    }

    fn wrote(&self, path: &Path) -> bool {
        let set = self.written.lock().unwrap_or_else(|p| p.into_inner());
        forms(path).iter().any(|f| set.contains(f))
    }

    /// Where `path` really is, if it may be read for display (a thumbnail): the file it
    /// resolves to was granted for reading, or lies in the studio's artifacts or character
    /// library. Nothing else, however close to a granted project.
    pub fn check_view(&self, path: &str, data: &DataDir) -> Result<PathBuf, ApiError> {
        let p = PathBuf::from(path);
        let Ok((_, real)) = studio_api::references::open_real(&p) else {
            return Err(refused(path));
        };
        if self.has(&real, Access::Read)
            || inside(&real, &data.artifacts())
            || inside(&real, &data.characters())
        {
            return Ok(real);
        }
        Err(refused(path))
    }

    /// Grants a project the creator opened (read, save back) and the reference images it names
    /// inside its own folder; returns those it names elsewhere, for the creator to confirm
    /// ([`grant_project`] asks). A project this session wrote grants only itself.
    pub fn grant_opened_project(&self, path: &Path) -> Vec<PathBuf> {
        self.grant(path, &[Access::Read, Access::Write]);
        if self.wrote(path) {
            return Vec::new();
        }
        let (inside, outside) = named_references(path);
        for p in &inside {
            self.grant(p, &[Access::Read]);
        }
        outside
    }

    /// Every character's reference images (the lead's and the cast's) of `project`, saved at
    /// `path`, opened once: each file opened must have been granted for reading in this
    /// session (picked, dropped, or named by a project the creator opened). What a render
    /// uploads is read from these open files, so a path changed after this check cannot
    /// widen what leaves the machine. Refused or unreadable files come back as problems.
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

/// The reference images a project file names, resolved (symlinks and `..` followed): those
/// inside the project's own folder, and those elsewhere. Files that do not exist are left out
/// (the project check names them); an unreadable project names nothing.
pub fn named_references(project_file: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let Ok(text) = std::fs::read_to_string(project_file) else {
        return (Vec::new(), Vec::new());
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
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

/// A project the creator opened: it may be read and saved back, the reference images it names
/// in its own folder may be shown and uploaded, and those elsewhere on the disk too once the
/// creator allows them in a native dialog listing them. A project this session wrote grants
/// nothing beyond itself (the page wrote what it names).
pub async fn grant_project(app: &AppHandle, path: &Path) {
    let state = app.state::<AppState>();
    let outside = state.grants.grant_opened_project(path);
    if outside.is_empty() {
        return;
    }
    if ask_outside(app, path, &outside).await {
        tracing::info!(project = %path.display(), files = outside.len(), "references outside the project allowed");
        for p in &outside {
            state.grants.grant(p, &[Access::Read]);
        }
    } else {
        tracing::info!(project = %path.display(), files = outside.len(), "references outside the project not allowed");
    }
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
    let access: &[Access] = match choice {
        FileChoice::ReferenceImages => {
            let (tx, rx2) = tokio::sync::oneshot::channel::<Vec<PathBuf>>();
            dialog.pick_files(move |p| {
                let paths = p.unwrap_or_default().into_iter();
                let _ = tx.send(paths.filter_map(|p| p.into_path().ok()).collect());
            });
            let picked = rx2.await.unwrap_or_default();
            drop(one);
            for p in &picked {
                state.grants.grant(p, &[Access::Read]);
            }
            return Ok(picked.iter().map(|p| p.display().to_string()).collect());
        }
        // An opened project is saved back (autosave, Save) to the same file, and the images
        // it names are granted (see `grant_project`).
        FileChoice::OpenProject => {
            dialog.pick_file(one);
            let picked = rx.await.unwrap_or_default();
            for p in &picked {
                grant_project(&app, p).await;
            }
            return Ok(picked.iter().map(|p| p.display().to_string()).collect());
        }
        // Saved as: the project the page holds goes there; what it names was granted already
        // (picked, dropped, or named by a project the creator opened).
        FileChoice::SaveProject => {
            dialog.save_file(one);
            &[Access::Read, Access::Write]
        }
        FileChoice::CharacterList | FileChoice::ImportCharacters => {
            dialog.pick_file(one);
            &[Access::Read]
        }
        FileChoice::ExportCharacters | FileChoice::ExportVideo => {
            dialog.save_file(one);
            &[Access::Write]
        }
    };
    let picked = rx.await.unwrap_or_default();
    for p in &picked {
        state.grants.grant(p, access);
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
        assert!(g.grant_opened_project(&project).is_empty());
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
        g.grant_opened_project(&project);
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
    /// outside the project's folder (absolute, or through a symlink beside the project) is
    /// listed for the creator's confirmation and refused until it is given; the references
    /// that pass are the files opened by the check.
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
        std::os::unix::fs::symlink(&other, project_dir.join("link.png")).unwrap();
        let project_path = project_dir.join("p.studio.json");
        write_project(
            &project_path,
            serde_json::json!(["lead.png"]),
            serde_json::json!([
                {"id": "rex", "name": "Rex", "basePrompt": "a boxer", "referenceImages": [secret]},
                {"id": "mo", "name": "Mo", "basePrompt": "a cook", "referenceImages": ["link.png"]},
            ]),
        );
        let project = load(&project_path);
        let g = Grants::default();
        let outside = g.grant_opened_project(&project_path);
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
        assert!(g.grant_opened_project(&project).is_empty());
        assert!(g.check(&s(&project), Access::Write).is_ok());
        let planted = dir.path().join("planted.png");
        assert!(g.check_view(&s(&planted), &data).is_err());
    }
}
