//! `storyPlanWorkflow`: a story planned by a text model. The model is asked once; when its plan
//! fails the faithfulness check (or is no plan at all) it is asked once more with the issues
//! listed; the result is the last plan made, with the gaps that remain marked, never fixed
//! silently.
//!
//! Every question is one `askStoryPlanner` activity: its answer, parsed and checked on the
//! worker, is recorded in history, so a worker that dies between questions never pays for the
//! first again, and the decisions here read recorded values only (see [`crate::story`]).

use studio_core::{Usage, Usd};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, ApplicationFailure, WorkflowContext, WorkflowContextView,
    WorkflowResult, WorkflowTermination,
};

use crate::names;
use crate::story::{
    Answer, AskInput, AskOutcome, StoryActivities, StoryPlanInput, StoryPlanProgress,
    StoryPlanResult, StoryPlanStage,
};
use crate::tuning::StoryTuning;

/// The most questions one job asks: the first, and one more with its plan's issues listed. A
/// model that misses twice is not asked a third time; its gaps are shown.
pub const MOST_ASKS: usize = 2;

#[workflow]
pub struct StoryPlanWorkflow {
    input: StoryPlanInput,
    tuning: StoryTuning,
    /// Every answer, in the order asked.
    answers: Vec<Answer>,
    /// Why no further question is asked although the last answer has gaps (the budget).
    stopped: Option<String>,
    progress: StoryPlanProgress,
}

impl StoryPlanWorkflow {
    /// A job's state before its first workflow task: made from its input alone.
    fn from_input(input: StoryPlanInput) -> Self {
        StoryPlanWorkflow {
            tuning: input.tuning.unwrap_or_default(),
            input,
            answers: Vec::new(),
            stopped: None,
            progress: StoryPlanProgress {
                stage: StoryPlanStage::Asking,
                current_step: "Waiting for a worker".into(),
                ..Default::default()
            },
        }
    }

    /// What has been paid so far, at list prices.
    fn spent(&self) -> Usd {
        self.answers.iter().map(|a| a.cost).sum()
    }

    /// The next question to ask, or None when the job is done: the first; then one more when
    /// the last answer has no plan or a plan with issues, unless stopped or the answer says
    /// asking again would stop the same way (`settled`, recorded).
    fn next_ask(&self) -> Option<AskInput> {
        if self.stopped.is_some() || self.answers.len() >= MOST_ASKS {
            return None;
        }
        let last = self.answers.last();
        if last.is_some_and(|a| a.is_good() || a.settled) {
            return None;
        }
        Some(AskInput {
            story: self.input.story.clone(),
            rules: self.input.rules.clone(),
            // Asked again, the model that answered answers again (the catalog's choice could
            // change between the questions).
            model: last
                .map(|a| a.model.clone())
                .or_else(|| self.input.model.clone()),
            issues: last.map(|a| a.issues.clone()).unwrap_or_default(),
            budget: self
                .input
                .budget
                .map(|approved| approved.saturating_sub(self.spent())),
            max_output_tokens: self.tuning.max_output_tokens,
        })
    }

    /// Says in the progress which question is being asked.
    fn asking(&mut self, ask: &AskInput) {
        let model = ask.model.as_deref().unwrap_or("the text model");
        if self.answers.is_empty() {
            self.progress.stage = StoryPlanStage::Asking;
            self.progress.current_step = format!("Asking {model} to plan the story");
        } else {
            self.progress.stage = StoryPlanStage::ReAsking;
            self.progress.current_step = match ask.issues.len() {
                0 => format!("{model}'s answer was not a plan: asking again"),
                n => format!("The plan has {n} gaps: asking {model} again with them listed"),
            };
        }
    }

    /// Takes a question's outcome. A first question over the budget is the job's end (nothing
    /// was asked): its message comes back as the error.
    fn take(&mut self, outcome: AskOutcome) -> Result<(), String> {
        match outcome {
            AskOutcome::Answered(answer) => {
                Usage::merge(&mut self.progress.usage, answer.usage.iter().cloned());
                self.answers.push(answer);
                self.progress.asks = self.answers.len() as u32;
                self.progress.spent = self.spent();
                Ok(())
            }
            AskOutcome::OverBudget {
                model,
                estimate,
                budget,
            } => {
                let why = format!(
                    "asking {model} is estimated at {estimate}, above the {budget} left of \
                     what was approved"
                );
                if self.answers.is_empty() {
                    return Err(format!("{why}: nothing was asked or paid"));
                }
                self.stopped = Some(format!("{why}: not asked again"));
                Ok(())
            }
        }
    }

    /// A second question failed: the first answer stands.
    fn stop_after_failure(&mut self, why: &str) {
        self.stopped = Some(format!(
            "asking again failed ({why}): the first plan stands"
        ));
    }

