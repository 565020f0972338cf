//! `exportFilm`: a finished render delivered at an export preset's size, and on request the
//! editor's package beside it (see [`crate::export`]).
//!
//! Two activities, one after the other: `renderExport` (nearly all the time: every frame is
//! encoded at the preset's size), then `writePackage` when asked. Its progress is the
//! `getProgress` query (the client refines the step's share from its heartbeats); a cancelled
//! workflow cancels the running activity, which kills ffmpeg, and ends `Cancelled`.

use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowContextView, WorkflowResult};

use crate::export::{
    file_stem, ExportActivities, ExportFile, ExportInput, ExportProgress, ExportResult,
    ExportStage, PackageInput, RenderExportInput,
};
use crate::names;
use crate::tuning::ExportTuning;

#[workflow]
pub struct ExportWorkflow {
    input: ExportInput,
    tuning: ExportTuning,
    progress: ExportProgress,
}

impl ExportWorkflow {
    /// An export's state before its first workflow task: made from its input alone.
    fn from_input(input: ExportInput) -> Self {
        ExportWorkflow {
            tuning: input.tuning.unwrap_or_default(),
            input,
            progress: ExportProgress {
                stage: ExportStage::Waiting,
                percentage: 0,
                current_step: "Waiting for a worker".into(),
            },
        }
    }

    /// What `getProgress` answers for an export no worker has taken yet.
    pub fn progress_before_start(input: ExportInput) -> ExportProgress {
        Self::from_input(input).progress
    }

    /// What `getProgress` answers once the export has finished.
    pub fn progress_when_done() -> ExportProgress {
        ExportProgress {
            stage: ExportStage::Completed,
            percentage: 100,
            current_step: "Done".into(),
        }
    }

    fn set_stage(&mut self, stage: ExportStage, step: String) {
        self.progress = ExportProgress {
            stage,
            percentage: ExportProgress::within(stage, 0.0),
            current_step: step,
        };
    }

    fn activity_options(
        &self,
        tuning: crate::tuning::ActivityTuning,
    ) -> temporalio_sdk::ActivityOptions {
        let mut options = tuning.options();
        if let Some(queue) = &self.input.slow_queue {
            options.task_queue = Some(queue.clone());
        }
        options
    }
}

#[workflow_methods]
impl ExportWorkflow {
    #[init]
    fn new(_ctx: &WorkflowContextView, input: ExportInput) -> Self {
        Self::from_input(input)
    }

    #[run(name = names::EXPORT_WORKFLOW)]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<ExportResult> {
        let ctx = &*ctx;
        let (render, options) = ctx.state_mut(|s| {
            let (w, h) = s.input.preset.size();
            s.set_stage(
                ExportStage::Rendering,
                format!("Rendering the film at {w}x{h} ({})", s.input.preset.name()),
            );
            (
                RenderExportInput {
                    film: s.input.film.clone(),
                    preset: s.input.preset,
                },
                s.activity_options(s.tuning.render),
            )
        });
        let video_url = ctx
            .execute_activity(ExportActivities::render_export, render, options)
            .await
            .map_err(|e| super::activity_failed(ctx, e))?;
        let mut files = vec![ctx.state(|s| ExportFile {
            path: format!("{}-{}.mp4", file_stem(&s.input.name), s.input.preset.name()),
            url: video_url,
        })];
        if ctx.state(|s| s.input.package) {
            let (package, options) = ctx.state_mut(|s| {
                s.set_stage(
                    ExportStage::Packaging,
                    "Writing the editor's package (OTIO, FCPXML, EDL, media, captions, stems)"
                        .into(),
                );
                (
                    PackageInput {
                        name: s.input.name.clone(),
                        film: s.input.film.clone(),
                        preset: s.input.preset,
                    },
                    s.activity_options(s.tuning.package),
                )
            });
            let package = ctx
                .execute_activity(ExportActivities::write_package, package, options)
                .await
                .map_err(|e| super::activity_failed(ctx, e))?;
            files.extend(package.files);
        }
        Ok(ctx.state_mut(|s| {
            s.progress = Self::progress_when_done();
            ExportResult {
                job_id: s.input.job_id.clone(),
                preset: s.input.preset,
                files,
            }
        }))
    }

    #[query(name = names::GET_PROGRESS)]
    pub fn get_progress(&self, _ctx: &WorkflowContextView) -> ExportProgress {
        self.progress.clone()
    }
}
