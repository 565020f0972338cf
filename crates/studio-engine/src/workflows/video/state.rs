//! The job's state as the phases and the handlers change it: its scenarios, their takes, what
//! is queued. Plain methods without awaits, so they add no commands to history.

use std::collections::HashSet;

use studio_catalog::{check_clip, check_first_frame, check_last_frame, Problem};
use studio_core::project::MAX_SCENARIOS;
use studio_core::{EndFrame, Quality, Scenario, SegmentState, SegmentStatus, Stage};

use crate::messages::BaseVersion;

use super::VideoWorkflow;

impl VideoWorkflow {
    pub(super) fn set_stage(&mut self, stage: Stage, step: impl Into<String>) {
        self.progress.stage = stage;
        self.progress.percentage = stage.base_percentage();
        self.progress.current_step = step.into();
    }

    pub(super) fn push_scenario(&mut self, mut scenario: Scenario<Option<String>>) {
        let taken: HashSet<&str> = self
            .request
            .scenarios
            .iter()
            .filter_map(|s| s.id.as_deref())
            .collect();
        let id = match scenario.id.take() {
            Some(id) if !taken.contains(id.as_str()) => id,
            _ => (self.request.scenarios.len() + 1..)
                .map(|n| format!("scene-{n}"))
                .find(|c| !taken.contains(c.as_str()))
                .expect("an unused id exists"),
        };
        self.progress.segments.push(SegmentState {
            id: id.clone(),
            prompt: scenario.prompt.clone(),
            ..Default::default()
        });
        scenario.id = Some(id);
        self.queue.push_back(self.request.scenarios.len());
        self.launched.push(Vec::new());
        self.request.scenarios.push(scenario);
    }

    /// Continues a finished job: its takes are known, the chosen ones are done already.
    pub(super) fn apply_base(&mut self, base: BaseVersion) {
        for (i, seg) in base.segments.into_iter().enumerate() {
            let Some(state) = self.progress.segments.get_mut(i) else {
                break;
            };
            self.launched[i] = seg.takes.iter().map(|t| t.prompt.clone()).collect();
            if let Some(x) = seg.extend {
                self.extensions.insert(i, x);
            }
            let chosen = seg
                .use_take
                .and_then(|n| seg.takes.iter().find(|t| t.number == n).cloned());
            if let Some(take) = chosen {
                state.status = SegmentStatus::Done;
                state.clip_url = Some(take.clip_url);
                state.take = take.number;
                self.queue.retain(|&q| q != i);
            }
            state.takes = seg.takes;
        }
        self.base_images = Some(base.character_images);
        if !base.cast_images.is_empty() {
            self.cast_images = base.cast_images.into_iter().map(Some).collect();
        }
        self.element_images = base.element_images;
        self.progress.version = base.versions.len() as u32 + 1;
        self.progress.usage = base.usage;
        self.base_versions = base.versions;
    }

    /// Every scene is a paid clip: a job grows no larger than a project may be
    /// ([`MAX_SCENARIOS`]).
    pub(super) fn room_for_another(&self) -> Result<(), String> {
        if self.request.scenarios.len() >= MAX_SCENARIOS {
            return Err(format!(
                "this job has {} scenarios, the most one job may have (each is a paid clip)",
                self.request.scenarios.len()
            ));
        }
        Ok(())
    }

    /// Drops an `addSegment` signal (a signal cannot be refused) and says why: in the job's
    /// current step, which the creator sees, and in the worker's log.
    pub(super) fn drop_segment(&mut self, why: &str) {
        tracing::warn!(why, "addSegment signal dropped");
        self.progress.current_step = format!("Scenario not added: {why}");
    }

    pub(super) fn index_of(&self, scenario_id: &str) -> Option<usize> {
        self.progress
            .segments
            .iter()
            .position(|s| s.id == scenario_id)
    }

    /// What `scenario` would break of the job's rules at `quality` (nothing without a plan).
    pub(super) fn problems_of(
        &self,
        scenario: &Scenario<Option<String>>,
        label: &str,
        quality: Quality,
    ) -> Vec<Problem> {
        match &self.rules {
            Some(rules) => {
                let mut problems = check_clip(
                    rules,
                    Some(label),
                    quality,
                    scenario.duration_seconds.get(),
                    self.request.aspect_ratio,
                );
                if scenario.continue_from_previous {
                    problems.extend(check_first_frame(rules, Some(label)));
                }
                if scenario.end_frame.is_some() {
                    problems.extend(check_last_frame(rules, Some(label)));
                }
                problems
            }
            None => Vec::new(),
        }
    }

    /// Whether scenario `i` can be launched now: a scene that continues from the previous shot
    /// waits until that one has its clip (and no new take of it is queued).
    /// A scene that ends on the next shot's first frame waits for that shot's clip (unless
    /// that shot starts from this one, which the project refuses: no wait, no end frame). An
    /// extension continues a clip it has: it waits for nothing.
    pub(super) fn launchable(&self, i: usize) -> bool {
        if self.extensions.contains_key(&i) {
            return true;
        }
        if self.next_shot_of(i).is_some() && !self.has_clip(i + 1) {
            return false;
        }
        if i == 0 || !self.request.scenarios[i].continue_from_previous {
            return true;
        }
        self.has_clip(i - 1)
    }

    /// Whether scenario `i` has its clip and no new take of it is queued.
    fn has_clip(&self, i: usize) -> bool {
        let seg = &self.progress.segments[i];
        seg.status == SegmentStatus::Done && seg.clip_url.is_some() && !self.queue.contains(&i)
    }

    /// The next scenario's index when scenario `i` ends on its first frame.
    pub(super) fn next_shot_of(&self, i: usize) -> Option<usize> {
        let ends_on_next = self.request.scenarios[i].end_frame == Some(EndFrame::NextShot);
        let next = self.request.scenarios.get(i + 1)?;
        (ends_on_next && !next.continue_from_previous).then_some(i + 1)
    }

    /// The scenarios still to be generated, by index.
    pub(super) fn pending(&self) -> impl Iterator<Item = usize> + '_ {
        self.progress
            .segments
            .iter()
            .enumerate()
            .filter(|(_, seg)| seg.status != SegmentStatus::Done)
            .map(|(i, _)| i)
            .chain(self.queue.iter().copied())
    }

    pub(super) fn segments_done(&self) -> usize {
        self.progress
            .segments
            .iter()
            .filter(|s| s.status == SegmentStatus::Done)
            .count()
    }
}
