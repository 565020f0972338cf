#![cfg(unix)]
//! Where no keyring service answers, keys go to a 0600 file and the studio says so.

use studio_secrets::{Backend, SecretName, Secrets, FILE_NAME};

#[test]
fn without_a_keyring_service_keys_fall_back_to_a_private_file_never_silently() {
    // A session bus address where nothing listens: what a headless machine looks like.
    let nowhere = tempfile::tempdir().unwrap();
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", nowhere.path().join("no-bus").display()),
    );
    std::env::remove_var(studio_secrets::BACKEND_ENV);
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
