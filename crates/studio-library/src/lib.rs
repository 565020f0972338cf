//! The character library: characters built once and reused in every project, so the same
//! character looks the same everywhere and its images are paid for once.
//!
//! A character is a name, a base prompt, the creator's reference images and the three angle
//! images generated for it (front, three-quarter, profile) with the provider and model that made
//! them. The library is a folder in the data dir: one sub-folder of files per character and a
//! small `index.json`, replaced atomically, so a crash mid-edit loses nothing. Deleting moves a
//! character to a trash folder, so it can be undone until the library is next opened.
//!
//! Archives (`*.characters.tar`) carry characters between machines: a manifest plus their files.
//! Importing validates everything in a staging folder first; a bad archive changes nothing.

mod archive;
mod list;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use archive::ARCHIVE_FORMAT;
pub use list::parse_list;

/// Folder of the library inside the data dir.
const INDEX: &str = "index.json";
const TRASH: &str = ".trash";
const STAGING: &str = ".staging";

/// The three generated views of a character, as file names inside its folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Angles {
    pub front: String,
    pub three_quarter: String,
    pub profile: String,
    /// Who made them, e.g. `offline` or `gemini-2.5-flash-image`.
    pub model: String,
}

impl Angles {
    pub fn files(&self) -> [&str; 3] {
        [&self.front, &self.three_quarter, &self.profile]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename = "LibraryCharacter")] // the TypeScript name (the project has its own Character)
#[serde(rename_all = "camelCase")]
pub struct Character {
    pub id: String,
    pub name: String,
    pub base_prompt: String,
    /// Reference images, as file names inside the character's folder.
    #[serde(default)]
    pub references: Vec<String>,
    /// None until generated (and again after the prompt or references change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Angles))]
    pub angles: Option<Angles>,
    /// Seconds since the Unix epoch.
    pub created_at: u32,
    pub updated_at: u32,
}

/// The `version` of `index.json` this studio reads and writes.
const INDEX_VERSION: u32 = 1;

/// `index.json`. Fields this studio does not know, at the top and in each character, are kept
/// on every rewrite (a newer studio's library survives this one's edits); they stay here,
/// beside the [`Character`] the window sees, so its TypeScript type stays clean.
#[derive(Debug, Serialize, Deserialize)]
struct Index {
    version: u32,
    characters: Vec<Entry>,
    #[serde(flatten)]
    unknown: serde_json::Map<String, serde_json::Value>,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            version: INDEX_VERSION,
            characters: Vec::new(),
            unknown: serde_json::Map::new(),
        }
    }
}

/// One character of the index with the fields of its entry this studio does not know.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    #[serde(flatten)]
    character: Character,
    #[serde(flatten)]
    unknown: serde_json::Map<String, serde_json::Value>,
}

impl From<Character> for Entry {
    fn from(character: Character) -> Self {
        Entry {
            character,
            unknown: serde_json::Map::new(),
        }
    }
}

impl Index {
    fn find(&self, id: &str) -> Option<&Entry> {
        self.characters.iter().find(|e| e.character.id == id)
    }

    fn contains(&self, id: &str) -> bool {
        self.find(id).is_some()
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LibraryError {
    #[error("no character {0:?} in the library")]
    NotFound(String),
    #[error("the character's name is empty")]
    EmptyName,
    #[error("the character's prompt is empty")]
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
    #[error("the character's {what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
}

/// Longest name and prompt a character may have (a prompt is a paragraph, not a document).
pub const MAX_NAME: usize = 200;
pub const MAX_PROMPT: usize = 4000;

/// A character's name and prompt, trimmed, or why they cannot be used.
fn checked_text<'a>(name: &'a str, prompt: &'a str) -> Result<(&'a str, &'a str)> {
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

pub type Result<T, E = LibraryError> = std::result::Result<T, E>;

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LibraryError + '_ {
    move |source| LibraryError::Io {
        path: path.to_owned(),
        source,
    }
}

fn now() -> u32 {
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

/// A batch generation the studio started: the library entries it fills, in batch order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BatchRecord {
    /// The batch workflow's id.
    pub id: String,
    pub character_ids: Vec<String>,
    pub started_at: u32,
}

const BATCHES: &str = "batches.json";

/// The library of one data dir.
pub struct Library {
    root: PathBuf,
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

