//! The batch generations the studio started from the library (`batches.json`): each is
//! recorded before it starts, so after a crash or a restart the studio still finds it, and files
//! the characters it finished into the library.

use serde::{Deserialize, Serialize};

use crate::error::{io, LibraryError, Result};
use crate::Library;

/// A batch generation the studio started: the library entries it fills, in batch order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BatchRecord {
    /// The batch workflow's id.
    pub id: String,
    pub character_ids: Vec<String>,
    pub started_at: u32,
}

/// The batches' file, in the library's folder.
const BATCHES: &str = "batches.json";

impl Library {
    /// Batches started from this library, oldest first.
    pub fn batches(&self) -> Result<Vec<BatchRecord>> {
        let path = self.root.join(BATCHES);
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| LibraryError::Damaged {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Records a batch (in place of one with the same id), under the file's lock.
    pub fn record_batch(&self, record: BatchRecord) -> Result<()> {
        let lock_path = self.root.join(BATCHES);
        let _lock = studio_core::FileLock::exclusive(&lock_path).map_err(io(&lock_path))?;
        let mut all = self.batches()?;
        all.retain(|b| b.id != record.id);
        all.push(record);
        let path = self.root.join(BATCHES);
        let bytes = serde_json::to_vec_pretty(&all).expect("batches serialize");
        studio_core::write_atomic(&path, &bytes).map_err(io(&path))
    }
}
