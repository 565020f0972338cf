//! The embedded dev server of a data dir, and which one the studio may adopt.
//!
//! Whatever listens on 127.0.0.1:7233 is not necessarily ours: adopting it would make the
//! bundled worker run that server's tasks with the creator's keys. So the studio records the
//! server it starts (`temporal/server.json`: pid, ports, database) and adopts only a server that
//! record names, still running as this user, from the `temporal` CLI the studio uses (or from
//! the file that was at its path when it started, replaced since by a new install), started on
//! this data dir's database, and holding the recorded port's listening socket itself. Anything
//! else on the preferred port is left alone and the studio starts its own on a free port.
//!
//! Never two servers on one database: a recorded process of this user that still uses the
//! database (start-dev on it, or holding the file open) but fails another check is not adopted
//! and no server is started either; the error names the process and how to stop it.
//!
//! Starting one has a race too: a port found free can be taken before the server binds it, and
//! the readiness check would then talk to whoever took it. So after the server answers, the
//! studio checks that the listening socket on the port belongs to the process it started (the
//! socket's inode among that process's open files, on Linux), and when the port was taken it
//! starts again on another one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_core::DataDir;
use studio_engine::devserver::{
    find_temporal_cli, free_port, port_open, DevServer, DevServerOptions,
};
use studio_engine::EngineError;

use crate::error::ApiError;
use crate::settings::Settings;

/// What the studio writes when it starts a dev server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerRecord {
    pub pid: u32,
    pub port: u16,
    pub ui_port: Option<u16>,
    pub db: PathBuf,
}

/// How many ports a start tries when the ones it chose are taken before the server binds them.
const PORT_ATTEMPTS: u32 = 3;

fn record_path(dd: &DataDir) -> PathBuf {
    dd.dev_db().with_file_name("server.json")
}

/// Why a recorded process is not adopted (logged; the studio then starts its own server).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Untrusted {
    #[error("process {pid} is gone or cannot be read")]
    Gone { pid: u32 },
    #[error("process {pid} belongs to user {uid}, not to this user ({ours})")]
    OtherUser { pid: u32, uid: u32, ours: u32 },
    #[error("process {pid} runs {exe:?}, not the temporal CLI {cli:?}")]
    OtherExecutable {
        pid: u32,
        exe: PathBuf,
        cli: PathBuf,
    },
    #[error("process {pid} is not a dev server on {db:?}")]
    OtherCommand { pid: u32, db: PathBuf },
    #[error("port {port} is not served by process {pid}")]
    NotListening { pid: u32, port: u16 },
    #[error("this system cannot tell who runs a process (no /proc)")]
    Unknowable,
}

/// What `/proc` says about a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcessFacts {
    pub pid: u32,
    /// The effective owner.
    pub uid: u32,
    /// What `/proc/PID/exe` resolves to, and that file's (device, inode).
    pub exe: PathBuf,
    pub exe_id: Option<(u64, u64)>,
    pub args: Vec<String>,
}

/// What a process must be to be adopted: ours, the studio's `temporal` CLI, `start-dev` on
/// this data dir's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expected {
    pub uid: u32,
    pub cli: PathBuf,
    pub cli_id: Option<(u64, u64)>,
    pub db: PathBuf,
}

/// The decision, on facts alone: Ok when `f` is a dev server this user started from the
/// studio's CLI on the data dir's database.
pub(crate) fn judge(f: &ProcessFacts, e: &Expected) -> Result<(), Untrusted> {
    if f.uid != e.uid {
        return Err(Untrusted::OtherUser {
            pid: f.pid,
            uid: f.uid,
            ours: e.uid,
        });
    }
    // The same file as our CLI; or the file that was at our CLI's path when the server
    // started, replaced since (setup.sh or pip installed a new CLI there: `/proc/PID/exe` then
    // reads "<path> (deleted)" and names the old file, whose inode is no longer our CLI's).
    let same_file = match (f.exe_id, e.cli_id) {
        (Some(a), Some(b)) => a == b,
        _ => f.exe == e.cli,
    } || f.exe == replaced(&e.cli);
    if !same_file {
        return Err(Untrusted::OtherExecutable {
            pid: f.pid,
            exe: f.exe.clone(),
            cli: e.cli.clone(),
        });
    }
    if !starts_dev_on(&f.args, &e.db) {
        return Err(Untrusted::OtherCommand {
            pid: f.pid,
            db: e.db.clone(),
        });
    }
    Ok(())
}

/// What `/proc/PID/exe` reads for a process whose executable was at `path` and has been
/// replaced or removed since it started.
fn replaced(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(" (deleted)");
    s.into()
}

/// Whether a command line is `… server start-dev … --db-filename <db> …`.
fn starts_dev_on(args: &[String], db: &Path) -> bool {
    let db = db.to_string_lossy();
    let on_db = args
        .windows(2)
        .any(|w| w[0] == "--db-filename" && w[1] == db);
    let start_dev = args
        .windows(2)
        .any(|w| w[0] == "server" && w[1] == "start-dev");
    on_db && start_dev
}

