//! End-to-end tests of the render engine against a real Temporal dev server (one per test run,
//! on its own port and SQLite file), real workers, real ffmpeg and real files.
//!
//! Each test uses its own task queue and data dir, so tests share the server but nothing else.
//! One test binary (this one, its areas as modules), so one dev server for them all.

mod batch;
mod elements;
mod failures;
mod queue;
mod render;
mod steer;
