//! Characters: a name, a base prompt, the creator's reference images and the three angle
//! images generated for it, kept once and reused in every project so the same character looks
//! the same everywhere.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{io, LibraryError, Result};
use crate::index::{Entry, Index, Item};
use crate::store::{checked_text, copy_dir, image_ext, now};
use crate::Library;

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

/// A character of the library.
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

impl Library {
    /// The character's angle images as paths, in front, three-quarter, profile order.
    pub fn angle_paths(&self, c: &Character) -> Result<[PathBuf; 3]> {
        let a = c
            .angles
            .as_ref()
            .ok_or_else(|| LibraryError::NoAngles(c.name.clone()))?;
        Ok(a.files().map(|f| self.file(&c.id, f)))
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

    /// Brings back a deleted character (see [`Library::delete`]).
    pub fn undo_delete(&self, id: &str) -> Result<Character> {
        self.undo_delete_item(id)
    }
}
