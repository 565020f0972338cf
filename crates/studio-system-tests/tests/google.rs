//! The real Google providers (Nano Banana; Veo and Gemini Omni) through a loopback mock that
//! speaks Google's wire format and is at least as strict: models discovered from the key's list
//! (names the code has never seen included) on both back ends and all three routes, every rule
//! of the model table refused before anything is paid, every failure class with its attempt
//! count from history, RetryInfo honoured, failed operations resubmitted, and a worker killed
//! mid-poll resuming the same operation.

use std::path::Path;
use std::time::Duration;

use studio_core::Quality;
use studio_engine::history::{ActivityOutcome, ActivityRecord};
use studio_engine::{names, EngineError};
use studio_media::google::GoogleSettings;
use studio_media::{Ffmpeg, ProviderKind};
use studio_mock_google::{LoggedRequest, MockGoogle, MockModel, MockOptions};
use studio_testkit::*;

const KEY: &str = "test-key-do-not-leak-123";

async fn mock() -> MockGoogle {
    MockGoogle::start(
        0,
        MockOptions {
            api_key: KEY.into(),
            polls: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// Google settings pointing at the mock, with fast polls and a short request timeout.
fn google_settings(mock: &MockGoogle, dir: &Path, key: &str) -> GoogleSettings {
    let key_file = dir.join("gemini.key");
    std::fs::write(&key_file, key).unwrap();
    GoogleSettings {
        base_url: Some(mock.base_url()),
        api_key_file: Some(key_file),
        project: Some("studio-test".into()),
        location: Some("us-central1".into()),
        poll_initial_ms: 100,
        poll_max_ms: 200,
        request_timeout_secs: 8,
        ..Default::default()
    }
}

async fn google_env(name: &str, mock: &MockGoogle, provider: ProviderKind, key: &str) -> Env {
    google_env_with(name, mock, provider, key, |_| {}).await
}

async fn google_env_with(
    name: &str,
    mock: &MockGoogle,
    provider: ProviderKind,
    key: &str,
    tweak: impl FnOnce(&mut GoogleSettings),
) -> Env {
    let mut env = Env::without_worker(name).await;
    env.google = google_settings(mock, env.data.path(), key);
    if provider == ProviderKind::Vertex {
        env.google.credentials_file = Some(service_account(env.data.path(), mock));
    }
    tweak(&mut env.google);
    env.worker = Some(env.spawn_worker(provider, Ffmpeg::from_env()));
    env
}

/// A service-account JSON whose token endpoint is the mock, with a fresh RSA key (made here,
/// never committed).
fn service_account(dir: &Path, mock: &MockGoogle) -> std::path::PathBuf {
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .output()
        .expect("openssl");
    assert!(out.status.success());
    let sa = serde_json::json!({
        "type": "service_account",
        "project_id": "studio-test",
        "private_key_id": "test",
        "private_key": String::from_utf8(out.stdout).unwrap(),
        "client_email": "studio@studio-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": format!("{}/token", mock.base_url()),
    });
    let path = dir.join("service-account.json");
    std::fs::write(&path, sa.to_string()).unwrap();
    path
}

fn only(records: &[ActivityRecord], activity: &str) -> ActivityRecord {
    let matching: Vec<_> = records
        .iter()
        .filter(|r| r.activity_type == activity)
        .collect();
    assert_eq!(matching.len(), 1, "{records:?}");
    matching[0].clone()
}

/// Requests Google would bill: images, Veo submissions, Omni interactions it accepted (a refused
/// request, like the access probe's, costs nothing).
fn paid(requests: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    requests
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.status == 200
                && (r.path.ends_with(":generateContent")
                    || r.path.ends_with(":predictLongRunning")
                    || r.path.ends_with("/interactions"))
        })
        .collect()
}

fn model(id: &str, methods: &[&str]) -> MockModel {
    MockModel {
        id: id.into(),
        methods: methods.iter().map(|m| (*m).to_owned()).collect(),
    }
}

async fn render_through(provider: ProviderKind) {
    let mock = mock().await;
    let env = google_env(&format!("{provider}"), &mock, provider, KEY).await;
    let id = env.job_id("job");
    let scenarios = vec![scenario("walks to the plane", 8), scenario("takes off", 8)];
    env.start(&id, input(scenarios, Quality::High)).await;
    let result = env.result(&id).await.unwrap();
    let info = Ffmpeg::from_env()
        .probe(&file_path(&result.video_url))
        .await
        .unwrap();
    assert!((info.duration - 16.0).abs() <= 0.1, "{}", info.duration);
    assert_eq!(result.character_images.len(), 3);

    let stats = mock.stats();
    assert_eq!(stats.image_requests.len(), 3, "{stats:?}");
    assert_eq!(
        stats.video_submissions.values().sum::<u32>(),
        2,
        "{stats:?}"
    );
    // Today's catalog: Omni through Interactions on the Gemini API, Veo on Vertex; the newest
    // Nano Banana on both. The key's models were listed (every page) first.
    let paths: Vec<&str> = stats.requests.iter().map(|r| r.path.as_str()).collect();
    let (video_route, listing) = match provider {
        ProviderKind::Gemini => ("/v1beta/interactions", "/v1beta/models"),
        _ => (":predictLongRunning", "/v1beta1/publishers/google/models"),
    };
    assert!(paths.iter().any(|p| p.ends_with(video_route)), "{paths:?}");
    assert!(
        paths.iter().filter(|p| **p == listing).count() >= 2,
        "listing is paged: {paths:?}"
    );
    let usage: Vec<&str> = result.usage.iter().map(|u| u.model.as_str()).collect();
    match provider {
        ProviderKind::Gemini => {
            assert_eq!(usage, ["gemini-nano-banana-2.1", "gemini-omni-1.2-flash"]);
            // High is 1080p: too large to come inline, so by URI, as a file that is
            // PROCESSING at first; its state is checked until ACTIVE, then it is downloaded.
            assert!(
                stats.resolutions.values().all(|r| r == "1080p"),
                "{stats:?}"
            );
            let files: Vec<&LoggedRequest> = stats
                .requests
                .iter()
                .filter(|r| r.path.starts_with("/v1beta/files/"))
                .collect();
            let checks = files.iter().filter(|r| !r.path.contains(':')).count();
            assert!(checks >= 2 * 2, "two checks per clip at least: {files:?}");
            assert!(files.iter().all(|r| r.status == 200), "{files:?}");
            assert_eq!(stats.downloads, 2, "{stats:?}");
        }
        _ => {
            assert!(stats.token_requests >= 1, "{stats:?}");
            assert_eq!(usage, ["gemini-3.1-flash-image", "veo-3.1-generate-001"]);
            // With default settings (region us-central1): images at global, where Gemini 3.x
            // is served, Veo in the region; no request went to a location that 404s.
            for r in paid(&stats.requests) {
                let at = if r.path.contains(":generateContent") {
                    "/locations/global/"
                } else {
                    "/locations/us-central1/"
                };
                assert!(r.path.contains(at), "{r:?}");
            }
            assert!(
                !stats.requests.iter().any(|r| r.status == 404),
                "{:?}",
                stats.requests
            );
        }
    }
    // The key never enters workflow history.
    let events = env.client.history(&id).await.unwrap();
    let bytes: Vec<u8> = events
        .iter()
        .flat_map(prost::Message::encode_to_vec)
        .collect();
    assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_render_through_the_gemini_api() {
    render_through(ProviderKind::Gemini).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_render_through_vertex_ai() {
    render_through(ProviderKind::Vertex).await;
}

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

/// A render with no model configured against catalogs of names this code has never seen, on
/// each back end and each video route: the families' patterns find them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_never_seen_are_discovered_on_every_back_end_and_route() {
    // (name, back end, Gemini API list, Vertex list, expected video model, its route)
    type Case = (
        &'static str,
        ProviderKind,
        Vec<MockModel>,
        Vec<String>,
        &'static str,
        &'static str,
    );
    let cases: [Case; 3] = [
        (
            "omni",
            ProviderKind::Gemini,
            vec![
                model("gemini-nano-banana-3", &["generateContent"]),
                model("gemini-omni-2.0-flash", &["generateContent"]),
                model("gemini-9-flash", &["generateContent", "countTokens"]),
            ],
            vec![],
            "gemini-omni-2.0-flash",
            "/v1beta/interactions",
        ),
        (
            "gemini-veo",
            ProviderKind::Gemini,
            vec![
                model("gemini-nano-banana-3", &["generateContent"]),
                model("gemini-omni-2.0-flash", &["generateContent"]),
                model("veo-4.0-generate-preview", &["predictLongRunning"]),
            ],
            vec![],
            "veo-4.0-generate-preview",
            "/models/veo-4.0-generate-preview:predictLongRunning",
        ),
        (
            "vertex",
            ProviderKind::Vertex,
            vec![],
            vec![
                "veo-4.0-generate-001".into(),
                "veo-4.0-fast-generate-001".into(),
                "gemini-nano-banana-3".into(),
                "gemini-omni-2.0-flash".into(),
            ],
            "veo-4.0-generate-001",
            "/models/veo-4.0-generate-001:predictLongRunning",
        ),
    ];
    for (name, provider, gemini_models, vertex_models, video, route) in cases {
        let mock = MockGoogle::start(
            0,
            MockOptions {
                api_key: KEY.into(),
                polls: 1,
                gemini_models,
                vertex_models,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let env = google_env(name, &mock, provider, KEY).await;
        let id = env.job_id("job");
        // 8 s scenes take the character's angles as reference images where the model allows.
        env.start(&id, input(vec![scenario("lands", 8)], Quality::Standard))
            .await;
        let result = env.result(&id).await.unwrap();
        let usage: Vec<&str> = result.usage.iter().map(|u| u.model.as_str()).collect();
        assert_eq!(usage, ["gemini-nano-banana-3", video], "{name}");
        let stats = mock.stats();
        assert!(
            stats
                .requests
                .iter()
                .any(|r| r.path.ends_with(route) && r.status == 200),
            "{name}: {:?}",
            stats.requests
        );
        assert_eq!(stats.video_submissions.values().sum::<u32>(), 1, "{name}");
        // The character's three angles went as reference images (each model takes up to 3).
        assert_eq!(stats.reference_images.get("lands"), Some(&3), "{name}");
    }
}

/// Vertex lists the whole publisher catalog: a listed model this project cannot call is found
/// by a free probe (a 404 for an empty request) and the next best is used, never paid for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_model_the_project_cannot_call_is_passed_over() {
    let mock = MockGoogle::start(
        0,
        MockOptions {
            api_key: KEY.into(),
            vertex_no_access: vec!["veo-3.1-generate-001".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Omni on Vertex at High (1080p) cannot come back inline, and Vertex delivers larger clips
    // only to Cloud Storage: without an output bucket the job is refused before anything is
    // paid, saying what to set.
    let env = google_env("probe-bucketless", &mock, ProviderKind::Vertex, KEY).await;
    let id = env.job_id("job");
    env.start(&id, input(vec![scenario("rises", 8)], Quality::High))
        .await;
    let err = env.result(&id).await.unwrap_err().to_string();
    assert!(err.contains("google.outputGcsUri"), "{err}");
    assert!(paid(&mock.stats().requests).is_empty(), "nothing was paid");
    assert!(
        activities(&env, &id).await.is_empty(),
        "nothing was scheduled"
    );

    let env = google_env_with("probe", &mock, ProviderKind::Vertex, KEY, |g| {
        g.output_gcs_uri = Some("gs://studio-out/clips/".into())
    })
    .await;
    let id = env.job_id("job");
    env.start(&id, input(vec![scenario("rises", 8)], Quality::High))
        .await;
    let result = env.result(&id).await.unwrap();
    let models: Vec<&str> = result.usage.iter().map(|u| u.model.as_str()).collect();
    assert_eq!(models, ["gemini-3.1-flash-image", "gemini-omni-1.2-flash"]);
    let requests = mock.stats().requests;
    let probes: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with("veo-3.1-generate-001:predictLongRunning"))
        .collect();
    assert!(!probes.is_empty(), "probed: {requests:?}");
    assert!(probes.iter().all(|p| p.status == 404), "{probes:?}");
    assert_eq!(
        paid(&requests).len(),
        4,
        "3 images and 1 clip: {requests:?}"
    );
    // The clip was asked by URI into the bucket and read back from Cloud Storage; Omni is
    // served at global.
    let clip = requests
        .iter()
        .find(|r| r.path.ends_with("/interactions") && r.status == 200)
        .unwrap();
    assert!(clip.path.contains("/locations/global/"), "{clip:?}");
    assert!(
        requests
            .iter()
            .any(|r| r.path.starts_with("/storage/v1/b/studio-out/o/") && r.status == 200),
        "{requests:?}"
    );
}

/// User credentials (`gcloud auth application-default login`): refreshed at the file's token
/// endpoint and sent with `x-goog-user-project` (the file's quota project, else google.project);
/// the mock, like Google, refuses their token without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_credentials_are_sent_with_a_quota_project() {
    let mock = mock().await;
    for (name, quota_project) in [("with-quota", Some("billing-project")), ("without", None)] {
        let env = google_env_with(name, &mock, ProviderKind::Vertex, KEY, |g| {
            let dir = g
                .api_key_file
                .as_ref()
                .unwrap()
                .parent()
                .unwrap()
                .to_owned();
            let mut user = serde_json::json!({
                "type": "authorized_user",
                "client_id": "764086051850-x.apps.googleusercontent.com",
                "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
                "refresh_token": "1//test-refresh-token",
                "token_uri": format!("{}/token", mock.base_url()),
            });
            if let Some(q) = quota_project {
                user["quota_project_id"] = serde_json::json!(q);
            }
            let path = dir.join("adc.json");
            std::fs::write(&path, user.to_string()).unwrap();
            g.credentials_file = Some(path);
        })
        .await;
        let id = env.job_id("job");
        env.start(&id, input(vec![scenario("waves", 4)], Quality::Standard))
            .await;
        let result = env.result(&id).await.unwrap();
        assert_eq!(result.character_images.len(), 3, "{name}");
    }
    let stats = mock.stats();
    assert!(
        !stats.requests.iter().any(|r| r.status == 403),
        "{:?}",
        stats.requests
    );
}

/// 4k where the model renders it natively asks for `4k` and runs no upscale; a model without
/// native 4k (Lite) renders 1080p and the studio upscales. Audio survives both, and a 4 s clip
/// (too short for references) animates the front image instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_4k_skips_the_upscale_and_audio_survives() {
    let mock = mock().await;
    for (name, pinned, upscales) in [
        ("native", None, false),
        ("lite", Some("veo-3.1-lite-generate-001"), true),
    ] {
        let env = google_env_with(name, &mock, ProviderKind::Vertex, KEY, |g| {
            g.pinned_video_model = pinned.map(str::to_owned)
        })
        .await;
        let id = env.job_id("job");
        let prompt = format!("{name} skyline at dusk");
        env.start(&id, input(vec![scenario(&prompt, 8)], Quality::FourK))
            .await;
        let result = env.result(&id).await.unwrap();
        let stats = mock.stats();
        let asked = stats.resolutions.get(&prompt).cloned();
        let runs = activities(&env, &id).await;
        assert_eq!(
            count(&runs, names::ENHANCE_4K),
            usize::from(upscales),
            "{name}: {runs:?}"
        );
        assert_eq!(
            asked.as_deref(),
            Some(if upscales { "1080p" } else { "4k" }),
            "{name}"
        );
        let expected_refs = if upscales { 0 } else { 3 };
        assert_eq!(
            stats.reference_images.get(&prompt),
            Some(&expected_refs),
            "{name}"
        );
        let info = Ffmpeg::from_env()
            .probe(&file_path(&result.video_url))
            .await
            .unwrap();
        assert!(info.has_audio(), "{name}: the video lost its audio");
        if upscales {
            assert_eq!(
                info.video.as_ref().map(|v| (v.width, v.height)),
                Some((3840, 2160)),
                "{name}"
            );
        }
        let usage = &result.usage;
        assert!(
            usage
                .iter()
                .any(|u| u.resolution.as_deref() == asked.as_deref()),
            "{name}: usage is priced at the resolution asked: {usage:?}"
        );
    }
}

/// Each rule of the table is checked when the job starts: the job fails naming the scenario,
/// the rule and the fix, and Google was never asked for anything that costs money.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_checked_before_anything_is_paid() {
    let mock = mock().await;
    let env = google_env("rules", &mock, ProviderKind::Vertex, KEY).await;
    let cases = [
        (
            "hd-6s",
            vec![scenario("boards", 8), scenario("waves", 6)],
            Quality::High,
            "High (1080p) needs 8 s clips on veo-3.1-generate-001",
            "make this scene 8 s, or use Standard",
        ),
        (
            "uhd-4s",
            vec![scenario("boards", 4)],
            Quality::FourK,
            "4K (4k) needs 8 s clips",
            "make this scene 8 s, or use Standard",
        ),
        (
            "five",
            vec![scenario("boards", 5)],
            Quality::Standard,
            "makes clips of 4, 6 or 8 s, not 5 s",
            "make this scene 4 s",
        ),
    ];
    for (name, scenarios, quality, rule, fix) in cases {
        let id = env.job_id(name);
        env.start(&id, input(scenarios, quality)).await;
        let err = env.result(&id).await.unwrap_err().to_string();
        assert!(err.contains(rule) && err.contains(fix), "{name}: {err}");
        assert!(err.contains("scene-"), "{name} names the scenario: {err}");
        assert!(
            err.contains("InvalidInputError") || err.contains("nothing was generated"),
            "{err}"
        );
        assert!(
            activities(&env, &id).await.is_empty(),
            "{name}: nothing scheduled"
        );
    }
    assert!(
        paid(&mock.stats().requests).is_empty(),
        "{:?}",
        mock.stats().requests
    );
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

/// An env with no worker of its own whose `studio worker` processes use the Gemini API on
/// `mock`, polling operations every 200 ms.
async fn gemini_process_env(name: &str, mock: &MockGoogle) -> Env {
    let env = Env::without_worker(name).await;
    let mut settings = studio_api::Settings {
        google: google_settings(mock, env.data.path(), KEY),
        ..Default::default()
    };
    settings.google.poll_initial_ms = 200;
    settings.save(env.data.path()).unwrap();
    env
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

/// Every file under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    files_in(dir)
        .into_iter()
        .filter(|p| {
            std::fs::read(p)
                .map(|b| b.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
        })
        .collect()
}

/// A key given to a worker process in its environment appears nowhere else: not in any job's
/// history (read through the API), not in the worker's or the client's log at trace level, not
/// in the data dir (settings, job records, artifacts) and not in the project.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_in_no_history_log_settings_or_project() {
    let mock = mock().await;
    let env = Env::without_worker("secret").await;
    let data = env.data.path();
    let settings = serde_json::json!({
        "provider": "gemini",
        "google": {"baseUrl": mock.base_url(), "pollInitialMs": 100, "pollMaxMs": 200,
                   "requestTimeoutSecs": 8},
        "worker": {"bundled": false},
        "tuning": studio_engine::Tuning::fast(),
    });
    std::fs::write(data.join("settings.json"), settings.to_string()).unwrap();
    let address = format!("127.0.0.1:{}", server_port());
    let studio = |log: &str| {
        let mut c = std::process::Command::new(studio_bin());
        c.args(["--address", &address, "--task-queue", &env.queue])
            .arg("--data-dir")
            .arg(data)
            .env("GEMINI_API_KEY", KEY)
            .env("STUDIO_LOG", "trace")
            .stderr(std::fs::File::create(data.join(log)).unwrap());
        c
    };
    let mut worker = studio("worker.log").arg("worker").spawn().unwrap();

    let project_dir = tempfile::tempdir().unwrap();
    let project = project_dir.path().join("secret.studio.json");
    write_project(
        &project,
        serde_json::json!([{"prompt": "runs", "durationSeconds": 4}]),
    );
    let ok = studio("render.log")
        .args(["render", "--id", &env.job_id("ok"), "--wait"])
        .arg(&project)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    // A failing job too: error paths are where keys tend to leak.
    let bad_project = project_dir.path().join("bad.studio.json");
    std::fs::write(
        &bad_project,
        std::fs::read_to_string(&project)
            .unwrap()
            .replace("a courier", "a courier [mock:bad-request]"),
    )
    .unwrap();
    let bad = studio("render-bad.log")
        .args(["render", "--id", &env.job_id("bad"), "--wait"])
        .arg(&bad_project)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(3), "the job should fail");
    worker.kill().unwrap();
    worker.wait().unwrap();

    // The key was really used (the mock refuses requests without it)...
    assert!(mock.stats().image_requests.len() >= 3, "{:?}", mock.stats());
    // ...and is nowhere it should not be.
    for id in [env.job_id("ok"), env.job_id("bad")] {
        let bytes: Vec<u8> = env
            .client
            .history(&id)
            .await
            .unwrap()
            .iter()
            .flat_map(prost::Message::encode_to_vec)
            .collect();
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "{id}"
        );
    }
    let log = std::fs::read_to_string(data.join("worker.log")).unwrap();
    assert!(
        log.lines().count() > 50,
        "trace logging was on: {} lines",
        log.lines().count()
    );
    for dir in [data, project_dir.path()] {
        let hits = files_containing(dir, KEY.as_bytes());
        assert!(hits.is_empty(), "the key leaked into {hits:?}");
    }
    assert!(!String::from_utf8_lossy(&ok.stdout).contains(KEY));
    assert!(!String::from_utf8_lossy(&bad.stdout).contains(KEY));
}

/// A key entered once (`studio keys --set`, as Settings does) is what a worker with no key in
/// its environment uses; it is kept apart from settings. The file backend stands in for the
/// keyring here (this machine's CI has no desktop session); `studio-secrets` tests the keyring.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_entered_once_is_used_by_a_worker_with_no_key_in_its_environment() {
    let mock = mock().await;
    let env = Env::without_worker("stored-key").await;
    let data = env.data.path();
    let settings = serde_json::json!({
        "google": {"baseUrl": mock.base_url(), "pollInitialMs": 100, "pollMaxMs": 200},
        "worker": {"bundled": false},
        "tuning": studio_engine::Tuning::fast(),
    });
    std::fs::write(data.join("settings.json"), settings.to_string()).unwrap();
    let studio = || {
        let mut c = env.studio();
        c.env("STUDIO_SECRETS", "file")
            .env_remove("GEMINI_API_KEY")
            .env_remove("GOOGLE_API_KEY")
            .env_remove("STUDIO_PROVIDER");
        c
    };
    let mut set = studio()
        .args(["keys", "--set", "gemini-api-key"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut set.stdin.take().unwrap(), KEY.as_bytes()).unwrap();
    let out = set.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("no keyring service is available"), "{said}");
    assert!(said.contains("gemini-api-key           set"), "{said}");
    let key_file = data.join("secrets.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let mut worker = studio()
        .arg("worker")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let project = data.join("p.studio.json");
    write_project(
        &project,
        serde_json::json!([{"prompt": "runs", "durationSeconds": 4}]),
    );
    let render = studio()
        .args(["render", "--id", &env.job_id("job"), "--wait"])
        .arg(&project)
        .output()
        .unwrap();
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    // Google's endpoints were called, with the stored key (the mock refuses any other).
    let stats = mock.stats();
    assert_eq!(stats.image_requests.len(), 3, "{stats:?}");
    assert_eq!(stats.video_submissions.values().sum::<u32>(), 1);
    let settings = std::fs::read_to_string(data.join("settings.json")).unwrap();
    assert!(!settings.contains(KEY));
    assert_eq!(files_containing(data, KEY.as_bytes()), [key_file]);
}

/// `studio doctor` lists what the key can use and shows the choice per role; `--live` says the
/// price and asks first (a "no" makes nothing), then makes the cheapest image and 4 s clip and
/// compares them with the model table; the choice is cached in the data dir for the estimate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_key_and_the_table() {
    let mock = mock().await;
    let env = Env::without_worker("doctor").await;
    let data = env.data.path();
    let settings = serde_json::json!({
        "provider": "vertex",
        "google": {"baseUrl": mock.base_url(), "pollInitialMs": 100, "pollMaxMs": 200,
                   "project": "studio-test", "location": "us-central1",
                   "credentialsFile": service_account(data, &mock)},
    });
    std::fs::write(data.join("settings.json"), settings.to_string()).unwrap();
    let doctor = |args: &[&str], stdin: &str| {
        let mut c = env.studio();
        c.arg("doctor")
            .args(args)
            .env("STUDIO_SECRETS", "file")
            .env_remove("STUDIO_PROVIDER")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        assert!(out.status.success(), "{}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    };

    let (report, _) = doctor(&["--json"], "");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["imageModel"], "gemini-3.1-flash-image", "{report}");
    assert_eq!(report["videoModel"], "veo-3.1-generate-001", "{report}");
    assert_eq!(report["videoRoute"], "predictLongRunning");
    assert_eq!(report["native4k"], true);
    assert_eq!(report["referenceImages"], 3);
    // Each role's route and location: Nano Banana at global, Veo in the region.
    let roles: Vec<(String, String, String)> = report["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            (s("role"), s("route"), s("location"))
        })
        .collect();
    let owned = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        roles,
        [
            owned("images", "generateContent", "global"),
            owned("video", "predictLongRunning", "us-central1"),
            owned("drafts", "predictLongRunning", "us-central1"),
        ],
        "{report}"
    );
    let (plain, _) = doctor(&[], "");
    assert!(
        plain.contains("images  gemini-3.1-flash-image via generateContent at global"),
        "{plain}"
    );
    // Data kept in the region: the image role cannot be called, and says why.
    let mut kept = settings.clone();
    kept["google"]["keepDataInRegion"] = serde_json::json!(true);
    std::fs::write(data.join("settings.json"), kept.to_string()).unwrap();
    let (report_kept, _) = doctor(&["--json", "--cached"], "");
    let report_kept: serde_json::Value = serde_json::from_str(&report_kept).unwrap();
    let problem = report_kept["roles"][0]["problem"]
        .as_str()
        .unwrap_or_default();
    assert!(
        problem.contains("\"global\"") && problem.contains("us-central1"),
        "{report_kept}"
    );
    assert!(
        report_kept["roles"][1]["problem"].is_null(),
        "{report_kept}"
    );
    std::fs::write(data.join("settings.json"), settings.to_string()).unwrap();
    let usable = report["usableVideoModels"].to_string();
    assert!(
        usable.contains("veo-3.1-lite-generate-001") && usable.contains("gemini-omni-1.2-flash"),
        "{usable}"
    );
    assert!(
        data.join("models-vertex.json").exists(),
        "the listing is cached"
    );
    assert!(
        paid(&mock.stats().requests).is_empty(),
        "listing costs nothing"
    );

    // A "no" makes nothing.
    let (_, asked) = doctor(&["--live"], "n\n");
    assert!(
        asked.contains("veo-3.1-lite-generate-001") && asked.contains("about $"),
        "{asked}"
    );
    assert!(asked.contains("Nothing was made"), "{asked}");
    assert!(paid(&mock.stats().requests).is_empty());

    // The cheapest image and clip, checked against the table.
    let (live, _) = doctor(&["--live", "--yes", "--json"], "");
    let live: serde_json::Value = serde_json::from_str(&live).unwrap();
    assert_eq!(
        live["plan"]["videoModel"], "veo-3.1-lite-generate-001",
        "{live}"
    );
    assert_eq!(live["plan"]["clipSeconds"], 4);
    assert_eq!(live["clipAudio"], true, "{live}");
    assert!(
        (live["clipSeconds"].as_f64().unwrap() - 4.0).abs() < 0.2,
        "{live}"
    );
    // The mock renders 720p for every request; the table says so too for a Standard clip.
    assert_eq!(live["differences"], serde_json::json!([]), "{live}");
    let stats = mock.stats();
    assert_eq!(
        stats.video_submissions.values().sum::<u32>(),
        1,
        "{stats:?}"
    );
    assert_eq!(stats.image_requests.values().sum::<u32>(), 1, "{stats:?}");

    // The estimate uses the same cached choice, at the table's prices.
    let project = data.join("p.studio.json");
    write_project(
        &project,
        serde_json::json!([{"prompt": "runs", "durationSeconds": 8}]),
    );
    let out = env
        .studio()
        .args(["estimate", "--json"])
        .arg(&project)
        .env("STUDIO_SECRETS", "file")
        .output()
        .unwrap();
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["videoModel"], "veo-3.1-generate-001", "{e}");
    assert!(e["cost"]["usd"].as_f64().unwrap() > 0.0, "{e}");
}