/// Whether process `pid` has `db` (or its SQLite journal, WAL or shared-memory file) open,
/// by the links in `/proc/PID/fd`. False when this system cannot tell.
#[cfg(target_os = "linux")]
fn holds(pid: u32, db: &Path) -> bool {
    let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_owned());
    let names: Vec<PathBuf> = ["", "-journal", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut s = db.as_os_str().to_owned();
            s.push(suffix);
            PathBuf::from(s)
        })
        .collect();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| names.contains(&t)))
}

#[cfg(not(target_os = "linux"))]
fn holds(_pid: u32, _db: &Path) -> bool {
    false
}

#[cfg(target_os = "linux")]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(target_os = "linux"))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// This process's effective user, as `/proc` shows it.
#[cfg(target_os = "linux")]
fn our_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(target_os = "linux")]
pub(crate) fn facts(pid: u32) -> Result<ProcessFacts, Untrusted> {
    use std::os::unix::fs::MetadataExt;
    let dir = PathBuf::from(format!("/proc/{pid}"));
    let gone = || Untrusted::Gone { pid };
    let uid = std::fs::metadata(&dir).map_err(|_| gone())?.uid();
    let exe_link = dir.join("exe");
    let exe = std::fs::read_link(&exe_link).map_err(|_| gone())?;
    let args = std::fs::read(dir.join("cmdline")).map_err(|_| gone())?;
    Ok(ProcessFacts {
        pid,
        uid,
        // The running file itself (even if its path changed since it started).
        exe_id: file_id(&exe_link),
        exe,
        args: args
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    })
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn facts(_pid: u32) -> Result<ProcessFacts, Untrusted> {
    Err(Untrusted::Unknowable)
}

/// Whether `pid` holds the socket listening on TCP `port` (loopback or any address): the
/// socket inodes `/proc/net/tcp{,6}` lists as listening there, among the sockets open in
/// `/proc/PID/fd`. Err when this system cannot tell.
#[cfg(target_os = "linux")]
pub(crate) fn listens(pid: u32, port: u16) -> Result<bool, Untrusted> {
    use std::collections::HashSet;
    const LISTEN: &str = "0A";
    let mut inodes = HashSet::new();
    let mut readable = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        readable = true;
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (cols.get(1), cols.get(3), cols.get(9))
            else {
                continue;
            };
            let on_port = local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                == Some(port);
            if on_port && *state == LISTEN {
                if let Ok(i) = inode.parse::<u64>() {
                    inodes.insert(i);
                }
            }
        }
    }
    if !readable {
        return Err(Untrusted::Unknowable);
    }
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_err(|_| Untrusted::Gone { pid })?;
    Ok(fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| {
            target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|i| i.parse::<u64>().ok())
                .is_some_and(|i| inodes.contains(&i))
        })
    }))
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn listens(_pid: u32, _port: u16) -> Result<bool, Untrusted> {
    Err(Untrusted::Unknowable)
}

/// What the studio's dev server must be, from the settings' CLI.
fn expected(settings: &Settings, dd: &DataDir) -> Option<Expected> {
    #[cfg(target_os = "linux")]
    let uid = our_uid()?;
    #[cfg(not(target_os = "linux"))]
    let uid = 0;
    let cli = find_temporal_cli(settings.temporal.cli_path.as_deref()).ok()?;
    let cli = std::fs::canonicalize(&cli).unwrap_or(cli);
    Some(Expected {
        uid,
        cli_id: file_id(&cli),
        cli,
        db: dd.dev_db(),
    })
}

/// Whether the recorded process is still the dev server it names, and holds its port.
pub(crate) fn check(rec: &ServerRecord, e: &Expected) -> Result<(), Untrusted> {
    judge(&facts(rec.pid)?, e)?;
    if !listens(rec.pid, rec.port)? {
        return Err(Untrusted::NotListening {
            pid: rec.pid,
            port: rec.port,
        });
    }
    Ok(())
}

