//! The embedded dev server of a data dir, and which one the studio may adopt.
//!
//! Whatever listens on 127.0.0.1:7233 is not necessarily ours: adopting it would make the
//! bundled worker run that server's tasks with the creator's keys. So the studio records the
//! server it starts (`temporal/server.json`: pid, ports, database) and adopts only a server that
//! record names, still running, still listening, and serving this data dir's database. Anything
//! else on the preferred port is left alone and the studio starts its own on a free port.

use std::path::PathBuf;

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

fn record_path(dd: &DataDir) -> PathBuf {
    dd.dev_db().with_file_name("server.json")
}

/// The running dev server this data dir started, if there is one to adopt.
pub(crate) fn adoptable(dd: &DataDir) -> Option<ServerRecord> {
    let bytes = std::fs::read(record_path(dd)).ok()?;
    let rec: ServerRecord = serde_json::from_slice(&bytes).ok()?;
    (rec.db == dd.dev_db() && serves(&rec) && port_open(rec.port)).then_some(rec)
}

/// Whether `rec.pid` is still the dev server it names (a reused pid runs something else).
fn serves(rec: &ServerRecord) -> bool {
    let Ok(cmd) = std::fs::read(format!("/proc/{}/cmdline", rec.pid)) else {
        return false;
    };
    let cmd = String::from_utf8_lossy(&cmd);
    cmd.contains("start-dev") && cmd.contains(&*rec.db.to_string_lossy())
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
    let logs = dd.logs();
    std::fs::create_dir_all(&logs)
        .map_err(|e| EngineError::DevServer(format!("{}: {e}", logs.display())))?;
    let port = port.unwrap_or_else(|| port_or_free(t.dev_server_port));
    let ui_port = ui_port.unwrap_or_else(|| port_or_free(t.dev_server_ui_port));
    let server = DevServer::start(DevServerOptions {
        cli: find_temporal_cli(t.cli_path.as_deref())?,
        port,
        ui_port: Some(ui_port),
        db_file: dd.dev_db(),
        log_file: Some(logs.join("temporal.log")),
        die_with_parent: true,
    })
    .await?;
    if let Some(pid) = server.pid() {
        let rec = ServerRecord {
            pid,
            port,
            ui_port: server.ui_port(),
            db: dd.dev_db(),
        };
        let json = serde_json::to_vec_pretty(&rec).unwrap_or_default();
        if let Err(e) = studio_core::write_atomic(&record_path(dd), &json) {
            tracing::warn!(error = %e, "could not record the dev server; it will not be adopted");
        }
    }
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_recorded_live_server_of_this_data_dir_is_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let dd = DataDir::new(dir.path());
        assert_eq!(adoptable(&dd), None, "no record");
        // Something listens, but this data dir never started it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let rec = ServerRecord {
            pid: std::process::id(), // alive, but not a dev server
            port,
            ui_port: None,
            db: dd.dev_db(),
        };
        std::fs::create_dir_all(dd.dev_db().parent().unwrap()).unwrap();
        std::fs::write(record_path(&dd), serde_json::to_vec(&rec).unwrap()).unwrap();
        assert_eq!(
            adoptable(&dd),
            None,
            "the pid is not a dev server of this db"
        );
        // And a port taken by a stranger is not used for our own server.
        assert_ne!(port_or_free(port), port);
    }
}
