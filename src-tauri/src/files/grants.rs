//! The paths this window session may use, and how: granted when the creator picks, drops or
//! names a file, checked by every command that takes a path from the page.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use studio_api::references::{open_allowed, OpenError};
use studio_api::{ApiError, DataDir, ErrorCode, FieldProblem, References, Studio};
use studio_core::Project;

use super::projects::{named_references, read_project_bytes};
use super::{inside, refused, Access, FileChoice};

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
            | FileChoice::ImportCharacters
            | FileChoice::MusicFile => &[Access::Read],
            // Saved as: the project the page holds goes there; what it names was granted
            // already (picked, dropped, or named by a project the creator opened).
            FileChoice::SaveProject => &[Access::Read, Access::Write],
            FileChoice::ExportCharacters | FileChoice::ExportVideo | FileChoice::ExportFolder => {
                &[Access::Write]
            }
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
