//! Google's generative models as data.
//!
//! Google retires and renames models every few months (every 2025 model is shut down), so the
//! studio names none in code. `models.toml`, beside this crate, is the one table of model
//! families: which ids belong to each (glob patterns), the route that serves them, their rules
//! (durations, resolutions, what needs 8 s, reference images, audio) and their prices. This crate
//! reads the table, sorts a discovered model list into families and picks one model per role
//! ([`Catalog::choose`]), and checks a job against the chosen model's rules
//! ([`rules::check_clip`]) so nothing Google would refuse is ever paid for. Text models (a
//! story planned into shots) are priced per token ([`text`]): a call's cost is estimated before
//! it is sent and counted after, like images and clips.
//!
//! Pure: no HTTP, no files. The providers list models; the workflow and the editor check rules.

pub mod catalog;
pub mod choose;
pub mod rules;
pub mod sound;
pub mod text;

pub use catalog::{
    AudioFormat, Backend, Catalog, Extension, Family, Retired, Role, Route, Tier, VertexLocation,
    VoiceConfig,
};
pub use choose::{version_key, Choice, ListedModel, Preference};
pub use rules::{
    check_clip, check_extend, check_first_frame, check_last_frame, clip_plan, extension_resolution,
    ClipPlan, Problem, Rule, VideoRules,
};
pub use sound::{music_usage, speech_usage};
pub use text::{text_usage, tokens_of_chars, TextEstimate, TokenPrices};
