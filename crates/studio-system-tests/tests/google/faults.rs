//! Every failure class with its attempt count, RetryInfo, resubmitted operations, and workers
//! killed mid-poll resuming the operation they paid for.

use super::*;

/// A scripted fault and what it must end in.
struct Case {
    name: &'static str,
    character: &'static str,
    clip: &'static str,
    activity: &'static str,
    attempts: u32,
    outcome: ActivityOutcome,
    failure_type: Option<&'static str>,
    text: &'static str,
}

/// One job per scripted fault, all on one worker; each ends in its class after the expected
/// number of attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_ends_in_its_class() {
    let mock = mock().await;
    let env = google_env("faults", &mock, ProviderKind::Gemini, KEY).await;
    let cases = [
        Case {
            name: "throttled",
            character: "pilot [mock:429]",
            clip: "flies",
            activity: names::GENERATE_CHARACTER_IMAGES,
            attempts: 2,
            outcome: ActivityOutcome::Completed,
            failure_type: None,
            text: "",
        },
        Case {
            name: "img-safety",
            character: "pilot [mock:safety]",
            clip: "flies",
            activity: names::GENERATE_CHARACTER_IMAGES,
            attempts: 1,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("ContentPolicyError"),
            text: "SAFETY",
        },
        Case {
            name: "img-malformed",
            character: "pilot [mock:malformed]",
            clip: "flies",
            activity: names::GENERATE_CHARACTER_IMAGES,
            attempts: 3,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("TransientError"),
            text: "malformed",
        },
        Case {
            name: "img-none",
            character: "pilot [mock:no-image]",
            clip: "flies",
            activity: names::GENERATE_CHARACTER_IMAGES,
            attempts: 3,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("TransientError"),
            text: "no image",
        },
        Case {
            name: "clip-500",
            character: "pilot",
            clip: "flies [mock:500]",
            activity: names::GENERATE_VIDEO_SEGMENT,
            attempts: 3,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("TransientError"),
            text: "HTTP 500",
        },
        Case {
            name: "img-reset",
            character: "pilot [mock:reset]",
            clip: "flies",
            activity: names::GENERATE_CHARACTER_IMAGES,
            attempts: 3,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("TransientError"),
            text: "connection failed",
        },
        Case {
            name: "clip-trickle",
            character: "pilot",
            clip: "flies [mock:trickle]",
            activity: names::GENERATE_VIDEO_SEGMENT,
            attempts: 3,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("TransientError"),
            text: "timed out",
        },
        Case {
            name: "clip-hang",
            character: "pilot",
            clip: "flies [mock:hang]",
            activity: names::GENERATE_VIDEO_SEGMENT,
            attempts: 3,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("TransientError"),
            text: "timed out",
        },
        Case {
            name: "clip-400",
            character: "pilot",
            clip: "flies [mock:bad-request]",
            activity: names::GENERATE_VIDEO_SEGMENT,
            attempts: 1,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("InvalidInputError"),
            text: "HTTP 400",
        },
        Case {
            name: "clip-safety",
            character: "pilot",
            clip: "flies [mock:safety]",
            activity: names::GENERATE_VIDEO_SEGMENT,
            attempts: 1,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("ContentPolicyError"),
            text: "policies",
        },
        Case {
            name: "clip-op-error",
            character: "pilot",
            clip: "flies [mock:op-error]",
            activity: names::GENERATE_VIDEO_SEGMENT,
            attempts: 3,
            outcome: ActivityOutcome::Failed,
            failure_type: Some("TransientError"),
            text: "internal error",
        },
        Case {
            name: "clip-slow",
            character: "pilot",
            clip: "flies [mock:polls=4]",
            activity: names::GENERATE_VIDEO_SEGMENT,
            attempts: 1,
            outcome: ActivityOutcome::Completed,
            failure_type: None,
            text: "",
        },
    ];
    for Case {
        name,
        character,
        clip,
        ..
    } in &cases
    {
        let mut inp = input(vec![scenario(clip, 4)], Quality::Standard);
        inp.request.character.base_prompt = character.to_string();
        let t = inp.tuning.as_mut().unwrap();
        t.segment.retry.max_attempts = 3;
        t.character.retry.max_attempts = 3;
        // Twelve jobs drawn and encoded at once by the mock in this process, on two cores:
        // heartbeats get room so only the scripted faults decide the attempts.
        t.character.heartbeat_ms = 15_000;
        t.segment.heartbeat_ms = 15_000;
        env.start(&env.job_id(name), inp).await;
    }
    for Case {
        name,
        activity,
        attempts,
        outcome,
        failure_type,
        text,
        ..
    } in cases
    {
        let id = env.job_id(name);
        let result = env.result(&id).await;
        let r = only(&activities(&env, &id).await, activity);
        assert_eq!(
            (r.attempts, r.outcome),
            (attempts, outcome),
            "{name}: {r:?}"
        );
        assert_eq!(r.failure_type.as_deref(), failure_type, "{name}: {r:?}");
        match outcome {
            ActivityOutcome::Completed => assert!(result.is_ok(), "{name}: {result:?}"),
            _ => {
                let err = result.unwrap_err();
                let message = err.to_string();
                assert!(
                    matches!(err, EngineError::JobFailed { .. }),
                    "{name}: {err:?}"
                );
                assert!(message.contains(text), "{name}: {message}");
                assert!(
                    message.contains("gemini ("),
                    "{name} names the provider: {message}"
                );
                assert!(!message.contains(KEY), "{name} leaks the key");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_key_and_an_unknown_model_fail_at_once() {
    let mock = mock().await;
    let bad_key = google_env("badkey", &mock, ProviderKind::Gemini, "wrong-key").await;
    let id = bad_key.job_id("job");
    bad_key
        .start(&id, input(vec![scenario("flies", 4)], Quality::Standard))
        .await;
    let err = bad_key.result(&id).await.unwrap_err().to_string();
    assert!(
        err.contains("API key not valid") && !err.contains("wrong-key"),
        "{err}"
    );
    // The key is refused when its models are listed, before anything could be paid for.
    assert!(
        activities(&bad_key, &id).await.is_empty(),
        "nothing was scheduled"
    );

    // A pinned model the key does not list fails before anything is paid, naming what the
    // key can use instead; a retired one says it was shut down.
    for (name, pinned, says) in [
        ("model", "veo-9.9-imaginary", "is not among the models"),
        (
            "retired",
            "veo-3.0-generate-001",
            "was shut down on 2026-06-30",
        ),
    ] {
        let env = google_env_with(name, &mock, ProviderKind::Vertex, KEY, |g| {
            g.pinned_video_model = Some(pinned.into())
        })
        .await;
        let id = env.job_id("job");
        let before = paid(&mock.stats().requests).len();
        env.start(&id, input(vec![scenario("flies", 4)], Quality::Standard))
            .await;
        let err = env.result(&id).await.unwrap_err().to_string();
        assert!(err.contains(pinned) && err.contains(says), "{err}");
        assert!(
            err.contains("can use: veo-3.1-generate-001"),
            "names the alternatives: {err}"
        );
        assert!(
            activities(&env, &id).await.is_empty(),
            "nothing was scheduled"
        );
        assert_eq!(
            paid(&mock.stats().requests).len(),
            before,
            "nothing was paid"
        );
    }
}

/// A 429's RetryInfo delay (no Retry-After header) becomes the next attempt's delay; an
/// operation that failed with an internal error is submitted once more in the same attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_info_is_honoured_and_a_failed_operation_is_resubmitted() {
    let mock = mock().await;
    let env = google_env("retry", &mock, ProviderKind::Vertex, KEY).await;
    let id = env.job_id("job");
    let mut inp = input(
        vec![scenario("circles [mock:op-error-once]", 8)],
        Quality::Standard,
    );
    inp.request.character.base_prompt = "a pilot [mock:429=2.25]".into();
    env.start(&id, inp).await;
    env.result(&id).await.unwrap();
    let requests = mock.stats().requests;
    let images: Vec<&LoggedRequest> = requests
        .iter()
        .filter(|r| r.path.ends_with(":generateContent"))
        .collect();
    let throttled = images.iter().find(|r| r.status == 429).expect("a 429");
    let next = images
        .iter()
        .filter(|r| r.at_ms > throttled.at_ms && r.status == 200)
        .map(|r| r.at_ms)
        .min()
        .expect("a later success");
    assert!(
        next - throttled.at_ms >= 2250,
        "retried {} ms after the 429",
        next - throttled.at_ms
    );
    let r = only(&activities(&env, &id).await, names::GENERATE_VIDEO_SEGMENT);
    assert_eq!((r.attempts, r.outcome), (1, ActivityOutcome::Completed));
    assert_eq!(
        mock.stats()
            .video_submissions
            .get("circles [mock:op-error-once]"),
        Some(&2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_poll_resumes_the_same_operation() {
    killed_mid_poll(false).await;
}

/// The same when the death spent the clip's last attempt: the workflow schedules it anew and
/// hands it the operation name from the last heartbeat, so the clip is still paid for once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clip_rescheduled_after_its_worker_died_resumes_the_same_operation() {
    killed_mid_poll(true).await;
}

/// Starts `inp` as job `id` on one worker process, kills it (SIGKILL) once `prompt`'s
/// operation was submitted and polled ten times (its name has reached a heartbeat), and lets a
/// second worker end the job. Returns the job's result.
async fn kill_mid_poll(
    env: &Env,
    mock: &MockGoogle,
    id: &str,
    prompt: &str,
    inp: studio_engine::RenderInput,
) -> Result<studio_core::VideoResult, EngineError> {
    let mut first = env.worker_process_with("gemini");
    env.start(id, inp).await;
    wait_for(
        "the Veo operation to be polled",
        Duration::from_secs(90),
        || async {
            mock.stats().video_submissions.get(prompt) == Some(&1) && mock.stats().polls >= 10
        },
    )
    .await;
    first.kill().unwrap();
    first.wait().unwrap();
    let mut second = env.worker_process_with("gemini");
    let result = env.result(id).await;
    second.kill().unwrap();
    second.wait().unwrap();
    result
}

async fn killed_mid_poll(last_attempt: bool) {
    let mock = mock().await;
    let env = gemini_process_env(if last_attempt { "resched" } else { "resume" }, &mock).await;
    let prompt = "a long take [mock:polls=30]";
    let id = env.job_id("job");
    let mut inp = input(vec![scenario(prompt, 4)], Quality::Standard);
    if last_attempt {
        inp.tuning.as_mut().unwrap().segment.retry.max_attempts = 1;
    }
    kill_mid_poll(&env, &mock, &id, prompt, inp).await.unwrap();
    assert_eq!(
        mock.stats().video_submissions.get(prompt),
        Some(&1),
        "paid twice"
    );
    let clips: Vec<_> = activities(&env, &id)
        .await
        .into_iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect();
    if last_attempt {
        let outcomes: Vec<_> = clips.iter().map(|c| (c.attempts, c.outcome)).collect();
        assert_eq!(
            outcomes,
            [
                (1, ActivityOutcome::TimedOut),
                (1, ActivityOutcome::Completed)
            ],
            "scheduled anew once"
        );
    } else {
        assert_eq!(clips.len(), 1);
        assert_eq!(
            (clips[0].attempts, clips[0].outcome),
            (2, ActivityOutcome::Completed)
        );
    }
}

/// Retries are for provider errors, re-scheduling for dead workers: a clip whose first two
/// attempts got a 503 and whose third died with its worker spent its budget on the provider,
/// so the job fails instead of getting three fresh attempts (and still paid once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_errors_then_a_worker_death_get_no_fresh_retry_budget() {
    let mock = mock().await;
    let env = gemini_process_env("budget", &mock).await;
    // Two 503s, then the third attempt's operation is submitted, polled, and its worker killed.
    let prompt = "a long take [mock:fail=2, polls=30]";
    let id = env.job_id("job");
    let mut inp = input(vec![scenario(prompt, 4)], Quality::Standard);
    inp.tuning.as_mut().unwrap().segment.retry.max_attempts = 3;
    let result = kill_mid_poll(&env, &mock, &id, prompt, inp).await;
    let err = result.expect_err("a clip whose retries went to the provider fails the job");
    assert!(matches!(err, EngineError::JobFailed { .. }), "{err:?}");
    let clips: Vec<_> = activities(&env, &id)
        .await
        .into_iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .map(|c| (c.attempts, c.outcome))
        .collect();
    assert_eq!(
        clips,
        [(3, ActivityOutcome::TimedOut)],
        "not scheduled anew after its budget went to 503s"
    );
    let refused = mock
        .stats()
        .requests
        .iter()
        .filter(|r| r.status == 503)
        .count();
    assert_eq!(refused, 2, "the two scripted 503s");
    assert_eq!(mock.stats().video_submissions.get(prompt), Some(&1));
    // A replay fixture of its own (`STUDIO_RECORD_HISTORIES`): the budget's patch and path.
    let history = record_history(&env, &id, "crash-budget").await;
    assert_replays(&[("crash-budget", history)]).await;
}
