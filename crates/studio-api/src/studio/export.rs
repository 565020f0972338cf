//! Delivering a project (`studio export`, the window's Export): the project's latest finished
//! render at an export preset's size, and on request the editor's package beside it, copied
//! into the creator's folder once whole.
//!
//! The export is the engine's durable `exportFilm` job; this operation picks what it exports,
//! starts it, pushes its progress, and delivers its files. It refuses, before any work, a
//! project with no finished render and one whose request changed since that render (the film
//! would not be what the project says): the creator renders again, which pays only for the
//! shots that changed, and nothing at all when only the cut did (the cut re-stitches the same
//! clips).

use std::future::Future;
use std::path::Component;

use studio_core::{ExportPreset, VideoRequest};
use studio_engine::export::{
    file_stem, ExportFile, ExportFilm, ExportInput, ExportProgress, ExportShot, ExportStage,
};
use studio_engine::RenderInput;

use super::*;

/// How often a running export's progress is asked (pushed only when it changes).
pub const EXPORT_POLL: Duration = Duration::from_millis(250);

/// What to deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportOptions {
    pub preset: ExportPreset,
    /// Also write the editor's package: OTIO, FCPXML and EDL naming the clips in `media/`,
    /// the title cards, `captions.srt` and `stems/`.
    #[serde(default)]
    pub package: bool,
}

/// Where an export is, as the shells show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportStep {
    /// Started; no worker has taken it yet.
    Waiting,
    /// The film at the preset's size (most of the time).
    Rendering,
    /// The editor's package.
    Packaging,
    /// The files copied into the creator's folder.
    Copying,
    Done,
}

/// An export's progress, pushed whenever it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportStatus {
    /// The export's own id (`cancel_export` takes it).
    pub id: String,
    /// The render it delivers.
    pub job_id: String,
    pub step: ExportStep,
    /// 0 to 100.
    pub percentage: u8,
    pub current_step: String,
}

/// What an export delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub id: String,
    pub job_id: String,
    /// The render's version delivered.
    pub version: u32,
    pub preset: ExportPreset,
    pub out_dir: String,
    /// The film's path.
    pub video: String,
    /// Every file written, relative to `out_dir`, the film first.
    pub files: Vec<String>,
}

/// The render an export delivers: its id, result and input.
struct Rendered {
    id: String,
    result: VideoResult,
    input: RenderInput,
}

impl Studio {
    /// Exports the latest finished render of the project at `path` (`project` as loaded or
    /// edited) into `out` at `options.preset`, with the editor's package when asked. Progress
    /// goes to `on_progress` whenever it changes; when `cancel` resolves the export is
    /// cancelled (its ffmpeg killed) and nothing is written into `out`. The files appear in
    /// `out` only once all of them are complete.
    ///
    /// The project's reference images are the ones it names, every one accepted (the creator
    /// named the project to this shell); a shell that must confirm them opens them itself and
    /// calls [`Studio::export_references`].
    pub async fn export(
        &self,
        project: &Project,
        path: &Path,
        out: &Path,
        options: ExportOptions,
        cancel: impl Future<Output = ()> + Send,
        on_progress: impl FnMut(&ExportStatus) + Send,
    ) -> Result<Exported, ApiError> {
        Self::refuse_problems(Some(path), project)?;
        let base = path.parent().unwrap_or(Path::new("/"));
        let references = References::open(project, base, |_| true)
            .map_err(|problems| super::invalid_references(problems, "cannot be read"))?;
        self.export_references(project, path, references, out, options, cancel, on_progress)
            .await
    }

