//! The film's sound on Google's speech and music models, through the mock: a line Google
//! throttles is spoken again after the `RetryInfo` delay and the film is mixed; a voice Google
//! refuses fails the job after one attempt, naming the voice, with nothing mixed. Faults end in
//! the same classes as the pictures'.

use super::*;
use studio_core::{LineKind, Mix, MusicCue, SoundPlan, SpokenLine};

fn narrated(text: &str) -> studio_engine::RenderInput {
    let mut inp = input(vec![scenario("flies over the bay", 4)], Quality::Standard);
    inp.request.sound = Some(SoundPlan {
        lines: vec![SpokenLine {
            scene: 0,
            kind: LineKind::Narration,
            speaker: None,
            voice: "Kore".into(),
            style: Some("a calm storyteller".into()),
            text: text.into(),
            native: false,
        }],
        music: Some(MusicCue {
            prompt: Some("soft piano under a flight".into()),
            file: None,
            from: 0,
            to: 0,
            looped: true,
            fade_seconds: 1.0,
        }),
        mix: Mix::default(),
    });
    let t = inp.tuning.as_mut().unwrap();
    t.speech.retry.max_attempts = 3;
    t.speech.heartbeat_ms = 15_000;
    inp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_line_is_spoken_again_and_a_refused_voice_fails_naming_it() {
    let mock = mock().await;
    let env = google_env("sound", &mock, ProviderKind::Gemini, KEY).await;
    let throttled = env.job_id("throttled");
    let refused = env.job_id("refused");
    env.start(&throttled, narrated("Hold the line [mock:429=1]."))
        .await;
    env.start(&refused, narrated("Hello there [mock:refuse-voice]."))
        .await;

    let result = env
        .result(&throttled)
        .await
        .expect("the throttled job ends well");
    let records = activities(&env, &throttled).await;
    let spoken = only(&records, names::SPEAK_LINE);
    assert_eq!(
        (spoken.attempts, spoken.outcome),
        (2, ActivityOutcome::Completed),
        "{spoken:?}"
    );
    assert_eq!(spoken.failure_type, None);
    assert_eq!(
        only(&records, names::MAKE_MUSIC).outcome,
        ActivityOutcome::Completed
    );
    assert_eq!(
        only(&records, names::MIX_SOUND).outcome,
        ActivityOutcome::Completed
    );
    assert!(result.captions_url.is_some() && result.stems.is_some());
    // The speech and music models were paid for, and counted.
    let kinds: Vec<_> = result.usage.iter().map(|u| u.kind).collect();
    assert!(
        kinds.contains(&studio_core::UsageKind::SpeechOutputToken),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&studio_core::UsageKind::MusicClip),
        "{kinds:?}"
    );

    let err = env.result(&refused).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, EngineError::JobFailed { .. }), "{err:?}");
    assert!(message.contains("Kore"), "names the voice: {message}");
    assert!(!message.contains(KEY), "leaks the key: {message}");
    let records = activities(&env, &refused).await;
    let spoken = only(&records, names::SPEAK_LINE);
    assert_eq!(
        (
            spoken.attempts,
            spoken.outcome,
            spoken.failure_type.as_deref()
        ),
        (1, ActivityOutcome::Failed, Some("InvalidInputError")),
        "{spoken:?}"
    );
    assert!(
        !records.iter().any(|r| r.activity_type == names::MIX_SOUND),
        "nothing mixed"
    );
}
