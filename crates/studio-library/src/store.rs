//! Where the library keeps its items: a folder per item, named by its id, in the `characters`
//! folder of the data dir. Images are copied in (checked by their magic numbers), deleting moves
//! a folder to the trash with an undo record, and archives are written from and filed into the
//! folders, each step ordered so that a crash never leaves the index naming files that are gone.

use std::path::{Path, PathBuf};

use crate::archive;
use crate::error::{io, LibraryError, Result};
use crate::index::{Entry, Index, Item, INDEX};
use crate::{Character, Element};

/// The trash (deleted items until the library is next opened) and the staging folder (an
/// import being checked), inside the library's folder.
const TRASH: &str = ".trash";
const STAGING: &str = ".staging";

/// Longest name and prompt a character may have (a prompt is a paragraph, not a document).
pub const MAX_NAME: usize = 200;
pub const MAX_PROMPT: usize = 4000;

/// A name and prompt (a character's or an element's), trimmed, or why they cannot be used.
pub(crate) fn checked_text<'a>(name: &'a str, prompt: &'a str) -> Result<(&'a str, &'a str)> {
    let (name, prompt) = (name.trim(), prompt.trim());
    if name.is_empty() {
        return Err(LibraryError::EmptyName);
    }
    if prompt.is_empty() {
        return Err(LibraryError::EmptyPrompt);
    }
    if name.chars().count() > MAX_NAME {
        return Err(LibraryError::TooLong {
            what: "name",
            max: MAX_NAME,
        });
    }
    if prompt.chars().count() > MAX_PROMPT {
        return Err(LibraryError::TooLong {
            what: "prompt",
            max: MAX_PROMPT,
        });
    }
    Ok((name, prompt))
}

/// Now, in seconds since the Unix epoch (what `created_at` and `updated_at` hold).
pub(crate) fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

/// The image kind of `bytes` by its magic number, as a file extension: PNG, JPEG or WebP, the
/// images a provider takes as references (a file's own name can lie).
pub(crate) fn image_ext(bytes: &[u8]) -> Option<&'static str> {
    match image::guess_format(bytes).ok()? {
        image::ImageFormat::Png => Some("png"),
        image::ImageFormat::Jpeg => Some("jpg"),
        image::ImageFormat::WebP => Some("webp"),
        _ => None,
    }
}

/// The library of one data dir.
pub struct Library {
    pub(crate) root: PathBuf,
}

