//! `studio voice sample`: a voice heard from the command line, through the same studio
//! operation as the window's "Play sample" (offline: espeak-ng, no keys, no server).

use std::process::{Command, Output, Stdio};

use studio_testkit::studio_bin;

fn studio(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(studio_bin())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("STUDIO_SECRETS", "file")
        .env("STUDIO_PROVIDER", "offline")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Spoken once and copied where asked; the same voice again comes from the cache (the same
/// artifact); a voice that is not one fails with exit code 1, naming the voices.
#[test]
fn a_voice_sample_is_spoken_once_and_copied_out() {
    let data = tempfile::tempdir().unwrap();
    let wav = data.path().join("kore.wav");
    let wav_arg = wav.display().to_string();
    let first = studio(
        data.path(),
        &[
            "voice",
            "sample",
            "--voice",
            "Kore",
            "--text",
            "We sail at dawn.",
            "-o",
            &wav_arg,
        ],
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&first.stdout).trim(), wav_arg);
    assert!(stderr.contains("free"), "{stderr}");
    let bytes = std::fs::read(&wav).unwrap();
    assert_eq!(bytes.get(..4), Some(&b"RIFF"[..]));

    let again = studio(
        data.path(),
        &[
            "--json",
            "voice",
            "sample",
            "--voice",
            "kore",
            "--text",
            "We sail at dawn.",
        ],
    );
    assert_eq!(again.status.code(), Some(0));
    let sample: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(sample["cached"], true, "{sample}");
    let cached = std::fs::read(sample["path"].as_str().unwrap()).unwrap();
    assert_eq!(cached, bytes, "the copy is the cached artifact");

    let bad = studio(data.path(), &["voice", "sample", "--voice", "Hal"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Zephyr"));
}
