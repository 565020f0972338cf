//! The elements' phase (engine 3 jobs), beside the characters': the views of every location
//! and prop of the request that came with no images, from an earlier version, the cache or
//! generated (all at once). A job without such elements adds no command here.

use futures::future::join_all;
use studio_core::{ElementImages, Stage};
use temporalio_sdk::{WorkflowContext, WorkflowResult};

use crate::activities::StudioActivities;
use crate::messages::{ElementInput, ENGINE_ELEMENTS};
use crate::references::scene_elements;

use super::crashes::{activity_failed, surviving_crashes};
use super::plan::Run;
use super::spend::within_budget;
use super::VideoWorkflow;

impl VideoWorkflow {
    /// Whether this job uses its request's elements: one whose client asked for the logic
    /// that knows them. Earlier jobs replay as they ran, whatever their request holds.
    pub(super) fn uses_elements(&self) -> bool {
        self.engine >= ENGINE_ELEMENTS
    }

    /// The images of the places and props `scenario` names, as its references take them after
    /// the faces (none for a job that does not use elements).
    pub(super) fn scene_places(
        &self,
        scenario: &studio_core::Scenario<Option<String>>,
    ) -> Vec<Vec<String>> {
        if !self.uses_elements() {
            return Vec::new();
        }
        // The elements' phase ends before any clip starts, so every image is known here.
        scene_elements(scenario, &self.request.elements, &self.element_images)
            .unwrap_or_default()
            .into_iter()
            .map(<[String]>::to_vec)
            .collect()
    }

    /// The element images the job made or reused, in the request's order (its result's
    /// `elementImages`).
    pub(super) fn made_element_images(&self) -> Vec<ElementImages> {
        self.request
            .elements
            .iter()
            .filter_map(|e| self.element_images.iter().find(|m| m.id == e.id))
            .cloned()
            .collect()
    }

    /// What the elements' phase generates: each element that needs images and has none yet
    /// (the cache's `hits` are taken first).
    fn elements_to_make(&mut self, hits: Vec<ElementImages>) -> Vec<(String, ElementInput)> {
        if !self.uses_elements() {
            return Vec::new();
        }
        for hit in hits {
            if !self.element_images.iter().any(|m| m.id == hit.id) {
                self.element_images.push(hit);
            }
        }
        let todo: Vec<(String, ElementInput)> = (self.request.elements.iter())
            .filter(|e| e.needs_images())
            .filter(|e| !self.element_images.iter().any(|m| m.id == e.id))
            .map(|e| {
                let input = ElementInput {
                    element: e.clone(),
                    aspect_ratio: self.request.aspect_ratio,
                    model: self.image_model.clone(),
                    recall: self.use_cache,
                };
                (e.id.clone(), input)
            })
            .collect();
        if !todo.is_empty() {
            let what = format!("the images of {} location(s) and prop(s)", todo.len());
            // Beside the characters' images when they are being made too.
            if self.progress.stage == Stage::GeneratingCharacter {
                self.progress.current_step = format!("{}, and {what}", self.progress.current_step);
            } else {
                self.set_stage(Stage::GeneratingCharacter, format!("Generating {what}"));
            }
        }
        todo
    }
}

/// Elements: the views of each location and prop that came with none, generated all at once
/// (a job names a handful), each activity scheduled anew if only its workers die.
pub(super) async fn elements(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
    hits: Vec<ElementImages>,
) -> WorkflowResult<()> {
    let todo = ctx.state_mut(|s| s.elements_to_make(hits));
    if todo.is_empty() {
        return Ok(());
    }
    let cost = ctx.state(|s| s.budget.element_images_cost(todo.len()));
    within_budget(ctx, cost, "the locations' and props' images").await?;
    // `join_all` polls them in order, so the activities are scheduled in the same order on
    // every replay.
    let outs = join_all(todo.iter().map(|(_, input)| {
        surviving_crashes(run.reschedule, move |_| {
            ctx.execute_activity(
                StudioActivities::generate_element_images,
                input.clone(),
                run.tuning.character.options(),
            )
        })
    }))
    .await;
    ctx.state_mut(|s| s.release(cost));
    for ((id, _), out) in todo.into_iter().zip(outs) {
        let out = out.map_err(|e| activity_failed(ctx, e))?;
        ctx.state_mut(|s| {
            s.add_usage(out.usage);
            s.element_images.push(ElementImages {
                id,
                images: out.images,
            });
            s.show_budget();
        });
    }
    Ok(())
}
