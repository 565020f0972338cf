//! What the job spends: usage counted per run and per job, and paid steps admitted against the
//! budget (waiting for `approveSpend` where one would cross it).

use studio_core::{Usage, Usd};
use temporalio_sdk::{WorkflowContext, WorkflowResult};

use super::VideoWorkflow;

impl VideoWorkflow {
    /// Counts what an activity generated, for this run and for the job.
    pub(super) fn add_usage(&mut self, usage: Option<Usage>) {
        if let Some(u) = usage {
            self.budget.bill(&u);
            Usage::merge(&mut self.run_usage, [u.clone()]);
            Usage::merge(&mut self.progress.usage, [u]);
        }
    }

    /// Admits a paid step of `cost` (reserving it) if it fits; else says in the progress that
    /// the job waits for an approval, and what for.
    pub(super) fn admit(&mut self, cost: Usd, step: &str) -> bool {
        let waits = self.budget.admit(cost, step);
        let admitted = waits.is_none();
        if let Some(message) = waits {
            self.progress.current_step = message;
        }
        self.show_budget();
        admitted
    }

    /// A paid step admitted at `cost` ended (its usage, if any, is added separately).
    pub(super) fn release(&mut self, cost: Usd) {
        self.budget.release(cost);
        self.show_budget();
    }

    pub(super) fn show_budget(&mut self) {
        self.progress.budget = self.budget.state();
    }

    /// The price of scenario `i`'s clip at the job's quality (an extension: of the seconds it
    /// adds, at the resolution the model extends at).
    pub(super) fn clip_cost(&self, i: usize) -> Usd {
        self.rules
            .as_ref()
            .map_or(Usd::ZERO, |rules| match self.extensions.get(&i) {
                Some(x) => self
                    .budget
                    .extension_cost(&rules.family, self.quality, x.seconds),
                None => self.budget.clip_cost(
                    &rules.family,
                    self.quality,
                    self.request.scenarios[i].duration_seconds.get(),
                ),
            })
    }

    /// Whether the next queued clip that could be launched fits the budget.
    pub(super) fn next_clip_fits(&self) -> bool {
        !self.budget.is_limited()
            || self
                .queue
                .iter()
                .find(|&&i| self.launchable(i))
                .is_some_and(|&i| self.budget.fits(self.clip_cost(i)))
    }
}

/// Waits until a paid step of `cost` fits the job's budget (at once without one), then reserves
/// it: where it would cross what the creator approved, the job waits for `approveSpend`.
pub(super) async fn within_budget(
    ctx: &WorkflowContext<VideoWorkflow>,
    cost: Usd,
    step: &str,
) -> WorkflowResult<()> {
    if !ctx.state_mut(|s| s.admit(cost, step)) {
        ctx.wait_condition(move |s| s.budget.fits(cost)).await?;
        ctx.state_mut(|s| s.admit(cost, step));
    }
    Ok(())
}
