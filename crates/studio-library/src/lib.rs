//! The character library: characters built once and reused in every project, so the same
//! character looks the same everywhere and its images are paid for once; and beside them the
//! locations and props (elements), kept the same way with their images ([`Element`]).
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
mod elements;
mod list;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use archive::ARCHIVE_FORMAT;
pub use elements::Element;
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
///
/// `elements` came later, in the same version: an index without them reads as having none, and
/// one without any is written without the key, byte for byte as before. A studio from before
/// them keeps the list as a field it does not know.
#[derive(Debug, Serialize, Deserialize)]
struct Index {
    version: u32,
    characters: Vec<Entry<Character>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    elements: Vec<Entry<Element>>,
    #[serde(flatten)]
    unknown: serde_json::Map<String, serde_json::Value>,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            version: INDEX_VERSION,
            characters: Vec::new(),
            elements: Vec::new(),
            unknown: serde_json::Map::new(),
        }
    }
}

/// One item of the index (a character or an element) with the fields of its entry this studio
/// does not know.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
struct Entry<T> {
    #[serde(flatten)]
    item: T,
    #[serde(flatten)]
    unknown: serde_json::Map<String, serde_json::Value>,
}

impl<T> Entry<T> {
    fn new(item: T) -> Self {
        Entry {
            item,
            unknown: serde_json::Map::new(),
        }
    }
}

impl Index {
    fn find<T: Item>(&self, id: &str) -> Option<&Entry<T>> {
        T::entries(self).iter().find(|e| e.item.id() == id)
    }

    /// Whether any item (of either kind: they share the library's folders) has this id.
    fn contains(&self, id: &str) -> bool {
        self.find::<Character>(id).is_some() || self.find::<Element>(id).is_some()
    }
}

/// What the library keeps of both characters and elements: an id naming its folder, a name and
/// a prompt, and the files in that folder. Storing, finding, deleting, undoing, exporting and
/// importing are written once over it.
pub(crate) trait Item: Clone + Serialize + serde::de::DeserializeOwned {
    fn id(&self) -> &str;
    fn set_id(&mut self, id: String);
    fn name(&self) -> &str;
    fn prompt(&self) -> &str;
    /// Its files, as names inside its folder.
    fn files(&self) -> Vec<&str>;
    fn set_updated(&mut self, at: u32);
    /// Why `id` is not in the library.
    fn not_found(id: &str) -> LibraryError;
    /// Its list in the index.
    fn entries(index: &Index) -> &Vec<Entry<Self>>;
    fn entries_mut(index: &mut Index) -> &mut Vec<Entry<Self>>;
}

impl Item for Character {
    fn id(&self) -> &str {
        &self.id
    }
    fn set_id(&mut self, id: String) {
        self.id = id;
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn prompt(&self) -> &str {
        &self.base_prompt
    }
    fn files(&self) -> Vec<&str> {
        (self.references.iter().map(String::as_str))
            .chain(self.angles.iter().flat_map(|a| a.files()))
            .collect()
    }
    fn set_updated(&mut self, at: u32) {
        self.updated_at = at;
    }
    fn not_found(id: &str) -> LibraryError {
        LibraryError::NotFound(id.to_owned())
    }
    fn entries(index: &Index) -> &Vec<Entry<Self>> {
        &index.characters
    }
    fn entries_mut(index: &mut Index) -> &mut Vec<Entry<Self>> {
        &mut index.characters
    }
}

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

/// Longest name and prompt a character may have (a prompt is a paragraph, not a document).
pub const MAX_NAME: usize = 200;
pub const MAX_PROMPT: usize = 4000;

/// A name and prompt (a character's or an element's), trimmed, or why they cannot be used.
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
            .map(|e| e.item)
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
        self.entry::<Character>(id).map(|e| e.item)
    }

    /// An item with the fields of its entry this studio does not know.
    fn entry<T: Item>(&self, id: &str) -> Result<Entry<T>> {
        self.read()?
            .find::<T>(id)
            .cloned()
            .ok_or_else(|| T::not_found(id))
    }

    /// A new id, for an item's folder.
    fn new_id() -> String {
        uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
    }

    /// A new character from a name, a prompt and reference images (copied in).
    pub fn create(
        &self,
        name: &str,
        base_prompt: &str,
        references: &[PathBuf],
    ) -> Result<Character> {
        let (name, base_prompt) = checked_text(name, base_prompt)?;
        let id = Self::new_id();
        let refs = self.new_folder(&id, references, "reference")?;
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
        self.add(c.clone())?;
        Ok(c)
    }

    /// Adds a new item to the index.
    fn add<T: Item>(&self, item: T) -> Result<()> {
        self.update(|i| {
            T::entries_mut(i).push(Entry::new(item));
            Ok(())
        })
    }

    /// A new item's folder with `images` copied in as `<stem>-N.<ext>`; nothing is left behind
    /// when one cannot be copied. Returns the files' names.
    fn new_folder(&self, id: &str, images: &[PathBuf], stem: &str) -> Result<Vec<String>> {
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

    /// Renames a character.
    pub fn rename(&self, id: &str, name: &str) -> Result<Character> {
        let (name, _) = checked_text(name, "-")?;
        self.edit(id, |c: &mut Character| c.name = name.to_owned())
    }

    /// Changes the prompt; the angles no longer match it and are dropped (regenerate them).
    pub fn set_prompt(&self, id: &str, base_prompt: &str) -> Result<Character> {
        let (_, p) = checked_text("-", base_prompt)?;
        self.edit(id, |c: &mut Character| {
            if c.base_prompt != p {
                c.base_prompt = p.to_owned();
                c.angles = None;
            }
        })
    }

    fn edit<T: Item>(&self, id: &str, f: impl FnOnce(&mut T)) -> Result<T> {
        self.update(|i| {
            let c = T::entries_mut(i)
                .iter_mut()
                .map(|e| &mut e.item)
                .find(|c| c.id() == id)
                .ok_or_else(|| T::not_found(id))?;
            f(c);
            c.set_updated(now());
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
        self.edit(id, |c: &mut Character| {
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
        let Entry { item: src, unknown } = self.entry::<Character>(id)?;
        let (name, _) = checked_text(name, "-")?;
        let new_id = Self::new_id();
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
                item: copy.clone(),
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
        self.delete_item::<Character>(id)
    }

    /// [`Library::delete`] of either kind of item.
    fn delete_item<T: Item>(&self, id: &str) -> Result<()> {
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

    pub fn undo_delete(&self, id: &str) -> Result<Character> {
        self.undo_delete_item(id)
    }

    /// [`Library::undo_delete`] of either kind of item: only one deleted as that kind.
    fn undo_delete_item<T: Item>(&self, id: &str) -> Result<T> {
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

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let dest = to.join(entry.file_name());
        std::fs::copy(entry.path(), &dest).map_err(io(&dest))?;
    }
    Ok(())
}