    /// The character's angle images as paths, in front, three-quarter, profile order.
    pub fn angle_paths(&self, c: &Character) -> Result<[PathBuf; 3]> {
        let a = c
            .angles
            .as_ref()
            .ok_or_else(|| LibraryError::NoAngles(c.name.clone()))?;
        Ok(a.files().map(|f| self.file(&c.id, f)))
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

    fn read(&self) -> Result<Index> {
        let path = self.root.join(INDEX);
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| LibraryError::Damaged {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index::default()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// The index, to be changed: refused when a newer studio wrote it (its format may hold what
    /// this studio would lose or get wrong).
    fn read_for_update(&self) -> Result<Index> {
        let index = self.read()?;
        if index.version > INDEX_VERSION {
            return Err(LibraryError::NewerIndex {
                path: self.root.join(INDEX),
                found: index.version,
                supported: INDEX_VERSION,
            });
        }
        Ok(index)
    }

    fn write(&self, index: &Index) -> Result<()> {
        let path = self.root.join(INDEX);
        let bytes = serde_json::to_vec_pretty(index).expect("the index serializes");
        studio_core::write_atomic(&path, &bytes).map_err(io(&path))
    }

    /// Read-modify-write of the index under its lock (the window, `studio` commands and batch
    /// syncs all edit it).
    fn update<T>(&self, f: impl FnOnce(&mut Index) -> Result<T>) -> Result<T> {
        let path = self.root.join(INDEX);
        let _lock = studio_core::FileLock::exclusive(&path).map_err(io(&path))?;
        let mut index = self.read_for_update()?;
        let out = f(&mut index)?;
        self.write(&index)?;
        Ok(out)
    }

    /// Every character whose name or prompt contains `query` (any case), newest first.
    pub fn list(&self, query: &str) -> Result<Vec<Character>> {
        let q = query.trim().to_lowercase();
        let mut all: Vec<Character> = self
            .read()?
            .characters
            .into_iter()
            .map(|e| e.character)
            .filter(|c| {
                q.is_empty()
                    || c.name.to_lowercase().contains(&q)
                    || c.base_prompt.to_lowercase().contains(&q)
            })
            .collect();
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.name.cmp(&b.name)));
        Ok(all)
    }

    pub fn get(&self, id: &str) -> Result<Character> {
        self.entry(id).map(|e| e.character)
    }

    /// A character with the fields of its entry this studio does not know.
    fn entry(&self, id: &str) -> Result<Entry> {
        self.read()?
            .find(id)
            .cloned()
            .ok_or_else(|| LibraryError::NotFound(id.to_owned()))
    }

    /// A new character from a name, a prompt and reference images (copied in).
    pub fn create(
        &self,
        name: &str,
        base_prompt: &str,
        references: &[PathBuf],
    ) -> Result<Character> {
        let (name, base_prompt) = checked_text(name, base_prompt)?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let dir = self.dir(&id);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let refs = match self.copy_references(&id, references) {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let t = now();
        let c = Character {
            id,
            name: name.to_owned(),
            base_prompt: base_prompt.to_owned(),
            references: refs,
            angles: None,
            created_at: t,
            updated_at: t,
        };
        self.update(|i| {
            i.characters.push(c.clone().into());
            Ok(())
        })?;
        Ok(c)
    }

    fn copy_references(&self, id: &str, references: &[PathBuf]) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for (n, src) in references.iter().enumerate() {
            let bytes = std::fs::read(src).map_err(io(src))?;
            let ext =
                image_ext(&bytes).ok_or_else(|| LibraryError::NotAnImage { path: src.clone() })?;
            let name = format!("reference-{}.{ext}", n + 1);
            let dest = self.file(id, &name);
            studio_core::write_atomic(&dest, &bytes).map_err(io(&dest))?;
            names.push(name);
        }
        Ok(names)
    }

    /// Renames a character.
    pub fn rename(&self, id: &str, name: &str) -> Result<Character> {
        let (name, _) = checked_text(name, "-")?;
        self.edit(id, |c| c.name = name.to_owned())
    }

    /// Changes the prompt; the angles no longer match it and are dropped (regenerate them).
    pub fn set_prompt(&self, id: &str, base_prompt: &str) -> Result<Character> {
        let (_, p) = checked_text("-", base_prompt)?;
        self.edit(id, |c| {
            if c.base_prompt != p {
                c.base_prompt = p.to_owned();
                c.angles = None;
            }
        })
    }

    fn edit(&self, id: &str, f: impl FnOnce(&mut Character)) -> Result<Character> {
        self.update(|i| {
            let c = i
                .characters
                .iter_mut()
                .map(|e| &mut e.character)
                .find(|c| c.id == id)
                .ok_or_else(|| LibraryError::NotFound(id.to_owned()))?;
            f(c);
            c.updated_at = now();
            Ok(c.clone())
        })
    }

    /// Stores the three generated angles (copied in, in front, three-quarter, profile order).
    pub fn set_angles(&self, id: &str, images: [&Path; 3], model: &str) -> Result<Character> {
        self.get(id)?;
        let mut names = Vec::with_capacity(3);
        for (src, label) in images.iter().zip(["front", "three-quarter", "profile"]) {
            let bytes = std::fs::read(src).map_err(io(src))?;
            let ext = image_ext(&bytes).ok_or_else(|| LibraryError::NotAnImage {
                path: src.to_path_buf(),
            })?;
            let name = format!("{label}.{ext}");
            let dest = self.file(id, &name);
            studio_core::write_atomic(&dest, &bytes).map_err(io(&dest))?;
            names.push(name);
        }
        let [front, three_quarter, profile]: [String; 3] = names.try_into().expect("three");
        self.edit(id, |c| {
            c.angles = Some(Angles {
                front,
                three_quarter,
                profile,
                model: model.to_owned(),
            })
        })
    }

    /// A copy under a new name (files and all), to edit without touching the original.
    pub fn duplicate(&self, id: &str, name: &str) -> Result<Character> {
        let Entry {
            character: src,
            unknown,
        } = self.entry(id)?;
        let (name, _) = checked_text(name, "-")?;
        let new_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        copy_dir(&self.dir(id), &self.dir(&new_id))?;
        let t = now();
        let copy = Character {
            id: new_id,
            name: name.to_owned(),
            created_at: t,
            updated_at: t,
            ..src
        };
        self.update(|i| {
            i.characters.push(Entry {
                character: copy.clone(),
                unknown,
            });
            Ok(())
        })?;
        Ok(copy)
    }

    /// Removes a character; [`Library::undo_delete`] brings it back until the library is next
    /// opened.
    ///
    /// The undo record is written first and the index updated before any file moves, so a
    /// crash at any point leaves either the character in the library or its undo in the trash,
    /// never an index naming files that are gone.
    pub fn delete(&self, id: &str) -> Result<()> {
        // The whole entry: an undo brings back what this studio does not know of it too.
        let c = self.entry(id)?;
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
            i.characters.retain(|e| e.character.id != id);
            Ok(())
        })?;
        std::fs::rename(self.dir(id), &trash).map_err(io(&trash))
    }

