//! Workflow code: deterministic orchestration only. No clocks, randomness or I/O here; all of
//! that happens in [`crate::activities`].

pub mod batch;
mod budget;
pub mod video;

pub use batch::BatchWorkflow;
pub use video::VideoWorkflow;
