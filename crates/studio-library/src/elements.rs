//! Locations and props kept to reuse, like characters: a name, a prompt and the images a shot
//! gets as its references (the creator's own, or the views a render generated), in a folder of
//! their own beside the characters', listed in the same index and carried by the same archives.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use studio_core::ElementKind;

use crate::index::{Entry, Index, Item};
use crate::store::{checked_text, now};
use crate::{Library, LibraryError, Result};

/// A location or a prop of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename = "LibraryElement")] // the TypeScript name (the project has its own Element)
#[serde(rename_all = "camelCase")]
pub struct Element {
    pub id: String,
    pub kind: ElementKind,
    pub name: String,
    pub prompt: String,
    /// Its images, as file names inside its folder, in the order a shot sends them: a
    /// location's establishing wide first, a prop's whole view first.
    pub images: Vec<String>,
    /// Who made the images (e.g. `offline` or an image model); None: the creator's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub model: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_at: u32,
    pub updated_at: u32,
}

impl Item for Element {
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
        &self.prompt
    }
    fn files(&self) -> Vec<&str> {
        self.images.iter().map(String::as_str).collect()
    }
    fn set_updated(&mut self, at: u32) {
        self.updated_at = at;
    }
    fn not_found(id: &str) -> LibraryError {
        LibraryError::NoElement(id.to_owned())
    }
    fn entries(index: &Index) -> &Vec<Entry<Self>> {
        &index.elements
    }
    fn entries_mut(index: &mut Index) -> &mut Vec<Entry<Self>> {
        &mut index.elements
    }
}

impl Library {
    /// Keeps a location or a prop with its `images` (copied in, in order): the creator's
    /// references, or the views a render made (then `model` says who made them). An element is
    /// kept for its look, so it needs at least one image.
    pub fn create_element(
        &self,
        kind: ElementKind,
        name: &str,
        prompt: &str,
        images: &[PathBuf],
        model: Option<&str>,
    ) -> Result<Element> {
        let (name, prompt) = checked_text(name, prompt)?;
        if images.is_empty() {
            return Err(LibraryError::NoImages);
        }
        let id = Self::new_id();
        let files = self.new_folder(&id, images, "image")?;
        let t = now();
        let e = Element {
            id,
            kind,
            name: name.to_owned(),
            prompt: prompt.to_owned(),
            images: files,
            model: model.map(str::to_owned),
            created_at: t,
            updated_at: t,
        };
        self.add(e.clone())?;
        Ok(e)
    }

    /// Every element whose name or prompt contains `query` (any case), newest first.
    pub fn elements(&self, query: &str) -> Result<Vec<Element>> {
        let q = query.trim().to_lowercase();
        let mut all: Vec<Element> = (self.read()?.elements.into_iter())
            .map(|e| e.item)
            .filter(|e| {
                q.is_empty()
                    || e.name.to_lowercase().contains(&q)
                    || e.prompt.to_lowercase().contains(&q)
            })
            .collect();
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.name.cmp(&b.name)));
        Ok(all)
    }

    pub fn element(&self, id: &str) -> Result<Element> {
        self.entry::<Element>(id).map(|e| e.item)
    }

    /// The element's images as paths, in order.
    pub fn element_paths(&self, e: &Element) -> Vec<PathBuf> {
        e.images.iter().map(|f| self.file(&e.id, f)).collect()
    }

    /// Removes an element; [`Library::undo_delete_element`] brings it back until the library
    /// is next opened (as for characters).
    pub fn delete_element(&self, id: &str) -> Result<()> {
        self.delete_item::<Element>(id)
    }

    pub fn undo_delete_element(&self, id: &str) -> Result<Element> {
        self.undo_delete_item(id)
    }
}
