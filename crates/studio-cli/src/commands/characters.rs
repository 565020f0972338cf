//! The character library and batch generation of angles.

use std::time::Duration;

use anyhow::Result;
use studio_api::characters::CharacterView;
use studio_api::{JobStatus, Studio};

use crate::args::CharactersCmd;
use crate::output::Out;

pub async fn run(studio: &Studio, out: Out, action: CharactersCmd) -> Result<()> {
    match action {
        CharactersCmd::List { search } => {
            let all = studio.characters(search.as_deref().unwrap_or(""))?;
            out.show(&all, |all: &Vec<CharacterView>| {
                for c in all {
                    let angles = c
                        .character
                        .angles
                        .as_ref()
                        .map_or("no angles".to_owned(), |a| format!("angles by {}", a.model));
                    outln!(
                        "{}  {}  ({angles})  {}",
                        c.character.id,
                        c.character.name,
                        c.character.base_prompt
                    );
                }
            })
        }
        CharactersCmd::Generate { file, wait } => generate(studio, out, &file, wait).await,
        CharactersCmd::Sync { batch } => out.json(&studio.sync_batch(&batch).await?),
        CharactersCmd::Regenerate { id, wait } => {
            let b = studio.regenerate_angles(&id).await?;
            outln!("{}", b.id);
            if wait || studio.is_embedded() {
                follow_batch(studio, out, &b.id).await?;
            }
            studio.shutdown();
            Ok(())
        }
        CharactersCmd::Rename { id, name } => {
            let c = studio.rename_character(&id, &name)?;
            out.show(&c, |_| {})
        }
        CharactersCmd::Delete { id } => {
            studio.delete_character(&id)?;
            Ok(())
        }
        CharactersCmd::Export { out: path, id } => {
            let n = studio.export_characters(&id, &path)?;
            out.note(format!("exported {n} character(s) to {}", path.display()));
            Ok(())
        }
        CharactersCmd::Import { archive } => {
            let added = studio.import_characters(&archive)?;
            out.show(&added, |added: &Vec<CharacterView>| {
                for c in added {
                    outln!("{}  {}", c.character.id, c.character.name);
                }
            })
        }
    }
}

/// Adds a list file's characters to the library and starts one batch for their angles.
pub async fn generate(studio: &Studio, out: Out, file: &std::path::Path, wait: bool) -> Result<()> {
    let b = studio.generate_characters_file(file).await?;
    out.note(format!("started {} ({} characters)", b.id, b.total));
    outln!("{}", b.id);
    if wait || studio.is_embedded() {
        follow_batch(studio, out, &b.id).await?;
    }
    studio.shutdown();
    Ok(())
}

/// How often a followed batch is looked at (its view is printed only when it changed).
const BATCH_POLL: Duration = Duration::from_secs(1);

/// Files a batch's characters into the library until it ends, showing each change of its
/// progress ([`Studio::watch_batch`], the stream the window's Characters view follows too).
async fn follow_batch(studio: &Studio, out: Out, id: &str) -> Result<()> {
    let b = studio
        .watch_batch(id, BATCH_POLL, |b| {
            out.note(format!(
                "{id}: {} of {} generated (run {}), {} in the library, {}",
                b.processed, b.total, b.run, b.in_library, b.status
            ))
        })
        .await?;
    anyhow::ensure!(
        b.status == JobStatus::Completed,
        "batch {id} ended {}",
        b.status
    );
    Ok(())
}
