//! `batchCharacterGenerationWorkflow(batch, processedCount)`: fills a character library ten at a
//! time, continuing as new after each chunk so history stays small however long the batch is.

use futures::future::join_all;
use studio_core::{BatchProgress, Character};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ContinueAsNewOptions, SyncWorkflowContext, WorkflowContext, WorkflowContextView, WorkflowResult,
};

use crate::activities::StudioActivities;
use crate::messages::{BatchArg, BatchResult, BatchStart, CharacterInput, RawArgs};
use crate::names;
use crate::tuning::Tuning;

/// Characters generated per run before continuing as new.
pub const BATCH_CHUNK: usize = 10;

#[workflow]
pub struct BatchWorkflow {
    batch: Vec<Character<String>>,
    progress: BatchProgress,
    paused: bool,
}

#[workflow_methods]
impl BatchWorkflow {
    #[init]
    fn new(_ctx: &WorkflowContextView, input: BatchStart) -> Self {
        let BatchStart { batch, processed } = input;
        let batch = batch.into_list();
        let total = batch.len() as u32;
        let processed = processed.min(total);
        BatchWorkflow {
            progress: BatchProgress {
                processed,
                total,
                run: processed / BATCH_CHUNK as u32 + 1,
            },
            batch,
            paused: false,
        }
    }

    #[run(name = names::BATCH_WORKFLOW)]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<BatchResult> {
        ctx.wait_condition(|s| !s.paused).await?;
        let (chunk, start) = ctx.state(|s| {
            let start = s.progress.processed as usize;
            let end = (start + BATCH_CHUNK).min(s.batch.len());
            (s.batch[start..end].to_vec(), start)
        });
        let opts = Tuning::default().character.options();
        let results = join_all(chunk.into_iter().map(|character| {
            ctx.execute_activity(
                StudioActivities::generate_character_images,
                CharacterInput {
                    character,
                    aspect_ratio: Default::default(),
                    model: None,
                    recall: false,
                },
                opts.clone(),
            )
        }))
        .await;
        let done = results.len();
        for r in results {
            r?;
        }
        let (processed, total, run) = ctx.state_mut(|s| {
            s.progress.processed = (start + done) as u32;
            (s.progress.processed, s.progress.total, s.progress.run)
        });
        if processed < total {
            let batch = ctx.state(|s| s.batch.clone());
            ctx.continue_as_new(
                BatchStart {
                    batch: BatchArg::List(batch),
                    processed,
                },
                ContinueAsNewOptions::default(),
            )?;
            unreachable!("continue_as_new always returns Err");
        }
        Ok(BatchResult {
            processed,
            total,
            runs: run,
            total_processed: processed,
        })
    }

    #[query(name = names::GET_PROGRESS)]
    pub fn get_progress(&self, _ctx: &WorkflowContextView) -> BatchProgress {
        self.progress.clone()
    }

    /// Pauses whatever came with the signal: a payload it does not take must not fail the
    /// workflow task, which would wedge the batch (see [`RawArgs`]).
    #[signal(name = names::PAUSE)]
    pub fn pause(&mut self, _ctx: &mut SyncWorkflowContext<Self>, args: RawArgs) {
        super::ignored_args(names::PAUSE, &args);
        self.paused = true;
    }

    /// Resumes whatever came with the signal (see [`BatchWorkflow::pause`]).
    #[signal(name = names::RESUME)]
    pub fn resume(&mut self, _ctx: &mut SyncWorkflowContext<Self>, args: RawArgs) {
        super::ignored_args(names::RESUME, &args);
        self.paused = false;
    }
}