    /// [`Studio::export`] with the project's reference images already opened (and checked)
    /// by the caller: they tell whether the render is still the project's film.
    #[expect(
        clippy::too_many_arguments,
        reason = "one operation's inputs, each its own kind"
    )]
    pub async fn export_references(
        &self,
        project: &Project,
        path: &Path,
        references: References,
        out: &Path,
        options: ExportOptions,
        cancel: impl Future<Output = ()> + Send,
        mut on_progress: impl FnMut(&ExportStatus) + Send,
    ) -> Result<Exported, ApiError> {
        Self::refuse_problems(Some(path), project)?;
        let rendered = self.latest_render(path).await?;
        self.refuse_outdated(project, &references, &rendered)
            .await?;
        let session = self.session().await?;
        let name = export_name(project, path);
        let id = export_id(&name, options.preset);
        let input = ExportInput {
            job_id: rendered.id.clone(),
            version: rendered.result.version(),
            preset: options.preset,
            package: options.package,
            name: name.clone(),
            film: film_of(&rendered)?,
            // The defaults: a dead worker's attempt is noticed within a minute, and a
            // cancellation reaches the activity within the worker's heartbeat throttle (1 s).
            tuning: None,
            slow_queue: self.settings.worker.slow_queue_for_input(),
        };
        tracing::info!(
            id,
            job = rendered.id,
            preset = options.preset.name(),
            "export started"
        );
        session.client.start_export(&id, input).await?;
        let status = |p: &ExportProgress| ExportStatus {
            id: id.clone(),
            job_id: rendered.id.clone(),
            step: match p.stage {
                ExportStage::Waiting => ExportStep::Waiting,
                ExportStage::Rendering => ExportStep::Rendering,
                ExportStage::Packaging => ExportStep::Packaging,
                ExportStage::Completed => ExportStep::Copying,
            },
            percentage: p.percentage.min(99),
            current_step: p.current_step.clone(),
        };
        let result = {
            let client = &session.client;
            let done = client.export_result(&id);
            tokio::pin!(done);
            tokio::pin!(cancel);
            let mut tick = tokio::time::interval(EXPORT_POLL);
            let mut last: Option<ExportStatus> = None;
            let mut cancelled = false;
            loop {
                tokio::select! {
                    r = &mut done => break r,
                    () = &mut cancel, if !cancelled => {
                        cancelled = true;
                        tracing::info!(id, "export cancelled by the creator");
                        client.cancel_export(&id).await?;
                    }
                    _ = tick.tick() => match client.export_progress(&id).await {
                        Ok(p) => {
                            let now = status(&p);
                            if last.as_ref() != Some(&now) {
                                on_progress(&now);
                                last = Some(now);
                            }
                        }
                        Err(e) => tracing::debug!(id, error = %e, "export progress not known yet"),
                    },
                }
            }
        };
        let result = result.map_err(|e| match e {
            studio_engine::EngineError::JobCancelled { .. } => ApiError::new(
                ErrorCode::JobCancelled,
                format!(
                    "export {id} was cancelled: nothing was written to {}",
                    out.display()
                ),
            ),
            other => other.into(),
        })?;
        on_progress(&ExportStatus {
            id: id.clone(),
            job_id: rendered.id.clone(),
            step: ExportStep::Copying,
            percentage: 99,
            current_step: format!(
                "Copying {} file(s) into {}",
                result.files.len(),
                out.display()
            ),
        });
        let files = self.deliver(&result.files, out).await?;
        on_progress(&ExportStatus {
            id: id.clone(),
            job_id: rendered.id.clone(),
            step: ExportStep::Done,
            percentage: 100,
            current_step: "Done".into(),
        });
        let video = files.first().cloned().unwrap_or_default();
        Ok(Exported {
            id,
            job_id: rendered.id,
            version: rendered.result.version(),
            preset: options.preset,
            out_dir: out.display().to_string(),
            video: out.join(&video).display().to_string(),
            files,
        })
    }

    /// Stops a running export (its id is in every [`ExportStatus`]); the [`Studio::export`]
    /// that started it then ends with `JobCancelled`.
    pub async fn cancel_export(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.session().await?.client.cancel_export(id).await?)
    }

    /// The newest finished render of the project at `path`, as this studio's job list knows
    /// them (window and CLI renders of that file).
    async fn latest_render(&self, path: &Path) -> Result<Rendered, ApiError> {
        let client = &self.session().await?.client;
        let mut running = None;
        for job in self.jobs.list()? {
            if !same_file(job.project_path.as_deref(), path) {
                continue;
            }
            match client.status(&job.id).await {
                Ok(JobStatus::Completed) => {
                    let Ok(input) = client.input(&job.id).await else {
                        continue;
                    };
                    let result = client.result(&job.id).await?;
                    return Ok(Rendered {
                        id: job.id,
                        result,
                        input,
                    });
                }
                Ok(JobStatus::Running) if running.is_none() => running = Some(job.id),
                _ => {}
            }
        }
        Err(ApiError::new(
            ErrorCode::NotRendered,
            match running {
                Some(id) => format!(
                    "{} has no finished render yet ({id} is still running): export once it \
                     has finished",
                    path.display()
                ),
                None => format!(
                    "{} has no finished render to export: render it first",
                    path.display()
                ),
            },
        ))
    }

    /// Refuses to export a render that is not what the project now says (shots, cast, sound,
    /// cut, quality), naming the render and what to do.
    async fn refuse_outdated(
        &self,
        project: &Project,
        references: &References,
        rendered: &Rendered,
    ) -> Result<(), ApiError> {
        let session = self.session().await?;
        // Made as a render makes it (reference images into the store, content-addressed:
        // the same images are the same URIs), so an unchanged project compares equal.
        let now = session.render_input(project, references).await?.request;
        let quality = rendered.result.versions.last().map(|v| v.quality);
        match what_changed(&now, &rendered.input.request, quality) {
            None => Ok(()),
            Some(what) => Err(ApiError::new(
                ErrorCode::RenderOutdated,
                format!(
                    "{what} changed since render {} (version {}): render again; only changed \
                     shots are paid for",
                    rendered.id,
                    rendered.result.version()
                ),
            )),
        }
    }

    /// Copies `files` (artifacts) into `out`: all written into a hidden folder first, then
    /// moved into place, so `out` never holds a half-written file. A new `out` appears whole
    /// (one rename); in an existing one each file or folder (`media/`, `stems/`) replaces its
    /// namesake at once. Returns the paths written, relative to `out`.
    async fn deliver(&self, files: &[ExportFile], out: &Path) -> Result<Vec<String>, ApiError> {
        let io = |what: &Path, e: std::io::Error| {
            ApiError::new(ErrorCode::Io, format!("{}: {e}", what.display()))
        };
        for f in files {
            if !is_plain_relative(&f.path) {
                return Err(ApiError::new(
                    ErrorCode::Internal,
                    format!("the export named a file outside its folder: {:?}", f.path),
                ));
            }
        }
        let exists = out.is_dir();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let staging_in = if exists { out } else { parent.as_path() };
        std::fs::create_dir_all(staging_in).map_err(|e| io(staging_in, e))?;
        let staging = tempfile::Builder::new()
            .prefix(".studio-export-")
            .tempdir_in(staging_in)
            .map_err(|e| io(staging_in, e))?;
        for f in files {
            let source = self.fetch(&f.url).await?;
            let target = staging.path().join(&f.path);
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| io(dir, e))?;
            }
            copy_synced(&source, &target)
                .await
                .map_err(|e| io(&target, e))?;
        }
        if !exists {
            let made = staging.keep();
            std::fs::rename(&made, out).map_err(|e| {
                let _ = std::fs::remove_dir_all(&made);
                io(out, e)
            })?;
        } else {
            let mut tops: Vec<String> = files
                .iter()
                .filter_map(|f| f.path.split('/').next().map(str::to_owned))
                .collect();
            tops.sort();
            tops.dedup();
            for top in tops {
                let new = staging.path().join(&top);
                let old = out.join(&top);
                if old.is_dir() {
                    // A folder cannot be renamed over a full one: the old one goes aside
                    // (into the staging folder, removed with it) first.
                    let aside = staging.path().join(format!(".old-{top}"));
                    std::fs::rename(&old, &aside).map_err(|e| io(&old, e))?;
                }
                std::fs::rename(&new, &old).map_err(|e| io(&old, e))?;
            }
        }
        Ok(files.iter().map(|f| f.path.clone()).collect())
    }
}

