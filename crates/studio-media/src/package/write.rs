//! Writing the three timeline files into a package folder, each atomically (a temporary file
//! beside it, synced, renamed over it): an editor opening the folder during an export, or a
//! crash in the middle of one, never meets half a timeline. The media, captions and stems are
//! the caller's to copy; the timelines only name them.

use std::path::{Path, PathBuf};

use studio_core::{replace_with, FileMode};

use super::model::{PackageError, PackageTimeline};
use crate::MediaError;

/// The files' names in the package folder (the film's own name is inside each).
pub const OTIO_FILE: &str = "timeline.otio";
pub const FCPXML_FILE: &str = "timeline.fcpxml";
pub const EDL_FILE: &str = "timeline.edl";

/// Where [`write_package`] put the three timelines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFiles {
    pub otio: PathBuf,
    pub fcpxml: PathBuf,
    pub edl: PathBuf,
}

/// The three texts, or why the timeline cannot be written (checked before any file is).
pub fn render(timeline: &PackageTimeline) -> Result<[(&'static str, String); 3], PackageError> {
    let layout = timeline.layout()?;
    let edl = super::edl::write(timeline, &layout)?;
    Ok([
        (OTIO_FILE, super::otio::write(timeline, &layout)),
        (FCPXML_FILE, super::fcpxml::write(timeline, &layout)),
        (EDL_FILE, edl),
    ])
}

/// Writes `timeline.otio`, `timeline.fcpxml` and `timeline.edl` into `dir` (made if missing),
/// each replaced atomically. Nothing is written if the timeline is invalid.
pub async fn write_package(
    dir: &Path,
    timeline: &PackageTimeline,
) -> Result<PackageFiles, MediaError> {
    let texts = render(timeline)?;
    let dir = dir.to_owned();
    let files = PackageFiles {
        otio: dir.join(OTIO_FILE),
        fcpxml: dir.join(FCPXML_FILE),
        edl: dir.join(EDL_FILE),
    };
    let items = timeline.items.len();
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)
            .map_err(|e| MediaError::io(format!("create {}", dir.display()), e))?;
        for (name, text) in texts {
            let path = dir.join(name);
            // The creator's files: group and others read them as any file they save.
            replace_with(&path, FileMode::KeepOrUmask, |f| {
                std::io::Write::write_all(f, text.as_bytes())
            })
            .map_err(|e| MediaError::io(format!("write {}", path.display()), e))?;
        }
        Ok::<(), MediaError>(())
    })
    .await
    .map_err(|e| MediaError::io("write the package", std::io::Error::other(e)))??;
    tracing::info!(dir = %files.otio.parent().unwrap_or(Path::new(".")).display(), items,
        "package timelines written");
    Ok(files)
}
