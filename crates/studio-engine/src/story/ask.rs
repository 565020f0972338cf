//! `askStoryPlanner`: one question to the text model about a story's plan.
//!
//! The prompt and the schema come from `studio-story`; the call is the provider's
//! `generate_json`, bridged to the activity like every other provider call (heartbeats,
//! cancellation, errors typed by class so only retryable ones are retried, after the provider's
//! `RetryInfo` delay). The answer is parsed and checked here, on the worker, and recorded with
//! its plan and issues: nothing after the paid call can fail the activity, so a retry never
//! pays for an answer already had. An answer the model stopped (cut off, withheld, recited,
//! not JSON) is paid for too: it is recorded like any other, with its usage, its cost and why
//! it is no plan, so the job, not the retry policy, decides whether to ask again.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use studio_catalog::Catalog;
use studio_core::{Project, Story, Usage, Usd};
use studio_media::error::UNSUPPORTED_MODEL_ERROR;
use studio_media::{ErrorClass, JsonRequest, MediaError, TaskCtx, TextStop, Toolkit};
use studio_story::{PlanIssue, PlanRules};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::ApplicationFailure;

use crate::activities::bridged;
use crate::metrics::StudioMetrics;
use crate::names;

use super::{estimate_ask, Answer, AskInput, AskOutcome};

/// What a worker needs to ask a text model: its provider, and what to count.
pub struct StoryActivities {
    toolkit: Toolkit,
    metrics: StudioMetrics,
    /// How often the activity heartbeats while the model thinks.
    heartbeat_every: Duration,
}

impl StoryActivities {
    pub fn new(toolkit: Toolkit, metrics: StudioMetrics) -> Self {
        StoryActivities {
            toolkit,
            metrics,
            heartbeat_every: Duration::from_millis(500),
        }
    }

    /// Runs a provider call bridged to the activity (heartbeats, cancellation), its error
    /// typed by class for the retry policy.
    async fn provider_call<T, F, Fut>(
        &self,
        ctx: &ActivityContext,
        work: F,
    ) -> Result<T, ActivityError>
    where
        F: FnOnce(TaskCtx) -> Fut,
        Fut: std::future::Future<Output = Result<T, MediaError>>,
    {
        bridged(ctx, self.heartbeat_every, None, &self.metrics, work).await
    }

    /// The question, asked unless its estimate is above the budget left.
    async fn ask(
        &self,
        ctx: &ActivityContext,
        input: AskInput,
    ) -> Result<AskOutcome, ActivityError> {
        // The issues come from an earlier answer's check: one this build cannot read is left
        // out of the prompt rather than failing the question.
        let issues: Vec<PlanIssue> = input
            .issues
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect();
        // The model is fixed before the estimate, so the estimate prices the model asked.
        let provider = self.toolkit.provider.clone();
        let model = match input.model.clone() {
            Some(model) => model,
            None => {
                self.provider_call(ctx, |task| async move { provider.text_model(&task).await })
                    .await?
            }
        };
        if let Some(budget) = input.budget {
            let estimate = estimate_ask(
                &input.story,
                &input.rules,
                &issues,
                &model,
                input.max_output_tokens,
            )
            .and_then(|e| Usd::from_dollars(e.usd))
            .ok_or_else(|| unpriced(&model))?;
            if estimate > budget {
                tracing::info!(%model, %estimate, %budget, "story plan not asked: over budget");
                return Ok(AskOutcome::OverBudget {
                    model,
                    estimate,
                    budget,
                });
            }
        }
        let req = JsonRequest {
            model: Some(model),
            prompt: studio_story::model::prompt(&input.story, &input.rules, &issues),
            schema: studio_story::model::response_schema(),
            max_output_tokens: Some(input.max_output_tokens),
        };
        let provider = self.toolkit.provider.clone();
        let answer = self
            .provider_call(ctx, |task| async move {
                provider.generate_json(&req, &task).await
            })
            .await?;
        let cost = list_cost(&answer.usage);
        // A stopped answer is paid for like any other: recorded with its usage and cost, no
        // plan, and why, so the workflow asks again at most once (and not at all when asking
        // again would stop the same way), never the retry policy, which would pay uncounted.
        let (plan, issues, problem, settled) = match &answer.stop {
            Some(stop) => {
                self.metrics.provider_error(stop.class().type_name());
                let (problem, settled) = stopped(stop);
                (None, Vec::new(), Some(problem), settled)
            }
            None => {
                let (plan, issues, problem) = read_answer(&input.story, &input.rules, &answer.text);
                (plan, issues, problem, false)
            }
        };
        tracing::info!(
            model = %answer.model,
            %cost,
            planned = plan.is_some(),
            issues = issues.len(),
            stopped = answer.stop.is_some(),
            settled,
            "the text model answered"
        );
        Ok(AskOutcome::Answered(Answer {
            model: answer.model,
            text: answer.text,
            usage: answer.usage,
            cost,
            plan,
            issues,
            problem,
            settled,
        }))
    }
}

