//! Artifacts in a bucket (S3, GCS or Azure, through `object_store`), for workers on several
//! machines: a clip made on one is stitched on another and previewed on the creator's.
//!
//! Objects are content-addressed like the local store (`<prefix>/objects/aa/<sha256>.<ext>`):
//! bytes already in the bucket are not uploaded again, and a download is checked against its
//! name before it is used, so a truncated transfer is never served. Each machine keeps a
//! [`LocalStore`] as its cache, for scratch files and for the objects it made or fetched.
//! Credentials come from the environment (`AWS_*`, `GOOGLE_*`, `AZURE_*`), never from settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreScheme};
use tokio::io::AsyncWriteExt;

use crate::error::{ErrorClass, MediaError};
use crate::store::{check_cache_key, hash_file, ArtifactStore, CacheEntry, LocalStore, Scratch};

/// Environment variable prefixes whose values configure a bucket (as `object_store`'s
/// `from_env` builders read them).
const ENV_PREFIXES: [&str; 3] = ["AWS_", "GOOGLE_", "AZURE_"];

pub struct SharedStore {
    /// `s3://bucket`: object URIs are this plus `/` plus the object's key.
    root: String,
    prefix: ObjectPath,
    store: Arc<dyn ObjectStore>,
    cache: LocalStore,
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStore")
            .field("root", &self.root)
            .field("prefix", &self.prefix.as_ref())
            .field("cache", &self.cache.root())
            .finish()
    }
}

fn config_error(url: &str, message: impl std::fmt::Display) -> MediaError {
    MediaError::Remote {
        uri: url.to_owned(),
        class: ErrorClass::InvalidInput,
        message: message.to_string(),
    }
}

/// Checks that every option is a key the bucket's builder knows: a typo in settings would
/// otherwise be ignored silently.
fn check_option(scheme: &ObjectStoreScheme, url: &str, key: &str) -> Result<(), MediaError> {
    let known = match scheme {
        ObjectStoreScheme::AmazonS3 => object_store::aws::AmazonS3ConfigKey::from_str(key).is_ok(),
        ObjectStoreScheme::GoogleCloudStorage => {
            object_store::gcp::GoogleConfigKey::from_str(key).is_ok()
        }
        ObjectStoreScheme::MicrosoftAzure => {
            object_store::azure::AzureConfigKey::from_str(key).is_ok()
        }
        _ => false,
    };
    if known {
        Ok(())
    } else {
        Err(config_error(url, format!("unknown option {key:?}")))
    }
}

