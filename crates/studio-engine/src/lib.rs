//! The SmokeTech Studio render engine on Temporal.
//!
//! - [`names`] and [`tuning`]: every wire name, timeout and retry policy, once.
//! - [`workflows`]: deterministic orchestration; [`activities`]: the work itself ([`sound`],
//!   [`story`] and [`export`] keep their own types and activities).
//! - [`worker`]: a worker process (bundled in the app or headless on many machines).
//! - [`client`]: start, watch and steer renders; [`devserver`]: the embedded local server.
//! - [`config`]: where Temporal is and what a worker polls (plain values; the settings file,
//!   keys and prices live above the engine, in `studio-api`).
//! - [`replay`]: recorded histories replayed against today's workflow code.

pub mod activities;
pub mod cache;
pub mod config;
pub mod export;
pub mod heartbeat;
pub mod messages;
pub mod names;
pub mod references;
pub mod replay;
pub mod sound;
pub mod story;
pub mod tuning;
pub mod versions;
pub mod workflows;

pub use messages::{RenderInput, ENGINE_LATEST};
pub use tuning::Tuning;
pub mod client;
pub mod devserver;
pub mod error;
pub mod history;
pub mod metrics;
pub mod worker;

pub use client::{Endpoint, StudioClient};
pub use error::EngineError;
pub use worker::cap_malloc_arenas;
