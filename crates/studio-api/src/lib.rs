//! The operations of SmokeTech Studio, written once for every shell: the `studio` CLI and the
//! window's Tauri commands both call [`Studio`], and get one typed, serializable error.
//!
//! App concerns live here, above the Temporal engine: the settings file and keys
//! ([`settings`], [`keys`]), the job record ([`jobs`]), the character library
//! ([`characters`]), model discovery ([`models`]) and the engine session.

pub mod characters;
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
pub use settings::{resolve_data_dir, EndpointSource, Settings};
pub use settings_view::{CacheView, ProviderChoice, StudioSettings};
pub use studio::{
    estimate, price, Estimate, Health, JobDetail, JobView, QueueView, RenderStarted, Start, Studio,
    VersionView, WorkflowView,
};
pub use studio_core::{DataDir, JobStatus};
pub use studio_engine::cap_malloc_arenas;
pub use studio_engine::config::QueueRole;