impl SharedStore {
    /// Opens the bucket at `url` (`s3://bucket/prefix`, `gs://…`, `az://…`) with `options`
    /// (e.g. `aws_endpoint`, `aws_region`, `aws_allow_http`) over the environment's, keeping
    /// local copies under `cache_root`.
    pub fn open(
        url: &str,
        options: &BTreeMap<String, String>,
        cache_root: impl Into<PathBuf>,
    ) -> Result<Self, MediaError> {
        let parsed = url::Url::parse(url).map_err(|e| config_error(url, e))?;
        let scheme = match ObjectStoreScheme::parse(&parsed) {
            Ok((
                s @ (ObjectStoreScheme::AmazonS3
                | ObjectStoreScheme::GoogleCloudStorage
                | ObjectStoreScheme::MicrosoftAzure),
                _,
            )) => s,
            _ => {
                return Err(config_error(
                    url,
                    "expected an s3://, gs:// or az:// bucket URL",
                ))
            }
        };
        for key in options.keys() {
            check_option(&scheme, url, key)?;
        }
        let mut merged: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| ENV_PREFIXES.iter().any(|p| k.starts_with(p)))
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        merged.extend(options.clone());
        let (store, prefix) =
            object_store::parse_url_opts(&parsed, merged).map_err(|e| config_error(url, e))?;
        let host = parsed.host_str().unwrap_or_default();
        Ok(SharedStore {
            root: format!("{}://{host}", parsed.scheme()),
            prefix,
            store: Arc::from(store),
            cache: LocalStore::open(cache_root)?,
        })
    }

    fn key(&self, hash: &str, ext: &str) -> ObjectPath {
        let mut parts: Vec<String> = self.prefix.parts().map(|p| p.as_ref().to_owned()).collect();
        parts.extend([
            "objects".to_owned(),
            hash[..2].to_owned(),
            format!("{hash}.{ext}"),
        ]);
        ObjectPath::from_iter(parts)
    }

    fn cache_key(&self, key: &str) -> ObjectPath {
        let mut parts: Vec<String> = self.prefix.parts().map(|p| p.as_ref().to_owned()).collect();
        parts.extend(["cache".to_owned(), format!("{key}.json")]);
        ObjectPath::from_iter(parts)
    }

    fn uri(&self, key: &ObjectPath) -> String {
        format!("{}/{key}", self.root)
    }

    /// The key and content address (hash, extension) of one of our object URIs.
    fn parse_uri<'a>(&self, uri: &'a str) -> Result<(ObjectPath, &'a str, &'a str), MediaError> {
        let bad = |message: &str| MediaError::Artifact {
            uri: uri.to_owned(),
            message: message.to_owned(),
        };
        let key = uri
            .strip_prefix(&self.root)
            .and_then(|k| k.strip_prefix('/'))
            .ok_or_else(|| bad(&format!("not in the shared store {}", self.root)))?;
        let name = key.rsplit('/').next().unwrap_or_default();
        let (hash, ext) = name
            .split_once('.')
            .filter(|(h, _)| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| bad("not a content-addressed artifact"))?;
        Ok((ObjectPath::from(key), hash, ext))
    }

    fn remote_error(&self, uri: &str, e: object_store::Error) -> MediaError {
        let class = match &e {
            object_store::Error::NotFound { .. } => {
                return MediaError::Artifact {
                    uri: uri.to_owned(),
                    message: "not found in the shared artifact store".into(),
                }
            }
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => ErrorClass::InvalidApiKey,
            _ => ErrorClass::Transient,
        };
        MediaError::Remote {
            uri: uri.to_owned(),
            class,
            message: e.to_string(),
        }
    }

    async fn upload(&self, path: &Path, key: &ObjectPath) -> Result<(), MediaError> {
        let uri = self.uri(key);
        match self.store.head(key).await {
            Ok(_) => return Ok(()), // same bytes already there
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(self.remote_error(&uri, e)),
        }
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| MediaError::io(format!("open {}", path.display()), e))?;
        // Multipart for large files, one PUT for small ones; the object appears only when
        // complete, so a crash mid-upload leaves nothing visible.
        let mut writer = object_store::buffered::BufWriter::new(self.store.clone(), key.clone());
        let copied = tokio::io::copy(&mut file, &mut writer).await;
        let finished = match copied {
            Ok(_) => writer.shutdown().await,
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        };
        finished.map_err(|e| MediaError::Remote {
            uri,
            class: ErrorClass::Transient,
            message: format!("upload failed: {e}"),
        })
    }

    async fn download(
        &self,
        uri: &str,
        key: &ObjectPath,
        hash: &str,
        ext: &str,
    ) -> Result<PathBuf, MediaError> {
        let scratch = self.cache.scratch(ext)?;
        let got = self
            .store
            .get(key)
            .await
            .map_err(|e| self.remote_error(uri, e))?;
        let mut stream = got.into_stream();
        let mut file = tokio::fs::File::create(scratch.path())
            .await
            .map_err(|e| MediaError::io("create download file", e))?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.remote_error(uri, e))?;
            file.write_all(&chunk)
                .await
                .map_err(|e| MediaError::io("write download file", e))?;
        }
        file.flush()
            .await
            .map_err(|e| MediaError::io("write download file", e))?;
        drop(file);
        let actual = hash_file(scratch.path()).await?;
        if actual != hash {
            return Err(MediaError::Remote {
                uri: uri.to_owned(),
                class: ErrorClass::Transient,
                message: format!("downloaded bytes hash to {actual}, not to their name"),
            });
        }
        self.cache.commit(scratch).await?;
        Ok(self.cache.object_path(hash, ext))
    }
}

#[async_trait]
impl ArtifactStore for SharedStore {
    fn scratch(&self, ext: &str) -> Result<Scratch, MediaError> {
        self.cache.scratch(ext)
    }

    async fn commit(&self, scratch: Scratch) -> Result<String, MediaError> {
        let hash = hash_file(scratch.path()).await?;
        let key = self.key(&hash, scratch.ext());
        self.upload(scratch.path(), &key).await?;
        // Keep a local copy: the next step often runs on this machine.
        self.cache.commit(scratch).await?;
        Ok(self.uri(&key))
    }

    async fn cache_get(&self, key: &str) -> Result<Option<Vec<String>>, MediaError> {
        check_cache_key(key)?;
        let path = self.cache_key(key);
        let uri = self.uri(&path);
        let bytes = match self.store.get(&path).await {
            Ok(got) => got.bytes().await.map_err(|e| self.remote_error(&uri, e))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.remote_error(&uri, e)),
        };
        let Ok(entry) = serde_json::from_slice::<CacheEntry>(&bytes) else {
            return Ok(None);
        };
        for u in &entry.uris {
            let Ok((key, ..)) = self.parse_uri(u) else {
                return Ok(None);
            };
            match self.store.head(&key).await {
                Ok(_) => {}
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(self.remote_error(u, e)),
            }
        }
        Ok(Some(entry.uris))
    }

    async fn cache_put(&self, key: &str, uris: &[String]) -> Result<(), MediaError> {
        check_cache_key(key)?;
        let path = self.cache_key(key);
        let json = serde_json::to_vec(&CacheEntry {
            uris: uris.to_vec(),
        })
        .map_err(|e| MediaError::Image(e.to_string()))?;
        self.store
            .put(&path, json.into())
            .await
            .map(drop)
            .map_err(|e| self.remote_error(&self.uri(&path), e))
    }

    async fn local_path(&self, uri: &str) -> Result<PathBuf, MediaError> {
        if uri.starts_with("file:") {
            return self.cache.local_path(uri).await;
        }
        let (key, hash, ext) = self.parse_uri(uri)?;
        let cached = self.cache.object_path(hash, ext);
        if tokio::fs::try_exists(&cached).await.unwrap_or(false) {
            return Ok(cached);
        }
        self.download(uri, &key, hash, ext).await
    }
}
