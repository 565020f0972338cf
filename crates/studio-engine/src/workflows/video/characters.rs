//! The characters' phase: the lead's three angles and each cast member's, from an earlier
//! version, the library, the cache or generated.

use futures::future::join_all;
use studio_core::{CharacterImages, Stage};
use temporalio_sdk::{WorkflowContext, WorkflowResult};

use crate::activities::StudioActivities;
use crate::messages::CharacterInput;

use super::crashes::{activity_failed, surviving_crashes};
use super::plan::{character_input, Run};
use super::spend::within_budget;
use super::VideoWorkflow;

/// Character: the three angles: the earlier version's, the cache's, or generated.
pub(super) async fn character(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
    cached: Option<CharacterImages>,
) -> WorkflowResult<CharacterImages> {
    if let Some(images) = ctx.state(|s| s.base_images.clone()).or(cached) {
        return Ok(images);
    }
    let cost = ctx.state(|s| s.budget.images_cost(1));
    within_budget(ctx, cost, "the character's images").await?;
    let input = ctx.state_mut(|s| {
        s.set_stage(
            Stage::GeneratingCharacter,
            "Generating character images (3 angles)",
        );
        character_input(s)
    });
    let out = surviving_crashes(run.reschedule, |_| {
        ctx.execute_activity(
            StudioActivities::generate_character_images,
            input.clone(),
            run.tuning.character.options(),
        )
    })
    .await;
    ctx.state_mut(|s| s.release(cost));
    let out = out.map_err(|e| activity_failed(ctx, e))?;
    ctx.state_mut(|s| {
        s.add_usage(out.usage);
        s.show_budget();
    });
    Ok(out.images)
}

/// The cast: each member's angles, from the library, the earlier version, or generated (all
/// at once). Nothing to do for a one-character job.
pub(super) async fn cast(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
) -> WorkflowResult<Vec<CharacterImages>> {
    let todo: Vec<(usize, CharacterInput)> = ctx.state_mut(|s| {
        let missing: Vec<usize> = (0..s.request.cast.len())
            .filter(|&i| s.cast_images.get(i).is_none_or(Option::is_none))
            .collect();
        if !missing.is_empty() {
            s.set_stage(
                Stage::GeneratingCharacter,
                format!(
                    "Generating the cast's images ({} characters)",
                    missing.len()
                ),
            );
        }
        missing
            .into_iter()
            .map(|i| {
                let input = CharacterInput {
                    character: s.request.cast[i].clone(),
                    aspect_ratio: s.request.aspect_ratio,
                    model: s.image_model.clone(),
                    recall: s.use_cache,
                };
                (i, input)
            })
            .collect()
    });
    let cost = ctx.state(|s| s.budget.images_cost(todo.len()));
    if !todo.is_empty() {
        within_budget(ctx, cost, "the cast's images").await?;
    }
    // A cast is at most a handful: `join_all` polls them in order, so the activities are
    // scheduled in the same order on every replay.
    let outs = join_all(todo.iter().map(|(_, input)| {
        surviving_crashes(run.reschedule, move |_| {
            ctx.execute_activity(
                StudioActivities::generate_character_images,
                input.clone(),
                run.tuning.character.options(),
            )
        })
    }))
    .await;
    ctx.state_mut(|s| s.release(cost));
    for ((i, _), out) in todo.iter().zip(outs) {
        let out = out.map_err(|e| activity_failed(ctx, e))?;
        ctx.state_mut(|s| {
            s.add_usage(out.usage);
            s.cast_images[*i] = Some(out.images);
            s.show_budget();
        });
    }
    Ok(ctx.state(|s| s.cast_images.iter().flatten().cloned().collect()))
}
