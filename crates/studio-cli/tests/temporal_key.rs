//! A stored Temporal API key goes only to the address it was saved for: `studio` (CLI and
//! worker) connects anywhere else without it, warning with both addresses; a server there that
//! asks for a key gets none, and the error names both addresses and the fix. The window's Test
//! connection tests an unsaved address without it. Loopback gRPC proxies in front of the test
//! dev server stand for the saved Temporal endpoint (which needs the key), for another address
//! that needs no key, and for one that needs a key of its own; each records the
//! `authorization` header of every call it sees (the Temporal client sends the API key as
//! `authorization: Bearer <key>`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use studio_testkit::grpc_proxy::{recording, requiring_key, Seen};
use studio_testkit::{server_port, studio_bin};

const KEY: &str = "tmprl-test-key-0123456789";

/// `studio` on `data`, keys in the data dir's file, and no Temporal settings from this
/// machine's environment.
fn studio(data: &Path) -> Command {
    let mut c = Command::new(studio_bin());
    c.arg("--data-dir")
        .arg(data)
        .env("STUDIO_SECRETS", "file")
        .env_remove("TEMPORAL_ADDRESS")
        .env_remove("TEMPORAL_API_KEY")
        .env_remove("TEMPORAL_PROFILE")
        .env_remove("TEMPORAL_CONFIG_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs `c` to its end, killing it after `bound` (a command that hangs fails the test).
fn run(mut c: Command, stdin: Option<&str>, bound: Duration) -> Output {
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    let mut child = c.spawn().expect("studio starts");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("key written");
    }
    let deadline = Instant::now() + bound;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("studio did not end within {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Settings naming `address`, with a `temporal.toml` whose profile turns TLS off (an API key
/// turns it on otherwise, and the proxies speak plain HTTP/2).
fn save_settings(data: &Path, address: &str) {
    let toml = data.join("temporal.toml");
    std::fs::write(&toml, "[profile.default.tls]\ndisabled = true\n").unwrap();
    let settings = serde_json::json!({
        "temporal": { "address": address, "configFile": toml },
    });
    std::fs::write(
        data.join("settings.json"),
        serde_json::to_vec_pretty(&settings).unwrap(),
    )
    .unwrap();
}

fn keys_seen(seen: &Seen) -> (usize, Vec<String>) {
    let calls = seen.lock().unwrap();
    (calls.len(), calls.iter().flatten().cloned().collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_temporal_key_goes_only_to_the_address_it_was_saved_for() {
    let upstream = server_port();
    let (saved_port, saved_seen) = requiring_key(upstream, KEY).await;
    let (other_port, other_seen) = recording(upstream).await;
    let (keyed_port, keyed_seen) = requiring_key(upstream, "tmprl-another-accounts-key").await;
    let saved = format!("127.0.0.1:{saved_port}");
    let other = format!("127.0.0.1:{other_port}");
    let keyed = format!("127.0.0.1:{keyed_port}");
    let data = tempfile::tempdir().unwrap();
    save_settings(data.path(), &saved);

    // The key is entered while the settings name `saved`: it is bound to it.
    let mut c = studio(data.path());
    c.args(["keys", "--set", "temporal-api-key"]);
    let o = run(c, Some(KEY), Duration::from_secs(30));
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("sent only to {saved}")),
        "{}",
        text(&o)
    );

    // The saved address gets it.
    let mut c = studio(data.path());
    c.arg("queue");
    let o = run(c, None, Duration::from_secs(60));
    assert!(o.status.success(), "{}", text(&o));
    let (calls, keys) = keys_seen(&saved_seen);
    assert!(calls > 0, "the saved endpoint was never called");
    assert!(
        keys.iter().all(|k| k == &format!("Bearer {KEY}")) && keys.len() == calls,
        "{keys:?}"
    );

    // Another address (as a page, a flag or the environment could name it) that needs no
    // key: `studio` works there, without the key, and warns naming both addresses.
    let mut c = studio(data.path());
    c.args(["--address", other.as_str(), "queue"]);
    c.env("TEMPORAL_TLS", "false");
    let o = run(c, None, Duration::from_secs(60));
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    for part in [saved.as_str(), other.as_str()] {
        assert!(
            out.contains(part),
            "the warning names both addresses: {out}"
        );
    }
    let (calls, keys) = keys_seen(&other_seen);
    assert!(calls > 0, "{other} was never called");
    assert!(keys.is_empty(), "the key reached {other}: {keys:?}");

    // Another address that needs a key: it gets none, and the error names both addresses
    // and the fix (CLI and worker alike).
    for args in [
        vec!["--address", keyed.as_str(), "queue"],
        vec!["--address", keyed.as_str(), "worker"],
    ] {
        let mut c = studio(data.path());
        c.args(&args);
        c.env("TEMPORAL_TLS", "false");
        let o = run(c, None, Duration::from_secs(60));
        let out = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded: {out}");
        for part in [saved.as_str(), keyed.as_str(), "Enter the key again"] {
            assert!(out.contains(part), "{args:?}: {out}");
        }
        assert!(!out.contains(KEY), "{out}");
    }
    let (calls, keys) = keys_seen(&keyed_seen);
    assert!(calls > 0, "{keyed} was never called");
    assert!(keys.is_empty(), "the key reached {keyed}: {keys:?}");

    // Settings → Test connection with a new, unsaved address: connects without the key, and
    // says so; with the saved address, with it.
    let mut settings = studio_api::Settings::load_file(data.path()).unwrap();
    settings.load_secrets(&studio_secrets::Secrets::file(data.path(), "test"));
    assert!(settings.temporal.stored_api_key.is_set());
    let mut view = studio_api::StudioSettings::from_settings(&settings);
    view.temporal_address = other.clone();
    let before = saved_seen.lock().unwrap().len();
    let answer = studio_api::settings_view::test_connection_from(settings.clone(), &view)
        .await
        .unwrap();
    assert!(answer.contains("without the API key"), "{answer}");
    let (calls, keys) = keys_seen(&other_seen);
    assert!(calls > 0, "Test connection never reached {other}");
    assert!(keys.is_empty(), "the key reached {other}: {keys:?}");

    view.temporal_address = saved.clone();
    let answer = studio_api::settings_view::test_connection_from(settings, &view)
        .await
        .unwrap();
    assert!(!answer.contains("without the API key"), "{answer}");
    let calls = saved_seen.lock().unwrap()[before..].to_vec();
    assert!(!calls.is_empty());
    assert!(
        calls
            .iter()
            .all(|k| k.as_deref() == Some(&*format!("Bearer {KEY}"))),
        "{calls:?}"
    );
}
