#![cfg(target_os = "linux")]
//! Keys in a real Secret Service: a private D-Bus session bus with gnome-keyring on it (what a
//! GNOME desktop runs), started by this test and stopped at its end.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use studio_secrets::{Backend, SecretName, Secrets, FILE_NAME, SERVICE};

struct Daemons(Vec<Child>);

impl Drop for Daemons {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn need(bin: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{bin} is missing: install dbus, gnome-keyring and libsecret-tools (scripts/setup.sh does)"
    );
}

/// A session bus without service activation: every name on it is owned by a process the test
/// started.
const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// A session bus and an unlocked gnome-keyring on it; returns the bus address.
fn start_secret_service(home: &std::path::Path) -> (Daemons, String) {
    for bin in ["dbus-daemon", "gnome-keyring-daemon", "secret-tool"] {
        need(bin);
    }
    // A session bus that activates nothing: with the system's session config, a client asking
    // for the Secret Service before our keyring has claimed its name makes the bus start a
    // second gnome-keyring (no login keyring, a prompt that cannot open) which takes the name,
    // and the test waits on it in vain. Seen on a loaded machine.
    let config = home.join("session.conf");
    std::fs::write(&config, BUS_CONFIG).unwrap();
    let mut bus = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon starts");
    let mut line = String::new();
    BufReader::new(bus.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line.trim().to_owned();
    assert!(address.starts_with("unix:"), "bus address {address:?}");
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon starts");
    // The login keyring's password, on stdin; it is created and unlocked with it.
    let mut stdin = keyring.stdin.take().unwrap();
    stdin.write_all(b"test-password").unwrap();
    drop(stdin);
    (Daemons(vec![keyring, bus]), address)
}

#[test]
fn keys_live_in_the_secret_service_and_nowhere_else() {
    const TEST: &str = "keys_live_in_the_secret_service_and_nowhere_else";
    if in_own_process(TEST) {
        return keys_in_the_service();
    }
    let home = tempfile::tempdir().unwrap();
    let (_daemons, address) = start_secret_service(home.path());
    // The keyring is probed once per process, so wait for the service with another client
    // before the studio (in the child) first looks.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut store = Command::new("secret-tool")
            .args([
                "store",
                "--label=probe",
                "service",
                "studio-test-probe",
                "username",
                "u",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut store.stdin.take().unwrap(), b"x").unwrap();
        if store.wait().unwrap().success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Secret Service did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    run_in_own_process(
        TEST,
        &[
            ("DBUS_SESSION_BUS_ADDRESS", Some(&address)),
            (studio_secrets::BACKEND_ENV, None),
        ],
    );
}

/// The test proper, in a process whose environment names the private bus.
fn keys_in_the_service() {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("the private bus");
    let data = tempfile::tempdir().unwrap();
    let secrets = Secrets::open(data.path());
    assert_eq!(
        *secrets.backend(),
        Backend::Keyring,
        "{}",
        secrets.describe()
    );
    assert_eq!(secrets.describe(), "kept in the OS keyring");

    secrets
        .set(SecretName::GeminiApiKey, "AIza-keyring-test-1")
        .unwrap();
    secrets
        .set(SecretName::TemporalApiKey, "tmprl-keyring-test")
        .unwrap();
    secrets
        .set(SecretName::GeminiApiKey, "AIza-keyring-test-2")
        .unwrap();
    // A Vertex service-account key is kept as its path (the JSON stays where the creator put
    // it); the Temporal Cloud key as itself.
    secrets
        .set(
            SecretName::VertexCredentialsFile,
            "/home/ava/vertex-sa.json",
        )
        .unwrap();
    // A fresh handle (as a restarted app) reads what the service kept.
    let again = Secrets::open(data.path());
    assert_eq!(
        again.get(SecretName::GeminiApiKey).unwrap().as_deref(),
        Some("AIza-keyring-test-2")
    );
    // Another Secret Service client sees the entry under the studio's service name.
    let lookup = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", "gemini-api-key"])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&lookup.stdout).trim(),
        "AIza-keyring-test-2",
        "{}",
        String::from_utf8_lossy(&lookup.stderr)
    );
    // Nothing was written to the data dir.
    assert!(!data.path().join(FILE_NAME).exists());
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);

    again.delete(SecretName::GeminiApiKey).unwrap();
    again.delete(SecretName::GeminiApiKey).unwrap(); // already gone: fine
    assert_eq!(secrets.get(SecretName::GeminiApiKey).unwrap(), None);
    assert_eq!(
        secrets.get(SecretName::TemporalApiKey).unwrap().as_deref(),
        Some("tmprl-keyring-test")
    );
    assert_eq!(
        again
            .get(SecretName::VertexCredentialsFile)
            .unwrap()
            .as_deref(),
        Some("/home/ava/vertex-sa.json")
    );
    for (user, value) in [
        ("temporal-api-key", "tmprl-keyring-test"),
        ("vertex-credentials-file", "/home/ava/vertex-sa.json"),
    ] {
        let lookup = Command::new("secret-tool")
            .args(["lookup", "service", SERVICE, "username", user])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&lookup.stdout).trim(), value);
    }
    // Still nothing in the data dir.
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);
}

/// Set in the child process [`run_in_own_process`] starts: the test it is to run.
const OWN_PROCESS: &str = "STUDIO_TEST_IN_OWN_PROCESS";

/// Whether this process is the one [`run_in_own_process`] started for `test`.
fn in_own_process(test: &str) -> bool {
    std::env::var(OWN_PROCESS).as_deref() == Ok(test)
}

/// Runs `test` (its name in this test binary) alone in a child process of this binary with
/// `vars` set (None: unset) in its environment; fails with the child's output unless it ran
/// and passed. The environment belongs to the whole process and tests run on parallel
/// threads, so a test that changed it would race every other test reading it (libdbus reads
/// the bus address from it): a test that needs other variables gets a process of its own.
fn run_in_own_process(test: &str, vars: &[(&str, Option<&str>)]) {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(OWN_PROCESS, test);
    for (k, v) in vars {
        match v {
            Some(v) => child.env(k, v),
            None => child.env_remove(k),
        };
    }
    let out = child.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{test} in its own process:\n{text}"
    );
}
