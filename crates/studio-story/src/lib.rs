//! From a story to a storyboard.
//!
//! Creators start from their own words; the studio's plan must not drift from them. So every
//! planned shot says which words of the story it tells ([`studio_core::SourceSpan`]), and one
//! check ([`check()`]) holds any plan, from any planner, to the text: every sentence told by some
//! shot, every quoted line spoken verbatim by its speaker in the shot that covers it, nobody and
//! nowhere the text does not name unless marked as invented.
//!
//! - [`text`]: the story as sentences, paragraphs, quotes and names (plain prose or Fountain),
//!   with offsets in Unicode scalar values.
//! - [`offline`]: the deterministic planner that needs no key.
//! - [`model`]: the contract a text model answers in (its JSON schema, the prompt with numbered
//!   sentences) and its conversion to a [`Plan`].
//! - [`check()`]: the faithfulness check.
//! - [`replan`]: planning an edited story again, keeping the shots the creator changed.
//!
//! Pure: no network, no Temporal, no files; the engine runs the model planner as an activity,
//! the API runs the offline one in place.

pub mod check;
pub mod model;
pub mod offline;
pub mod replan;
pub mod text;

use serde::{Deserialize, Serialize};
use studio_core::{Character, Element, Project, Scenario, SourceSpan, Story};

pub use check::{check, InventedKind, PlanIssue};
pub use model::{PlanAnswer, PlanAnswerError};
pub use offline::plan_offline;
pub use replan::{replan, Replan, ShotChange};

/// What a planner makes of a story: the cast (the first is the lead), the locations and props,
/// and the shots in story order, each with its `source` span and its `planned` fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub characters: Vec<Character>,
    pub elements: Vec<Element>,
    pub shots: Vec<Scenario>,
    /// Ids of characters and elements the planner invented (the text neither names nor
    /// clearly implies them): shown for the creator to accept.
    pub invented: Vec<String>,
}

/// What the chosen video model allows a shot, so every planned shot is one it can make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PlanRules {
    /// Whole seconds a clip may last, ascending (from the model table).
    pub durations: Vec<u32>,
    /// The most shots a project holds ([`studio_core::project::MAX_SCENARIOS`]).
    pub max_shots: u32,
}

impl Default for PlanRules {
    fn default() -> Self {
        PlanRules {
            durations: vec![4, 6, 8],
            max_shots: studio_core::project::MAX_SCENARIOS as u32,
        }
    }
}

impl Plan {
    /// The project this plan makes of `story`: `base`'s settings (quality, aspect ratio,
    /// budget) with the plan's characters, elements and shots, and the story kept in it.
    pub fn into_project(self, story: Story, base: &Project) -> Project {
        let mut characters = self.characters.into_iter();
        let lead = characters.next().unwrap_or_else(|| base.character.clone());
        Project {
            character: lead,
            cast: characters.collect(),
            scenarios: self.shots,
            story: Some(story),
            elements: self.elements,
            ..base.clone()
        }
    }
}

/// The words of `span` in `text` (offsets in `char`s; out-of-range parts are cut off).
pub fn span_text(text: &str, span: SourceSpan) -> String {
    text.chars()
        .skip(span.start as usize)
        .take(span.len() as usize)
        .collect()
}