/// A path of the export's own: relative, with no `..`, root or prefix.
fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Copies `from` to `to` and syncs it, so a rename after it never exposes unwritten bytes.
async fn copy_synced(from: &Path, to: &Path) -> std::io::Result<()> {
    tokio::fs::copy(from, to).await?;
    tokio::fs::File::open(to).await?.sync_all().await
}

/// Whether a job's recorded project path is the file at `path` (as given, or the same file by
/// another name).
fn same_file(recorded: Option<&str>, path: &Path) -> bool {
    let Some(recorded) = recorded else {
        return false;
    };
    if Path::new(recorded) == path {
        return true;
    }
    match (std::fs::canonicalize(recorded), std::fs::canonicalize(path)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The name an export's files take: the project file's (`lighthouse.studio.json` gives
/// `lighthouse`), else the name its jobs are listed under.
fn export_name(project: &Project, path: &Path) -> String {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.trim_end_matches(".json").trim_end_matches(".studio"))
        .filter(|n| !n.trim().is_empty());
    match stem {
        Some(stem) => stem.to_owned(),
        None => super::render::project_name(project, Some(path)),
    }
}

/// A new export's id: the project's name, the preset and a random suffix.
fn export_id(name: &str, preset: ExportPreset) -> String {
    format!(
        "export-{}-{}-{}",
        file_stem(name).to_lowercase(),
        preset.name(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// What the export delivers from a render: its film, the take of each shot, its cut,
/// captions and stems.
fn film_of(r: &Rendered) -> Result<ExportFilm, ApiError> {
    let mut shots = Vec::with_capacity(r.result.segments.len());
    for seg in &r.result.segments {
        let clip_url = seg.clip_url.clone().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Rejected,
                format!("render {} has no clip for {}: render again", r.id, seg.id),
            )
        })?;
        shots.push(ExportShot {
            id: seg.id.clone(),
            clip_url,
        });
    }
    Ok(ExportFilm {
        video_url: r.result.video_url.clone(),
        shots,
        cut: r.input.request.cut.clone(),
        captions_url: r.result.captions_url.clone(),
        stems: r.result.stems.clone(),
    })
}

/// What of `now` (the project's request today) differs from `then` (the render's), in words;
/// None when the render is the project's film. Scenario ids are the job's own (a next version
/// names them), and the quality the render ended at is its latest version's (`then_quality`).
pub fn what_changed(
    now: &VideoRequest,
    then: &VideoRequest,
    then_quality: Option<Quality>,
) -> Option<&'static str> {
    let plain = |r: &VideoRequest, quality: Option<Quality>| {
        let mut r = r.clone();
        for s in &mut r.scenarios {
            s.id = None;
        }
        if let Some(q) = quality {
            r.quality = q;
        }
        r
    };
    let (now, then) = (plain(now, None), plain(then, then_quality));
    if now == then {
        return None;
    }
    Some(if now.scenarios != then.scenarios {
        "the shots"
    } else if now.quality != then.quality || now.aspect_ratio != then.aspect_ratio {
        "the quality or aspect ratio"
    } else if now.character != then.character || now.cast != then.cast {
        "the cast"
    } else if now.elements != then.elements {
        "the places and props"
    } else if now.sound != then.sound {
        "the sound"
    } else if now.cut != then.cut {
        "the cut"
    } else {
        "the project"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A render is the project's film when only the job's own scenario ids or the quality it
    /// was changed to differ; any other change is named, the cut last (it alone pays nothing).
    #[test]
    fn what_changed_names_the_change() {
        let then = VideoRequest {
            scenarios: vec![studio_core::Scenario::new("a takes off")],
            ..Default::default()
        };
        let mut now = then.clone();
        now.scenarios[0].id = Some("scene-1".into());
        assert_eq!(what_changed(&now, &then, None), None);
        now.quality = Quality::High;
        assert_eq!(
            what_changed(&now, &then, None),
            Some("the quality or aspect ratio")
        );
        assert_eq!(what_changed(&now, &then, Some(Quality::High)), None);
        let mut recut = then.clone();
        recut.cut = Some(studio_core::CutPlan {
            shots: vec![Default::default()],
            titles: Vec::new(),
        });
        assert_eq!(what_changed(&recut, &then, None), Some("the cut"));
        let mut reworded = recut.clone();
        reworded.scenarios[0].prompt = "a lands".into();
        assert_eq!(what_changed(&reworded, &then, None), Some("the shots"));
    }

    #[test]
    fn export_names_come_from_the_project_file() {
        let p = Project::new("Mara");
        assert_eq!(
            export_name(&p, Path::new("/x/lighthouse.studio.json")),
            "lighthouse"
        );
        assert_eq!(export_name(&p, Path::new("/x/film.json")), "film");
    }

    #[test]
    fn only_plain_relative_paths_are_delivered() {
        assert!(is_plain_relative("film-shorts.mp4"));
        assert!(is_plain_relative("media/01-a.mp4"));
        for bad in ["", "/etc/passwd", "../x", "media/../../x", "./x"] {
            assert!(!is_plain_relative(bad), "{bad}");
        }
    }
}
