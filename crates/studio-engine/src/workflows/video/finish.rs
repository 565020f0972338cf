//! The last phases: the clips stitched in scenario order, enhanced to 4K when asked, and (after
//! the sound, `super::sound`) the result with this version added to the earlier ones.

use studio_core::{CharacterImages, Quality, Span, Stage, Version, VideoResult};
use temporalio_sdk::{WorkflowContext, WorkflowResult};

use crate::activities::StudioActivities;
use crate::messages::{EnhanceInput, StitchInput, ENGINE_CUT};

use super::crashes::{activity_failed, surviving_crashes};
use super::plan::Run;
use super::sound::Mixed;
use super::VideoWorkflow;

/// The stitched film, and where the cut put each shot on it (None: the clips end to end).
pub(super) struct Stitched {
    pub(super) video_url: String,
    pub(super) spans: Option<Vec<Span>>,
}

/// Stitch, in scenario order; with the request's cut (engine [`ENGINE_CUT`] jobs), trimmed,
/// joined by its transitions and with its title cards.
pub(super) async fn stitch(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
) -> WorkflowResult<Stitched> {
    ctx.wait_condition(|s| !s.paused).await?;
    let input = ctx.state_mut(|s| {
        s.accepting_segments = false;
        let n = s.request.scenarios.len();
        s.set_stage(Stage::Stitching, format!("Stitching {n} segments"));
        StitchInput {
            clips: s
                .progress
                .segments
                .iter()
                .filter_map(|seg| seg.clip_url.clone())
                .collect(),
            cut: (s.engine >= ENGINE_CUT)
                .then(|| s.request.cut.clone())
                .flatten(),
        }
    });
    let stitched = surviving_crashes(run.reschedule, |_| {
        ctx.execute_activity(
            StudioActivities::stitch_videos,
            input.clone(),
            run.tuning.stitch.options(),
        )
    })
    .await
    .map_err(|e| activity_failed(ctx, e))?;
    Ok(Stitched {
        video_url: stitched.video_url,
        spans: stitched.spans,
    })
}

/// Enhances when the quality is 4k at this point (it may have changed while running); else the
/// stitched video is the picture.
pub(super) async fn enhance(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
    stitched: String,
) -> WorkflowResult<String> {
    ctx.wait_condition(|s| !s.paused).await?;
    let enhance = ctx.state_mut(|s| {
        s.quality_locked = true;
        // A video made only of clips the model rendered in 4k is 4k already.
        let native = s.progress.segments.iter().all(|seg| {
            seg.clip_url
                .as_ref()
                .is_some_and(|c| s.native_4k_clips.contains(c))
        });
        (s.quality == Quality::FourK && !native).then(|| {
            s.set_stage(Stage::Enhancing, "Enhancing to 4K");
            EnhanceInput {
                video_url: stitched.clone(),
                aspect_ratio: s.request.aspect_ratio,
            }
        })
    });
    let mut enhance_opts = run.tuning.enhance.options();
    enhance_opts.task_queue = run.slow_queue.clone();
    Ok(match enhance {
        Some(input) => surviving_crashes(run.reschedule, |_| {
            ctx.execute_activity(
                StudioActivities::enhance_4k,
                input.clone(),
                enhance_opts.clone(),
            )
        })
        .await
        .map_err(|e| activity_failed(ctx, e))?,
        None => stitched,
    })
}

/// The result: this version (the picture with its sound, when it has one) added to the
/// earlier ones.
pub(super) fn finish(
    ctx: &WorkflowContext<VideoWorkflow>,
    images: CharacterImages,
    cast_images: Vec<CharacterImages>,
    film: Mixed,
) -> VideoResult {
    let Mixed { video_url, mix } = film;
    ctx.state_mut(|s| {
        let mut versions = s.base_versions.clone();
        versions.push(Version {
            number: s.progress.version,
            video_url: video_url.clone(),
            takes: s.progress.segments.iter().map(|seg| seg.take).collect(),
            usage: s.run_usage.clone(),
            quality: s.quality,
        });
        let result = VideoResult {
            video_url,
            character_images: images.to_vec(),
            segments: s.progress.segments.clone(),
            versions,
            usage: s.progress.usage.clone(),
            cast_images,
            element_images: s.made_element_images(),
            captions_url: mix.as_ref().map(|m| m.captions_url.clone()),
            captions_vtt_url: mix.as_ref().map(|m| m.captions_vtt_url.clone()),
            stems: mix.map(|m| m.stems),
        };
        s.progress = VideoWorkflow::progress_when_done(&result);
        result
    })
}
