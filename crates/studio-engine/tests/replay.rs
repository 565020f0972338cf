//! Every recorded history (jobs started by earlier releases and by this one) replays against
//! today's workflow code. A change that would break a running job fails here, before it ships.
//! Fixtures are recorded by `crates/studio-engine/tests/histories.rs` (and the system tests
//! that take `STUDIO_RECORD_HISTORIES`) and kept forever.

use std::path::PathBuf;

use studio_engine::replay::replay_json;

fn fixtures() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/histories");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[tokio::test]
async fn every_recorded_history_replays() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 8, "{} fixtures", fixtures.len());
    let histories: Vec<Vec<u8>> = fixtures.iter().map(|(_, b)| b.clone()).collect();
    let results = replay_json(&histories).await.unwrap();
    let failures: Vec<String> = fixtures
        .iter()
        .zip(results)
        .filter_map(|((p, _), r)| r.map(|why| format!("{}: {why}", p.display())))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The replayer really checks: the same history with one scheduled activity renamed (as if the
/// workflow code now scheduled something else at that point) does not replay.
#[tokio::test]
async fn a_history_the_code_would_not_produce_fails_to_replay() {
    let (path, bytes) = fixtures()
        .into_iter()
        .find(|(p, _)| p.to_string_lossy().contains("plain"))
        .expect("a plain render fixture");
    let text = String::from_utf8(bytes).unwrap();
    let tampered = text.replacen("\"generateVideoSegment\"", "\"somethingElse\"", 1);
    assert_ne!(text, tampered, "{}", path.display());
    let results = replay_json(&[tampered.into_bytes()]).await.unwrap();
    assert!(
        results[0].is_some(),
        "{} replayed although its commands changed",
        path.display()
    );
}

/// A job that went past the scene limit through `addSegment` signals before the limit existed
/// (`r17-over-50-scenes`: 50 scenes and one signal more, recorded with the limit off) replays:
/// the limit is behind a patch its history does not have, so the 51st clip is scheduled again.
/// Without the patch the signal would be dropped on replay, one clip fewer scheduled than the
/// history holds: a non-determinism error.
#[tokio::test]
async fn a_job_grown_past_the_scene_limit_before_the_limit_replays() {
    use studio_engine::{history, names};
    use temporalio_common::protos::temporal::api::history::v1::History;
    let (path, bytes) = fixtures()
        .into_iter()
        .find(|(p, _)| p.to_string_lossy().contains("over-50-scenes"))
        .expect("the over-the-limit fixture");
    let events = serde_json::from_slice::<History>(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .events;
    let clips = history::activities(&events)
        .iter()
        .filter(|a| a.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .count();
    let c = history::counts(&events);
    assert_eq!(
        (clips, c.patch_markers),
        (studio_core::project::MAX_SCENARIOS + 1, 0),
        "{}: not a job past the limit from before it",
        path.display()
    );
    let results = replay_json(&[bytes]).await.unwrap();
    assert!(results[0].is_none(), "{}: {:?}", path.display(), results[0]);
}
