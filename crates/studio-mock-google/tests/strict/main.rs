//! The mock is at least as strict as Google: paged listings, 404s for unlisted models, a 400
//! with its own message for each rule of the model table, 429s shaped like Google's (no
//! `Retry-After`), failing operations, Interactions, and a request log tests can read.
//!
//! One test binary (its tests run in parallel), a file per area: model listings and 404s,
//! the rules of the model table, scripted faults and operations, Interactions, text models'
//! structured output, and Vertex's locations and credentials.

mod common;
mod faults;
mod interactions;
mod listing;
mod rules;
mod shots;
mod sound;
mod text;
mod vertex;
