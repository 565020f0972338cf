//! Credentials stay with their origins when a download is redirected: the real Google provider
//! (`studio_media::google`) downloads clips that the mock answers with a 302 to a signed URL on
//! another origin (another port), as Google's downloads do. The clip must arrive, and the
//! signed-URL host must see no `x-goog-api-key` (Gemini API), no `authorization` and no
//! `x-goog-user-project` (Vertex with user credentials).

use std::path::Path;

use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::google::{Backend, GoogleConfig, GoogleProvider, GoogleSettings};
use studio_media::{ClipRequest, Ffmpeg, MediaProvider, TaskCtx};
use studio_mock_google::{MockGoogle, MockModel, MockOptions};

const KEY: &str = "redirect-test-key";

async fn mock() -> MockGoogle {
    let mut options = MockOptions {
        api_key: KEY.into(),
        ..Default::default()
    };
    // Veo on the Gemini API delivers a file URI (`…:download?alt=media`) to download.
    options.gemini_models.push(MockModel::new(
        "veo-3.1-generate-preview",
        &["predictLongRunning"],
    ));
    MockGoogle::start(0, options).await.unwrap()
}

fn settings(mock: &MockGoogle, dir: &Path) -> GoogleSettings {
    let key_file = dir.join("gemini.key");
    std::fs::write(&key_file, KEY).unwrap();
    GoogleSettings {
        base_url: Some(mock.base_url()),
        api_key_file: Some(key_file),
        project: Some("p1".into()),
        location: Some("us-central1".into()),
        poll_initial_ms: 50,
        poll_max_ms: 100,
        request_timeout_secs: 20,
        ..Default::default()
    }
}

/// User credentials (`gcloud auth application-default login`), refreshed at the mock: every
/// call carries a bearer token and `x-goog-user-project`.
fn user_credentials(mock: &MockGoogle, dir: &Path) -> std::path::PathBuf {
    let path = dir.join("adc.json");
    let user = serde_json::json!({
        "type": "authorized_user",
        "client_id": "764086051850-x.apps.googleusercontent.com",
        "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
        "refresh_token": "1//test-refresh-token",
        "quota_project_id": "billing-project",
        "token_uri": format!("{}/token", mock.base_url()),
    });
    std::fs::write(&path, user.to_string()).unwrap();
    path
}

/// Renders one clip with `model` on `backend` and checks it arrived whole.
async fn render(
    backend: Backend,
    settings: &GoogleSettings,
    model: &str,
    prompt: &str,
    dir: &Path,
) -> Result<(), studio_media::MediaError> {
    let config = GoogleConfig::resolve(backend, settings).unwrap();
    let provider = GoogleProvider::new(config).await.unwrap();
    let image = dir.join("front.png");
    image::RgbImage::from_fn(1280, 720, |x, y| {
        image::Rgb([(x / 5) as u8, (y / 3) as u8, 60])
    })
    .save(&image)
    .unwrap();
    let out = dir.join(format!("{model}.mp4"));
    let req = ClipRequest {
        prompt: prompt.into(),
        negative_prompt: None,
        duration: ClipSeconds::try_from(8).unwrap(),
        aspect_ratio: AspectRatio::Landscape,
        quality: Quality::High,
        image: image.clone(),
        references: vec![image],
        model: Some(model.into()),
        variant: 0,
        last_frame: None,
    };
    provider
        .video_clip(&req, &out, &TaskCtx::detached())
        .await?;
    let info = Ffmpeg::from_env().probe(&out).await.unwrap();
    assert!((info.duration - 8.0).abs() < 0.1, "{model}: {info:?}");
    assert!(info.video.is_some(), "{model}: {info:?}");
    Ok(())
}

/// Each case's download was answered with a 302 by the mock's API origin (after the
/// credential was checked there) and then read once from the signed-URL host, with no
/// credential.
fn assert_redirected_without_credentials(mock: &MockGoogle, case: &str, downloads: usize) {
    let stats = mock.stats();
    let redirects = stats.requests.iter().filter(|r| r.status == 302).count();
    assert_eq!(redirects, downloads, "{case}: {:?}", stats.requests);
    assert_eq!(stats.signed_downloads.len(), downloads, "{case}: {stats:?}");
    for d in &stats.signed_downloads {
        assert!(
            d.credentials().is_empty(),
            "{case}: the signed-URL host got {:?}",
            d.credentials()
        );
        assert_eq!(d.status, 200, "{case}: {d:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gemini_key_does_not_follow_a_download_to_another_origin() {
    for (model, what) in [
        // Omni by URI (1080p is too large inline): a file resource, then `:download`.
        ("gemini-omni-1.2-flash", "omni file"),
        // Veo: the operation names `…/files/ID:download?alt=media` itself.
        ("veo-3.1-generate-preview", "veo uri"),
    ] {
        let mock = mock().await;
        let dir = tempfile::tempdir().unwrap();
        let settings = settings(&mock, dir.path());
        let prompt = "she lands the plane [mock:redirect]";
        if let Err(e) = render(Backend::Gemini, &settings, model, prompt, dir.path()).await {
            panic!(
                "{what}: {e}; signed-URL host saw {:?}",
                mock.stats().signed_downloads
            );
        }
        assert_redirected_without_credentials(&mock, what, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vertex_tokens_do_not_follow_a_download_to_another_origin() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&mock, dir.path());
    settings.credentials_file = Some(user_credentials(&mock, dir.path()));
    // Veo writes the clip to a bucket; its Cloud Storage read redirects.
    let prompt = "she lands the plane [mock:gcs-key, redirect]";
    let model = "veo-3.1-generate-001";
    if let Err(e) = render(Backend::Vertex, &settings, model, prompt, dir.path()).await {
        panic!(
            "{e}; signed-URL host saw {:?}",
            mock.stats().signed_downloads
        );
    }
    assert!(mock.stats().token_requests >= 1);
    assert_redirected_without_credentials(&mock, "vertex", 1);
}