/// What a stopped answer tells the creator, and whether it settles the job (asking again would
/// stop the same way, so it is not asked again): a story Google refuses is refused again until
/// it is edited; an answer past its cap or in a language the model lacks stops again too. A
/// recitation, an empty or a broken answer may come out otherwise: asked again (once).
fn stopped(stop: &TextStop) -> (String, bool) {
    match stop.class() {
        ErrorClass::ContentPolicy => (
            format!(
                "{stop}. Not asked again: the same story is refused the same way, so edit the \
                 story (the passage Google objects to) and plan again"
            ),
            true,
        ),
        class if !class.is_retryable() => (
            format!("{stop}. Not asked again: the same question would stop the same way"),
            true,
        ),
        _ => (stop.to_string(), false),
    }
}

/// A model the table does not price cannot be promised within a budget: the question is not
/// asked, and not retried.
fn unpriced(model: &str) -> ActivityError {
    let failure = ApplicationFailure::builder(format!(
        "the model table has no price for {model}: it cannot be asked within a budget"
    ))
    .type_name(UNSUPPORTED_MODEL_ERROR.to_owned())
    .non_retryable(true)
    .build();
    ActivityError::application(failure)
}

/// What `usage` costs at the model table's list prices (what a job's budget counts; lines the
/// table does not price count nothing).
pub(crate) fn list_cost(usage: &[Usage]) -> Usd {
    let catalog = Catalog::builtin();
    let dollars: f64 = usage
        .iter()
        .filter_map(|u| Some(catalog.usage_price(u)? * f64::from(u.quantity)))
        .sum();
    Usd::from_dollars(dollars).unwrap_or_default()
}

/// The plan `text` makes of `story` and what the check finds in it, as JSON; or why it makes
/// none. Never fails: the answer is paid for already, and an activity that failed here would
/// be retried, asking (and paying) again. A panic in the parser or the check is caught for the
/// same reason and reported as the answer's problem.
pub(crate) fn read_answer(
    story: &Story,
    rules: &PlanRules,
    text: &str,
) -> (Option<Value>, Vec<Value>, Option<String>) {
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let plan = studio_story::model::parse_answer(story, rules, text)?;
        let project = plan
            .clone()
            .into_project(story.clone(), &Project::new("plan"));
        let issues = studio_story::check(&project);
        Ok::<_, studio_story::PlanAnswerError>((plan, issues))
    }));
    let json = |e: serde_json::Error| format!("the plan cannot be recorded: {e}");
    match read {
        Ok(Ok((plan, issues))) => {
            let plan = match serde_json::to_value(&plan) {
                Ok(p) => p,
                Err(e) => return (None, Vec::new(), Some(json(e))),
            };
            let issues: Result<Vec<Value>, _> = issues.iter().map(serde_json::to_value).collect();
            match issues {
                Ok(issues) => (Some(plan), issues, None),
                Err(e) => (None, Vec::new(), Some(json(e))),
            }
        }
        Ok(Err(e)) => (None, Vec::new(), Some(e.to_string())),
        Err(_) => (
            None,
            Vec::new(),
            Some("the answer could not be read (the planner's parser failed)".into()),
        ),
    }
}

#[activities]
impl StoryActivities {
    /// One question to the text model about a story's plan: the answer, its plan and what the
    /// check finds; or, when its estimate is above the budget left, nothing asked.
    #[activity(name = names::ASK_STORY_PLANNER)]
    pub async fn ask_story_planner(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: AskInput,
    ) -> Result<AskOutcome, ActivityError> {
        self.ask(&ctx, input).await
    }
}
