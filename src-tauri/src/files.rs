//! Paths from the web view are untrusted: a compromised or buggy page must not read, overwrite
//! or upload any file it names. Files the creator picks are picked in dialogs the Rust side
//! opens ([`choose_files`]), and each pick is granted for what it was picked for (read, write)
//! for this session; dropped files and the project named on the command line are granted too.
//! Commands that take a path accept only a granted one, or one inside the studio's own folders.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use studio_api::{ApiError, ErrorCode, FieldProblem};
use studio_core::Project;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

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
    /// A project file: images in its folder may be shown (its references live there).
    Project,
}

/// The paths this window session may use, and how.
#[derive(Default)]
pub struct Grants(Mutex<HashSet<(PathBuf, Access)>>);

impl Grants {
    pub fn grant(&self, path: &Path, access: &[Access]) {
        let Ok(path) = std::path::absolute(path) else {
            return;
        };
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for a in access {
            set.insert((path.clone(), *a));
        }
    }

    fn has(&self, path: &Path, access: Access) -> bool {
        let Ok(path) = std::path::absolute(path) else {
            return false;
        };
        let set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.contains(&(path, access))
    }

    /// Whether `path` sits in the folder of a project granted for reading (its reference
    /// images live beside it).
    fn beside_a_project(&self, path: &Path) -> bool {
        let set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.iter()
            .any(|(p, a)| *a == Access::Project && p.parent().is_some_and(|dir| inside(path, dir)))
    }

    /// `path` as given, if granted for `access`; else an error naming it.
    pub fn check(&self, path: &str, access: Access) -> Result<PathBuf, ApiError> {
        let p = PathBuf::from(path);
        if self.has(&p, access) {
            return Ok(p);
        }
        Err(refused(path))
    }

    /// `path` if it may be read for display (a thumbnail): granted, beside a granted project,
    /// or inside the studio's data dir.
    pub fn check_view(&self, path: &str, data_dir: &Path) -> Result<PathBuf, ApiError> {
        let p = PathBuf::from(path);
        if self.has(&p, Access::Read) || self.beside_a_project(&p) || inside(&p, data_dir) {
            return Ok(p);
        }
        Err(refused(path))
    }

    /// The reference images of `project` (saved at `path`) that would be uploaded without the
    /// creator having chosen them: a project opened from elsewhere may name any file on disk,
    /// so only files picked or dropped in this session, or kept beside a granted project, go.
    /// A missing file is left to the project check, which names it.
    pub fn unconfirmed_references(
        &self,
        project: &Project,
        path: Option<&Path>,
        data_dir: &Path,
    ) -> Vec<FieldProblem> {
        let base = path.and_then(Path::parent).unwrap_or(Path::new("/"));
        project
            .character
            .reference_images
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let full = base.join(r);
                full.exists() && self.check_view(&full.to_string_lossy(), data_dir).is_err()
            })
            .map(|(i, r)| FieldProblem {
                field: format!("character.referenceImages[{i}]"),
                message: format!(
                    "{} is outside the project's folder and was not chosen here: add it again \
                     (Add reference) to confirm it may be uploaded",
                    r.display()
                ),
            })
            .collect()
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
        // An opened project is saved back (autosave, Save) to the same file, and its reference
        // images beside it are shown.
        FileChoice::OpenProject => {
            dialog.pick_file(one);
            &[Access::Read, Access::Write, Access::Project]
        }
        FileChoice::SaveProject => {
            dialog.save_file(one);
            &[Access::Read, Access::Write, Access::Project]
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

    #[test]
    fn only_granted_paths_pass_and_views_stay_in_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("artifacts")).unwrap();
        let art = data.join("artifacts/a.png");
        std::fs::write(&art, b"x").unwrap();
        let project_dir = dir.path().join("proj");
        std::fs::create_dir_all(&project_dir).unwrap();
        let project = project_dir.join("p.studio.json");
        let reference = project_dir.join("ref.png");
        std::fs::write(&reference, b"x").unwrap();
        let elsewhere = dir.path().join("secret.txt");
        std::fs::write(&elsewhere, b"x").unwrap();

        let g = Grants::default();
        let s = |p: &Path| p.display().to_string();
        assert_eq!(
            g.check(&s(&project), Access::Read).unwrap_err().code,
            ErrorCode::Rejected
        );
        g.grant(&project, &[Access::Read, Access::Write, Access::Project]);
        assert!(g.check(&s(&project), Access::Write).is_ok());
        assert!(g.check(&s(&elsewhere), Access::Read).is_err());
        // Views: the data dir, beside a granted project; nothing else.
        assert!(g.check_view(&s(&art), &data).is_ok());
        assert!(g.check_view(&s(&reference), &data).is_ok());
        assert!(g.check_view(&s(&elsewhere), &data).is_err());
        // `..` does not climb out of the data dir or the project's folder.
        let climb = data.join("artifacts/../../secret.txt");
        assert!(g.check_view(&s(&climb), &data).is_err());
        let climb = project_dir.join("../secret.txt");
        assert!(g.check_view(&s(&climb), &data).is_err());
        // Write grants are not read grants.
        let out = dir.path().join("out.mp4");
        g.grant(&out, &[Access::Write]);
        assert!(g.check(&s(&out), Access::Read).is_err());
    }

    /// A project opened from elsewhere names a file outside its folder: it is not uploaded
    /// until the creator chooses it in this session; files beside the project go at once.
    #[test]
    fn references_outside_the_project_need_the_creators_choice() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let project_dir = dir.path().join("proj");
        std::fs::create_dir_all(&project_dir).unwrap();
        let project_path = project_dir.join("p.studio.json");
        std::fs::write(project_dir.join("beside.png"), b"x").unwrap();
        let secret = dir.path().join("id_card.png");
        std::fs::write(&secret, b"x").unwrap();
        let mut project: Project = serde_json::from_value(serde_json::json!({
            "version": 1,
            "character": {"name": "Ava", "basePrompt": "a pilot",
                          "referenceImages": ["beside.png", secret, "missing.png"]},
            "scenarios": [{"id": "s1", "prompt": "flies", "durationSeconds": 4}]
        }))
        .unwrap();
        let g = Grants::default();
        g.grant(&project_path, &[Access::Read, Access::Project]);
        let problems = g.unconfirmed_references(&project, Some(&project_path), &data);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["character.referenceImages[1]"], "{problems:?}");
        assert!(problems[0].message.contains("id_card.png"));
        // Chosen in a dialog (or dropped) this session: it may go.
        g.grant(&secret, &[Access::Read]);
        assert!(g
            .unconfirmed_references(&project, Some(&project_path), &data)
            .is_empty());
        // A `..` path beside the project that climbs out is still outside.
        project.character.reference_images = vec!["../id_card.png".into()];
        let g = Grants::default();
        g.grant(&project_path, &[Access::Read, Access::Project]);
        assert_eq!(
            g.unconfirmed_references(&project, Some(&project_path), &data)
                .len(),
            1
        );
    }
}
