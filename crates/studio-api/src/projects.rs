//! The project files this process opened or saved, and the checks a save makes against them.
//!
//! Rust, not the page, remembers what each file was when it was read (its [`Fingerprint`]) and
//! the fields this studio does not know ([`UnknownFields`]): the page sends only the edited
//! [`Project`] (whose TypeScript type stays clean) and says where it came from; what is checked
//! and kept cannot be dropped or forged by the page. Every open goes through
//! [`ProjectFiles::open`] (the window's Open, recent and example commands, the CLI), every save
//! of the window through [`ProjectFiles::save`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use studio_core::{Fingerprint, Project, ProjectFile, UnknownFields};

use crate::error::ApiError;

/// What a save is, said by the page: the same file written again, or another one chosen in
/// the Save As dialog. Explicit, because the two check and carry different things, and an
/// untitled project's Save As (no file it came from) must not be taken for a save in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SaveOptions {
    /// The project's own file, written again (Save, autosave, the conflict dialog's
    /// Overwrite): checked against what this process read or last wrote there, and its
    /// unknown fields kept.
    InPlace {
        /// Replace the file even though another program changed it since it was read (the
        /// creator chose Overwrite). A newer studio's file is never overwritten.
        overwrite: bool,
    },
    /// A file chosen in the Save As dialog, which asked before replacing one: written without
    /// a conflict check (only a newer studio's file is refused), carrying the unknown fields
    /// of the file the project came from and no others.
    SaveAs {
        /// The file the project was opened from or last saved to; None for a project never
        /// saved (nothing to carry, whatever file it replaces).
        from: Option<String>,
    },
}

impl Default for SaveOptions {
    fn default() -> Self {
        SaveOptions::InPlace { overwrite: false }
    }
}

/// What a save checks a file against, and keeps of it.
#[derive(Debug, Clone)]
struct Known {
    unknown: UnknownFields,
    fingerprint: Fingerprint,
}

/// The project files of this process, by canonical path.
#[derive(Debug, Default)]
pub struct ProjectFiles {
    files: Mutex<HashMap<PathBuf, Known>>,
}

