//! Crash-safe file replacement, and the lock that makes read-modify-write safe.
//!
//! A project or settings file must never be left half-written: a crash mid-save would lose the
//! creator's work. We write to a temporary file in the same directory, fsync it, rename it over the
//! target (atomic on POSIX within one file system) and fsync the directory so the rename survives
//! a power cut.
//!
//! Files several processes update (the job list, the library index, batches, settings, the key
//! file: the window, `studio` commands and batch syncs all write them) are read, changed and
//! replaced under [`FileLock`], so two writers never both start from the same old content and
//! one of them silently loses the other's change.

use std::io::Write;
use std::path::Path;

/// Atomically replaces `path` with `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Make the rename itself durable. Opening a directory for sync is not portable to Windows,
    // where the rename is already durable enough for our purpose.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// An exclusive advisory lock (`flock`) on `<file>.lock`, held until dropped. Every writer of a
/// shared file takes it around its whole read-modify-write; readers need none (replacement is
/// atomic).
#[derive(Debug)]
pub struct FileLock {
    _file: std::fs::File,
}

impl FileLock {
    /// Waits for the lock of `path` (the lock file sits beside it and is never removed, so
    /// every process locks the same inode).
    pub fn exclusive(path: &Path) -> std::io::Result<FileLock> {
        let mut name = path.as_os_str().to_owned();
        name.push(".lock");
        let lock_path = std::path::PathBuf::from(name);
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)?;
        file.lock()?;
        Ok(FileLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_under_the_lock_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("count.json");
        write_atomic(&target, b"0").unwrap();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let target = target.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        let _lock = FileLock::exclusive(&target).unwrap();
                        let n: u32 = std::fs::read_to_string(&target).unwrap().parse().unwrap();
                        std::thread::yield_now();
                        write_atomic(&target, (n + 1).to_string().as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "200");
    }

    #[test]
    fn replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.json");
        write_atomic(&target, b"one").unwrap();
        write_atomic(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.json")]);
        // The lock file sits beside its file and is the only other name it leaves.
        drop(FileLock::exclusive(&target).unwrap());
        assert!(dir.path().join("a.json.lock").is_file());
    }
}
