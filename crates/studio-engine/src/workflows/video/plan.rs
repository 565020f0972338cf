//! The first phase: the patches asked, the models planned and their rules checked before
//! anything is paid for, and the cache asked what it already has.

use studio_media::error::INVALID_INPUT_ERROR;
use temporalio_sdk::{ApplicationFailure, WorkflowContext, WorkflowResult};

use crate::activities::StudioActivities;
use crate::messages::{
    CacheHits, CacheQuery, CharacterInput, PlanQuery, PlannedExtension, PrepareQuery, RenderPlan,
};
use crate::names;
use crate::tuning::Tuning;

use super::crashes::{activity_failed, Reschedule};
use super::VideoWorkflow;

/// What every phase of a run needs, fixed once it is planned.
pub(super) struct Run {
    pub(super) tuning: Tuning,
    /// Clips generated at once.
    pub(super) max_parallel: usize,
    /// When an activity is scheduled anew because only its workers died.
    pub(super) reschedule: Reschedule,
    /// Where clips and enhance run (None: the workflow's own queue).
    pub(super) slow_queue: Option<String>,
}

/// Asks every patch, then plans the models and checks their rules before anything is paid for:
/// a job whose clips the chosen model would refuse fails here, naming each scenario and rule.
/// Returns the run's settings and whether the cache is consulted.
pub(super) async fn prepare(
    ctx: &WorkflowContext<VideoWorkflow>,
) -> WorkflowResult<(Run, CacheHits)> {
    // Every patch is asked before the first local activity, in the order earlier releases
    // asked theirs: on replay, a patch asked after a local activity that resolved in a
    // workflow task of its own is looked for in the wrong task (a non-determinism error).
    // Jobs started before plans existed replay without one.
    // A new version knows its takes already; its new takes are new work by design.
    let wants_cache = ctx.state(|s| s.use_cache && s.progress.version == 1);
    // Jobs started since engine-v2 run one local activity for the plan and the cache lookup.
    // Our clients say so in the job's input, and no marker is written; a job without that
    // (a seed-design client's) records the `engine-v2` marker, and a history with neither
    // asks the older patches and activities, in their order, and replays as it ran. The
    // input is asked first: a job that has it never asks the patch.
    let engine = ctx.state(|s| s.engine);
    if engine >= 2 || ctx.patched(names::ENGINE_V2_PATCH) {
        let query = ctx.state(|s| PrepareQuery {
            plan: plan_query(s),
            cache: wants_cache.then(|| cache_query(s)),
        });
        let prepared = ctx
            .execute_local_activity(
                StudioActivities::prepare_render,
                query,
                ctx.state(|s| s.tuning).plan.local_options(),
            )
            .await
            .map_err(|e| activity_failed(ctx, e))?;
        apply_plan(ctx, prepared.plan)?;
        return Ok((make_run(ctx, true, true, true), prepared.hits));
    }
    let planned = ctx.patched(names::RULES_PATCH);
    // Jobs started before crash re-scheduling existed replay as they ran.
    let crash_patched = ctx.patched(names::CRASH_PATCH);
    let cache_patched = wants_cache && ctx.patched(names::CACHE_PATCH);
    let budget_patched = crash_patched && ctx.patched(names::CRASH_BUDGET_PATCH);
    if planned {
        let plan = ctx
            .execute_local_activity(
                StudioActivities::plan_render,
                ctx.state(plan_query),
                ctx.state(|s| s.tuning).plan.local_options(),
            )
            .await
            .map_err(|e| activity_failed(ctx, e))?;
        apply_plan(ctx, plan)?;
    }
    let run = make_run(ctx, false, crash_patched, budget_patched);
    let hits = find_cached(ctx, &run, cache_patched).await;
    Ok((run, hits))
}

