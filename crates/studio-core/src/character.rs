//! A character: the lead or a cast member, one type in a project and in a render's input.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sound::Voice;

/// Most characters one project (and one job) has: the lead and up to five more.
pub const MAX_CAST: usize = 6;

/// A character: the lead or a cast member.
///
/// One type wherever a character is; `R` is what its reference images are there:
/// - in a project (its file, the window): a [`PathBuf`] as written in the file, relative to the
///   project's folder (the default, so `Character` alone is a project's);
/// - in a render's input ([`crate::VideoRequest`]): a `String`, the artifact URI the image was
///   copied to, since media never travels in workflow payloads. [`Character::for_render`] turns
///   the one into the other.
///
/// Each keeps the JSON it always had, so project files and recorded workflow histories read
/// and write as before: a project's (derived here) always writes `name` and `referenceImages`;
/// a render's (`SeedCharacter`) leaves empty ones out and reads them as empty when absent, as
/// the seed design's clients send it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(
    rename_all = "camelCase",
    bound(
        serialize = "R: ProjectReference + Serialize",
        deserialize = "R: ProjectReference + Deserialize<'de>"
    )
)]
pub struct Character<R = PathBuf> {
    /// How scenarios name this character in their `cast`; needed only once there is a cast (a
    /// one-character project keeps the seed's shape, so it is left out when None).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub id: Option<String>,
    pub name: String,
    pub base_prompt: String,
    /// In a project: paths as written in the file; relative paths are relative to the project
    /// file's folder. In a render's input: artifact URIs.
    pub reference_images: Vec<R>,
    /// A character from the library: its stored angle images are used as they are (no
    /// character step), so it looks the same in every project. Always None in a render's input,
    /// which carries those angles themselves (the engine's `characterImages`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub library_id: Option<String>,
    /// How this character sounds: described for the video model's native speech, and the
    /// speech model's voice for voice-over. Left out when None (the default voice is then
    /// picked by the character's place, [`crate::default_voice`]), in files as in requests,
    /// so both read and write as before voices existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Voice))]
    pub voice: Option<Voice>,
}

/// A reference type whose characters have the project's JSON (derived on [`Character`]): only
/// [`PathBuf`]. Sealed, so a render's character (`Character<String>`) keeps its own
/// (`SeedCharacter`).
pub trait ProjectReference: sealed::Sealed {}

impl ProjectReference for PathBuf {}

pub(crate) mod sealed {
    pub trait Sealed {}
    impl Sealed for std::path::PathBuf {}
    impl Sealed for String {}
}

impl Character {
    /// This project character as a render takes it: `references` are the artifact URIs its
    /// reference images were copied to, in order.
    pub fn for_render(&self, references: Vec<String>) -> Character<String> {
        Character {
            id: self.id.clone(),
            name: self.name.clone(),
            base_prompt: self.base_prompt.clone(),
            reference_images: references,
            library_id: None,
            voice: self.voice.clone(),
        }
    }
}

/// [`Character`] in a render's input (`Character<String>`): the seed design's wire shape,
/// recorded in every job's history and sent by its clients. `id`, `name` and
/// `referenceImages` are left out when empty and read as empty when absent; there is no
/// `libraryId` (a library character's angles travel beside the request). `voice` is left out
/// when None, so a request of a character without one is written as before.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Character<String>", rename_all = "camelCase")]
struct SeedCharacter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name: String,
    base_prompt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    reference_images: Vec<String>,
    #[serde(skip)]
    library_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    voice: Option<Voice>,
}

impl Serialize for Character<String> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SeedCharacter::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Character<String> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SeedCharacter::deserialize(d)
    }
}
