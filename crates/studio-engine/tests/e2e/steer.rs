//! Steering a running job: pause and resume, a refused update, cancel, signal-with-start.

use std::path::Path;
use std::time::Duration;

use studio_core::{Quality, Stage};
use studio_engine::history::{self, ActivityOutcome};
use studio_engine::names;
use studio_engine::EngineError;
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;
use temporalio_common::protos::temporal::api::enums::v1::EventType;
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_the_job_and_resume_finishes_it() {
    let env = Env::new("pause").await;
    let id = env.job_id("job");
    env.start(
        &id,
        input(vec![scenario("a", 4), scenario("b", 4)], Quality::Standard),
    )
    .await;
    env.client.pause(&id).await.unwrap();
    wait_for("paused", Duration::from_secs(20), || async {
        env.client
            .progress(&id)
            .await
            .map(|p| p.paused)
            .unwrap_or(false)
    })
    .await;
    // Let anything already running finish, and the workflow task that saw each finish
    // decide what comes next: with the pause in effect, nothing. (A job that did not hold
    // never settles like this before it completes.)
    wait_for(
        "the paused job to settle",
        Duration::from_secs(30),
        || async {
            let events = env.client.history(&id).await.unwrap();
            let completed = EventType::WorkflowExecutionCompleted as i32;
            assert!(
                events.last().is_none_or(|e| e.event_type != completed),
                "the job completed while paused"
            );
            settled(&events)
        },
    )
    .await;
    let before = activities(&env, &id).await.len();
    // Wake the workflow (a second pause changes nothing) and wait for the task that handled
    // it: an outcome to wait for, where a sleep would only hope to have waited long enough.
    env.client.pause(&id).await.unwrap();
    wait_for(
        "a workflow task to handle the second pause",
        Duration::from_secs(30),
        || async { task_done_after_last_signal(&env.client.history(&id).await.unwrap()) },
    )
    .await;
    let after = activities(&env, &id).await;
    assert_eq!(
        after.len(),
        before,
        "no activity may be scheduled while paused"
    );
    assert_eq!(
        env.client.status(&id).await.unwrap(),
        studio_core::JobStatus::Running
    );
    assert!(count(&after, names::STITCH_VIDEOS) == 0);

    env.client.resume(&id).await.unwrap();
    let result = env.result(&id).await.unwrap();
    assert!(file_path(&result.video_url).exists());
    let records = activities(&env, &id).await;
    assert_eq!(count(&records, names::GENERATE_VIDEO_SEGMENT), 2);
    assert_eq!(count(&records, names::STITCH_VIDEOS), 1);
    assert_nothing_scheduled_while_paused(&env.client.history(&id).await.unwrap());
}

/// No activity is open and the last workflow task has completed: the workflow has made every
/// decision it can until something new happens (a signal, an update, a timer).
fn settled(events: &[HistoryEvent]) -> bool {
    history::activities(events)
        .iter()
        .all(|r| r.outcome != ActivityOutcome::Running)
        && events
            .last()
            .is_some_and(|e| e.event_type == EventType::WorkflowTaskCompleted as i32)
}

/// A workflow task completed after the latest signal: the workflow has handled it.
fn task_done_after_last_signal(events: &[HistoryEvent]) -> bool {
    let is = |e: &HistoryEvent, t: EventType| e.event_type == t as i32;
    events
        .iter()
        .rposition(|e| is(e, EventType::WorkflowExecutionSignaled))
        .is_some_and(|signal| {
            events[signal..]
                .iter()
                .any(|e| is(e, EventType::WorkflowTaskCompleted))
        })
}