    pub fn undo_delete(&self, id: &str) -> Result<Character> {
        // The id comes from the window: it names a folder only if it is one of ours.
        if !archive::safe_id(id) {
            return Err(LibraryError::NothingToUndo(id.to_owned()));
        }
        let trash = self.root.join(TRASH).join(id);
        let rec_path = trash.with_extension("json");
        let record =
            std::fs::read(&rec_path).map_err(|_| LibraryError::NothingToUndo(id.to_owned()))?;
        let c: Entry = serde_json::from_slice(&record).map_err(|e| LibraryError::Damaged {
            path: rec_path.clone(),
            message: e.to_string(),
        })?;
        // A crash during the delete may have left the files where they were.
        if trash.exists() || !self.dir(id).exists() {
            std::fs::rename(&trash, self.dir(id)).map_err(io(&trash))?;
        }
        let _ = std::fs::remove_file(&rec_path);
        self.update(|i| {
            i.characters.push(c.clone());
            Ok(())
        })?;
        Ok(c.character)
    }

    /// Batches started from this library, oldest first.
    pub fn batches(&self) -> Result<Vec<BatchRecord>> {
        let path = self.root.join(BATCHES);
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| LibraryError::Damaged {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    pub fn record_batch(&self, record: BatchRecord) -> Result<()> {
        let lock_path = self.root.join(BATCHES);
        let _lock = studio_core::FileLock::exclusive(&lock_path).map_err(io(&lock_path))?;
        let mut all = self.batches()?;
        all.retain(|b| b.id != record.id);
        all.push(record);
        let path = self.root.join(BATCHES);
        let bytes = serde_json::to_vec_pretty(&all).expect("batches serialize");
        studio_core::write_atomic(&path, &bytes).map_err(io(&path))
    }

    /// Writes `ids` (every character when empty) into one archive at `out`, atomically.
    pub fn export(&self, ids: &[String], out: &Path) -> Result<usize> {
        let all: Vec<Character> = self
            .read()?
            .characters
            .into_iter()
            .map(|e| e.character)
            .collect();
        let chosen: Vec<Character> = if ids.is_empty() {
            all
        } else {
            ids.iter()
                .map(|id| {
                    all.iter()
                        .find(|c| &c.id == id)
                        .cloned()
                        .ok_or_else(|| LibraryError::NotFound(id.clone()))
                })
                .collect::<Result<_>>()?
        };
        archive::write(self, &chosen, out)?;
        Ok(chosen.len())
    }

    /// Adds the characters of an archive (new ids where one is taken). Everything is checked
    /// before anything is added: a bad archive leaves the library as it was.
    pub fn import(&self, archive_path: &Path) -> Result<Vec<Character>> {
        let staging = self
            .root
            .join(STAGING)
            .join(uuid::Uuid::new_v4().simple().to_string());
        let result = self.import_via(archive_path, &staging);
        let _ = std::fs::remove_dir_all(&staging);
        result
    }

    fn import_via(&self, archive_path: &Path, staging: &Path) -> Result<Vec<Character>> {
        let incoming = archive::read(archive_path, staging)?;
        let index_path = self.root.join(INDEX);
        let _lock = studio_core::FileLock::exclusive(&index_path).map_err(io(&index_path))?;
        let mut index = self.read_for_update()?;
        let mut added = Vec::new();
        for mut c in incoming {
            let from = staging.join(&c.id);
            if index.contains(&c.id) || self.dir(&c.id).exists() {
                c.id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
            }
            let to = self.dir(&c.id);
            if from.is_dir() {
                std::fs::rename(&from, &to).map_err(io(&from))?;
            } else {
                // A character with no files (no references, no angles yet).
                std::fs::create_dir_all(&to).map_err(io(&to))?;
            }
            index.characters.push(c.clone().into());
            added.push(c);
        }
        // The index is written last, once the moved folders are durable (their files were
        // fsynced in staging): a power cut never leaves an index naming files that are not there.
        sync_dir(&self.root)?;
        self.write(&index)?;
        Ok(added)
    }
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

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let dest = to.join(entry.file_name());
        std::fs::copy(entry.path(), &dest).map_err(io(&dest))?;
    }
    Ok(())
}
