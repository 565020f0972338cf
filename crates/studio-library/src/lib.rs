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
//!
//! The parts: `index` is `index.json` (what the library holds, read and changed under a lock
//! with what a newer studio wrote kept), `store` the folders the items' files live in (copying
//! images in, the trash behind delete and undo, archives in and out), `characters` and
//! `elements` the two kinds of item, `batches` the record of batch generations, `archive` the
//! archive format and `list` the pasted character lists.

mod archive;
mod batches;
mod characters;
mod elements;
mod error;
mod index;
mod list;
mod store;

pub use archive::ARCHIVE_FORMAT;
pub use batches::BatchRecord;
pub use characters::{Angles, Character};
pub use elements::Element;
pub use error::{LibraryError, Result};
pub use list::parse_list;
pub use store::{Imported, Library, MAX_NAME, MAX_PROMPT};
