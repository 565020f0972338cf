//! The artifact store: where media lives, so that workflows only ever carry URIs.
//!
//! Activities write into a [`Scratch`] file and [`ArtifactStore::commit`] it; readers ask for a
//! local path with [`ArtifactStore::local_path`]. Nothing else may assume an artifact is a local
//! file, so a shared object store can replace the local folder without touching callers.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::error::MediaError;

/// A file being written by an activity. Removed on drop unless committed, so a cancelled or failed
/// activity leaves no partial file behind.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
    ext: String,
    keep: bool,
}

impl Scratch {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn ext(&self) -> &str {
        &self.ext
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[async_trait]
pub trait ArtifactStore: Send + Sync {
    /// A fresh scratch file (not yet created) with the given extension.
    fn scratch(&self, ext: &str) -> Result<Scratch, MediaError>;
    /// Moves a finished scratch file into the store and returns its URI.
    async fn commit(&self, scratch: Scratch) -> Result<String, MediaError>;
    /// Copies a creator's file (a reference image) into the store.
    async fn import(&self, path: &Path) -> Result<String, MediaError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("bin")
            .to_ascii_lowercase();
        let scratch = self.scratch(&ext)?;
        tokio::fs::copy(path, scratch.path())
            .await
            .map_err(|e| MediaError::io(format!("import {}", path.display()), e))?;
        self.commit(scratch).await
    }
    /// A local path holding the artifact's bytes, for reading.
    async fn local_path(&self, uri: &str) -> Result<PathBuf, MediaError>;
    /// The artifacts recorded under a cache key (a hash of the inputs that made them), if all
    /// of them are still in the store.
    async fn cache_get(&self, key: &str) -> Result<Option<Vec<String>>, MediaError>;
    /// Records the artifacts made from the inputs hashed into `key`.
    async fn cache_put(&self, key: &str, uris: &[String]) -> Result<(), MediaError>;
}

/// A cache entry: what a key's inputs produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CacheEntry {
    pub uris: Vec<String>,
}

/// Cache keys are hex digests; anything else is refused before it touches a path.
pub(crate) fn check_cache_key(key: &str) -> Result<(), MediaError> {
    if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(MediaError::Artifact {
            uri: key.to_owned(),
            message: "not a cache key".into(),
        })
    }
}

/// How much the artifact cache holds: entries, and the bytes of the artifacts they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheUsage {
    pub entries: u64,
    pub bytes: u64,
}

/// Where a worker or studio keeps artifacts: a local folder (the default), or a bucket shared by
/// every machine of a studio team (with the local folder as its cache).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ArtifactSettings {
    /// `s3://bucket/prefix`, `gs://bucket/prefix` or `az://container/prefix`; None: local only.
    pub url: Option<String>,
    /// Bucket options (`aws_endpoint`, `aws_region`, `aws_allow_http`, …) over the
    /// environment's. Keys and secrets belong in the environment, not here.
    pub options: std::collections::BTreeMap<String, String>,
}

impl ArtifactSettings {
    /// Opens the configured store, with `local_root` as the folder (or the bucket's cache).
    pub fn open(&self, local_root: &Path) -> Result<std::sync::Arc<dyn ArtifactStore>, MediaError> {
        Ok(match &self.url {
            None => std::sync::Arc::new(LocalStore::open(local_root)?),
            Some(url) => std::sync::Arc::new(crate::shared::SharedStore::open(
                url,
                &self.options,
                local_root,
            )?),
        })
    }
}

