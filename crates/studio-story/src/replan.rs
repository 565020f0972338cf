//! Planning an edited story again without losing the creator's work.

use serde::{Deserialize, Serialize};
use studio_core::{Project, Story};

use crate::Plan;

/// What planning again does to one shot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ShotChange {
    /// Kept as it is: its words did not change (its span moved with the text around it).
    Kept { id: String },
    /// Kept because the creator changed it by hand, though its words changed.
    KeptEdited { id: String, words_changed: bool },
    /// Planned anew for changed words, replacing the shots listed.
    Replanned { id: String, replaces: Vec<String> },
    /// New words, a new shot.
    Added { id: String },
    /// Its words are gone from the story.
    Removed { id: String },
}

/// A proposed re-plan: the project as it would be, and what changed, for the creator to see
/// before applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Replan {
    pub project: Project,
    pub changes: Vec<ShotChange>,
}

/// Plans `story` again for `old`: shots whose words are unchanged are kept (their spans moved
/// to the new text), hand-edited shots are kept, and only the changed passages take shots of
/// `fresh` (a plan of the whole new story, from any planner).
pub fn replan(old: &Project, story: Story, fresh: Plan) -> Replan {
    let _ = (old, story, fresh);
    unimplemented!("studio-story: replan")
}
