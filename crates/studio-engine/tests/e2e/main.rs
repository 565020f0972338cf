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

use std::path::Path;
use std::process::Command;

use studio_testkit::file_path;

/// What an offline clip was made from: its `comment` tag (prompt, first frame and the
/// references the provider received, by content digest).
fn clip_record(uri: &str) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format_tags=comment"])
        .args(["-of", "json"])
        .arg(file_path(uri))
        .output()
        .unwrap();
    let probe: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let comment = probe["format"]["tags"]["comment"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri} has no record: {probe}"));
    serde_json::from_str(comment).unwrap()
}

/// A file's SHA-256, hex: what a clip's record names its images by.
fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}
