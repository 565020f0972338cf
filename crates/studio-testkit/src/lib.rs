//! The test harness shared by every end-to-end test (engine, API, CLI) and by `studio-chaos`:
//! one real Temporal dev server per test binary, and per test its own task queue, data dir and
//! workers; history helpers; the `studio` binary; and a scan for stray ffmpeg processes.
//! Dev-only: nothing shipped depends on it.

pub mod cli;
pub mod film;
pub mod grpc_proxy;

pub use cli::{run_bounded, usd, Ran};
pub use film::*;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use studio_core::QueueRole;
use studio_core::{AspectRatio, Character, ClipSeconds, Quality, Scenario, VideoRequest};
use studio_engine::config::WorkerConfig;
use studio_engine::devserver::{find_temporal_cli, free_port, DevServer, DevServerOptions};
use studio_engine::history;
use studio_engine::worker::{WorkerSpec, WorkerThread};
use studio_engine::{Endpoint, RenderInput, StudioClient, Tuning};
use studio_media::google::GoogleSettings;
use studio_media::{Ffmpeg, ProviderKind};

/// The `studio` binary of this build (`cargo test --workspace` builds it with the tests; run
/// `cargo build -p studio-cli` first when testing one crate alone).
pub fn studio_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/studio
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("test executable in target/<profile>/deps");
    let bin = dir.join(format!("studio{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p studio-cli` (cargo test --workspace builds it)",
        bin.display()
    );
    bin
}

/// Port of the dev server shared by this test run. It is started on a thread that lives as long
/// as the process, and dies with it (PR_SET_PDEATHSIG), so no server outlives the tests.
pub fn server_port() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let dir = std::env::temp_dir().join(format!("studio-e2e-{}", std::process::id()));
            let server = rt
                .block_on(DevServer::start(DevServerOptions {
                    cli: find_temporal_cli(None).expect("temporal CLI (run scripts/setup.sh)"),
                    port: free_port(),
                    ui_port: None,
                    db_file: dir.join("e2e.db"),
                    log_file: None,
                    die_with_parent: true,
                }))
                .expect("dev server starts");
            tx.send(server.port()).unwrap();
            loop {
                std::thread::park();
            }
        });
        rx.recv().expect("dev server port")
    })
}

/// The longest any test waits for a job to end.
pub const RESULT_BOUND: Duration = Duration::from_secs(240);

pub struct Env {
    pub google: GoogleSettings,
    pub data: tempfile::TempDir,
    pub queue: String,
    pub client: StudioClient,
    pub worker: Option<WorkerThread>,
}

impl Env {
    pub async fn new(name: &str) -> Env {
        Self::with_worker(name, ProviderKind::Offline, Ffmpeg::from_env()).await
    }

    pub async fn with_worker(name: &str, provider: ProviderKind, ffmpeg: Ffmpeg) -> Env {
        let mut env = Self::without_worker(name).await;
        env.worker = Some(env.spawn_worker(provider, ffmpeg));
        env
    }