/// While a job runs, a quality change or a new scenario that would break the job's model rules
/// is refused by its validator (never entering history); ones that fit are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_that_break_the_rules_are_refused() {
    let mock = mock().await;
    let env = google_env("steer", &mock, ProviderKind::Vertex, KEY).await;
    let id = env.job_id("job");
    env.start(
        &id,
        input(
            vec![scenario("idles [mock:polls=12]", 4)],
            Quality::Standard,
        ),
    )
    .await;
    wait_for(
        "the clip to be submitted",
        Duration::from_secs(60),
        || async { mock.stats().video_submissions.values().sum::<u32>() == 1 },
    )
    .await;
    let err = env
        .client
        .change_quality(&id, "high")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("High (1080p) needs 8 s clips") && err.contains("scene-1"),
        "{err}"
    );
    let err = env
        .client
        .add_segment(&id, scenario("waves", 5))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("4, 6 or 8 s, not 5 s"), "{err}");
    env.client
        .add_segment(&id, scenario("waves", 6))
        .await
        .unwrap();
    let result = env.result(&id).await.unwrap();
    assert_eq!(result.segments.len(), 2);
    assert_eq!(result.versions[0].quality, Quality::Standard);
    let events = env.client.history(&id).await.unwrap();
    let accepted = studio_engine::history::updates_accepted(&events);
    assert_eq!(accepted, 1, "only the scenario that fits entered history");
}

