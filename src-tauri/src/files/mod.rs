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
//!
//! [`grants`] holds what this session may use; [`projects`] opens a project and grants what it
//! names; [`dialogs`] are the pickers.

mod dialogs;
mod grants;
mod projects;
#[cfg(test)]
mod tests;

use std::path::Path;

use serde::{Deserialize, Serialize};
use studio_api::{ApiError, ErrorCode};

// A glob: the command's generated `__cmd__choose_files` goes with it (`collect_commands!`).
pub use dialogs::*;
pub use grants::Grants;
pub use projects::open_project;

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
    /// The folder an export (`export_film`) writes the film and its package into.
    ExportFolder,
    /// The project's music (a file the creator owns): read by a render.
    MusicFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    Write,
    /// May be opened as a project ([`Grants::open_project`]): the creator named it as one. Its
    /// read and write grants, and those of what it names, come only once it has loaded.
    Project,
}

/// The error for a path this session was not given.
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
