//! End-to-end tests of the render engine against a real Temporal dev server (one per test run,
//! on its own port and SQLite file), real workers, real ffmpeg and real files.
//!
//! Each test uses its own task queue and data dir, so tests share the server but nothing else.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use studio_core::{Character, Quality, SegmentStatus, Stage};
use studio_engine::history::{self, ActivityOutcome};
use studio_engine::names;
use studio_engine::EngineError;
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;
use temporalio_common::protos::temporal::api::enums::v1::EventType;
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_render_makes_a_playable_video_and_progress_reaches_100() {
    let env = Env::new("full").await;
    let id = env.job_id("job");
    let scenarios = vec![
        scenario("takes off", 4),
        scenario("flies", 6),
        scenario("lands", 4),
    ];
    env.start(&id, input(scenarios, Quality::Standard)).await;
    let mut seen = Vec::new();
    let result = env
        .client
        .watch(&id, Duration::from_millis(50), &mut |p| {
            seen.push(p.clone())
        })
        .await
        .unwrap();

    let video = file_path(&result.video_url);
    let info = Ffmpeg::from_env().probe(&video).await.unwrap();
    assert!(
        (info.duration - 14.0).abs() <= 0.1,
        "duration {}",
        info.duration
    );
    let v = info.video.unwrap();
    assert_eq!((v.codec.as_str(), v.width, v.height), ("h264", 1280, 720));
    assert_eq!(result.character_images.len(), 3);
    for uri in &result.character_images {
        let img = image_size(&file_path(uri));
        assert_eq!(img, (1280, 720));
    }

    let percentages: Vec<u8> = seen.iter().map(|p| p.percentage).collect();
    assert!(
        percentages.windows(2).all(|w| w[0] <= w[1]),
        "{percentages:?}"
    );
    let last = seen.last().unwrap();
    assert_eq!((last.stage, last.percentage), (Stage::Completed, 100));
    assert_eq!(last.segments.len(), 3);
    assert!(last
        .segments
        .iter()
        .all(|s| s.status == SegmentStatus::Done && s.clip_url.is_some()));

    // Media never travels in payloads: every activity input and result is small.
    for e in env.client.history(&id).await.unwrap() {
        let len = prost::Message::encoded_len(&e);
        assert!(len < 16 * 1024, "event {} is {len} bytes", e.event_id);
    }
    // No scratch files left behind.
    assert_eq!(
        std::fs::read_dir(env.artifacts().join("tmp"))
            .unwrap()
            .count(),
        0
    );
}

