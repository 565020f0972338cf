//! Media for SmokeTech Studio: providers that make images and clips, ffmpeg for joining and
//! upscaling, and the artifact store that keeps media out of workflow payloads.
//!
//! Nothing here knows about Temporal: long operations take a [`TaskCtx`] (cancel token, progress
//! channel, resume checkpoint) that the engine bridges to activity heartbeats.

pub mod bench;
pub mod cut;
mod draw;
pub mod error;
pub mod ffmpeg;
pub mod google;
pub mod offline;
pub mod package;
pub mod process;
pub mod provider;
pub mod shared;
pub mod sound;
pub mod store;
pub mod task;
pub mod text;

pub use error::{ErrorClass, MediaError, NON_RETRYABLE_ERROR_TYPES};
pub use ffmpeg::{Ffmpeg, ProbeInfo, StitchMode};
pub use provider::{
    Angle, ClipRequest, ExtendRequest, Finisher, ImageRequest, MediaProvider, ModelPlan,
    MusicAnswer, MusicRequest, SpeechAnswer, SpeechRequest, Toolkit,
};
pub use shared::SharedStore;
pub use store::{ArtifactSettings, ArtifactStore, CacheUsage, LocalStore, Scratch};
/// Which provider a worker uses: a plain value of `studio-core`, named here too because
/// choosing a provider is this crate's job ([`Toolkit::build`]).
pub use studio_core::ProviderKind;
pub use task::{TaskCtx, TaskProgress};
pub use text::{JsonAnswer, JsonRequest, TextStop};
