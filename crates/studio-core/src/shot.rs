//! What a planned shot says beyond its prompt — the words of the story it tells, its camera,
//! its place and props, its dialogue — and the story and the elements (locations, props) a
//! project keeps beside its characters.
//!
//! These are a project's own fields: a render never carries them. They become the words of the
//! clip's prompt ([`crate::Project::video_prompt`]), so the prompt a model gets is the one the
//! window's preview shows, and only a scene's location and props (whose reference images the
//! video model takes after the faces) travel in the render's request.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The longest story a project keeps, in Unicode scalar values. Planning is meant for
/// stories, scripts and treatments of up to about 20,000 characters; twice that is accepted so
/// a 5,000-word story (some 28,000) still plans, and a pasted novel is refused with its size.
pub const MAX_STORY_CHARS: usize = 40_000;

/// The words of the story a shot tells: offsets in Unicode scalar values (`char`s, not bytes
/// and not UTF-16 units) into the project's story text, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SourceSpan {
    pub start: u32,
    pub end: u32,
}

impl SourceSpan {
    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The words of this span in `text` (out-of-range parts are cut off).
    pub fn text_in(self, text: &str) -> String {
        text.chars()
            .skip(self.start as usize)
            .take(self.len() as usize)
            .collect()
    }

    /// Whether `other` lies wholly inside this span.
    pub fn contains(self, other: SourceSpan) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Whether the two spans share at least one character.
    pub fn overlaps(self, other: SourceSpan) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// How much of the frame the subject fills, in the words of Google's Veo prompting guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum ShotSize {
    ExtremeWide,
    Wide,
    #[default]
    Medium,
    CloseUp,
    ExtremeCloseUp,
}

impl ShotSize {
    pub const ALL: [ShotSize; 5] = [
        ShotSize::ExtremeWide,
        ShotSize::Wide,
        ShotSize::Medium,
        ShotSize::CloseUp,
        ShotSize::ExtremeCloseUp,
    ];

    /// The words a video prompt opens with (Veo's guide: cinematography first).
    pub fn words(self) -> &'static str {
        match self {
            ShotSize::ExtremeWide => "Extreme wide shot",
            ShotSize::Wide => "Wide shot",
            ShotSize::Medium => "Medium shot",
            ShotSize::CloseUp => "Close-up",
            ShotSize::ExtremeCloseUp => "Extreme close-up",
        }
    }
}

/// How the camera moves during the shot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum CameraMove {
    #[default]
    Static,
    Pan,
    Tilt,
    DollyIn,
    DollyOut,
    Tracking,
    Crane,
    Handheld,
}

impl CameraMove {
    pub const ALL: [CameraMove; 8] = [
        CameraMove::Static,
        CameraMove::Pan,
        CameraMove::Tilt,
        CameraMove::DollyIn,
        CameraMove::DollyOut,
        CameraMove::Tracking,
        CameraMove::Crane,
        CameraMove::Handheld,
    ];

    /// The move as Veo's guide names it.
    pub fn words(self) -> &'static str {
        match self {
            CameraMove::Static => "static camera",
            CameraMove::Pan => "slow pan",
            CameraMove::Tilt => "slow tilt",
            CameraMove::DollyIn => "dolly in",
            CameraMove::DollyOut => "dolly out",
            CameraMove::Tracking => "tracking shot",
            CameraMove::Crane => "crane shot",
            CameraMove::Handheld => "handheld camera",
        }
    }
}

/// A shot's framing and movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Camera {
    pub shot: ShotSize,
    #[serde(rename = "move")]
    pub movement: CameraMove,
}

/// One line spoken in a shot, by a character of the project (its id; the lead has one too).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DialogueLine {
    pub speaker: String,
    pub line: String,
}

/// How a story's text is written: prose (a story or a treatment) or a screenplay in Fountain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum StoryFormat {
    #[default]
    Plain,
    Fountain,
}

/// The creator's story, kept in the project so the plan can be redone and every shot's
/// `source` points into it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Story {
    pub text: String,
    pub format: StoryFormat,
    /// Names of characters and elements the planner invented (the text neither names nor
    /// clearly implies them) that the creator accepted; the check stops flagging them.
    /// Left out when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
}

/// Which kind of element: a place shots happen in, or an object they show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum ElementKind {
    Location,
    Prop,
}

/// A location or a prop: like a character, a name, a prompt and reference images (supplied,
/// or generated as an establishing wide and a reverse), kept in the library to reuse.
///
/// `R` is what its reference images are, as for [`crate::Character`]: paths in a project
/// (relative to its folder), artifact URIs in a render's request. The JSON is the same for
/// both: empty images and no library id are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Element<R = PathBuf> {
    pub id: String,
    pub kind: ElementKind,
    pub name: String,
    pub prompt: String,
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub reference_images: Vec<R>,
    /// An element from the library: its stored images are used as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub library_id: Option<String>,
}

impl<R> Element<R> {
    /// How many images a render generates for an element that needs them: an establishing
    /// wide and a reverse for a location, a product view and a detail for a prop.
    pub const GENERATED_IMAGES: u32 = 2;

    /// Whether a render generates this element's images: it has no reference images and is
    /// not from the library (whose stored images are its references).
    pub fn needs_images(&self) -> bool {
        self.reference_images.is_empty() && self.library_id.is_none()
    }
}

impl Element {
    /// This project element as a render takes it: `references` are the artifact URIs its
    /// reference images were copied to, in order.
    pub fn for_render(&self, references: Vec<String>) -> Element<String> {
        Element {
            id: self.id.clone(),
            kind: self.kind,
            name: self.name.clone(),
            prompt: self.prompt.clone(),
            reference_images: references,
            library_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_and_dialogue_keep_the_issue_s_names() {
        let c = Camera {
            shot: ShotSize::ExtremeCloseUp,
            movement: CameraMove::DollyIn,
        };
        assert_eq!(
            serde_json::to_value(c).unwrap(),
            serde_json::json!({"shot": "extreme-close-up", "move": "dolly-in"})
        );
        let s: SourceSpan = serde_json::from_str(r#"{"start":3,"end":9}"#).unwrap();
        assert_eq!(s.len(), 6);
        assert!(s.contains(SourceSpan { start: 4, end: 9 }));
        assert!(!s.overlaps(SourceSpan { start: 9, end: 12 }));
    }
}