fn image_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        path.display()
    );
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

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
async fn a_non_retryable_error_fails_after_exactly_one_attempt() {
    let env = Env::new("nonretry").await;
    let id = env.job_id("job");
    let mut inp = input(vec![scenario("a", 4)], Quality::Standard);
    inp.request.character.reference_images = vec!["file:///nowhere/missing-reference.png".into()];
    env.start(&id, inp).await;
    let err = env.result(&id).await.unwrap_err();
    match &err {
        EngineError::JobFailed { message, .. } => {
            assert!(message.contains("missing-reference.png"), "{message}")
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    let records = activities(&env, &id).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    assert_eq!(r.activity_type, names::GENERATE_CHARACTER_IMAGES);
    assert_eq!((r.attempts, r.outcome), (1, ActivityOutcome::Failed));
    assert_eq!(r.failure_type.as_deref(), Some("InvalidInputError"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retryable_error_is_retried_up_to_the_policy() {
    // A worker whose ffmpeg is missing: clip generation fails with a transient error, retried.
    let broken = Ffmpeg {
        ffmpeg: "/nonexistent/ffmpeg".into(),
        ffprobe: "/nonexistent/ffprobe".into(),
    };
    let env = Env::with_worker("retry", ProviderKind::Offline, broken).await;
    let id = env.job_id("job");
    let mut inp = input(vec![scenario("a", 4)], Quality::Standard);
    let tuning = inp.tuning.as_mut().unwrap();
    tuning.segment.retry.max_attempts = 3;
    env.start(&id, inp).await;
    let err = env.result(&id).await.unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ffmpeg"), "{err}");
    let records = activities(&env, &id).await;
    let seg: Vec<_> = records
        .iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect();
    assert_eq!(seg.len(), 1);
    assert_eq!(
        (seg[0].attempts, seg[0].outcome),
        (3, ActivityOutcome::Failed)
    );
    assert_eq!(seg[0].failure_type.as_deref(), Some("TransientError"));
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
async fn a_batch_of_25_runs_three_times_through_continue_as_new() {
    let env = Env::with_worker("batch", ProviderKind::Bench, Ffmpeg::from_env()).await;
    let id = env.job_id("batch");
    let batch: Vec<Character<String>> = (0..25)
        .map(|i| Character {
            name: format!("c{i}"),
            base_prompt: format!("character number {i}"),
            ..Default::default()
        })
        .collect();
    env.client.start_batch(&id, batch).await.unwrap();
    let result = env.batch_result(&id).await.unwrap();
    assert_eq!((result.processed, result.total, result.runs), (25, 25, 3));
    let progress = env.client.batch_progress(&id).await.unwrap();
    assert_eq!((progress.processed, progress.run), (25, 3));
    let runs = env
        .client
        .raw()
        .count_workflows(
            format!("WorkflowId = '{id}'"),
            temporalio_client::WorkflowCountOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(runs.count(), 3);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_after_the_character_step_loses_nothing() {
    let env = Env::without_worker("crash").await;
    let id = env.job_id("job");
    let mut first = env.worker_process();
    env.start(
        &id,
        input(
            vec![scenario("a", 8), scenario("b", 8), scenario("c", 8)],
            Quality::Standard,
        ),
    )
    .await;
    wait_for(
        "the character step to finish",
        Duration::from_secs(60),
        || async {
            activities(&env, &id).await.iter().any(|r| {
                r.activity_type == names::GENERATE_CHARACTER_IMAGES
                    && r.outcome == ActivityOutcome::Completed
            })
        },
    )
    .await;
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let mut second = env.worker_process();
    let result = env.result(&id).await;
    second.kill().unwrap();
    second.wait().unwrap();
    let result = result.unwrap();
    let info = Ffmpeg::from_env()
        .probe(&file_path(&result.video_url))
        .await
        .unwrap();
    assert!((info.duration - 24.0).abs() <= 0.1, "{}", info.duration);
    let records = activities(&env, &id).await;
    let character: Vec<_> = records
        .iter()
        .filter(|r| r.activity_type == names::GENERATE_CHARACTER_IMAGES)
        .collect();
    assert_eq!(character.len(), 1);
    assert_eq!(character[0].attempts, 1, "the character step ran again");
    assert_eq!(count(&records, names::GENERATE_VIDEO_SEGMENT), 3);
}

#[test]
fn malformed_projects_fail_fast_with_every_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.studio.json");
    std::fs::write(
        &path,
        r#"{"version": 1, "character": {"basePrompt": ""}, "scenarios": [], "quality": "8k"}"#,
    )
    .unwrap();
    let started = Instant::now();
    let out = Command::new(studio_bin())
        .args(["render"])
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "bad.studio.json",
        "character.basePrompt: empty prompt",
        "no scenarios",
        "\"8k\"",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in: {stderr}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "validation must not wait on a server"
    );

    std::fs::write(&path, "{ not json").unwrap();
    let out = Command::new(studio_bin())
        .arg("render")
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

/// A job's progress while no worker polls: it must come back within seconds, not hang.
async fn progress_with_no_worker(env: &Env, id: &str) -> studio_core::Progress {
    let asked = Instant::now();
    let progress = tokio::time::timeout(Duration::from_secs(10), env.client.progress(id))
        .await
        .expect("progress answers without a worker")
        .unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    progress
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_reports_backlog_without_workers_and_pollers_with_one() {
    let mut env = Env::without_worker("queue").await;
    let id = env.job_id("job");
    env.start(&id, input(vec![scenario("a", 4)], Quality::Standard))
        .await;
    // No worker yet: the first workflow task waits in the backlog. DescribeTaskQueue stats are
    // approximate and refreshed by the server every few seconds.
    wait_for(
        "the backlog to show the waiting task",
        Duration::from_secs(30),
        || async {
            let q = env.client.queue_status().await.unwrap();
            q.backlog >= 1 && q.workflow_pollers == 0
        },
    )
    .await;
    let q = env.client.queue_status().await.unwrap();
    assert!(q.scale_hint().unwrap().contains("studio worker"), "{q:?}");
    // No worker can answer a query, yet progress comes back at once: the job as its input
    // makes it, waiting for a worker.
    let progress = progress_with_no_worker(&env, &id).await;
    assert_eq!(progress.stage, Stage::Initializing);
    assert_eq!(progress.current_step, "Waiting for a worker");
    assert_eq!(progress.segments.len(), 1);
    assert_eq!(progress.segments[0].prompt, "a");
    env.worker = Some(env.spawn_worker(ProviderKind::Bench, Ffmpeg::from_env()));
    let result = env.result(&id).await.unwrap();
    let q = env.client.queue_status().await.unwrap();
    assert!(q.workflow_pollers >= 1 && q.activity_pollers >= 1, "{q:?}");
    assert_eq!(q.scale_hint(), None, "{q:?}");
    // A worker answers the finished job's progress by replaying it; with none left, the
    // client answers the same from its result.
    let replayed = env.client.progress(&id).await.unwrap();
    assert_eq!(replayed.stage, Stage::Completed);
    env.worker.take().unwrap().shutdown().unwrap();
    let done = progress_with_no_worker(&env, &id).await;
    assert_eq!(done, replayed);
    assert_eq!(done.percentage, 100);
    assert_eq!(done.segments, result.segments);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerender_reuses_every_artifact_and_an_edit_remakes_one_clip() {
    let env = Env::new("cache").await;
    let mut first = input(
        vec![scenario("a", 4), scenario("b", 4), scenario("c", 4)],
        Quality::Standard,
    );
    first.use_cache = true;
    let render = |what: &'static str, inp: studio_engine::RenderInput| {
        let env = &env;
        async move {
            let id = env.job_id(what);
            env.start(&id, inp).await;
            let result = env.result(&id).await.unwrap();
            (id, result)
        }
    };
    let counts = |records: &[history::ActivityRecord]| {
        (
            count(records, names::GENERATE_CHARACTER_IMAGES),
            count(records, names::GENERATE_VIDEO_SEGMENT),
            count(records, names::STITCH_VIDEOS),
        )
    };
    let (id1, r1) = render("first", first.clone()).await;
    assert_eq!(counts(&activities(&env, &id1).await), (1, 3, 1));

    // The same project again: nothing is generated, the video is the same bytes.
    let started = Instant::now();
    let (id2, r2) = render("again", first.clone()).await;
    let again_ms = started.elapsed().as_millis();
    assert_eq!(counts(&activities(&env, &id2).await), (0, 0, 1));
    assert_eq!(r2.video_url, r1.video_url);
    assert_eq!(r2.character_images, r1.character_images);
    let p = env.client.progress(&id2).await.unwrap();
    assert!(p
        .segments
        .iter()
        .all(|s| s.status == SegmentStatus::Done && s.clip_url.is_some()));
    eprintln!("re-render of an unchanged 3-scene project: {again_ms} ms");

    // One scene edited: exactly one clip is made.
    let mut edited = first.clone();
    edited.request.scenarios[1].prompt = "b, now at dusk".into();
    let (id3, r3) = render("edited", edited).await;
    let records = activities(&env, &id3).await;
    assert_eq!(counts(&records), (0, 1, 1));
    assert_ne!(r3.video_url, r1.video_url);

    // With the cache off everything is made again.
    let mut off = first.clone();
    off.use_cache = false;
    let (id4, _) = render("off", off).await;
    assert_eq!(counts(&activities(&env, &id4).await), (1, 3, 1));

    // The cache is visible and can be cleared.
    let store = studio_media::LocalStore::open(env.artifacts()).unwrap();
    let usage = store.cache_usage();
    assert_eq!(usage.entries, 5, "character + 3 clips + the edited clip");
    assert!(usage.bytes > 0);
    assert_eq!(store.clear_cache().unwrap(), 5);
    assert_eq!(store.cache_usage().entries, 0);
    let (id5, r5) = render("cleared", first).await;
    assert_eq!(counts(&activities(&env, &id5).await), (1, 3, 1));
    assert_eq!(
        r5.video_url, r1.video_url,
        "the offline provider is deterministic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clip_whose_worker_died_is_scheduled_anew_not_failed() {
    let env = Env::without_worker("reschedule").await;
    let id = env.job_id("job");
    let mut first = env.worker_process();
    let mut inp = input(vec![scenario("a", 8)], Quality::Standard);
    // One worker death spends the clip's whole retry budget.
    inp.tuning.as_mut().unwrap().segment.retry.max_attempts = 1;
    env.start(&id, inp).await;
    let needle = env.data.path().display().to_string();
    wait_for(
        "the clip to be mid-render",
        Duration::from_secs(60),
        || async {
            activities(&env, &id).await.iter().any(|r| {
                r.activity_type == names::GENERATE_CHARACTER_IMAGES
                    && r.outcome == ActivityOutcome::Completed
            }) && !ffmpeg_processes(&needle).is_empty()
        },
    )
    .await;
    first.kill().unwrap(); // SIGKILL, mid-clip
    first.wait().unwrap();
    let mut second = env.worker_process();
    let result = tokio::time::timeout(Duration::from_secs(90), env.result(&id)).await;
    second.kill().unwrap();
    second.wait().unwrap();
    result.expect("the job finishes").expect("the job succeeds");
    let clips: Vec<_> = activities(&env, &id)
        .await
        .into_iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect();
    assert_eq!(clips.len(), 2, "{clips:?}");
    assert_eq!(clips[0].outcome, ActivityOutcome::TimedOut, "{clips:?}");
    assert_eq!(clips[1].outcome, ActivityOutcome::Completed, "{clips:?}");
    // A replay fixture of its own (`STUDIO_RECORD_HISTORIES`): the reschedule path.
    let history = record_history(&env, &id, "crash-reschedule").await;
    assert_replays(&[("crash-reschedule", history)]).await;
}

/// The reschedule after worker deaths has a cap: a clip whose workers keep dying fails the job
/// (saying so) once `maxCrashReschedules` is spent, instead of being scheduled forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clip_whose_workers_keep_dying_fails_once_the_cap_is_spent() {
    let env = Env::without_worker("cap").await;
    let id = env.job_id("job");
    let mut inp = input(vec![scenario("a", 8)], Quality::Standard);
    let tuning = inp.tuning.as_mut().unwrap();
    tuning.segment.retry.max_attempts = 1;
    tuning.max_crash_reschedules = 1;
    env.start(&id, inp).await;
    let needle = env.data.path().display().to_string();
    // Two deaths mid-clip: the first is rescheduled, the second spends the cap.
    for death in 1..=2 {
        let mut worker = env.worker_process();
        wait_for(
            "a clip to be mid-render",
            Duration::from_secs(90),
            || async { !ffmpeg_processes(&needle).is_empty() },
        )
        .await;
        worker.kill().unwrap();
        worker.wait().unwrap();
        // Wait for the heartbeat timeout to end this attempt before the next worker starts.
        wait_for(
            "the dead worker's clip to time out",
            Duration::from_secs(90),
            || async {
                activities(&env, &id)
                    .await
                    .iter()
                    .filter(|r| {
                        r.activity_type == names::GENERATE_VIDEO_SEGMENT
                            && r.outcome == ActivityOutcome::TimedOut
                    })
                    .count()
                    >= death
            },
        )
        .await;
    }
    // A live worker decides the job's end.
    let mut last = env.worker_process();
    let result = env.result(&id).await;
    last.kill().unwrap();
    last.wait().unwrap();
    let err = result.unwrap_err().to_string();
    assert!(err.contains("failed"), "{err}");
    let clips: Vec<_> = activities(&env, &id)
        .await
        .into_iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect();
    assert_eq!(clips.len(), 2, "one reschedule, then the cap: {clips:?}");
    assert!(clips.iter().all(|c| c.outcome == ActivityOutcome::TimedOut));
}

/// What an offline clip was made from: its `comment` tag (prompt, first frame and references
/// by content digest).
fn clip_record(uri: &str) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format_tags=comment",
            "-of",
            "json",
        ])
        .arg(file_path(uri))
        .output()
        .unwrap();
    let probe: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let comment = probe["format"]["tags"]["comment"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri} has no record: {probe}"));
    serde_json::from_str(comment).unwrap()
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// A cast: a scene with two characters gets both faces as its references (the second made by
/// a character step of its own); a scene that continues from the previous shot waits for that
/// clip and starts from its last frame, with no references; a scene naming nobody keeps the
/// lead's three angles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_character_scene_and_a_shot_continued_from_it() {
    let env = Env::new("cast").await;
    let id = env.job_id("job");
    let mut inp = input(
        vec![
            studio_core::Scenario {
                cast: vec!["ava".into(), "rex".into()],
                ..scenario("ava and rex meet on the runway", 4)
            },
            studio_core::Scenario {
                continue_from_previous: true,
                ..scenario("they walk off together", 4)
            },
            scenario("ava alone in the cockpit", 4),
        ],
        Quality::Standard,
    );
    inp.request.character.id = Some("ava".into());
    inp.request.cast = vec![Character {
        id: Some("rex".into()),
        name: "Rex".into(),
        base_prompt: "a retired boxer with a broken nose".into(),
        ..Default::default()
    }];
    env.start(&id, inp).await;
    let result = env.result(&id).await.expect("the job succeeds");
    let records = activities(&env, &id).await;
    assert_eq!(count(&records, names::GENERATE_CHARACTER_IMAGES), 2);
    assert_eq!(count(&records, names::GENERATE_VIDEO_SEGMENT), 3);

    let digest = |uri: &str| sha256_of(&file_path(uri));
    let ava: Vec<String> = result.character_images.iter().map(|u| digest(u)).collect();
    let rex: Vec<String> = result.cast_images[0]
        .to_vec()
        .iter()
        .map(|u| digest(u))
        .collect();
    assert_ne!(ava[0], rex[0]);
    let clip = |i: usize| result.segments[i].clip_url.clone().unwrap();

    // Both faces, as many references as the model takes (3): each face first.
    let both = clip_record(&clip(0));
    assert_eq!(
        both["references"],
        serde_json::json!([ava[0], rex[0], ava[1]])
    );

    // The continued shot: the previous clip's last frame, and no references.
    let continued = clip_record(&clip(1));
    assert_eq!(continued["references"], serde_json::json!([]));
    let frame = env.data.path().join("last.png");
    Ffmpeg::from_env()
        .last_frame(
            &file_path(&clip(0)),
            &frame,
            &studio_media::TaskCtx::detached(),
        )
        .await
        .unwrap();
    assert_eq!(continued["image"], sha256_of(&frame).as_str());
    assert_eq!(
        result.segments[1].takes[0].first_frame_from.as_deref(),
        Some(clip(0).as_str()),
        "the take records the clip it continues"
    );

    // Nobody named: the lead alone, with all three angles.
    let alone = clip_record(&clip(2));
    assert_eq!(alone["references"], serde_json::json!(ava));
    assert_eq!(alone["image"], ava[0].as_str());

    // A replay fixture of its own (`STUDIO_RECORD_HISTORIES`): the cast and continuity paths.
    let history = record_history(&env, &id, "cast-continuity").await;
    assert_replays(&[("cast-continuity", history)]).await;
}