    /// The job's result: the last plan made, with its issues, and every question's usage.
    fn result(&self) -> StoryPlanResult {
        let planned = self.answers.iter().rev().find(|a| a.plan.is_some());
        let mut usage = Vec::new();
        for a in &self.answers {
            Usage::merge(&mut usage, a.usage.iter().cloned());
        }
        let problem = match planned {
            None => Some(
                self.answers
                    .iter()
                    .filter_map(|a| a.problem.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Some(a) if !a.issues.is_empty() => self.stopped.clone().or_else(|| {
                // A later question answered with no plan (a stopped answer): why the gaps
                // remain.
                let later: Vec<String> = self
                    .answers
                    .iter()
                    .skip_while(|x| !std::ptr::eq(*x, a))
                    .skip(1)
                    .filter_map(|x| x.problem.clone())
                    .collect();
                (!later.is_empty()).then(|| {
                    format!(
                        "asking again made no plan ({}): the first plan stands",
                        later.join("; ")
                    )
                })
            }),
            Some(_) => None,
        }
        .filter(|p| !p.is_empty());
        StoryPlanResult {
            plan: planned.and_then(|a| a.plan.clone()),
            issues: planned.map(|a| a.issues.clone()).unwrap_or_default(),
            usage,
            cost: self.spent(),
            asks: self.answers.len() as u32,
            model: planned.or(self.answers.last()).map(|a| a.model.clone()),
            problem,
        }
    }

    /// Says in the progress that the job is done.
    fn done(&mut self, result: &StoryPlanResult) {
        self.progress.stage = StoryPlanStage::Done;
        self.progress.current_step = match (&result.plan, result.issues.len()) {
            (None, _) => "No plan: the model's answers were not plans".into(),
            (Some(_), 0) => "Planned".into(),
            (Some(_), n) => format!("Planned, with {n} gaps marked"),
        };
    }

    /// What `getProgress` answers once the job has finished with `result` (the same as the
    /// workflow's last state), for a client that reads the result instead.
    pub fn progress_when_done(result: &StoryPlanResult) -> StoryPlanProgress {
        let mut wf = Self::from_input(StoryPlanInput {
            story: Default::default(),
            rules: Default::default(),
            model: None,
            budget: None,
            tuning: None,
        });
        wf.done(result);
        wf.progress.asks = result.asks;
        wf.progress.usage = result.usage.clone();
        wf.progress.spent = result.cost;
        wf.progress
    }
}

/// A failure's message, with its causes' down to the activity's own error.
fn failure_text(f: &temporalio_common::protos::temporal::api::failure::v1::Failure) -> String {
    let mut parts = vec![f.message.clone()];
    let mut cur = f;
    while let Some(cause) = cur.cause.as_deref() {
        parts.push(cause.message.clone());
        cur = cause;
    }
    parts.retain(|p| !p.is_empty());
    parts.dedup();
    parts.join(": ")
}

#[workflow_methods]
impl StoryPlanWorkflow {
    #[init]
    fn new(_ctx: &WorkflowContextView, input: StoryPlanInput) -> Self {
        Self::from_input(input)
    }

    #[run(name = names::STORY_PLAN_WORKFLOW)]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<StoryPlanResult> {
        let ctx = &*ctx;
        while let Some(ask) = ctx.state(Self::next_ask) {
            if ctx.cancellation_token().is_cancelled() {
                return Err(WorkflowTermination::cancelled());
            }
            ctx.state_mut(|s| s.asking(&ask));
            let options = ctx.state(|s| s.tuning.ask.options());
            let outcome = match ctx
                .execute_activity(StoryActivities::ask_story_planner, ask, options)
                .await
            {
                Ok(outcome) => outcome,
                // A second question that fails leaves the first answer, paid for, as the
                // plan with its gaps marked, rather than failing the job (and losing its
                // spend from the result).
                Err(ActivityExecutionError::Failed(f))
                    if ctx.state(|s| !s.answers.is_empty())
                        && !ctx.cancellation_token().is_cancelled() =>
                {
                    let why = failure_text(f.failure());
                    ctx.state_mut(|s| s.stop_after_failure(&why));
                    continue;
                }
                Err(e) => return Err(super::activity_failed(ctx, e)),
            };
            if let Err(message) = ctx.state_mut(|s| s.take(outcome)) {
                ctx.state_mut(|s| s.progress.current_step = message.clone());
                return Err(ApplicationFailure::builder(message)
                    .type_name(names::OVER_BUDGET_ERROR.to_owned())
                    .non_retryable(true)
                    .build()
                    .into());
            }
        }
        let result = ctx.state(Self::result);
        ctx.state_mut(|s| s.done(&result));
        Ok(result)
    }

    #[query(name = names::GET_PROGRESS)]
    pub fn get_progress(&self, _ctx: &WorkflowContextView) -> StoryPlanProgress {
        self.progress.clone()
    }
}

#[cfg(test)]
mod tests;
