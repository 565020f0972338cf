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

/// `history` with its job's input changed by `edit` (the start event's first payload).
fn with_input(history: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    use temporalio_common::protos::temporal::api::history::v1::{history_event, History};
    let mut h: History = serde_json::from_slice(history).unwrap();
    let Some(history_event::Attributes::WorkflowExecutionStartedEventAttributes(start)) =
        h.events[0].attributes.as_mut()
    else {
        panic!("the first event is not the start");
    };
    let payload = &mut start.input.as_mut().unwrap().payloads[0];
    let mut input: serde_json::Value = serde_json::from_slice(&payload.data).unwrap();
    edit(&mut input);
    payload.data = serde_json::to_vec(&input).unwrap();
    serde_json::to_vec(&h).unwrap()
}

fn engine(input: &serde_json::Value) -> Option<u64> {
    input.get("engine").and_then(serde_json::Value::as_u64)
}

/// Engine 3 (the elements') adds no command to a job without elements: every recorded job of
/// engine 2 replays as it ran with its input saying 3. And the generation is what decides: the
/// elements job of engine 3 does not replay as engine 2 (which has no elements' phase).
#[tokio::test]
async fn engine_3_without_elements_makes_the_commands_of_engine_2() {
    let engine_2: Vec<(PathBuf, Vec<u8>)> = fixtures()
        .into_iter()
        .filter(|(_, bytes)| {
            let h: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let start = &h["events"][0]["attributes"]["WorkflowExecutionStartedEventAttributes"];
            start["workflow_type"]["name"] == studio_engine::names::VIDEO_WORKFLOW
                && input_of(start).as_ref().and_then(engine) == Some(2)
        })
        .collect();
    assert!(engine_2.len() >= 10, "{} engine-2 fixtures", engine_2.len());
    let as_3: Vec<Vec<u8>> = engine_2
        .iter()
        .map(|(_, b)| with_input(b, |i| i["engine"] = 3.into()))
        .collect();
    let results = replay_json(&as_3).await.unwrap();
    let failures: Vec<String> = engine_2
        .iter()
        .zip(results)
        .filter_map(|((p, _), r)| r.map(|why| format!("{} as engine 3: {why}", p.display())))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");

    let (path, elements) = fixtures()
        .into_iter()
        .find(|(p, _)| p.to_string_lossy().contains("-elements"))
        .expect("an elements fixture");
    let as_2 = with_input(&elements, |i| {
        assert_eq!(engine(i), Some(3), "{}", path.display());
        i["engine"] = 2.into();
    });
    let results = replay_json(&[as_2]).await.unwrap();
    assert!(
        results[0].is_some(),
        "{} replayed as engine 2 although engine 2 has no elements' phase",
        path.display()
    );
}

/// The job input in a start event as the fixture's JSON holds it (base64 of the JSON).
fn input_of(start: &serde_json::Value) -> Option<serde_json::Value> {
    use temporalio_common::protos::temporal::api::common::v1::Payload;
    let payload: Payload = serde_json::from_value(start["input"]["payloads"][0].clone()).ok()?;
    serde_json::from_slice(&payload.data).ok()
}

/// A planning job decides from the answers its history recorded, never from today's parser or
/// check: `r18-story-plan-reasked` (a first plan that missed a sentence, asked again once)
/// replays, and the same history with the first answer's recorded issues removed does not (the
/// code would not ask again, so the recorded second question is one it no longer makes).
#[tokio::test]
async fn a_planning_job_replays_from_its_recorded_answers() {
    use studio_engine::{history, names};
    use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
    use temporalio_common::protos::temporal::api::history::v1::History;
    let (path, bytes) = fixtures()
        .into_iter()
        .find(|(p, _)| p.to_string_lossy().contains("story-plan-reasked"))
        .expect("the re-asked planning fixture");
    let mut events = serde_json::from_slice::<History>(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .events;
    let asks = history::activities(&events)
        .iter()
        .filter(|a| a.activity_type == names::ASK_STORY_PLANNER)
        .count();
    assert_eq!(asks, 2, "{}: not a job asked twice", path.display());
    let results = replay_json(&[bytes]).await.unwrap();
    assert!(results[0].is_none(), "{}: {:?}", path.display(), results[0]);

    // The first answer, made good: no issues recorded.
    let first = events
        .iter_mut()
        .find_map(|e| match &mut e.attributes {
            Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => a.result.as_mut(),
            _ => None,
        })
        .and_then(|r| r.payloads.first_mut())
        .expect("the first answer's payload");
    let mut answer: serde_json::Value = serde_json::from_slice(&first.data).unwrap();
    let issues = answer
        .as_object_mut()
        .and_then(|o| o.remove("issues"))
        .expect("the first answer had issues");
    assert!(issues.as_array().is_some_and(|i| !i.is_empty()), "{issues}");
    first.data = serde_json::to_vec(&answer).unwrap();
    let tampered = studio_engine::replay::to_json(events).unwrap();
    let results = replay_json(&[tampered]).await.unwrap();
    assert!(
        results[0].is_some(),
        "{}: replayed although its first answer had no gaps",
        path.display()
    );
}
