//! The Characters view's operations: the library (`studio-library`) plus what needs Temporal —
//! generating angles in bulk with `batchCharacterGenerationWorkflow` and filing each character
//! into the library as its images are made. Methods of [`Studio`], so the window and the CLI
//! call the same code.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_core::JobStatus;
use studio_engine::workflows::batch::BATCH_CHUNK;
pub use studio_library::BatchRecord;
use studio_library::{Character, Library, LibraryError};

use crate::error::{ApiError, ErrorCode};
use crate::Studio;

impl From<LibraryError> for ApiError {
    fn from(e: LibraryError) -> Self {
        let code = match &e {
            LibraryError::NotFound(_) | LibraryError::NoElement(_) => ErrorCode::NotFound,
            LibraryError::Io { .. } => ErrorCode::Io,
            _ => ErrorCode::Rejected,
        };
        ApiError::new(code, e.to_string())
    }
}

/// A character as the view shows it: the record plus where its images are on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CharacterView {
    #[serde(flatten)]
    pub character: Character,
    /// Front, three-quarter and profile images (empty until generated).
    pub angle_paths: Vec<String>,
    pub reference_paths: Vec<String>,
}

/// A batch generation and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BatchView {
    pub id: String,
    /// The latest run's status.
    pub status: JobStatus,
    pub processed: u32,
    pub total: u32,
    /// 1-based index of the run in the continue-as-new chain.
    pub run: u32,
    /// Characters of this batch whose angles are in the library.
    pub in_library: u32,
}

fn view(lib: &Library, c: Character) -> CharacterView {
    let path = |f: &str| lib.file(&c.id, f).display().to_string();
    CharacterView {
        angle_paths: c.angles.iter().flat_map(|a| a.files()).map(path).collect(),
        reference_paths: c.references.iter().map(|r| path(r)).collect(),
        character: c,
    }
}

impl Studio {
    fn library(&self) -> Result<Library, ApiError> {
        Ok(Library::open(self.data_dir())?)
    }

    /// Characters whose name or prompt contains `query` (all for ""), newest first.
    pub fn characters(&self, query: &str) -> Result<Vec<CharacterView>, ApiError> {
        let lib = self.library()?;
        Ok(lib
            .list(query)?
            .into_iter()
            .map(|c| view(&lib, c))
            .collect())
    }

    pub fn create_character(
        &self,
        name: &str,
        base_prompt: &str,
        references: &[PathBuf],
    ) -> Result<CharacterView, ApiError> {
        let lib = self.library()?;
        let c = lib.create(name, base_prompt, references)?;
        Ok(view(&lib, c))
    }

    pub fn rename_character(&self, id: &str, name: &str) -> Result<CharacterView, ApiError> {
        let lib = self.library()?;
        let c = lib.rename(id, name)?;
        Ok(view(&lib, c))
    }

    /// A new prompt drops the angles made from the old one (regenerate them).
    pub fn set_character_prompt(
        &self,
        id: &str,
        base_prompt: &str,
    ) -> Result<CharacterView, ApiError> {
        let lib = self.library()?;
        let c = lib.set_prompt(id, base_prompt)?;
        Ok(view(&lib, c))
    }

    pub fn duplicate_character(&self, id: &str, name: &str) -> Result<CharacterView, ApiError> {
        let lib = self.library()?;
        let c = lib.duplicate(id, name)?;
        Ok(view(&lib, c))
    }

