//! Crash-safe file replacement, and the lock that makes read-modify-write safe.
//!
//! A project or settings file must never be left half-written: a crash mid-save would lose the
//! creator's work. We write to a temporary file in the same directory, fsync it, rename it over the
//! target (atomic on POSIX within one file system) and fsync the directory so the rename survives
//! a power cut.
//!
//! The replacement is the same file to everyone who looks at it: it keeps the old file's mode
//! (a project the creator made group-readable stays so; the key file stays 0600), and a path
//! that is a symlink stays a symlink: the file it points to is replaced (in its own directory,
//! so the rename stays within one file system), as editors do. Every persist-by-hand in the
//! workspace goes through [`replace_with`] so these rules hold for all of them.
//!
//! Files several processes update (the job list, the library index, batches, settings, the key
//! file: the window, `studio` commands and batch syncs all write them) are read, changed and
//! replaced under [`FileLock`], so two writers never both start from the same old content and
//! one of them silently loses the other's change.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The permissions a replaced file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// An existing file keeps its mode; a new one is private to its owner (0600): the studio's
    /// own files in the data dir.
    #[default]
    Keep,
    /// An existing file keeps its mode; a new one gets what any program would give it (0666
    /// less the umask): files the creator saves and shares (projects, exported videos and
    /// archives).
    KeepOrUmask,
    /// Exactly this mode whatever the file had, from the temporary file's creation on (the key
    /// file: 0600 even if someone widened it, and never readable by others for a moment).
    Exactly(u32),
}

/// Most symlinks followed before giving up (the kernel's own limit, `ELOOP`).
const MAX_LINKS: usize = 40;

/// Atomically replaces `path` with `bytes` ([`Mode::Keep`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_with(path, Mode::Keep, |f| f.write_all(bytes))
}

/// Atomically replaces `path` with what `write` puts in the (empty, temporary) file: the one
/// helper every atomic write uses, streaming ones (a video export) included.
pub fn replace_with(
    path: &Path,
    mode: Mode,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let target = resolve_links(path)?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let existing = std::fs::metadata(&target).ok().filter(|m| m.is_file());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    #[cfg(unix)]
    if mode == Mode::KeepOrUmask && existing.is_none() {
        use std::os::unix::fs::PermissionsExt;
        // Created with 0666: the kernel applies the umask, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let wanted = match (mode, &existing) {
            (Mode::Exactly(m), _) => Some(m),
            (_, Some(old)) => Some(old.mode() & 0o7777),
            (_, None) => None,
        };
        if let Some(m) = wanted {
            // Set before any byte is written (fchmod: the umask does not apply).
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(m))?;
        }
        if let Some(old) = &existing {
            // A file of a shared group stays in it (allowed only if we are in the group; a
            // refusal leaves our own group, as a new file would have).
            if old.gid() != tmp.as_file().metadata()?.gid() {
                if let Err(e) = std::os::unix::fs::fchown(tmp.as_file(), None, Some(old.gid())) {
                    tracing::debug!(path = %target.display(), error = %e, "group not kept");
                }
            }
        }
    }
    #[cfg(not(unix))]
    if let Some(old) = &existing {
        tmp.as_file().set_permissions(old.permissions())?;
    }
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    // Make the rename itself durable. Opening a directory for sync is not portable to Windows,
    // where the rename is already durable enough for our purpose.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// The file `path` names once every symlink in its last component is followed (a dangling
/// link gives the path it points to, so the write creates that file). Links in the directories
/// above need no resolving: the rename happens in whatever directory they lead to.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other(format!(
        "{}: more than {MAX_LINKS} symlinks to follow",
        path.display()
    )))
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

    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn chmod(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("p.studio.json");
        std::fs::write(&target, b"old").unwrap();
        chmod(&target, 0o640);
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(mode_of(&target), 0o640);
        // The same through the creator-file mode, and a mode wider than the umask's.
        chmod(&target, 0o664);
        replace_with(&target, Mode::KeepOrUmask, |f| f.write_all(b"newer")).unwrap();
        assert_eq!(mode_of(&target), 0o664);
    }

    #[test]
    fn new_files_are_private_unless_they_are_the_creators() {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("settings.json");
        write_atomic(&private, b"{}").unwrap();
        assert_eq!(mode_of(&private), 0o600);
        // 0666 less the umask, as any program creates a file.
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .map(|v| u32::from_str_radix(v.trim(), 8).unwrap())
            .unwrap();
        let shared = dir.path().join("export.mp4");
        replace_with(&shared, Mode::KeepOrUmask, |f| f.write_all(b"v")).unwrap();
        assert_eq!(mode_of(&shared), 0o666 & !umask, "umask {umask:o}");
    }

    #[test]
    fn an_exact_mode_wins_over_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys.json");
        std::fs::write(&keys, b"{}").unwrap();
        chmod(&keys, 0o644);
        replace_with(&keys, Mode::Exactly(0o640), |f| f.write_all(b"{\"k\":1}")).unwrap();
        assert_eq!(mode_of(&keys), 0o640);
        assert_eq!(std::fs::read(&keys).unwrap(), b"{\"k\":1}");
    }

    #[test]
    fn a_symlink_stays_a_symlink_and_its_target_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        std::fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("project.studio.json");
        std::fs::write(&real, b"old").unwrap();
        chmod(&real, 0o640);
        // A relative link, and a link to that link.
        let link = dir.path().join("link.studio.json");
        std::os::unix::fs::symlink("real/project.studio.json", &link).unwrap();
        let link2 = dir.path().join("link2.studio.json");
        std::os::unix::fs::symlink(&link, &link2).unwrap();

        write_atomic(&link2, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link2)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(mode_of(&real), 0o640);
        // No temporary file left in either folder.
        let names = |d: &Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(&real_dir), ["project.studio.json"]);
        assert_eq!(
            names(dir.path()),
            ["link.studio.json", "link2.studio.json", "real"]
        );

        // A dangling link: the file it names is created, the link kept.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("real/later.json", &dangling).unwrap();
        write_atomic(&dangling, b"x").unwrap();
        assert!(std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(real_dir.join("later.json")).unwrap(), b"x");

        // A loop is an error, not a hang.
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(write_atomic(&a, b"x").is_err());
    }
}
