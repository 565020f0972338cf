//! What asking a text model for a story's plan is expected to cost, before it is asked: the
//! same figure the studio shows the creator for approval and the activity checks against what
//! is left of the approval.

use studio_catalog::{tokens_of_chars, Catalog, TextEstimate};
use studio_core::Story;
use studio_story::{PlanIssue, PlanRules};

/// Tokens an answer spends per shot beyond the story's own words: the shot's fields (sentence
/// numbers, location, cast, camera, duration) and its prompt.
const TOKENS_PER_SHOT: u32 = 160;
/// Tokens an answer spends on its cast, locations and props, whatever the story's length.
const TOKENS_FOR_ENTITIES: u32 = 800;

/// The tokens an answer about `story` is expected to take (thinking apart, which the catalog
/// adds per family): each shot's fields and prompt, one shot for about every 40 tokens of the
/// story (two sentences) up to the most shots allowed, and the quoted lines, which come back
/// verbatim; never more than `max_output_tokens`.
pub fn answer_tokens(story: &Story, rules: &PlanRules, max_output_tokens: u32) -> u32 {
    let story_tokens = tokens_of_chars(story.text.chars().count());
    let shots = (story_tokens / 40).clamp(1, rules.max_shots.max(1));
    shots
        .saturating_mul(TOKENS_PER_SHOT)
        .saturating_add(story_tokens / 2)
        .saturating_add(TOKENS_FOR_ENTITIES)
        .min(max_output_tokens)
}

/// What one question about `story`'s plan costs `model` at the model table's list prices: the
/// prompt (with `issues` listed when asked again) and the schema it sends, read; the expected
/// answer and the family's typical thinking, written. None when the table prices no such text
/// model.
pub fn estimate_ask(
    story: &Story,
    rules: &PlanRules,
    issues: &[PlanIssue],
    model: &str,
    max_output_tokens: u32,
) -> Option<TextEstimate> {
    let prompt = studio_story::model::prompt(story, rules, issues);
    let schema = studio_story::model::response_schema().to_string();
    let read = prompt.chars().count() + schema.chars().count();
    Catalog::builtin().text_estimate(model, read, answer_tokens(story, rules, max_output_tokens))
}
