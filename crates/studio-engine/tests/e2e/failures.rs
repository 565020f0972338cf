//! Errors and dead workers: retries as the policy says, and work that survives its worker.

use std::time::Duration;

use studio_core::Quality;
use studio_engine::history::ActivityOutcome;
use studio_engine::names;
use studio_engine::EngineError;
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;

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