/// Content-addressed folder: `objects/<first two hex>/<sha256>.<ext>`, written via temp + rename.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, MediaError> {
        let root = std::path::absolute(root.into())
            .map_err(|e| MediaError::io("artifact store root", e))?;
        for sub in ["objects", "tmp", "cache"] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir)
                .map_err(|e| MediaError::io(format!("create {}", dir.display()), e))?;
        }
        let store = LocalStore { root };
        store.remove_orphaned_scratch();
        Ok(store)
    }

    /// Deletes scratch files of processes that no longer exist (a worker killed mid-write):
    /// they can never be committed. Scratch names start with their writer's PID.
    pub fn remove_orphaned_scratch(&self) -> usize {
        let mut removed = 0;
        for entry in std::fs::read_dir(self.tmp_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name();
            let pid = name
                .to_str()
                .and_then(|n| n.split('-').next())
                .and_then(|p| p.parse::<u32>().ok());
            let orphaned = match pid {
                Some(pid) => !crate::process::is_alive(pid),
                None => false, // not ours: leave it
            };
            if orphaned && std::fs::remove_file(entry.path()).is_ok() {
                tracing::info!(file = %entry.path().display(), "removed a dead worker's scratch file");
                removed += 1;
            }
        }
        removed
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }

    fn cache_path(&self, key: &str) -> PathBuf {
        self.cache_dir().join(format!("{key}.json"))
    }

    /// Entries in the artifact cache and the bytes of the (distinct) artifacts they name.
    pub fn cache_usage(&self) -> CacheUsage {
        let mut usage = CacheUsage::default();
        let mut seen = std::collections::HashSet::new();
        for e in std::fs::read_dir(self.cache_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(bytes) = std::fs::read(e.path()) else {
                continue;
            };
            let Ok(entry) = serde_json::from_slice::<CacheEntry>(&bytes) else {
                continue;
            };
            usage.entries += 1;
            for uri in entry.uris {
                let path = url::Url::parse(&uri)
                    .ok()
                    .and_then(|u| u.to_file_path().ok());
                if let Some(p) = path.filter(|p| seen.insert(p.clone())) {
                    usage.bytes += std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                }
            }
        }
        usage
    }

    /// Forgets every cache entry, so the next renders make everything anew. The artifacts stay:
    /// finished jobs still show and play them.
    pub fn clear_cache(&self) -> Result<u64, MediaError> {
        let mut removed = 0;
        for e in std::fs::read_dir(self.cache_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            std::fs::remove_file(e.path())
                .map_err(|err| MediaError::io(format!("remove {}", e.path().display()), err))?;
            removed += 1;
        }
        Ok(removed)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub(crate) fn object_path(&self, hash: &str, ext: &str) -> PathBuf {
        self.root
            .join("objects")
            .join(&hash[..2])
            .join(format!("{hash}.{ext}"))
    }
}

/// SHA-256 of a file, streamed.
pub async fn hash_file(path: &Path) -> Result<String, MediaError> {
    // One blocking task reads the whole file through std's small stack buffer: a clip hashed
    // through `tokio::fs` would hop to the blocking pool once per read, and a heap buffer per
    // hash stays resident in the allocator after a burst of finished clips.
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path)
            .map_err(|e| MediaError::io(format!("open {}", path.display()), e))?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)
            .map_err(|e| MediaError::io(format!("read {}", path.display()), e))?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(|e| MediaError::io("hash a file", std::io::Error::other(e)))?
}

fn file_uri(path: &Path) -> Result<String, MediaError> {
    url::Url::from_file_path(path)
        .map(String::from)
        .map_err(|()| MediaError::Artifact {
            uri: path.display().to_string(),
            message: "not an absolute path".into(),
        })
}

#[async_trait]
impl ArtifactStore for LocalStore {
    fn scratch(&self, ext: &str) -> Result<Scratch, MediaError> {
        let name = format!("{}-{}.{ext}", std::process::id(), uuid_like_suffix());
        Ok(Scratch {
            path: self.tmp_dir().join(name),
            ext: ext.to_owned(),
            keep: false,
        })
    }

