//! What the story tests share: the lighthouse story, as prose and as a Fountain script, and a
//! [`Story`] of any text.

use studio_core::{Story, StoryFormat};

pub const PROSE: &str = include_str!("../fixtures/lighthouse.txt");
pub const SCRIPT: &str = include_str!("../fixtures/lighthouse.fountain");

/// `text` as a story in `format`, nothing accepted yet.
pub fn story(text: &str, format: StoryFormat) -> Story {
    Story {
        text: text.into(),
        format,
        accepted: Vec::new(),
    }
}
