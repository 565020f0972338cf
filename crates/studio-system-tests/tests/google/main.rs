//! The real Google providers (Nano Banana; Veo and Gemini Omni) through a loopback mock that
//! speaks Google's wire format and is at least as strict: models discovered from the key's list
//! (names the code has never seen included) on both back ends and all three routes, every rule
//! of the model table refused before anything is paid, every failure class with its attempt
//! count from history, RetryInfo honoured, failed operations resubmitted, and a worker killed
//! mid-poll resuming the same operation.

mod faults;
mod keys;
mod render;
mod rules;
mod shots;
mod sound;

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