impl ProjectFiles {
    /// The process's record: one window per process, and the CLI opens without saving.
    pub fn shared() -> &'static ProjectFiles {
        static SHARED: OnceLock<ProjectFiles> = OnceLock::new();
        SHARED.get_or_init(ProjectFiles::default)
    }

    fn files(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Known>> {
        // The map holds no invariant a panicking holder could break half-way.
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loads and validates a project, remembering the file for the saves that follow.
    pub fn open(&self, path: &Path) -> Result<Project, ApiError> {
        let file = ProjectFile::load(path)?;
        self.files().insert(
            key(path),
            Known {
                unknown: file.unknown,
                fingerprint: file.fingerprint,
            },
        );
        Ok(file.project)
    }

    /// Writes `project` to `path`, keeping the unknown fields of the file it came from.
    ///
    /// A save in place checks the file is still what was read or last written here: another
    /// program's change is an [`ErrorCode::Conflict`](crate::ErrorCode::Conflict) and nothing
    /// is written, unless `overwrite`. A Save As (the dialog asked before replacing) checks
    /// nothing but the version, and takes the unknown fields of its source only, never those
    /// of the file it replaces. A file of a newer format is never overwritten
    /// ([`ErrorCode::NewerVersion`](crate::ErrorCode::NewerVersion)).
    pub fn save(
        &self,
        path: &Path,
        project: &Project,
        options: &SaveOptions,
    ) -> Result<(), ApiError> {
        let to = key(path);
        // Held across the write: the window's autosave and an explicit save never race, and
        // the second checks against what the first wrote.
        let mut files = self.files();
        let (unknown, expected) = match options {
            SaveOptions::InPlace { overwrite } => {
                let known = files.get(&to);
                let unknown = known.map(|k| k.unknown.clone()).unwrap_or_default();
                let expected = known.filter(|_| !overwrite).map(|k| k.fingerprint.clone());
                (unknown, expected)
            }
            SaveOptions::SaveAs { from } => {
                let source = from.as_deref().and_then(|f| files.get(&key(Path::new(f))));
                (source.map(|k| k.unknown.clone()).unwrap_or_default(), None)
            }
        };
        let written = ProjectFile::write(path, project, &unknown, expected.as_ref())?;
        tracing::debug!(path = %path.display(), ?options, "project saved");
        files.insert(
            to,
            Known {
                unknown: written.unknown,
                fingerprint: written.fingerprint,
            },
        );
        Ok(())
    }
}

/// One name per file: symlinks and `..` resolved (a file not written yet: its folder's).
fn key(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_owned()),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    const FILE: &str = r#"{
  "version": 1,
  "character": {"name": "Ava", "basePrompt": "a pilot", "gait": "alto"},
  "scenarios": [{"id": "a", "prompt": "takes off", "lens": "anamorphic"}],
  "soundtrack": "theme.ogg"
}"#;

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.studio.json");
        std::fs::write(&path, FILE).unwrap();
        (dir, path)
    }

    fn json(path: &Path) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn another_programs_change_is_a_conflict_and_nothing_is_written() {
        let (_dir, path) = setup();
        let files = ProjectFiles::default();
        let mut p = files.open(&path).unwrap();
        p.scenarios[0].prompt = "lands".into();
        files.save(&path, &p, &SaveOptions::default()).unwrap();
        assert_eq!(json(&path)["scenarios"][0]["prompt"], "lands");
        // The second save checks against what the first wrote: no false conflict.
        p.scenarios[0].prompt = "lands softly".into();
        files.save(&path, &p, &SaveOptions::default()).unwrap();

        let theirs = std::fs::read_to_string(&path)
            .unwrap()
            .replace("lands softly", "crashes");
        std::fs::write(&path, &theirs).unwrap();
        p.scenarios[0].prompt = "lands again".into();
        let err = files.save(&path, &p, &SaveOptions::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict, "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), theirs);
        // Overwrite, as the creator chose; unknown fields still kept.
        let overwrite = SaveOptions::InPlace { overwrite: true };
        files.save(&path, &p, &overwrite).unwrap();
        let w = json(&path);
        assert_eq!(w["scenarios"][0]["prompt"], "lands again");
        assert_eq!(w["scenarios"][0]["lens"], "anamorphic");
        // Reload: what is on disk now is what the next save checks against.
        std::fs::write(&path, FILE).unwrap();
        let p = files.open(&path).unwrap();
        files.save(&path, &p, &SaveOptions::default()).unwrap();
    }

    #[test]
    fn save_as_brings_the_unknown_fields_along_and_a_symlink_stays() {
        let (dir, path) = setup();
        let files = ProjectFiles::default();
        let p = files.open(&path).unwrap();
        // Save As over an existing file (the dialog asked): no conflict check.
        let other = dir.path().join("copy.studio.json");
        std::fs::write(&other, "{}").unwrap();
        let from = SaveOptions::SaveAs {
            from: Some(path.display().to_string()),
        };
        files.save(&other, &p, &from).unwrap();
        let w = json(&other);
        assert_eq!(w["soundtrack"], "theme.ogg");
        assert_eq!(w["character"]["gait"], "alto");

        // Opened through a symlink: saved through it, the link kept.
        let link = dir.path().join("link.studio.json");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let mut p = files.open(&link).unwrap();
        p.character.name = "Ava B.".into();
        files.save(&link, &p, &SaveOptions::default()).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(json(&path)["character"]["name"], "Ava B.");
        assert_eq!(json(&path)["character"]["gait"], "alto");
    }

    #[test]
    fn a_newer_studios_file_is_refused_by_version() {
        let (dir, path) = setup();
        let files = ProjectFiles::default();
        let p = files.open(&path).unwrap();
        let newer = FILE.replace("\"version\": 1", "\"version\": 3");
        std::fs::write(&path, &newer).unwrap();
        for options in [
            SaveOptions::default(),
            SaveOptions::InPlace { overwrite: true },
        ] {
            let err = files.save(&path, &p, &options).unwrap_err();
            assert_eq!(err.code, ErrorCode::NewerVersion, "{err}");
            assert!(err.message.contains("version 3"), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), newer);
        // It cannot be opened either (this studio reads version 1 only), but saved elsewhere.
        assert_eq!(
            files.open(&path).unwrap_err().code,
            ErrorCode::InvalidProject
        );
        files
            .save(
                &dir.path().join("mine.studio.json"),
                &p,
                &SaveOptions::SaveAs {
                    from: Some(path.display().to_string()),
                },
            )
            .unwrap();
    }

    #[test]
    fn save_as_from_an_untitled_project_carries_nothing_and_replaces_the_chosen_file() {
        let (_dir, path) = setup();
        let files = ProjectFiles::default();
        // Opened earlier this session, then a new (untitled) project is started.
        files.open(&path).unwrap();
        let mut new = Project::new("Zed");
        new.scenarios.push(studio_core::Scenario {
            id: "a".into(),
            prompt: "dances".into(),
            negative_prompt: None,
            duration_seconds: Default::default(),
            cast: Vec::new(),
            continue_from_previous: false,
            ..Default::default()
        });
        let untitled = SaveOptions::SaveAs { from: None };
        // Save As over that file (the dialog asked): none of its fields come along.
        files.save(&path, &new, &untitled).unwrap();
        let w = json(&path);
        assert_eq!(w["character"]["name"], "Zed");
        assert!(w.get("soundtrack").is_none(), "{w}");
        assert!(w["character"].get("gait").is_none(), "{w}");
        assert!(w["scenarios"][0].get("lens").is_none(), "{w}");
        // Another program changed it since: the creator confirmed the replace, so no conflict.
        std::fs::write(&path, FILE).unwrap();
        files.save(&path, &new, &untitled).unwrap();
        assert!(json(&path).get("soundtrack").is_none());
        // The saves that follow are in place, checked against what was written.
        new.character.name = "Zed B.".into();
        files.save(&path, &new, &SaveOptions::default()).unwrap();
        std::fs::write(&path, FILE).unwrap();
        let err = files
            .save(&path, &new, &SaveOptions::default())
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict, "{err}");
    }

    #[test]
    fn save_options_cross_ipc_by_kind() {
        let parse = |s: &str| serde_json::from_str::<SaveOptions>(s).unwrap();
        assert_eq!(
            parse(r#"{"kind": "inPlace", "overwrite": true}"#),
            SaveOptions::InPlace { overwrite: true }
        );
        assert_eq!(
            parse(r#"{"kind": "inPlace", "overwrite": false}"#),
            SaveOptions::default()
        );
        // The page says whether to overwrite: one TypeScript type, with every field given.
        assert!(serde_json::from_str::<SaveOptions>(r#"{"kind": "inPlace"}"#).is_err());
        assert_eq!(
            parse(r#"{"kind": "saveAs", "from": null}"#),
            SaveOptions::SaveAs { from: None }
        );
        assert!(serde_json::from_str::<SaveOptions>(r#"{"from": null}"#).is_err());
    }
}
