//! Renders through each back end and route, with models discovered, passed over, credentialed
//! and rendered natively at 4K.

use super::*;

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
