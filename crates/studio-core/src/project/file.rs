//! A project file as read or last written: its content's fingerprint, and the checks a save
//! makes before it replaces the file.

use super::*;

/// What a file's content was when this studio read or wrote it.
///
/// The content hash decides whether the file is still the one loaded: a modification time
/// alone misses a change made within the file system's timestamp granularity, or one whose
/// time was set back (`cp -p`, `rsync -t`, a checkout), and it flags a mere `touch`. The time
/// is kept for the log and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub modified: Option<SystemTime>,
    pub len: u64,
    pub sha256: [u8; 32],
}

impl Fingerprint {
    fn of(bytes: &[u8], meta: Option<&std::fs::Metadata>) -> Fingerprint {
        Fingerprint {
            modified: meta.and_then(|m| m.modified().ok()),
            len: bytes.len() as u64,
            sha256: Sha256::digest(bytes).into(),
        }
    }
}

/// A project file as this studio read or last wrote it: the project, the fields it does not
/// know, and the fingerprint a later save checks the file against.
#[derive(Debug, Clone)]
pub struct ProjectFile {
    pub project: Project,
    pub unknown: UnknownFields,
    pub fingerprint: Fingerprint,
}

/// Reads at most [`MAX_PROJECT_BYTES`] of `path` (through symlinks), with its metadata.
pub(super) fn read_bounded(path: &Path) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let mut bytes = Vec::new();
    file.take(MAX_PROJECT_BYTES + 1).read_to_end(&mut bytes)?;
    Ok((bytes, meta))
}

impl ProjectFile {
    /// Loads and validates a project file, remembering what is needed to save it back safely.
    pub fn load(path: &Path) -> Result<ProjectFile, ProjectError> {
        let (bytes, meta) = read_bounded(path).map_err(|source| ProjectError::Read {
            path: path.to_owned(),
            source,
        })?;
        let too_big = || ProjectError::Syntax {
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: format!("file is larger than {MAX_PROJECT_BYTES} bytes"),
        };
        if bytes.len() as u64 > MAX_PROJECT_BYTES {
            return Err(too_big());
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| ProjectError::Read {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let (project, unknown) = parse(text, base).map_err(|e| e.with_path(path))?;
        Ok(ProjectFile {
            project,
            unknown,
            fingerprint: Fingerprint::of(&bytes, Some(&meta)),
        })
    }

    /// Writes `project` to `path` atomically, pretty-printed (projects diff well in version
    /// control), with `unknown`'s fields merged in. Refused, with nothing written, when the
    /// file on disk is of a newer format ([`ProjectError::NewerVersion`], always), or when
    /// `expected` is given and the file is no longer that content ([`ProjectError::Conflict`];
    /// pass None to overwrite, or for a file never read). A file that is gone is written anew:
    /// nothing of it can be lost. Returns the file as written, for the next save's check and
    /// merge (its unknown fields only those of what `project` still holds).
    pub fn write(
        path: &Path,
        project: &Project,
        unknown: &UnknownFields,
        expected: Option<&Fingerprint>,
    ) -> Result<ProjectFile, ProjectError> {
        let write_err = |source| ProjectError::Write {
            path: path.to_owned(),
            source,
        };
        let unknown = unknown.for_project(project);
        let mut json = serde_json::to_vec_pretty(&ProjectOut::new(project, &unknown))
            .expect("a project always serializes");
        json.push(b'\n');
        match read_bounded(path) {
            Ok((bytes, meta)) => {
                if let Some(found) = newer_version(&bytes) {
                    return Err(ProjectError::NewerVersion {
                        path: path.to_owned(),
                        found,
                        supported: PROJECT_VERSION,
                    });
                }
                if let Some(expected) = expected {
                    let now = Fingerprint::of(&bytes, Some(&meta));
                    if now.sha256 != expected.sha256 {
                        tracing::warn!(
                            path = %path.display(),
                            loaded_len = expected.len,
                            disk_len = now.len,
                            mtime_changed = now.modified != expected.modified,
                            "project changed on disk since it was read; not overwritten"
                        );
                        return Err(ProjectError::Conflict {
                            path: path.to_owned(),
                        });
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if expected.is_some() {
                    tracing::info!(path = %path.display(), "project file was removed; written anew");
                }
            }
            Err(e) => return Err(write_err(e)),
        }
        crate::atomic::replace_with(path, crate::atomic::Mode::KeepOrUmask, |f| {
            std::io::Write::write_all(f, &json)
        })
        .map_err(write_err)?;
        let meta = std::fs::metadata(path).ok();
        Ok(ProjectFile {
            project: project.clone(),
            unknown,
            fingerprint: Fingerprint::of(&json, meta.as_ref()),
        })
    }
}

/// The `version` of a project file's bytes when it is a number above [`PROJECT_VERSION`].
pub(super) fn newer_version(bytes: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Versioned {
        version: Option<Value>,
    }
    let v: Versioned = serde_json::from_slice(bytes).ok()?;
    v.version?
        .as_u64()
        .filter(|&found| found > u64::from(PROJECT_VERSION))
}
