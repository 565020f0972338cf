//! The offline planner: deterministic, no key, no network.

use studio_core::Story;

use crate::{Plan, PlanRules};

/// Plans `story` from its own words: sentences and paragraphs to shots, quoted speech and its
/// speaker, names from capitalised words that act or speak, durations from the words spoken.
pub fn plan_offline(story: &Story, rules: &PlanRules) -> Plan {
    let _ = (story, rules);
    unimplemented!("studio-story: plan_offline")
}