    async fn commit(&self, mut scratch: Scratch) -> Result<String, MediaError> {
        let hash = hash_file(&scratch.path).await?;
        let target = self.object_path(&hash, &scratch.ext);
        let dir = target.parent().expect("object paths have a parent");
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| MediaError::io(format!("create {}", dir.display()), e))?;
        // Durability before visibility: the rename must never expose a file whose bytes are
        // still in the page cache only.
        let f = tokio::fs::File::open(&scratch.path)
            .await
            .map_err(|e| MediaError::io("open scratch", e))?;
        f.sync_all()
            .await
            .map_err(|e| MediaError::io("sync scratch", e))?;
        drop(f);
        if tokio::fs::try_exists(&target).await.unwrap_or(false) {
            // Same content already stored; the scratch copy is dropped (and deleted).
            return file_uri(&target);
        }
        tokio::fs::rename(&scratch.path, &target)
            .await
            .map_err(|e| MediaError::io(format!("store {}", target.display()), e))?;
        scratch.keep = true;
        file_uri(&target)
    }

    async fn cache_get(&self, key: &str) -> Result<Option<Vec<String>>, MediaError> {
        check_cache_key(key)?;
        let Ok(bytes) = tokio::fs::read(self.cache_path(key)).await else {
            return Ok(None);
        };
        let Ok(entry) = serde_json::from_slice::<CacheEntry>(&bytes) else {
            return Ok(None); // unreadable entries are misses, never errors
        };
        for uri in &entry.uris {
            if self.local_path(uri).await.is_err() {
                return Ok(None);
            }
        }
        Ok(Some(entry.uris))
    }

    async fn cache_put(&self, key: &str, uris: &[String]) -> Result<(), MediaError> {
        check_cache_key(key)?;
        let json = serde_json::to_vec(&CacheEntry {
            uris: uris.to_vec(),
        })
        .map_err(|e| MediaError::Image(e.to_string()))?;
        let path = self.cache_path(key);
        tokio::task::spawn_blocking(move || studio_core::write_atomic(&path, &json))
            .await
            .map_err(|e| MediaError::io("cache write", std::io::Error::other(e)))?
            .map_err(|e| MediaError::io("cache write", e))
    }

    async fn local_path(&self, uri: &str) -> Result<PathBuf, MediaError> {
        let bad = |message: &str| MediaError::Artifact {
            uri: uri.to_owned(),
            message: message.to_owned(),
        };
        let url = url::Url::parse(uri).map_err(|e| bad(&e.to_string()))?;
        if url.scheme() != "file" {
            return Err(bad("the local store only reads file:// URIs"));
        }
        let path = url.to_file_path().map_err(|()| bad("not a local path"))?;
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Err(bad("not found in the artifact store"));
        }
        // A job's input names artifacts of this store, never any other file on the worker's
        // disk (a client could otherwise have a worker upload /etc/passwd as a "reference").
        let (real, root) = (
            tokio::fs::canonicalize(&path).await,
            tokio::fs::canonicalize(&self.root).await,
        );
        match (real, root) {
            (Ok(real), Ok(root)) if real.starts_with(&root) => Ok(path),
            _ => Err(bad("outside the artifact store")),
        }
    }
}

/// A process-unique suffix for scratch names (no randomness needed: pid + counter + time).
fn uuid_like_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{t:x}-{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn commit_is_content_addressed_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let mut uris = Vec::new();
        for _ in 0..2 {
            let s = store.scratch("txt").unwrap();
            std::fs::write(s.path(), b"hello").unwrap();
            uris.push(store.commit(s).await.unwrap());
        }
        assert_eq!(uris[0], uris[1]);
        let path = store.local_path(&uris[0]).await.unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"hello");
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn dropped_scratch_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let s = store.scratch("mp4").unwrap();
        std::fs::write(s.path(), b"partial").unwrap();
        drop(s);
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[test]
    fn scratch_of_dead_processes_is_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let mine = store.scratch("mp4").unwrap();
        std::fs::write(mine.path(), b"being written").unwrap();
        // A PID above the kernel's maximum is never alive.
        let dead = dir.path().join("tmp").join("4294967295-1a2b-0.mp4");
        std::fs::write(&dead, b"half a clip").unwrap();
        let foreign = dir.path().join("tmp").join("notes.txt");
        std::fs::write(&foreign, b"x").unwrap();
        LocalStore::open(dir.path()).unwrap();
        assert!(!dead.exists(), "a dead writer's scratch file survived");
        assert!(
            mine.path().exists(),
            "a live writer's scratch file was removed"
        );
        assert!(foreign.exists());
    }

    #[tokio::test]
    async fn unknown_uris_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let err = store.local_path("s3://bucket/x").await.unwrap_err();
        assert!(err.to_string().contains("file://"), "{err}");
        let err = store.local_path("file:///nope/x.png").await.unwrap_err();
        assert!(err.to_string().contains("not found"), "{err}");
        // A file that exists but is not an artifact: refused, also through `..` or a link.
        let outside = tempfile::NamedTempFile::new().unwrap();
        let uri = url::Url::from_file_path(outside.path())
            .unwrap()
            .to_string();
        let err = store.local_path(&uri).await.unwrap_err();
        assert!(
            err.to_string().contains("outside the artifact store"),
            "{err}"
        );
        let climb = format!(
            "file://{}/objects/../../{}",
            dir.path().display(),
            outside.path().strip_prefix("/").unwrap().display()
        );
        assert!(store.local_path(&climb).await.is_err(), "{climb}");
        #[cfg(unix)]
        {
            let link = dir.path().join("objects").join("link.png");
            std::os::unix::fs::symlink(outside.path(), &link).unwrap();
            let uri = url::Url::from_file_path(&link).unwrap().to_string();
            assert!(store.local_path(&uri).await.is_err());
        }
    }
}
