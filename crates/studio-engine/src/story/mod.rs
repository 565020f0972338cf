//! Planning a story with a text model: the messages of `storyPlanWorkflow` and its one activity
//! (`askStoryPlanner`), and the estimate of what asking costs.
//!
//! The workflow never reads a plan. Each ask is one activity that sends the prompt, and parses
//! and checks the answer ([`studio_story`]) on the worker; what history records is the answer,
//! its plan and its issues as plain JSON. So the workflow's decisions (ask again or not) are
//! made from recorded values only: a later release whose parser or check reads the same answer
//! differently, or whose plan types gained a field, still replays every recorded job. The
//! client reads the result as typed values ([`StoryPlanned`]).

mod ask;
mod estimate;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use studio_core::{Story, Usage, Usd};
use studio_story::{Plan, PlanIssue, PlanRules};

use crate::tuning::StoryTuning;

pub use ask::StoryActivities;
pub use estimate::{answer_tokens, estimate_ask};

/// Input of `storyPlanWorkflow`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoryPlanInput {
    pub story: Story,
    pub rules: PlanRules,
    /// The text model to ask (None: the worker's provider chooses from the catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// What the creator approved for this job (None: no limit). A question estimated above
    /// what is left of it is not asked: the first makes the job fail with nothing paid; the
    /// second leaves the first answer as the plan, its gaps marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Usd>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<StoryTuning>,
}

/// Input of `askStoryPlanner`: one question about `story`'s plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AskInput {
    pub story: Story,
    pub rules: PlanRules,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The issues of the previous answer's plan (as `PlanIssue` JSON), listed in the prompt so
    /// the model can mend them; empty for the first question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<Value>,
    /// The most this question may cost (None: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Usd>,
    pub max_output_tokens: u32,
}

/// What one question came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AskOutcome {
    /// The model answered (and was paid).
    Answered(Answer),
    /// Estimated above the budget: not asked, nothing paid.
    OverBudget {
        model: String,
        estimate: Usd,
        budget: Usd,
    },
}

/// A text model's answer, as history records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// The model that answered.
    pub model: String,
    /// The answer as the model wrote it.
    pub text: String,
    /// The tokens it read and wrote.
    pub usage: Vec<Usage>,
    /// What those cost at the model table's list prices: what the job's budget counts.
    pub cost: Usd,
    /// The plan the answer makes (a `studio_story::Plan`); None when it makes none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Value>,
    /// What the faithfulness check found in that plan (`PlanIssue`s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<Value>,
    /// Why the answer makes no plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Asking again would stop the same way (Google refused the story on content policy, or
    /// the answer ran past its cap, or the language is one the model lacks): the job does
    /// not ask again, and `problem` says what the creator can change. Decided on the worker
    /// and recorded, so the workflow decides from history; absent (false) in histories
    /// recorded before it existed, which never had such an answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub settled: bool,
}

impl Answer {
    /// Whether the answer is a plan that passes the check.
    pub fn is_good(&self) -> bool {
        self.plan.is_some() && self.issues.is_empty()
    }
}

/// The result of `storyPlanWorkflow`. `P` and `I` are the plan and its issues: plain JSON in
/// the workflow (see the module's doc), [`Plan`] and [`PlanIssue`] for the client
/// ([`StoryPlanned`]); the wire is the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoryPlanResult<P = Value, I = Value> {
    /// The plan: the last answer that made one. None when no answer did (see `problem`).
    pub plan: Option<P>,
    /// The gaps that remain in it, for the creator to see: never fixed silently.
    pub issues: Vec<I>,
    /// The tokens of every question asked.
    pub usage: Vec<Usage>,
    /// What they cost at the model table's list prices.
    pub cost: Usd,
    /// How many times the model was asked (1, or 2 when its first plan failed the check).
    pub asks: u32,
    /// The model that made the plan.
    pub model: Option<String>,
    /// Why there is no plan, or why the model was not asked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// [`StoryPlanResult`] as the client reads it.
pub type StoryPlanned = StoryPlanResult<Plan, PlanIssue>;

impl StoryPlanResult {
    /// The result read as a typed plan and issues.
    pub fn typed(self) -> Result<StoryPlanned, serde_json::Error> {
        let StoryPlanResult {
            plan,
            issues,
            usage,
            cost,
            asks,
            model,
            problem,
        } = self;
        Ok(StoryPlanResult {
            plan: plan.map(serde_json::from_value).transpose()?,
            issues: issues
                .into_iter()
                .map(serde_json::from_value)
                .collect::<Result<_, _>>()?,
            usage,
            cost,
            asks,
            model,
            problem,
        })
    }
}

/// Where a planning job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StoryPlanStage {
    /// The first question (or waiting for a worker to ask it).
    #[default]
    Asking,
    /// The first plan failed the check: asked again with its issues listed.
    ReAsking,
    /// Finished: the result holds the plan.
    Done,
}

/// What `getProgress` answers for a planning job.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoryPlanProgress {
    pub stage: StoryPlanStage,
    /// A sentence for the creator: what is happening now.
    pub current_step: String,
    /// Questions answered so far.
    pub asks: u32,
    /// Their tokens, and what they cost at list prices.
    pub usage: Vec<Usage>,
    pub spent: Usd,
}
