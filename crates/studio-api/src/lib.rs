//! The operations of SmokeTech Studio, written once for every shell (the window's Tauri commands
//! and, over time, the CLI), with one typed, serializable error.

pub mod characters;
pub mod error;
pub mod jobs;
pub mod keys;
pub mod models;
pub mod settings_view;
pub mod studio;
pub mod thumbs;

pub use error::{ApiError, ErrorCode, FieldProblem};
pub use jobs::JobRecord;
pub use keys::{KeysUpdate, KeysView};
pub use settings_view::{CacheView, StudioSettings};
pub use studio::{estimate, job_detail, Estimate, Health, JobDetail, JobView, Studio, VersionView};
