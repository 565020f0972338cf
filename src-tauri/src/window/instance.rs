//! One studio window per data dir.

use std::path::Path;

use tauri::AppHandle;

/// One studio window per data dir. The single-instance plugin finds a running window over the
/// D-Bus session and hands it a second start's project; without a session bus (a bare X
/// session, `ssh -X`, some containers) it finds nothing, and a second window would empty the
/// first one's undo trash and start a second worker. This lock, taken before anything touches
/// the data dir, holds in every case: the OS drops it when the process ends, however it ends.
pub struct InstanceLock {
    _file: std::fs::File,
}

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("SmokeTech Studio is already running with the data folder {0}")]
    Running(String),
    #[error("the window lock {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl InstanceLock {
    /// Takes `window.lock` in `data_dir` without waiting.
    pub fn acquire(data_dir: &Path) -> Result<InstanceLock, InstanceError> {
        let path = data_dir.join("window.lock");
        let io = |source| InstanceError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(InstanceLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(InstanceError::Running(data_dir.display().to_string()))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// The title of the dialog a second start shows (and the e2e test looks for).
pub const ALREADY_RUNNING_TITLE: &str = "SmokeTech Studio is already running";

/// A second start that found the first by its lock, not over D-Bus: says so (on stderr and in
/// a native dialog) and exits without a window, having touched nothing in the data dir.
pub fn already_running(app: &AppHandle, error: &InstanceError, project: Option<&Path>) {
    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
    let mut message = format!("{error}. Use the open window");
    if let Some(p) = project {
        message.push_str(&format!(
            " (with no D-Bus session this start cannot hand it {}: open it there)",
            p.display()
        ));
    }
    message.push('.');
    eprintln!("{message}");
    tracing::warn!(%message, "second start: exiting");
    let handle = app.clone();
    app.dialog()
        .message(message)
        .title(ALREADY_RUNNING_TITLE)
        .kind(MessageDialogKind::Info)
        .show(move |_| handle.exit(1));
}
