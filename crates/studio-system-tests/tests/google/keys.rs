//! Keys: in no history, log, settings or project; entered once and used by workers; checked by
//! `studio doctor`.

use super::*;

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
    // Each role's route and location: Nano Banana at global, Veo in the region, the text
    // model (planning) and the speech model at global, Lyria 2 in the region.
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
            owned("text", "generateContent", "global"),
            owned("speech", "generateContent", "global"),
            owned("music", "predict", "us-central1"),
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