    pub async fn without_worker(name: &str) -> Env {
        let port = server_port();
        let queue = format!(
            "e2e-{name}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        );
        let client = StudioClient::connect(&Endpoint::local(port), queue.clone())
            .await
            .expect("client connects");
        Env {
            google: GoogleSettings::default(),
            data: tempfile::tempdir().unwrap(),
            queue,
            client,
            worker: None,
        }
    }

    pub fn spec(&self, provider: ProviderKind, ffmpeg: Ffmpeg) -> WorkerSpec {
        WorkerSpec {
            endpoint: Endpoint::local(server_port()),
            settings: WorkerConfig {
                task_queue: self.queue.clone(),
                graceful_shutdown_secs: 2,
                ..Default::default()
            },
            provider,
            artifacts: self.artifacts(),
            store: Default::default(),
            ffmpeg,
            google: self.google.clone(),
            roles: QueueRole::ALL.to_vec(),
            metrics: None,
        }
    }

    pub fn spawn_worker(&self, provider: ProviderKind, ffmpeg: Ffmpeg) -> WorkerThread {
        WorkerThread::spawn(self.spec(provider, ffmpeg)).expect("worker starts")
    }

    pub fn artifacts(&self) -> PathBuf {
        self.data.path().join("artifacts")
    }

    /// `studio worker` as a separate process (for crash tests).
    pub fn worker_process(&self) -> Child {
        self.worker_process_with("offline")
    }

    /// `studio worker --provider PROVIDER` as a process; it reads `settings.json` in the data dir.
    pub fn worker_process_with(&self, provider: &str) -> Child {
        Command::new(studio_bin())
            .args([
                "worker",
                "--address",
                &format!("127.0.0.1:{}", server_port()),
            ])
            .args(["--task-queue", &self.queue, "--provider", provider])
            .arg("--data-dir")
            .arg(self.data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("studio worker starts")
    }

    /// The job's result, waited for at most [`RESULT_BOUND`]: a regression that wedges a job
    /// fails its test instead of hanging CI.
    pub async fn result(
        &self,
        id: &str,
    ) -> Result<studio_core::VideoResult, studio_engine::EngineError> {
        tokio::time::timeout(RESULT_BOUND, self.client.result(id))
            .await
            .unwrap_or_else(|_| panic!("job {id} did not end within {RESULT_BOUND:?}"))
    }

    /// [`Env::result`] of a batch.
    pub async fn batch_result(
        &self,
        id: &str,
    ) -> Result<studio_engine::messages::BatchResult, studio_engine::EngineError> {
        tokio::time::timeout(RESULT_BOUND, self.client.batch_result(id))
            .await
            .unwrap_or_else(|_| panic!("batch {id} did not end within {RESULT_BOUND:?}"))
    }

    /// Starts a render under `id` on this test's queue (panics on failure: a test bug).
    pub async fn start(&self, id: &str, input: RenderInput) {
        self.client
            .start_render(id, input)
            .await
            .unwrap_or_else(|e| panic!("start {id}: {e}"));
    }

    /// `studio` with this test's server, queue and data dir.
    pub fn studio(&self) -> Command {
        let mut c = Command::new(studio_bin());
        c.args(["--address", &format!("127.0.0.1:{}", server_port())])
            .args(["--task-queue", &self.queue])
            .arg("--data-dir")
            .arg(self.data.path());
        c
    }

    pub fn job_id(&self, what: &str) -> String {
        format!("{}-{what}", self.queue)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(w) = self.worker.take() {
            let _ = w.shutdown();
        }
    }
}

pub fn scenario(prompt: &str, secs: u32) -> Scenario<Option<String>> {
    Scenario {
        duration_seconds: ClipSeconds::try_from(secs).unwrap(),
        ..Scenario::new(prompt)
    }
}

pub fn input(scenarios: Vec<Scenario<Option<String>>>, quality: Quality) -> RenderInput {
    RenderInput {
        request: VideoRequest {
            character: Character {
                name: "Ava".into(),
                base_prompt: "a bush pilot in a leather jacket".into(),
                ..Default::default()
            },
            scenarios,
            quality,
            aspect_ratio: AspectRatio::Landscape,
            ..Default::default()
        },
        tuning: Some(Tuning::fast()),
        // Tests count activities: reuse is tested on its own.
        use_cache: false,
        ..Default::default()
    }
}

/// Writes a project file at `path`: Kay the courier, with `scenarios` (a JSON array).
pub fn write_project(path: &std::path::Path, scenarios: serde_json::Value) {
    let project = serde_json::json!({
        "version": 1,
        "character": {"name": "Kay", "basePrompt": "a courier"},
        "scenarios": scenarios,
        "quality": "standard", "aspectRatio": "16:9"
    });
    std::fs::write(path, project.to_string()).unwrap();
}

pub fn file_path(uri: &str) -> PathBuf {
    url::Url::parse(uri).unwrap().to_file_path().unwrap()
}

pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where recorded histories live: `crates/studio-engine/tests/histories/`.
pub const HISTORY_FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../studio-engine/tests/histories"
);

/// The history of job `id`'s latest run as JSON. With `STUDIO_RECORD_HISTORIES=<release>` it is
/// also written as the replay fixture `<release>-<scenario>.json`, replayed by `cargo test`
/// forever after.
pub async fn record_history(env: &Env, id: &str, scenario: &str) -> Vec<u8> {
    let events = env.client.history(id).await.expect("history");
    let json = studio_engine::replay::to_json(events).expect("history as JSON");
    if let Ok(release) = std::env::var("STUDIO_RECORD_HISTORIES") {
        let path = format!("{HISTORY_FIXTURES}/{release}-{scenario}.json");
        std::fs::write(&path, &json).expect("fixture written");
        eprintln!("recorded {path}");
    }
    json
}

/// Replays `histories` against this build's workflow code; panics naming the first that fails.
pub async fn assert_replays(histories: &[(&str, Vec<u8>)]) {
    let json: Vec<Vec<u8>> = histories.iter().map(|(_, h)| h.clone()).collect();
    let results = studio_engine::replay::replay_json(&json)
        .await
        .expect("replayer runs");
    for ((name, _), failure) in histories.iter().zip(results) {
        assert!(failure.is_none(), "{name}: {failure:?}");
    }
}

/// Records job `id`'s latest history as [`record_history`] does and replays it as
/// [`assert_replays`] does: the run's workflow code stays deterministic.
pub async fn assert_history_replays(env: &Env, id: &str, scenario: &str) {
    let recorded = record_history(env, id, scenario).await;
    assert_replays(&[(scenario, recorded)]).await;
}

pub async fn activities(env: &Env, id: &str) -> Vec<history::ActivityRecord> {
    history::activities(&env.client.history(id).await.unwrap())
}

pub fn count(records: &[history::ActivityRecord], activity: &str) -> usize {
    records
        .iter()
        .filter(|r| r.activity_type == activity)
        .count()
}

/// Every file under `dir`, recursively.
pub fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The parent pid of `pid` (None when it is gone).
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`: comm may hold spaces, so read after its closing paren.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The ffmpeg processes mentioning `needle` whose parent is `pid` (a worker busy rendering).
pub fn ffmpeg_children(needle: &str, pid: u32) -> Vec<u32> {
    ffmpeg_processes(needle)
        .into_iter()
        .filter(|p| parent_of(*p) == Some(pid))
        .collect()
}

/// The ffmpeg processes mentioning `needle` whose parent is none of `parents`: orphans.
pub fn ffmpeg_orphans(needle: &str, parents: &[u32]) -> Vec<u32> {
    ffmpeg_processes(needle)
        .into_iter()
        .filter(|p| parent_of(*p).is_some_and(|pp| !parents.contains(&pp)))
        .collect()
}

/// The ffmpeg processes whose command line mentions `needle`.
pub fn ffmpeg_processes(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains("ffmpeg") && cmd.contains(needle) {
            pids.push(pid);
        }
    }
    pids
}