/// Spend the creator approved, never more. A job whose budget covers the character's images and
/// one clip waits before the second clip, and says so; its worker is killed while it waits and
/// a new one takes over; one `studio approve` lets it finish. What it spent is what Google
/// billed: no clip paid twice, nothing paid past the budget before the approval. A project whose
/// estimate is over its budget does not start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_waits_at_its_budget_and_goes_on_after_one_approval() {
    let mock = mock().await;
    let env = gemini_process_env("budget", &mock).await;
    // The CLI prices renders for the provider its settings name.
    let path = env.data.path().join("settings.json");
    let mut settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    settings["provider"] = serde_json::json!("gemini");
    std::fs::write(&path, settings.to_string()).unwrap();
    // The model table's list prices, as the studio prices usage.
    let unit = |model: &str, kind, resolution: Option<&str>| {
        let usage = studio_core::Usage {
            model: model.into(),
            kind,
            quantity: 1,
            resolution: resolution.map(str::to_owned),
        };
        studio_api::price(&studio_core::PriceTable::default(), &[usage]).usd
    };
    let image = unit(
        "gemini-nano-banana-2.1",
        studio_core::UsageKind::Image,
        None,
    );
    let per_second = unit(
        "gemini-omni-1.2-flash",
        studio_core::UsageKind::VideoSecond,
        Some("720p"),
    );
    assert!(image > 0.0 && per_second > 0.0);
    let usd = |d: f64| studio_core::Usd::from_dollars(d).unwrap();
    let first_part = usd(3.0 * image + 4.0 * per_second);
    let clip = usd(4.0 * per_second);

    let mut worker = env.worker_process_with("gemini");
    let id = env.job_id("job");
    let mut inp = input(
        vec![scenario("walks in", 4), scenario("sits down", 4)],
        Quality::Standard,
    );
    let budget = first_part + usd(0.05);
    inp.budget = Some(budget);
    env.start(&id, inp).await;
    let client = &env.client;
    wait_for(
        "the job to wait at its budget",
        Duration::from_secs(90),
        || async {
            client.progress(&id).await.is_ok_and(|p| {
                p.budget
                    .as_ref()
                    .is_some_and(|b| b.waiting_for_usd == Some(clip) && b.spent_usd == first_part)
            })
        },
    )
    .await;
    let waiting = client.progress(&id).await.unwrap();
    assert!(
        waiting
            .current_step
            .starts_with("Budget reached: $0.51 spent, next step $0.40"),
        "{}",
        waiting.current_step
    );
    let b = waiting.budget.unwrap();
    assert_eq!(
        (b.approved_usd, b.in_flight_usd),
        (budget, studio_core::Usd::ZERO)
    );
    let paid_before = paid(&mock.stats().requests).len();
    assert_eq!(paid_before, 4, "3 images and 1 clip, nothing more");

    // A crash while waiting loses nothing: a new worker replays the job to the same wait.
    worker.kill().unwrap();
    worker.wait().unwrap();
    let mut worker = env.worker_process_with("gemini");
    // Only the new worker can answer a query: its answer is the job replayed to the same wait.
    wait_for(
        "the new worker to replay the job to its wait",
        Duration::from_secs(90),
        || async {
            client.progress(&id).await.is_ok_and(|p| {
                p.budget
                    .as_ref()
                    .is_some_and(|b| b.waiting_for_usd == Some(clip) && b.spent_usd == first_part)
            })
        },
    )
    .await;
    assert_eq!(paid(&mock.stats().requests).len(), paid_before);

    let approve = env
        .studio()
        .args(["approve", &id, "--usd", "0.5", "--json"])
        .output()
        .unwrap();
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    let approved: serde_json::Value = serde_json::from_slice(&approve.stdout).unwrap();
    assert_eq!(approved["approvedUsd"], (budget + usd(0.5)).dollars());
    let result = env.result(&id).await.unwrap();
    assert_eq!(result.segments.len(), 2);

    // Spend equals the billed calls: 3 images and two 4 s clips, each paid once.
    let stats = mock.stats();
    let billed = paid(&stats.requests);
    assert_eq!(billed.len(), 5, "{billed:?}");
    assert!(
        stats.video_submissions.values().all(|n| *n == 1),
        "{stats:?}"
    );
    let prices = studio_core::PriceTable::default();
    let spent = studio_api::price(&prices, &result.versions[0].usage).usd;
    assert!(
        (spent - (3.0 * image + 8.0 * per_second)).abs() < 1e-9,
        "{spent}"
    );

    // In history: one approval, and the second clip scheduled only after it.
    let events = client.history(&id).await.unwrap();
    assert_eq!(studio_engine::history::updates_accepted(&events), 1);
    let clips = activities(&env, &id)
        .await
        .into_iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect::<Vec<_>>();
    assert_eq!(clips.len(), 2);
    let timeline = studio_engine::history::timeline(&events);
    let approved_at = timeline
        .iter()
        .position(|e| e.kind == studio_core::TimelineKind::SpendApproved)
        .expect("the approval is on the timeline");
    assert!(
        timeline[approved_at].title.contains("$0.50"),
        "{timeline:?}"
    );

    record_history(&env, &id, "budget-approval").await;

    // A new version (a retake) runs under the same budget.
    let scene = result.segments[1].id.clone();
    let retake = env
        .studio()
        .args(["regenerate", &id, &scene, "--prompt", "stands up"])
        .output()
        .unwrap();
    assert!(
        retake.status.success(),
        "{}",
        String::from_utf8_lossy(&retake.stderr)
    );
    wait_for("the retake to finish", Duration::from_secs(90), || async {
        client
            .result(&id)
            .await
            .is_ok_and(|r| r.versions.len() == 2)
    })
    .await;
    let input = client.input(&id).await.unwrap();
    assert_eq!(input.budget, Some(budget));

    // A finished job has nothing left to approve; the refusal is not recorded.
    let again = env
        .studio()
        .args(["approve", &id, "--usd", "1"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("nothing left to pay for"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // A project estimated above its budget is not started, and says both amounts.
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("tight.studio.json");
    write_project(
        &project,
        serde_json::json!([{"prompt": "runs", "durationSeconds": 4}]),
    );
    let mut text: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&project).unwrap()).unwrap();
    text["budget"] = serde_json::json!(0.10);
    std::fs::write(&project, text.to_string()).unwrap();
    let before = paid(&mock.stats().requests).len();
    let refused = env
        .studio()
        .args(["render", "--id", &env.job_id("tight")])
        .arg(&project)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("estimated at $0.51") && stderr.contains("budget of $0.10"),
        "{stderr}"
    );
    assert!(
        client.status(&env.job_id("tight")).await.is_err(),
        "not started"
    );
    assert_eq!(paid(&mock.stats().requests).len(), before);
    worker.kill().unwrap();
    worker.wait().unwrap();
}
