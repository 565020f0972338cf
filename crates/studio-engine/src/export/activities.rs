//! The export's activities: `renderExport` (the mixed film at the preset's size, every shot
//! reframed by its span) and `writePackage` (title cards encoded at the clips' own settings,
//! the timeline files written, every file of the package in the artifact store). Both run
//! through [`bridged`]: they heartbeat their ffmpeg progress, and a cancelled export kills
//! ffmpeg and leaves only scratch files the store removes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use studio_media::cut::title_card;
use studio_media::package::{shot_media_path, title_media_path, write_package, PackageTimeline};
use studio_media::{ArtifactStore, Ffmpeg, MediaError, Scratch, TaskCtx, Toolkit};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::activities::bridged;
use crate::metrics::StudioMetrics;
use crate::names;

use super::{ExportFile, ExportFilm, PackageInput, PackageOutput, RenderExportInput};

/// What a worker needs to deliver a film: where media lives, the finisher that reframes it,
/// and ffmpeg for the title cards.
pub struct ExportActivities {
    store: Arc<dyn ArtifactStore>,
    toolkit: Toolkit,
    ffmpeg: Ffmpeg,
    metrics: StudioMetrics,
    heartbeat_every: Duration,
}

impl ExportActivities {
    pub fn new(
        store: Arc<dyn ArtifactStore>,
        toolkit: Toolkit,
        ffmpeg: Ffmpeg,
        metrics: StudioMetrics,
    ) -> Self {
        ExportActivities {
            store,
            toolkit,
            ffmpeg,
            metrics,
            heartbeat_every: Duration::from_millis(500),
        }
    }

    async fn task<T, F, Fut>(&self, ctx: &ActivityContext, work: F) -> Result<T, ActivityError>
    where
        F: FnOnce(TaskCtx) -> Fut,
        Fut: std::future::Future<Output = Result<T, MediaError>>,
    {
        bridged(ctx, self.heartbeat_every, None, &self.metrics, work).await
    }

    async fn clips(&self, film: &ExportFilm) -> Result<Vec<PathBuf>, MediaError> {
        let mut clips = Vec::with_capacity(film.shots.len());
        for shot in &film.shots {
            clips.push(self.store.local_path(&shot.clip_url).await?);
        }
        Ok(clips)
    }

    /// A scratch directory in the store's scratch area (removed with its contents when
    /// dropped: a cancelled or failed package leaves nothing behind).
    fn scratch_dir(&self) -> Result<ScratchDir, MediaError> {
        let dir = self.store.scratch("d")?;
        std::fs::create_dir_all(dir.path())
            .map_err(|e| MediaError::io(dir.path().display().to_string(), e))?;
        Ok(ScratchDir(dir))
    }

    /// A file written in a scratch directory, moved into the store.
    async fn commit_file(&self, path: &Path) -> Result<String, MediaError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("bin");
        let scratch = self.store.scratch(ext)?;
        tokio::fs::rename(path, scratch.path())
            .await
            .map_err(|e| MediaError::io(path.display().to_string(), e))?;
        self.store.commit(scratch).await
    }

    /// The film at the preset's size: each shot's span (where the cut puts it) cropped or
    /// fitted as the cut says; the sound copied.
    async fn render(&self, input: RenderExportInput, task: TaskCtx) -> Result<String, MediaError> {
        let film = self.store.local_path(&input.film.video_url).await?;
        let clips = self.clips(&input.film).await?;
        let seconds = self.toolkit.finisher.durations(&clips, &task).await?;
        let plan = input.film.plan();
        let spans = plan.spans(&seconds);
        let scratch = self.store.scratch("mp4")?;
        tracing::info!(
            preset = input.preset.name(),
            shots = clips.len(),
            "rendering the export"
        );
        self.toolkit
            .finisher
            .reframe(&film, &plan, &spans, input.preset, scratch.path(), &task)
            .await?;
        self.store.commit(scratch).await
    }

    /// The package's files, each in the store: the clips (as made) and the title cards under
    /// `media/`, the timeline files, the captions and the stems. The timeline is at the
    /// preset's size: the frame the creator delivers in, which the editor conforms each clip
    /// to.
    async fn package(
        &self,
        input: PackageInput,
        task: TaskCtx,
    ) -> Result<PackageOutput, MediaError> {
        let clips = self.clips(&input.film).await?;
        let seconds = self.toolkit.finisher.durations(&clips, &task).await?;
        let plan = input.film.plan();
        let scenes: Vec<String> = input.film.shots.iter().map(|s| s.id.clone()).collect();
        let mut timeline =
            PackageTimeline::from_plan(&input.name, &plan, &seconds, &scenes, input.preset.size())
                .map_err(MediaError::from)?;
        let mut files: Vec<ExportFile> = input
            .film
            .shots
            .iter()
            .enumerate()
            .map(|(i, shot)| ExportFile {
                path: shot_media_path(i, &shot.id),
                url: shot.clip_url.clone(),
            })
            .collect();
        // Title cards, encoded like the clips so an editor plays them in one timeline.
        let dir = self.scratch_dir()?;
        if !plan.titles.is_empty() {
            let Some(first) = clips.first() else {
                return Err(MediaError::io(
                    "the film's title cards",
                    std::io::Error::other("a film with title cards but no shot"),
                ));
            };
            let like = self.ffmpeg.probe(first).await?;
            for (k, title) in plan.titles.iter().enumerate() {
                let out = dir.path().join(format!("title-{:02}.mp4", k + 1));
                title_card(&self.ffmpeg, title, &like, &out, &task).await?;
                files.push(ExportFile {
                    path: title_media_path(k, title.credits),
                    url: self.commit_file(&out).await?,
                });
            }
        }
        if let Some(s) = &input.film.stems {
            for (name, url) in [
                ("dialogue", &s.dialogue),
                ("narration", &s.narration),
                ("music", &s.music),
                ("effects", &s.effects),
            ] {
                let path = format!("stems/{name}.wav");
                files.push(ExportFile {
                    path: path.clone(),
                    url: url.clone(),
                });
                timeline.stems.push((name.to_owned(), path));
            }
        }
        if let Some(url) = &input.film.captions_url {
            files.push(ExportFile {
                path: CAPTIONS_FILE.to_owned(),
                url: url.clone(),
            });
            timeline.captions = Some(CAPTIONS_FILE.to_owned());
        }
        let written = write_package(&dir.path().join("package"), &timeline).await?;
        for path in [written.otio, written.fcpxml, written.edl] {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("timeline")
                .to_owned();
            files.push(ExportFile {
                path: name,
                url: self.commit_file(&path).await?,
            });
        }
        Ok(PackageOutput { files })
    }
}

/// The captions' name in a package.
const CAPTIONS_FILE: &str = "captions.srt";

/// A scratch directory, removed with everything in it when dropped.
struct ScratchDir(Scratch);

impl ScratchDir {
    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.path());
    }
}

#[activities]
impl ExportActivities {
    /// The finished film at the export preset's size; returns its artifact.
    #[activity(name = names::RENDER_EXPORT)]
    pub async fn render_export(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: RenderExportInput,
    ) -> Result<String, ActivityError> {
        let this = self.clone();
        self.task(&ctx, |task| async move { this.render(input, task).await })
            .await
    }

    /// The editor's package: timeline files, title cards, media, captions and stems.
    #[activity(name = names::WRITE_PACKAGE)]
    pub async fn write_package(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: PackageInput,
    ) -> Result<PackageOutput, ActivityError> {
        let this = self.clone();
        self.task(&ctx, |task| async move { this.package(input, task).await })
            .await
    }
}
