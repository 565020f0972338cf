#![cfg(unix)]
//! Where no keyring service answers, keys go to a 0600 file and the studio says so.

use studio_secrets::{Backend, SecretName, Secrets, FILE_NAME};

#[test]
fn without_a_keyring_service_keys_fall_back_to_a_private_file_never_silently() {
    const TEST: &str = "without_a_keyring_service_keys_fall_back_to_a_private_file_never_silently";
    if !in_own_process(TEST) {
        // A session bus address where nothing listens: what a headless machine looks like.
        let nowhere = tempfile::tempdir().unwrap();
        let bus = format!("unix:path={}", nowhere.path().join("no-bus").display());
        return run_in_own_process(
            TEST,
            &[
                ("DBUS_SESSION_BUS_ADDRESS", Some(&bus)),
                (studio_secrets::BACKEND_ENV, None),
            ],
        );
    }
    assert!(
        std::env::var("DBUS_SESSION_BUS_ADDRESS").is_ok_and(|a| a.ends_with("/no-bus")),
        "the bus where nothing listens"
    );
    let data = tempfile::tempdir().unwrap();
    let secrets = Secrets::open(data.path());
    let Backend::File { path, reason } = secrets.backend().clone() else {
        panic!("expected the file fallback, got {:?}", secrets.backend());
    };
    assert_eq!(path, data.path().join(FILE_NAME));
    assert!(!reason.is_empty());
    let said = secrets.describe();
    assert!(
        said.starts_with("no keyring service is available"),
        "{said}"
    );
    assert!(said.contains(&path.display().to_string()), "{said}");

    secrets
        .set(SecretName::VertexCredentialsFile, "/home/me/sa.json")
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "only the user may read the key file");
    assert_eq!(
        Secrets::open(data.path())
            .get(SecretName::VertexCredentialsFile)
            .unwrap()
            .as_deref(),
        Some("/home/me/sa.json")
    );
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
