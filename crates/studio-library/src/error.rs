//! What can go wrong with the library, as one typed error: the studio's commands and the window
//! tell each case apart (a damaged index is left alone, a newer one is read but not changed).

use std::path::{Path, PathBuf};

/// Why a library operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LibraryError {
    #[error("no character {0:?} in the library")]
    NotFound(String),
    #[error("no location or prop {0:?} in the library")]
    NoElement(String),
    #[error("the name is empty")]
    EmptyName,
    #[error("the prompt is empty")]
    EmptyPrompt,
    #[error("{path:?}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the library index {path:?} is damaged ({message}); it was left as it is")]
    Damaged { path: PathBuf, message: String },
    /// A newer studio wrote the library index: this one reads it but changes nothing in it.
    #[error("the library index {path:?} is version {found}, written by a newer studio; this studio reads version {supported} and does not change it")]
    NewerIndex {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path:?} is not a PNG, JPEG or WebP image")]
    NotAnImage { path: PathBuf },
    #[error("the archive {path:?} cannot be imported: {message}")]
    BadArchive { path: PathBuf, message: String },
    #[error("nothing to undo for {0:?}")]
    NothingToUndo(String),
    #[error("the library character {0:?} has no angle images yet: generate them first")]
    NoAngles(String),
    #[error("the character list, line {line}: {message}")]
    BadList { line: usize, message: String },
    #[error("the {what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("a location or prop is kept with at least one image")]
    NoImages,
}

/// A library operation's result.
pub type Result<T, E = LibraryError> = std::result::Result<T, E>;

/// The [`LibraryError::Io`] of an operation on `path`, for `map_err`.
pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LibraryError + '_ {
    move |source| LibraryError::Io {
        path: path.to_owned(),
        source,
    }
}