/// The plan is asked about the clips the render will make.
fn plan_query(s: &VideoWorkflow) -> PlanQuery {
    let mut pending: Vec<usize> = s.pending().collect();
    pending.sort_unstable();
    pending.dedup();
    PlanQuery {
        quality: s.quality,
        aspect_ratio: s.request.aspect_ratio,
        scenarios: pending
            .into_iter()
            .map(|i| s.request.scenarios[i].clone())
            .collect(),
        extensions: s
            .extensions
            .iter()
            .map(|(&i, x)| PlannedExtension {
                scenario: s.progress.segments[i].id.clone(),
                clip: x.clip_url.clone(),
                seconds: x.seconds,
            })
            .collect(),
    }
}

/// The plan's models become the job's; a job that breaks a rule fails before anything is paid.
fn apply_plan(ctx: &WorkflowContext<VideoWorkflow>, plan: RenderPlan) -> WorkflowResult<()> {
    if !plan.problems.is_empty() {
        let list: Vec<String> = plan.problems.iter().map(|p| p.to_string()).collect();
        let message = format!(
            "{} cannot make this job as it is; nothing was generated: {}",
            plan.models.video.model,
            list.join("; ")
        );
        ctx.state_mut(|s| {
            s.progress.current_step = message.clone();
        });
        return Err(ApplicationFailure::builder(message)
            .type_name(INVALID_INPUT_ERROR.to_owned())
            .non_retryable(true)
            .build()
            .into());
    }
    ctx.state_mut(|s| {
        s.image_model = Some(plan.models.image_model);
        s.rules = Some(plan.models.video);
        s.budget.set_prices(plan.prices);
        s.show_budget();
    });
    Ok(())
}

/// How this job runs, from its tuning and what its history has patched.
fn make_run(
    ctx: &WorkflowContext<VideoWorkflow>,
    v2: bool,
    crash_patched: bool,
    budget_patched: bool,
) -> Run {
    let (tuning, tuning_given, slow_queue) =
        ctx.state(|s| (s.tuning, s.tuning_given, s.slow_queue.clone()));
    Run {
        // One fan-out: every clip is scheduled at once and the workers' slots (or the client's
        // own limit) decide how many run; waves cost a workflow task per clip.
        max_parallel: if v2 && !tuning_given {
            usize::MAX
        } else {
            tuning.max_parallel_segments.max(1) as usize
        },
        reschedule: Reschedule {
            max: if crash_patched {
                tuning.max_crash_reschedules
            } else {
                0
            },
            counts_provider_errors: budget_patched,
        },
        tuning,
        slow_queue,
    }
}

/// The character's angles for this job's character and model, as the activity takes them.
pub(super) fn character_input(s: &VideoWorkflow) -> CharacterInput {
    CharacterInput {
        character: s.request.character.clone(),
        aspect_ratio: s.request.aspect_ratio,
        model: s.image_model.clone(),
        recall: false,
    }
}

/// What identical inputs made before is reused, not paid for again. A local activity: a marker
/// in history, no task on a queue. A failed lookup is a miss.
async fn find_cached(ctx: &WorkflowContext<VideoWorkflow>, run: &Run, patched: bool) -> CacheHits {
    if !patched {
        return CacheHits::default();
    }
    ctx.execute_local_activity(
        StudioActivities::find_cached_artifacts,
        ctx.state(cache_query),
        run.tuning.cache_lookup.local_options(),
    )
    .await
    .unwrap_or_default()
}

/// The cache is asked about the render's inputs as they are at its start.
fn cache_query(s: &VideoWorkflow) -> CacheQuery {
    CacheQuery {
        character: character_input(s),
        known_character: s.base_images.clone(),
        scenarios: s.request.scenarios.clone(),
        quality: s.quality,
        video_model: s.rules.as_ref().map(|r| r.model.clone()),
        // Only a job that uses its elements asks about them (and so about its scenes' places).
        elements: if s.uses_elements() {
            s.request.elements.clone()
        } else {
            Vec::new()
        },
    }
}
