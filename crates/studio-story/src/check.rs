//! The faithfulness check: one check for every plan, from any planner.
//!
//! What fails is reported with the sentence or line concerned and never fixed silently: the
//! creator (or the model, asked again with these issues listed) decides.

use serde::{Deserialize, Serialize};
use studio_core::{Project, SourceSpan};

/// What an invented name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum InventedKind {
    Character,
    Location,
    Prop,
}

/// One way a plan is not faithful to its story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum PlanIssue {
    /// A sentence of the story no shot's `source` covers.
    #[error("no shot tells this sentence: {sentence:?}")]
    Uncovered { span: SourceSpan, sentence: String },
    /// Quoted speech that is not, word for word, in the dialogue of the shot covering it.
    #[error("the line {quote:?} is not spoken in {}", shot.as_deref().unwrap_or("any shot"))]
    LineMissing {
        span: SourceSpan,
        quote: String,
        /// The shot that covers the quote (None: no shot covers it).
        shot: Option<String>,
    },
    /// The line is spoken, but by someone else than the text says.
    #[error("in {shot}, {quote:?} is spoken by {found} but the story gives it to {expected}")]
    WrongSpeaker {
        span: SourceSpan,
        quote: String,
        shot: String,
        expected: String,
        found: String,
    },
    /// A character or element the text neither names nor clearly implies, not accepted yet.
    #[error("{name} ({what:?}) is not in the story: invented by the planner; accept it or remove it")]
    Invented {
        id: String,
        name: String,
        what: InventedKind,
    },
    /// A shot whose words lie outside the story (or before the shot before it).
    #[error("shot {shot}'s words {span:?} are not in story order inside the story")]
    OutOfOrder { shot: String, span: SourceSpan },
}

/// Every issue of `project`'s plan against its story, in story order (nothing when the project
/// has no story).
pub fn check(project: &Project) -> Vec<PlanIssue> {
    let _ = project;
    unimplemented!("studio-story: check")
}
