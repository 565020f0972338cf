//! One module per command group. Each function parses nothing (clap did), calls `Studio`, and
//! prints through [`crate::output::Out`].

pub mod characters;
pub mod export;
pub mod jobs;
pub mod sound;
pub mod story;
pub mod system;
