//! The reference images a render uploads, resolved and opened once.
//!
//! A project names its characters' reference images by path (relative to its folder, or
//! absolute). Between the moment a shell decides a file may be uploaded and the moment the
//! render reads it, a path can be made to point elsewhere (a symlink or a folder swapped in
//! its place). So every reference is opened once, here: its path is resolved, the shell's check
//! is asked about where it really is, and only a file the check allowed is opened (without
//! blocking, and only a regular file: a FIFO or a device named as a reference would otherwise
//! hold the opening thread forever), verified against the open handle. The render copies the
//! bytes from that open handle. Nothing downstream resolves the paths again.

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
    /// Per element of the project (locations and props), in its order.
    elements: Vec<Vec<Reference>>,
    /// The project's music file, when its music is one (opened and checked like the images:
    /// it is uploaded too).
    music: Option<Reference>,
    /// Per scenario, in order: the image its shot ends on (`EndFrame::Image`), opened and
    /// checked like the images (it is uploaded too).
    end_frames: Vec<Option<Reference>>,
}

impl References {
    /// Opens the reference images of every character of `project` (relative paths resolve
    /// against `base_dir`), and its music file, that `allowed` accepts, asked with the real path of each before
    /// anything is opened. Any file refused, missing, unreadable or not a regular file comes
    /// back as a problem on its field, and nothing is returned then.
    ///
    /// Blocking file IO: call it off an async runtime's worker threads.
    pub fn open(
        project: &Project,
        base_dir: &Path,
        allowed: impl Fn(&Path) -> bool,
    ) -> Result<References, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut open_all = |label: &str, images: &[PathBuf], library: bool| {
            let mut refs = Vec::new();
            if library {
                return refs;
            }
            for (i, written) in images.iter().enumerate() {
                let field = format!("{label}.referenceImages[{i}]");
                match open_allowed(&base_dir.join(written), &allowed) {
                    Ok((file, path)) => refs.push(Reference {
                        field,
                        written: written.clone(),
                        path,
                        file,
                    }),
                    Err(OpenError::Refused(_)) => problems.push(FieldProblem {
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
            refs
        };
        let characters = (project.characters())
            .map(|(label, c)| open_all(&label, &c.reference_images, c.library_id.is_some()))
            .collect();
        let elements = (project.elements.iter().enumerate())
            .map(|(i, e)| {
                open_all(
                    &format!("elements[{i}]"),
                    &e.reference_images,
                    e.library_id.is_some(),
                )
            })
            .collect();
        let music = (project.music.as_ref())
            .and_then(|m| m.file.as_ref())
            .and_then(|written| {
                let field = "music.file".to_owned();
                match open_allowed(&base_dir.join(written), &allowed) {
                    Ok((file, path)) => Some(Reference {
                        field,
                        written: written.clone(),
                        path,
                        file,
                    }),
                    Err(OpenError::Refused(_)) => {
                        problems.push(FieldProblem {
                            field,
                            message: format!(
                                "{} was not chosen for this project here: choose the music \
                                 file again, or open the project again and allow it, to confirm \
                                 it may be uploaded",
                                written.display()
                            ),
                        });
                        None
                    }
                    Err(e) => {
                        problems.push(FieldProblem {
                            field,
                            message: format!("music file {}: {e}", written.display()),
                        });
                        None
                    }
                }
            });
        let end_frames = (project.scenarios.iter().enumerate())
            .map(|(i, scene)| {
                let Some(studio_core::EndFrame::Image(written)) = &scene.end_frame else {
                    return None;
                };
                let written = PathBuf::from(written);
                let field = format!("scenarios[{i}].endFrame");
                match open_allowed(&base_dir.join(&written), &allowed) {
                    Ok((file, path)) => Some(Reference {
                        field,
                        written,
                        path,
                        file,
                    }),
                    Err(OpenError::Refused(_)) => {
                        problems.push(FieldProblem {
                            field,
                            message: format!(
                                "{} was not chosen for this project here: choose the end                                  frame again, or open the project again and allow it, to                                  confirm it may be uploaded",
                                written.display()
                            ),
                        });
                        None
                    }
                    Err(e) => {
                        problems.push(FieldProblem {
                            field,
                            message: format!("end frame {}: {e}", written.display()),
                        });
                        None
                    }
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(References {
                characters,
                elements,
                music,
                end_frames,
            })
        } else {
            Err(problems)
        }
    }

    /// The references of element `index` of the project's `elements`.
    pub fn of_element(&self, index: usize) -> &[Reference] {
        self.elements.get(index).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The project's music file, opened (None when its music is not a file).
    pub fn music(&self) -> Option<&Reference> {
        self.music.as_ref()
    }

    /// The image scenario `index`'s shot ends on, opened (None: no end frame, or the next
    /// shot's).
    pub fn end_frame(&self, index: usize) -> Option<&Reference> {
        self.end_frames.get(index).and_then(Option::as_ref)
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

/// Why a file a project names was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path leads nowhere (missing, a dangling symlink, a folder that cannot be searched):
    /// nothing was checked or opened.
    #[error("{source}")]
    Resolve {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The check refused the file it really is (given here): it was not opened.
    #[error("{} was not allowed", .0.display())]
    Refused(PathBuf),
    /// Allowed, but not a regular file: its contents are not a file's to read (a FIFO or a
    /// device would wait for a writer, a folder has none).
    #[error("{} is {kind}, not a regular file: only an image file can be used", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    /// The path was made to name another file while it was being opened.
    #[error("{} changed while it was being opened", .0.display())]
    Changed(PathBuf),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Resolves `path` (symlinks and `..` followed), asks `allowed` about where it really is, and
/// only then opens it ([`open_regular`]): a path the check refuses is never opened, so naming a
/// FIFO or a device costs nothing. Returns the open file and its real path.
///
/// Blocking file IO: call it off an async runtime's worker threads.
pub fn open_allowed(
    path: &Path,
    allowed: impl FnOnce(&Path) -> bool,
) -> Result<(File, PathBuf), OpenError> {
    let real = std::fs::canonicalize(path).map_err(|source| OpenError::Resolve {
        path: path.to_owned(),
        source,
    })?;
    if !allowed(&real) {
        return Err(OpenError::Refused(real));
    }
    let file = open_regular(&real)?;
    Ok((file, real))
}

/// Opens `real` (a canonical path, already checked) for reading: only a regular file, and
/// never waiting. Its type is looked at before it is opened (a `stat` does not block on a
/// FIFO); it is opened with `O_NONBLOCK` (a FIFO or a device swapped in meanwhile answers at
/// once instead of waiting for a writer; a regular file's reads ignore the flag) and
/// `O_NOCTTY` (a terminal never becomes the studio's), its type checked again on the open
/// handle, and the path checked to still lead to the very file opened (same device and inode),
/// by the same route.
pub fn open_regular(real: &Path) -> Result<File, OpenError> {
    let io = |source| OpenError::Io {
        path: real.to_owned(),
        source,
    };
    let not_a_file = |meta: &std::fs::Metadata| OpenError::NotAFile {
        path: real.to_owned(),
        kind: kind_of(meta),
    };
    let before = std::fs::metadata(real).map_err(io)?;
    if !before.is_file() {
        return Err(not_a_file(&before));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(real).map_err(io)?;
    let opened = file.metadata().map_err(io)?;
    if !opened.is_file() {
        return Err(not_a_file(&opened));
    }
    let again = std::fs::canonicalize(real).map_err(io)?;
    if again != real || !same_file(&opened, &std::fs::metadata(&again).map_err(io)?) {
        return Err(OpenError::Changed(real.to_owned()));
    }
    Ok(file)
}

/// What a file that is not a regular one is, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    "a special file"
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
            "scenarios": [{"id": "s1", "prompt": "flies", "durationSeconds": 4}],
            "quality": "standard",
            "aspectRatio": "16:9"
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

    /// The project's music file is asked about and opened like the images (it is uploaded
    /// too): refused, it is named by its field; allowed, the store gets its bytes.
    #[tokio::test]
    async fn the_music_file_is_checked_and_opened_like_the_images() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("theme.wav"), b"RIFF....WAVE").unwrap();
        let mut p = project(&[], &[]);
        p.music = Some(studio_core::Music {
            file: Some("theme.wav".into()),
            ..Default::default()
        });
        let refused = References::open(&p, &root, |path| !path.ends_with("theme.wav"));
        let problems = refused.unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "music.file");
        let refs = References::open(&p, &root, |_| true).unwrap();
        let music = refs.music().expect("opened");
        assert_eq!(music.path, root.join("theme.wav"));
        let store = studio_media::LocalStore::open(root.join("store")).unwrap();
        let uri = music.import(&store).await.unwrap();
        assert!(uri.ends_with(".wav"), "{uri}");
        let stored = store.local_path(&uri).await.unwrap();
        assert_eq!(std::fs::read(stored).unwrap(), b"RIFF....WAVE");
        // Music made from a prompt has no file to open.
        p.music = Some(studio_core::Music {
            prompt: Some("piano".into()),
            ..Default::default()
        });
        assert!(References::open(&p, &root, |_| true)
            .unwrap()
            .music()
            .is_none());
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

    /// Runs `f` on a thread and waits for it at most `limit`; a FIFO opened with a plain
    /// `open(2)` would block it until a writer comes, so on time out one comes (the FIFO is
    /// opened for writing, on a thread of its own) to free the thread, and the test fails.
    #[cfg(unix)]
    fn within<T: Send + 'static>(
        limit: std::time::Duration,
        fifo: &Path,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        match rx.recv_timeout(limit) {
            Ok(v) => v,
            Err(_) => {
                let writer = fifo.to_owned();
                std::thread::spawn(move || std::fs::OpenOptions::new().write(true).open(writer));
                panic!("still waiting after {limit:?}: the FIFO was opened and blocked");
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

    /// A reference that is a FIFO is refused at once, named as one, whether the check allows
    /// it (it is not a regular file) or not (it is never opened): opening it would wait for a
    /// writer forever, holding the thread (a render or a thumbnail would hang the window).
    #[cfg(unix)]
    #[test]
    fn a_fifo_named_as_a_reference_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let fifo = root.join("pipe.png");
        mkfifo(&fifo);
        let limit = std::time::Duration::from_secs(5);
        for allow in [true, false] {
            let base = root.clone();
            let problems = within(limit, &fifo, move || {
                References::open(&project(&[], &[&["pipe.png"]]), &base, |_| allow).unwrap_err()
            });
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].field, "cast[0].referenceImages[0]");
            let message = &problems[0].message;
            assert!(message.contains("pipe.png"), "{message}");
            if allow {
                assert!(message.contains("FIFO"), "{message}");
            } else {
                assert!(message.contains("not chosen"), "{message}");
            }
        }
        // A check is never asked about a path that leads nowhere; a folder is not a file.
        std::fs::create_dir(root.join("dir.png")).unwrap();
        let err = open_allowed(&root.join("dir.png"), |_| true).unwrap_err();
        assert!(
            matches!(
                err,
                OpenError::NotAFile {
                    kind: "a folder",
                    ..
                }
            ),
            "{err}"
        );
        let err = open_allowed(&root.join("missing.png"), |_| panic!("asked")).unwrap_err();
        assert!(matches!(err, OpenError::Resolve { .. }), "{err}");
    }
}
