//! The operations of SmokeTech Studio, written once for every shell: the `studio` CLI and the
//! window's Tauri commands both call [`Studio`], and get one typed, serializable error.
//!
//! App concerns live here, above the Temporal engine: the settings file and keys
//! ([`settings`], [`keys`]), the job record ([`jobs`]), the character library
//! ([`characters`]), model discovery ([`models`]) and the engine session.

mod batches;
pub mod characters;
pub mod elements;
mod embedded;
pub mod error;
pub mod jobs;
pub mod keys;
pub mod models;
pub mod processes;
pub mod projects;
pub mod references;
mod session;
pub mod settings;
pub mod settings_view;
pub mod studio;
pub mod thumbs;

pub use error::{ApiError, ErrorCode, FieldProblem};
pub use jobs::JobRecord;
pub use keys::{KeysUpdate, KeysView};
pub use references::{Reference, References};
pub use settings::{resolve_data_dir, EndpointSource, Overrides, Settings};
pub use settings_view::{CacheView, ProviderChoice, StudioSettings};
pub use studio::{
    estimate, price, read_story, story_format_of, Estimate, Health, JobDetail, JobView,
    LibraryMatch, PlanEstimate, PlanOutcome, PlanStoryRequest, PlannerChoice, PlannerUsed,
    QueueView, RenderStarted, ReplanOutcome, Start, Studio, VersionView, WorkflowView,
};
pub use studio_core::{DataDir, JobStatus, ProviderKind, QueueRole};
pub use studio_story::{PlanIssue, Replan, ShotChange};

/// Caps glibc's malloc arenas for this process before its first thread starts (the window and
/// the CLI call it first thing): the engine's reasons and measurements are on
/// `studio_engine::cap_malloc_arenas`.
pub fn cap_malloc_arenas() {
    studio_engine::cap_malloc_arenas()
}

/// What is missing of ffmpeg/ffprobe, with how to get it (None: both run). An AppImage carries
/// no ffmpeg, so the window says so at start rather than at the first render's last step.
pub fn missing_tools() -> Option<String> {
    studio_media::Ffmpeg::from_env().missing_tools()
}
