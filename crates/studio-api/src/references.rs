//! The reference images a render uploads, resolved and opened once.
//!
//! A project names its characters' reference images by path (relative to its folder, or
//! absolute). Between the moment a shell decides a file may be uploaded and the moment the
//! render reads it, a path can be made to point elsewhere (a symlink or a folder swapped in
//! its place). So every reference is opened once, here; the shell's check is asked about the
//! file that was actually opened (its real path, verified against the open handle), and the
//! render copies the bytes from that open handle. Nothing downstream resolves the paths again.

use std::fs::File;
use std::path::{Path, PathBuf};

use studio_core::Project;
use studio_media::{ArtifactStore, MediaError};

use crate::error::FieldProblem;

/// One reference image, open for reading.
#[derive(Debug)]
pub struct Reference {
    /// The field it came from, e.g. `cast[1].referenceImages[0]`.
    pub field: String,
    /// The path as the project writes it.
    pub written: PathBuf,
    /// Where the opened file really is (symlinks and `..` resolved).
    pub path: PathBuf,
    file: File,
}

impl Reference {
    /// The extension the artifact store files it under.
    pub fn extension(&self) -> String {
        self.path
            .extension()
            .or_else(|| self.written.extension())
            .and_then(|e| e.to_str())
            .unwrap_or("bin")
            .to_ascii_lowercase()
    }

    /// The open file the render copies from (shared offset: read it once).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Copies the opened file into the artifact store, from its open handle (never by its
    /// path again); returns its URI.
    pub async fn import(&self, store: &dyn ArtifactStore) -> Result<String, MediaError> {
        use std::io::{Seek, SeekFrom};
        let scratch = store.scratch(&self.extension())?;
        let context = format!("import {}", self.written.display());
        let io = |e: std::io::Error| MediaError::io(context.clone(), e);
        let mut from = self.file.try_clone().map_err(io)?;
        let to = scratch.path().to_owned();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            from.seek(SeekFrom::Start(0))?;
            let mut out = File::create(&to)?;
            std::io::copy(&mut from, &mut out)?;
            Ok(())
        })
        .await
        .map_err(|e| io(std::io::Error::other(e)))?
        .map_err(io)?;
        store.commit(scratch).await
    }
}

/// Every character's reference images, the lead's first, then each cast member's, in the
/// project's order. A library character's images come from the library, not the project:
/// its list is empty.
#[derive(Debug, Default)]
pub struct References {
    characters: Vec<Vec<Reference>>,
}