    /// Moves the character to the session's trash ([`Studio::undo_delete_character`]).
    pub fn delete_character(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.library()?.delete(id)?)
    }

    pub fn undo_delete_character(&self, id: &str) -> Result<CharacterView, ApiError> {
        let lib = self.library()?;
        let c = lib.undo_delete(id)?;
        Ok(view(&lib, c))
    }

    /// Empties the library's undo trash and any import a crash interrupted: once per window
    /// session, at start.
    pub fn purge_character_trash(&self) -> Result<(), ApiError> {
        Ok(self.library()?.purge_trash()?)
    }

    /// Writes the characters `ids` (all when empty) into one archive; returns how many.
    pub fn export_characters(&self, ids: &[String], out: &Path) -> Result<u32, ApiError> {
        let n = self.library()?.export(ids, out)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Adds an archive's characters; a bad archive is refused and changes nothing.
    pub fn import_characters(&self, archive: &Path) -> Result<Vec<CharacterView>, ApiError> {
        let lib = self.library()?;
        let added = lib.import(archive)?;
        Ok(added.into_iter().map(|c| view(&lib, c)).collect())
    }

    /// Starts generating the angles of `ids` (library characters) as one batch.
    async fn start_batch(&self, lib: &Library, ids: Vec<String>) -> Result<BatchView, ApiError> {
        let session = self.session().await?;
        let mut specs = Vec::with_capacity(ids.len());
        for id in &ids {
            let c = lib.get(id)?;
            let mut refs = Vec::new();
            for r in &c.references {
                refs.push(session.import(&lib.file(&c.id, r)).await?);
            }
            specs.push(studio_core::Character {
                id: None,
                name: c.name.clone(),
                base_prompt: c.base_prompt.clone(),
                reference_images: refs,
                library_id: None,
                voice: None,
            });
        }
        let batch_id = format!(
            "characters-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        );
        let total = specs.len() as u32;
        // Recorded first: a crash right after the start still finds the batch on the next launch.
        lib.record_batch(BatchRecord {
            id: batch_id.clone(),
            character_ids: ids,
            started_at: crate::studio::now_secs(),
        })?;
        session.client.start_batch(&batch_id, specs).await?;
        Ok(BatchView {
            id: batch_id,
            status: JobStatus::Running,
            processed: 0,
            total,
            run: 1,
            in_library: 0,
        })
    }

    /// Adds the characters of a pasted or imported list (JSON or CSV) to the library and starts
    /// generating their angles as one batch.
    pub async fn generate_characters(&self, list: &str) -> Result<BatchView, ApiError> {
        let entries = studio_library::parse_list(list)?;
        let lib = self.library()?;
        let mut ids = Vec::with_capacity(entries.len());
        for (name, prompt) in entries {
            ids.push(lib.create(&name, &prompt, &[])?.id);
        }
        self.start_batch(&lib, ids).await
    }

    /// [`Studio::generate_characters`] from a list file (JSON array of `{name, basePrompt}`,
    /// or CSV `name, prompt`).
    pub async fn generate_characters_file(&self, file: &Path) -> Result<BatchView, ApiError> {
        let list = std::fs::read_to_string(file).map_err(|e| {
            ApiError::new(
                ErrorCode::Io,
                format!("cannot read {}: {e}", file.display()),
            )
        })?;
        self.generate_characters(&list).await
    }

    /// Generates one character's angles again.
    pub async fn regenerate_angles(&self, id: &str) -> Result<BatchView, ApiError> {
        let lib = self.library()?;
        self.start_batch(&lib, vec![id.to_owned()]).await
    }

    /// Files every character the batch has finished into the library (idempotent), and says
    /// how far the batch is.
    pub async fn sync_batch(&self, batch_id: &str) -> Result<BatchView, ApiError> {
        let session = self.session().await?;
        let lib = self.library()?;
        let record = lib
            .batches()?
            .into_iter()
            .find(|b| b.id == batch_id)
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no batch {batch_id:?}")))?;
        let client = &session.client;
        let status = client.status(batch_id).await?;
        let finished = client.batch_characters(batch_id).await?;
        // Pair outputs with the batch's characters in order: the n-th output of a given name
        // and prompt belongs to the n-th such character.
        // One read of the index, not one per character (this runs every second while watched).
        let all = lib.list("")?;
        let mut pending: Vec<Option<Character>> = record
            .character_ids
            .iter()
            .map(|id| all.iter().find(|c| &c.id == id).cloned())
            .collect();
        let mut in_library = 0u32;
        for (spec, output) in finished {
            let slot = pending.iter_mut().find(|c| {
                c.as_ref()
                    .is_some_and(|c| c.name == spec.name && c.base_prompt == spec.base_prompt)
            });
            let Some(c) = slot.and_then(Option::take) else {
                continue;
            };
            in_library += 1;
            // Angles set after this batch started are newer work (or this batch's, filed
            // already): nothing to fetch or compare.
            if c.angles.is_some() && c.updated_at > record.started_at {
                continue;
            }
            let mut paths: Vec<PathBuf> = Vec::with_capacity(3);
            for uri in output.images.to_vec() {
                paths.push(session.fetch(&uri).await?);
            }
            if let Ok(current) = lib.angle_paths(&c) {
                // The same images need no copy; otherwise this batch regenerated them.
                if std::fs::read(&current[0]).ok() == std::fs::read(&paths[0]).ok() {
                    continue;
                }
            }
            let model = output
                .usage
                .map(|u| u.model)
                .unwrap_or_else(|| "unknown".into());
            lib.set_angles(&c.id, [&paths[0], &paths[1], &paths[2]], &model)?;
        }
        let progress = match status {
            JobStatus::Running => client.batch_progress_now(batch_id).await.ok().flatten(),
            _ => None,
        };
        let total = record.character_ids.len() as u32;
        let run = match (&progress, status) {
            (Some(p), _) => p.run,
            // No worker has answered: the run is the newest of the chain so far.
            (None, JobStatus::Running) => client.batch_runs(batch_id).await.unwrap_or(1),
            // A finished batch ran one run per chunk.
            (None, _) => 1 + total.saturating_sub(1) / BATCH_CHUNK as u32,
        };
        Ok(BatchView {
            id: batch_id.to_owned(),
            processed: progress.as_ref().map_or(in_library, |p| p.processed),
            run,
            status,
            total,
            in_library,
        })
    }

    /// Batches the library knows, newest first (the view resumes watching running ones).
    pub fn batches(&self) -> Result<Vec<BatchRecord>, ApiError> {
        let mut all = self.library()?.batches()?;
        all.reverse();
        Ok(all)
    }
}
