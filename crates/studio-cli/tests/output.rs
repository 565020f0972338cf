//! The printer towards a reader that has gone: `studio --json … | head` closes the pipe early,
//! and the CLI ends quietly, as ripgrep does, instead of panicking with a backtrace.

use std::process::{Command, Stdio};

use studio_testkit::studio_bin;

#[test]
fn a_closed_stdout_ends_the_cli_quietly() {
    let data = tempfile::tempdir().unwrap();
    let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/pilot/pilot.studio.json");
    // A pipe whose reading end is already closed: the first line written meets EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(studio_bin())
        .arg("--data-dir")
        .arg(data.path())
        .args(["--json", "estimate"])
        .arg(&project)
        .env("STUDIO_SECRETS", "file")
        .env("STUDIO_PROVIDER", "offline")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// A bad project's problems are said once each: the error's headline, then the list.
#[test]
fn each_problem_of_a_bad_project_is_said_once() {
    let data = tempfile::tempdir().unwrap();
    let project = data.path().join("bad.studio.json");
    std::fs::write(
        &project,
        r#"{"version": 1, "character": {"name": "Ava", "basePrompt": "a pilot",
            "referenceImages": ["missing.png"]},
            "scenarios": [{"id": "a", "prompt": "", "durationSeconds": 4}]}"#,
    )
    .unwrap();
    let out = Command::new(studio_bin())
        .arg("--data-dir")
        .arg(data.path())
        .arg("estimate")
        .arg(&project)
        .env("STUDIO_SECRETS", "file")
        .env("STUDIO_PROVIDER", "offline")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("has 2 problem(s)"), "{stderr}");
    for problem in ["empty prompt", "\"missing.png\" does not exist"] {
        assert_eq!(stderr.matches(problem).count(), 1, "{problem}: {stderr}");
    }
}