impl References {
    /// Opens the reference images of every character of `project` (relative paths resolve
    /// against `base_dir`) and keeps those `allowed` accepts, asked with the real path of
    /// each opened file. Any file refused, missing or unreadable comes back as a problem on
    /// its field, and nothing is returned then.
    pub fn open(
        project: &Project,
        base_dir: &Path,
        allowed: impl Fn(&Path) -> bool,
    ) -> Result<References, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut characters = Vec::new();
        for (label, c) in project.characters() {
            let mut refs = Vec::new();
            if c.library_id.is_none() {
                for (i, written) in c.reference_images.iter().enumerate() {
                    let field = format!("{label}.referenceImages[{i}]");
                    match open_real(&base_dir.join(written)) {
                        Ok((file, path)) if allowed(&path) => refs.push(Reference {
                            field,
                            written: written.clone(),
                            path,
                            file,
                        }),
                        Ok(_) => problems.push(FieldProblem {
                            field,
                            message: format!(
                                "{} was not chosen for this project here: add it again (Add \
                                 reference), or open the project again and allow it, to \
                                 confirm it may be uploaded",
                                written.display()
                            ),
                        }),
                        Err(e) => problems.push(FieldProblem {
                            field,
                            message: format!("reference image {}: {e}", written.display()),
                        }),
                    }
                }
            }
            characters.push(refs);
        }
        if problems.is_empty() {
            Ok(References { characters })
        } else {
            Err(problems)
        }
    }

    /// The lead's references, then each cast member's.
    pub fn characters(&self) -> impl Iterator<Item = &[Reference]> {
        self.characters.iter().map(Vec::as_slice)
    }

    /// The references of character `index` (0: the lead, then the cast in order).
    pub fn of(&self, index: usize) -> &[Reference] {
        self.characters.get(index).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Opens `path` for reading and returns the file with where it really is: the path's canonical
/// form, verified to name the very file opened (same device and inode), so a path changed
/// between the two steps is refused rather than misreported.
pub fn open_real(path: &Path) -> std::io::Result<(File, PathBuf)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let real = std::fs::canonicalize(path)?;
    if !same_file(&meta, &std::fs::metadata(&real)?) {
        return Err(std::io::Error::other(
            "the file changed while it was being opened",
        ));
    }
    Ok((file, real))
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Without inode numbers, the size and modification time must agree.
#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(lead: &[&str], cast: &[&[&str]]) -> Project {
        let cast: Vec<_> = cast
            .iter()
            .enumerate()
            .map(|(i, refs)| {
                serde_json::json!({"id": format!("c{i}"), "name": format!("C{i}"),
                                   "basePrompt": "p", "referenceImages": refs})
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "version": 1,
            "character": {"id": "lead", "name": "Ava", "basePrompt": "a pilot",
                          "referenceImages": lead},
            "cast": cast,
            "scenarios": [{"id": "s1", "prompt": "flies", "durationSeconds": 4}]
        }))
        .unwrap()
    }

    /// The check is asked about every character's files, the cast's too, by their real
    /// paths; a refused cast member's file is named by its field.
    #[test]
    fn every_characters_references_are_checked_by_real_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.png"), b"a").unwrap();
        std::fs::write(root.join("b.png"), b"b").unwrap();
        let p = project(&["a.png"], &[&["b.png"]]);
        let asked = std::sync::Mutex::new(Vec::new());
        let refs = References::open(&p, &root, |path| {
            asked.lock().unwrap().push(path.to_owned());
            true
        })
        .unwrap();
        assert_eq!(
            *asked.lock().unwrap(),
            [root.join("a.png"), root.join("b.png")]
        );
        assert_eq!(refs.of(1)[0].field, "cast[0].referenceImages[0]");
        let refused = References::open(&p, &root, |path| path.ends_with("a.png")).unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].field, "cast[0].referenceImages[0]");
    }

    /// A reference that is a symlink is judged by where it leads, and once opened, a swap of
    /// the path does not change what is read.
    #[cfg(unix)]
    #[test]
    fn what_is_read_is_what_was_checked() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let project_dir = root.join("proj");
        std::fs::create_dir(&project_dir).unwrap();
        std::fs::write(root.join("id_card.png"), b"secret").unwrap();
        std::os::unix::fs::symlink(root.join("id_card.png"), project_dir.join("link.png")).unwrap();
        let inside = |p: &Path| p.starts_with(&project_dir);
        let refused = References::open(&project(&["link.png"], &[]), &project_dir, inside);
        assert_eq!(
            refused.unwrap_err()[0].field,
            "character.referenceImages[0]"
        );

        std::fs::write(project_dir.join("ref.png"), b"mine").unwrap();
        let refs = References::open(&project(&["ref.png"], &[]), &project_dir, inside).unwrap();
        // Swapped for a symlink to the secret after the check: the open file is still read.
        std::fs::remove_file(project_dir.join("ref.png")).unwrap();
        std::os::unix::fs::symlink(root.join("id_card.png"), project_dir.join("ref.png")).unwrap();
        let mut bytes = Vec::new();
        refs.of(0)[0].file().read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, b"mine");
    }

    /// The render's upload copies the opened file: a path swapped for a symlink to another
    /// file after the check leaves the store with the checked bytes.
    #[cfg(unix)]
    #[tokio::test]
    async fn the_store_gets_the_file_that_was_checked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("secret.png"), b"secret").unwrap();
        std::fs::write(root.join("ref.png"), b"mine").unwrap();
        let refs = References::open(&project(&[], &[&["ref.png"]]), &root, |p| {
            p == root.join("ref.png")
        })
        .unwrap();
        std::fs::remove_file(root.join("ref.png")).unwrap();
        std::os::unix::fs::symlink(root.join("secret.png"), root.join("ref.png")).unwrap();
        let store = studio_media::LocalStore::open(root.join("store")).unwrap();
        let uri = refs.of(1)[0].import(&store).await.unwrap();
        let stored = store.local_path(&uri).await.unwrap();
        assert_eq!(std::fs::read(stored).unwrap(), b"mine");
    }
}