fn read_record(dd: &DataDir) -> Option<ServerRecord> {
    let bytes = std::fs::read(record_path(dd)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The running dev server this data dir started, if there is one to adopt.
pub(crate) fn adoptable(settings: &Settings, dd: &DataDir) -> Option<ServerRecord> {
    let rec = read_record(dd)?;
    if rec.db != dd.dev_db() {
        return None;
    }
    let e = expected(settings, dd)?;
    match check(&rec, &e) {
        Ok(()) => Some(rec),
        Err(why) => {
            tracing::info!(pid = rec.pid, port = rec.port, %why, "recorded dev server not adopted");
            None
        }
    }
}

/// Refuses to start a dev server on this data dir's database while the recorded process, alive
/// and this user's, still uses it (start-dev on it, or holding the file open), adopted or not:
/// two servers on one SQLite database can corrupt it. Says which process and what to do.
fn ensure_database_free(settings: &Settings, dd: &DataDir) -> Result<(), ApiError> {
    let Some(rec) = read_record(dd) else {
        return Ok(());
    };
    let Ok(f) = facts(rec.pid) else {
        return Ok(()); // gone (or no /proc: nothing to tell)
    };
    #[cfg(target_os = "linux")]
    if our_uid() != Some(f.uid) {
        return Ok(());
    }
    let db = dd.dev_db();
    if !(starts_dev_on(&f.args, &db) || holds(rec.pid, &db)) {
        return Ok(()); // the pid was reused by something else
    }
    let pid = rec.pid;
    let why = match expected(settings, dd) {
        Some(e) => check(&rec, &e).err().map(|w| w.to_string()),
        None => Some("the temporal CLI the studio uses cannot be found".into()),
    };
    let message = match why {
        None => format!(
            "a dev server on this data dir's database {} is running already (process {pid}, \
             port {}): the window and `studio render` use it. A second server on the same \
             database could corrupt it: stop process {pid} first (`kill {pid}`)",
            db.display(),
            rec.port
        ),
        Some(why) => format!(
            "process {pid}, the dev server recorded for this data dir, still uses its \
             database {} but is not adopted ({why}). A second server on the same database \
             could corrupt it, so none was started: stop process {pid} (close the studio \
             window or `studio server` that runs it, or `kill {pid}`) and try again",
            db.display()
        ),
    };
    tracing::warn!(pid, %message, "dev server not started");
    Err(EngineError::DevServer(message).into())
}

/// `preferred` when nothing listens there, else a free port.
fn port_or_free(preferred: u16) -> u16 {
    if port_open(preferred) {
        free_port()
    } else {
        preferred
    }
}

/// Starts this data dir's dev server (on the asked ports, else the settings', moving to free
/// ports when those are taken) and records it for adoption.
pub(crate) async fn start(
    settings: &Settings,
    dd: &DataDir,
    port: Option<u16>,
    ui_port: Option<u16>,
) -> Result<DevServer, ApiError> {
    let t = &settings.temporal;
    let (preferred, preferred_ui) = (t.dev_server_port, t.dev_server_ui_port);
    start_with(settings, dd, |attempt| {
        if attempt > 0 && port.is_some() && ui_port.is_some() {
            return None; // ports asked for explicitly are not moved
        }
        let pick = |asked: Option<u16>, preferred: u16| match asked {
            Some(p) => p,
            None if attempt == 0 => port_or_free(preferred),
            None => free_port(),
        };
        Some((pick(port, preferred), pick(ui_port, preferred_ui)))
    })
    .await
}

/// [`start`] with the (frontend, Web UI) ports of each attempt from `ports` (None: no other
/// ports to try). An attempt whose ports turned out taken — the server could not start because
/// something listens there now, or what answered is not the process started — is stopped, and
/// the next attempt takes the next ports, up to [`PORT_ATTEMPTS`].
pub(crate) async fn start_with(
    settings: &Settings,
    dd: &DataDir,
    mut ports: impl FnMut(u32) -> Option<(u16, u16)>,
) -> Result<DevServer, ApiError> {
    let t = &settings.temporal;
    let logs = dd.logs();
    std::fs::create_dir_all(&logs)
        .map_err(|e| EngineError::DevServer(format!("{}: {e}", logs.display())))?;
    let cli = find_temporal_cli(t.cli_path.as_deref())?;
    ensure_database_free(settings, dd)?;
    let mut attempt = 0;
    let mut next = ports(attempt);
    while let Some((port, ui_port)) = next {
        attempt += 1;
        let started = DevServer::start(DevServerOptions {
            cli: cli.clone(),
            port,
            ui_port: Some(ui_port),
            db_file: dd.dev_db(),
            log_file: Some(logs.join("temporal.log")),
            die_with_parent: true,
        })
        .await;
        let failure = match started {
            Ok(mut server) => {
                let pid = server.pid().unwrap_or_default();
                match listens(pid, port) {
                    Ok(true) | Err(Untrusted::Unknowable) => {
                        record(dd, &server, port);
                        return Ok(server);
                    }
                    Ok(false) | Err(_) => {
                        // Whatever answered is not the server just started: it took the port
                        // first, and the server could not listen there.
                        server.stop();
                        EngineError::DevServer(format!(
                            "another process took port {port} before the dev server could \
                             listen there"
                        ))
                    }
                }
            }
            Err(e) if port_open(port) || port_open(ui_port) => e,
            Err(e) => return Err(e.into()),
        };
        next = (attempt < PORT_ATTEMPTS).then(|| ports(attempt)).flatten();
        if next.is_none() {
            return Err(failure.into());
        }
        tracing::warn!(port, ui_port, error = %failure, "dev server ports taken; trying others");
    }
    Err(EngineError::DevServer("no ports to start the dev server on".into()).into())
}

/// Writes the record that lets the next start adopt `server`.
fn record(dd: &DataDir, server: &DevServer, port: u16) {
    let rec = ServerRecord {
        pid: server.pid().unwrap_or_default(),
        port,
        ui_port: server.ui_port(),
        db: dd.dev_db(),
    };
    let json = serde_json::to_vec_pretty(&rec).unwrap_or_default();
    if let Err(e) = studio_core::write_atomic(&record_path(dd), &json) {
        tracing::warn!(error = %e, "could not record the dev server; it will not be adopted");
    }
}

#[cfg(test)]
mod tests;