/// From the history: once a workflow task has seen the `pause` signal, no activity is
/// scheduled until the `resume` signal. (A task already running when the signal arrived may
/// still complete with the commands it made before it.)
fn assert_nothing_scheduled_while_paused(events: &[HistoryEvent]) {
    use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
    let signal = |name: &str| {
        events
            .iter()
            .position(|e| {
                matches!(&e.attributes,
                    Some(Attributes::WorkflowExecutionSignaledEventAttributes(a)) if a.signal_name == name)
            })
            .unwrap_or_else(|| panic!("no {name} signal in the history"))
    };
    let (pause, resume) = (signal(names::PAUSE), signal(names::RESUME));
    assert!(pause < resume);
    let kind = |i: usize| EventType::try_from(events[i].event_type).ok();
    // The first workflow task started after the pause signal has seen it.
    let seen = (pause..resume)
        .find(|&i| kind(i) == Some(EventType::WorkflowTaskStarted))
        .expect("a workflow task handled the pause");
    let scheduled: Vec<i64> = (seen..resume)
        .filter(|&i| kind(i) == Some(EventType::ActivityTaskScheduled))
        .map(|i| events[i].event_id)
        .collect();
    assert!(
        scheduled.is_empty(),
        "activities scheduled while paused (events {scheduled:?})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_quality_update_is_rejected_and_never_enters_history() {
    let env = Env::new("quality").await;
    let id = env.job_id("job");
    env.start(&id, input(vec![scenario("a", 4)], Quality::Standard))
        .await;
    env.client.pause(&id).await.unwrap();

    let err = env.client.change_quality(&id, "ultra").await.unwrap_err();
    match &err {
        EngineError::Rejected { message, .. } => assert!(message.contains("ultra"), "{message}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    let events = env.client.history(&id).await.unwrap();
    assert_eq!(history::updates_accepted(&events), 0);
    let bytes: Vec<u8> = events
        .iter()
        .flat_map(prost::Message::encode_to_vec)
        .collect();
    let needle = b"\"ultra\"";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "the rejected value reached history"
    );

    let previous = env.client.change_quality(&id, "high").await.unwrap();
    assert_eq!(previous, Quality::Standard);
    assert_eq!(
        env.client.progress(&id).await.unwrap().quality,
        Quality::High
    );
    let events = env.client.history(&id).await.unwrap();
    assert_eq!(history::updates_accepted(&events), 1);
    // The same search finds an accepted value, so the check above can fail.
    let bytes: Vec<u8> = events
        .iter()
        .flat_map(prost::Message::encode_to_vec)
        .collect();
    assert!(bytes.windows(6).any(|w| w == b"\"high\""));

    env.client.resume(&id).await.unwrap();
    env.result(&id).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_running_ffmpeg_and_leaves_no_partial_files() {
    let env = Env::new("cancel").await;
    let id = env.job_id("job");
    // A 4K enhance of 16 s of video runs long enough to be caught mid-way.
    env.start(
        &id,
        input(vec![scenario("a", 8), scenario("b", 8)], Quality::FourK),
    )
    .await;
    let tmp = env.artifacts().join("tmp");
    let needle = tmp.to_string_lossy().into_owned();
    wait_for("the 4K enhance to run", Duration::from_secs(60), || async {
        let p = env.client.progress(&id).await.unwrap();
        p.stage == Stage::Enhancing && !ffmpeg_processes(&needle).is_empty()
    })
    .await;
    let running = ffmpeg_processes(&needle);
    env.client.cancel(&id).await.unwrap();
    let err = env.result(&id).await.unwrap_err();
    assert!(matches!(err, EngineError::JobCancelled { .. }), "{err:?}");
    wait_for("ffmpeg to be killed", Duration::from_secs(10), || async {
        running
            .iter()
            .all(|pid| !Path::new(&format!("/proc/{pid}")).exists())
            || ffmpeg_processes(&needle).is_empty()
    })
    .await;
    assert!(ffmpeg_processes(&needle).is_empty());
    let records = activities(&env, &id).await;
    let enhance = records
        .iter()
        .find(|r| r.activity_type == names::ENHANCE_4K)
        .unwrap();
    assert_eq!(enhance.outcome, ActivityOutcome::Cancelled);
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "partial files left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_with_start_extends_a_running_job_and_starts_a_new_one() {
    let env = Env::with_worker("sws", ProviderKind::Bench, Ffmpeg::from_env()).await;
    let running = env.job_id("running");
    env.start(
        &running,
        input(vec![scenario("first", 4)], Quality::Standard),
    )
    .await;
    env.client.pause(&running).await.unwrap();
    env.client
        .add_segment_or_start(
            &running,
            scenario("added later", 6),
            input(vec![], Quality::Standard),
        )
        .await
        .unwrap();
    let fresh = env.job_id("fresh");
    env.client
        .add_segment_or_start(
            &fresh,
            scenario("added at start", 4),
            input(vec![scenario("own", 4)], Quality::Standard),
        )
        .await
        .unwrap();

    env.client.resume(&running).await.unwrap();
    env.result(&running).await.unwrap();
    env.result(&fresh).await.unwrap();
    let p = env.client.progress(&running).await.unwrap();
    let prompts: Vec<_> = p.segments.iter().map(|s| s.prompt.as_str()).collect();
    assert_eq!(prompts, ["first", "added later"]);
    let p = env.client.progress(&fresh).await.unwrap();
    let prompts: Vec<_> = p.segments.iter().map(|s| s.prompt.as_str()).collect();
    assert_eq!(prompts, ["own", "added at start"]);
    assert_eq!(
        count(
            &activities(&env, &fresh).await,
            names::GENERATE_VIDEO_SEGMENT
        ),
        2
    );
}
