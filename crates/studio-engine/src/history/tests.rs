//! The history readers against recorded histories.

use temporalio_common::protos::temporal::api::history::v1::History;

use super::*;

/// A recorded plain job of two clips (release 14): the figures checked by hand in the file.
#[test]
fn counts_a_recorded_history() {
    let json = include_bytes!("../../tests/histories/r14-plain.json");
    let history: History = serde_json::from_slice(json).unwrap();
    let c = counts(&history.events);
    assert_eq!(c.events, history.events.len());
    assert_eq!(
        (
            c.workflow_tasks,
            c.workflow_task_timeouts,
            c.workflow_task_failures
        ),
        (5, 0, 0)
    );
    assert_eq!(
        (c.patch_markers, c.upserts, c.local_activity_markers),
        (3, 3, 1)
    );
    assert_eq!(c.activities, 4, "the character, two clips and the stitch");
    let waits = workflow_task_waits(&history.events);
    assert_eq!(waits.len(), 5);
    assert!(waits[0].first && waits[1..].iter().all(|w| !w.first));
    assert!(waits.iter().all(|w| w.to_start <= w.to_close));
}

/// A recorded job with a pause and a retake (release 17) reads as the creator's story: each
/// event and step in time order, steps with their attempt, worker and queue.
#[test]
fn a_recorded_job_reads_as_its_timeline() {
    let json = include_bytes!("../../tests/histories/r17-retake.json");
    let events = serde_json::from_slice::<History>(json).unwrap().events;
    let entries = timeline(&events);
    let story: Vec<(TimelineKind, &str)> =
        entries.iter().map(|e| (e.kind, e.title.as_str())).collect();
    assert_eq!(
        story,
        [
            (
                TimelineKind::Started,
                "Render started: version 1, 2 scenario(s)"
            ),
            (TimelineKind::Paused, "Paused"),
            (TimelineKind::Cache, "Checked the artifact cache"),
            (TimelineKind::Step, "Character images (3 angles)"),
            (
                TimelineKind::Regenerate,
                "New take of scene-1: a takes off at dawn"
            ),
            (TimelineKind::Resumed, "Resumed"),
            (TimelineKind::Step, "Clip scene-1: a takes off at dawn"),
            (TimelineKind::Step, "Clip scene-2: b lands"),
            (TimelineKind::Step, "Stitch 2 clips"),
            (TimelineKind::Completed, "Completed"),
        ]
    );
    assert_eq!(entries[0].detail.as_deref(), Some("quality standard"));
    let stitch = &entries[8];
    assert_eq!(
        stitch.detail.as_deref(),
        Some("attempt 1 · worker 8230@vm · queue e2e-histories-33f0a7")
    );
    assert_eq!(
        (stitch.at_ms, stitch.duration_ms, stitch.outcome.as_deref()),
        (3333, Some(513), Some("completed"))
    );
    assert!(entries.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
}

/// Until a worker completes its first task, a job's progress is its input's: the same
/// answer the workflow's `init` gives. Any other event first and it is not.
#[test]
fn the_input_answers_only_for_a_job_no_worker_has_run() {
    use temporalio_common::protos::temporal::api::history::v1::WorkflowExecutionSignaledEventAttributes;

    let json = include_bytes!("../../tests/histories/r14-plain.json");
    let events = serde_json::from_slice::<History>(json).unwrap().events;
    // Started, first task scheduled, first task picked up.
    let input = input_before_first_task(&events[..3], true).expect("a job no worker ran");
    let progress = crate::workflows::VideoWorkflow::progress_before_start(input);
    assert_eq!(progress.stage, studio_core::Stage::Initializing);
    assert_eq!(progress.current_step, "Waiting for a worker");
    assert_eq!(progress.segments.len(), 2);
    assert_eq!(progress.version, 1);

    assert!(
        input_before_first_task(&events[..4], true).is_none(),
        "a task completed"
    );
    assert!(
        input_before_first_task(&events[..3], false).is_none(),
        "more events follow"
    );
    assert!(
        input_before_first_task(&events[1..3], true).is_none(),
        "not the run's start"
    );
    let mut signalled = events[..2].to_vec();
    signalled.push(HistoryEvent {
        event_id: 3,
        attributes: Some(Attributes::WorkflowExecutionSignaledEventAttributes(
            WorkflowExecutionSignaledEventAttributes::default(),
        )),
        ..Default::default()
    });
    assert!(
        input_before_first_task(&signalled, true).is_none(),
        "a signal came first"
    );

    // A finished run answers from its result.
    let result = completed_result(events.last().unwrap()).expect("the run's result");
    assert!(completed_result(&events[0]).is_none());
    let done = crate::workflows::VideoWorkflow::progress_when_done(&result);
    assert_eq!(done.stage, studio_core::Stage::Completed);
    assert_eq!((done.percentage, done.version), (100, 1));
    assert_eq!(done.segments, result.segments);
}