impl Library {
    /// Opens (creating) the library in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Library> {
        let root = studio_core::DataDir::new(data_dir).characters();
        std::fs::create_dir_all(&root).map_err(io(&root))?;
        Ok(Library { root })
    }

    /// Empties the trash (and any import interrupted by a crash): what the studio does when it
    /// starts, so undo is for the session.
    pub fn purge_trash(&self) -> Result<()> {
        for leftover in [TRASH, STAGING] {
            let p = self.root.join(leftover);
            if p.exists() {
                std::fs::remove_dir_all(&p).map_err(io(&p))?;
            }
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A character's folder.
    pub fn dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }

    /// The path of one of a character's files.
    pub fn file(&self, id: &str, name: &str) -> PathBuf {
        self.dir(id).join(name)
    }

    /// A new id, for an item's folder.
    pub(crate) fn new_id() -> String {
        uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
    }

    /// A new item's folder with `images` copied in as `<stem>-N.<ext>`; nothing is left behind
    /// when one cannot be copied. Returns the files' names.
    pub(crate) fn new_folder(
        &self,
        id: &str,
        images: &[PathBuf],
        stem: &str,
    ) -> Result<Vec<String>> {
        let dir = self.dir(id);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        self.copy_images(id, images, stem).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&dir);
        })
    }

    fn copy_images(&self, id: &str, images: &[PathBuf], stem: &str) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for (n, src) in images.iter().enumerate() {
            let bytes = std::fs::read(src).map_err(io(src))?;
            let ext =
                image_ext(&bytes).ok_or_else(|| LibraryError::NotAnImage { path: src.clone() })?;
            let name = format!("{stem}-{}.{ext}", n + 1);
            let dest = self.file(id, &name);
            studio_core::write_atomic(&dest, &bytes).map_err(io(&dest))?;
            names.push(name);
        }
        Ok(names)
    }

    /// [`Library::delete`] of either kind of item.
    pub(crate) fn delete_item<T: Item>(&self, id: &str) -> Result<()> {
        // The whole entry: an undo brings back what this studio does not know of it too.
        let c = self.entry::<T>(id)?;
        let trash = self.root.join(TRASH).join(id);
        std::fs::create_dir_all(self.root.join(TRASH)).map_err(io(&trash))?;
        if trash.exists() {
            std::fs::remove_dir_all(&trash).map_err(io(&trash))?;
        }
        let record = serde_json::to_vec(&c).map_err(|e| LibraryError::Damaged {
            path: trash.clone(),
            message: e.to_string(),
        })?;
        let rec_path = trash.with_extension("json");
        studio_core::write_atomic(&rec_path, &record).map_err(io(&rec_path))?;
        self.update(|i| {
            T::entries_mut(i).retain(|e| e.item.id() != id);
            Ok(())
        })?;
        std::fs::rename(self.dir(id), &trash).map_err(io(&trash))
    }

    /// [`Library::undo_delete`] of either kind of item: only one deleted as that kind.
    pub(crate) fn undo_delete_item<T: Item>(&self, id: &str) -> Result<T> {
        // The id comes from the window: it names a folder only if it is one of ours.
        if !archive::safe_id(id) {
            return Err(LibraryError::NothingToUndo(id.to_owned()));
        }
        let trash = self.root.join(TRASH).join(id);
        let rec_path = trash.with_extension("json");
        let record =
            std::fs::read(&rec_path).map_err(|_| LibraryError::NothingToUndo(id.to_owned()))?;
        let c: Entry<T> = serde_json::from_slice(&record).map_err(|e| LibraryError::Damaged {
            path: rec_path.clone(),
            message: e.to_string(),
        })?;
        // A crash during the delete may have left the files where they were.
        if trash.exists() || !self.dir(id).exists() {
            std::fs::rename(&trash, self.dir(id)).map_err(io(&trash))?;
        }
        let _ = std::fs::remove_file(&rec_path);
        self.update(|i| {
            T::entries_mut(i).push(c.clone());
            Ok(())
        })?;
        Ok(c.item)
    }

    /// Writes `ids` (characters or elements; everything when empty) into one archive at `out`,
    /// atomically. Returns how many items it holds.
    pub fn export(&self, ids: &[String], out: &Path) -> Result<usize> {
        let index = self.read()?;
        let characters: Vec<Character> = index.characters.into_iter().map(|e| e.item).collect();
        let elements: Vec<Element> = index.elements.into_iter().map(|e| e.item).collect();
        let (characters, elements) = if ids.is_empty() {
            (characters, elements)
        } else {
            let mut chosen = (Vec::new(), Vec::new());
            for id in ids {
                if let Some(c) = characters.iter().find(|c| &c.id == id) {
                    chosen.0.push(c.clone());
                } else if let Some(e) = elements.iter().find(|e| &e.id == id) {
                    chosen.1.push(e.clone());
                } else {
                    return Err(LibraryError::NotFound(id.clone()));
                }
            }
            chosen
        };
        archive::write(self, &characters, &elements, out)?;
        Ok(characters.len() + elements.len())
    }

    /// Adds the characters of an archive (and its locations and props, see
    /// [`Library::import_all`]); returns the characters added.
    pub fn import(&self, archive_path: &Path) -> Result<Vec<Character>> {
        self.import_all(archive_path).map(|i| i.characters)
    }

    /// Adds the characters and elements of an archive (new ids where one is taken). Everything
    /// is checked before anything is added: a bad archive leaves the library as it was.
    pub fn import_all(&self, archive_path: &Path) -> Result<Imported> {
        let staging = self
            .root
            .join(STAGING)
            .join(uuid::Uuid::new_v4().simple().to_string());
        let result = self.import_via(archive_path, &staging);
        let _ = std::fs::remove_dir_all(&staging);
        result
    }

    fn import_via(&self, archive_path: &Path, staging: &Path) -> Result<Imported> {
        let (characters, elements) = archive::read(archive_path, staging)?;
        let index_path = self.root.join(INDEX);
        let _lock = studio_core::FileLock::exclusive(&index_path).map_err(io(&index_path))?;
        let mut index = self.read_for_update()?;
        let imported = Imported {
            characters: self.file_in(&mut index, staging, characters)?,
            elements: self.file_in(&mut index, staging, elements)?,
        };
        // The index is written last, once the moved folders are durable (their files were
        // fsynced in staging): a power cut never leaves an index naming files that are not there.
        sync_dir(&self.root)?;
        self.write(&index)?;
        Ok(imported)
    }

    /// Moves staged items' folders into the library (a new id where theirs is taken) and adds
    /// them to `index`; returns them as added.
    fn file_in<T: Item>(&self, index: &mut Index, staging: &Path, items: Vec<T>) -> Result<Vec<T>> {
        let mut added = Vec::new();
        for mut c in items {
            let from = staging.join(c.id());
            if index.contains(c.id()) || self.dir(c.id()).exists() {
                c.set_id(Self::new_id());
            }
            let to = self.dir(c.id());
            if from.is_dir() {
                std::fs::rename(&from, &to).map_err(io(&from))?;
            } else {
                // An item with no files (a character with no references and no angles yet).
                std::fs::create_dir_all(&to).map_err(io(&to))?;
            }
            T::entries_mut(index).push(Entry::new(c.clone()));
            added.push(c);
        }
        Ok(added)
    }
}

/// What an archive added to the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub characters: Vec<Character>,
    pub elements: Vec<Element>,
}

/// Makes a directory's entries (files created or renamed into it) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Copies the files of folder `from` into `to` (made if missing).
pub(crate) fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let dest = to.join(entry.file_name());
        std::fs::copy(entry.path(), &dest).map_err(io(&dest))?;
    }
    Ok(())
}
