//! The library's index (`index.json`): which characters and elements the library holds, read
//! and changed as a whole under a file lock and replaced atomically, so a crash mid-edit loses
//! nothing; an index a newer studio wrote is read but never changed, and what this studio does
//! not know of it is kept on every rewrite. The [`Item`] trait lets both kinds of item share
//! all of it.

use serde::{Deserialize, Serialize};

use crate::error::{io, LibraryError, Result};
use crate::store::now;
use crate::{Character, Element, Library};

/// The index's file, in the library's folder.
pub(crate) const INDEX: &str = "index.json";

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
pub(crate) struct Index {
    version: u32,
    pub(crate) characters: Vec<Entry<Character>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) elements: Vec<Entry<Element>>,
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
pub(crate) struct Entry<T> {
    #[serde(flatten)]
    pub(crate) item: T,
    #[serde(flatten)]
    pub(crate) unknown: serde_json::Map<String, serde_json::Value>,
}

impl<T> Entry<T> {
    pub(crate) fn new(item: T) -> Self {
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
    pub(crate) fn contains(&self, id: &str) -> bool {
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

impl Library {
    /// The index as it is: none yet reads as empty, a damaged one is an error (and is never
    /// written over).
    pub(crate) fn read(&self) -> Result<Index> {
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
    pub(crate) fn read_for_update(&self) -> Result<Index> {
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

    /// Replaces the index atomically; callers hold its lock (see [`Library::update`]).
    pub(crate) fn write(&self, index: &Index) -> Result<()> {
        let path = self.root.join(INDEX);
        let bytes = serde_json::to_vec_pretty(index).expect("the index serializes");
        studio_core::write_atomic(&path, &bytes).map_err(io(&path))
    }

    /// Read-modify-write of the index under its lock (the window, `studio` commands and batch
    /// syncs all edit it).
    pub(crate) fn update<T>(&self, f: impl FnOnce(&mut Index) -> Result<T>) -> Result<T> {
        let path = self.root.join(INDEX);
        let _lock = studio_core::FileLock::exclusive(&path).map_err(io(&path))?;
        let mut index = self.read_for_update()?;
        let out = f(&mut index)?;
        self.write(&index)?;
        Ok(out)
    }

    /// An item with the fields of its entry this studio does not know.
    pub(crate) fn entry<T: Item>(&self, id: &str) -> Result<Entry<T>> {
        self.read()?
            .find::<T>(id)
            .cloned()
            .ok_or_else(|| T::not_found(id))
    }

    /// Adds a new item to the index.
    pub(crate) fn add<T: Item>(&self, item: T) -> Result<()> {
        self.update(|i| {
            T::entries_mut(i).push(Entry::new(item));
            Ok(())
        })
    }

    /// Changes one item in the index and marks it updated; returns it as changed.
    pub(crate) fn edit<T: Item>(&self, id: &str, f: impl FnOnce(&mut T)) -> Result<T> {
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
}
