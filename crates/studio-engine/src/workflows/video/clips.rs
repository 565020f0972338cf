//! The scenes' phase: one clip per queued scenario, launched as the budget, the parallelism and
//! continuity allow, with retakes and added scenarios joining the queue while it runs.

use futures::future::{select, select_all, Either, LocalBoxFuture};
use studio_core::{CharacterImages, EndFrame, Progress, SegmentStatus, Stage, Take, Usd};
use temporalio_sdk::{ActivityExecutionError, ActivityOptions, WorkflowContext, WorkflowResult};

use crate::activities::StudioActivities;
use crate::messages::{SegmentInput, SegmentOutput};

use super::crashes::{activity_failed, surviving_crashes};
use super::plan::Run;
use super::VideoWorkflow;
use crate::references::scene_references;

/// Marks the scenarios the cache already has a clip for as done with that clip as take 1.
fn take_cached_clips(s: &mut VideoWorkflow, hits: &[Option<String>]) {
    for (i, hit) in hits.iter().enumerate() {
        if let (Some(uri), Some(seg)) = (hit, s.progress.segments.get_mut(i)) {
            seg.status = SegmentStatus::Done;
            seg.clip_url = Some(uri.clone());
            seg.take = 1;
            seg.takes = vec![Take {
                number: 1,
                prompt: seg.prompt.clone(),
                clip_url: uri.clone(),
                first_frame_from: None,
            }];
            s.launched[i] = vec![seg.prompt.clone()];
            s.queue.retain(|&q| q != i);
        }
    }
    let done = s.segments_done();
    if done > 0 {
        let total = s.progress.segments.len();
        s.progress.percentage = Progress::segments_percentage(done, total);
        s.progress.current_step = format!("Reused {done} of {total} segments");
    }
}

/// The next queued scenario's clip to launch (None when paused or nothing queued can start):
/// its index, take number, prompt and the activity's input. `cast` holds the angles of each
/// cast member, in the request's order.
fn next_launch(
    s: &mut VideoWorkflow,
    images: &CharacterImages,
    cast: &[CharacterImages],
) -> Option<(usize, u32, String, SegmentInput, Usd)> {
    if s.paused {
        return None;
    }
    let at = s.queue.iter().position(|&i| s.launchable(i))?;
    let cost = s.clip_cost(s.queue[at]);
    let step = format!("a clip of {}", s.progress.segments[s.queue[at]].id);
    if !s.admit(cost, &step) {
        return None;
    }
    let i = s.queue.remove(at)?;
    let scenario = s.request.scenarios[i].clone();
    let prompt = scenario.prompt.clone();
    let variant = s.launched[i].iter().filter(|p| **p == prompt).count() as u32;
    s.launched[i].push(prompt.clone());
    let take = s.launched[i].len() as u32;
    s.progress.segments[i].status = SegmentStatus::Running;
    s.progress.segments[i].error = None;
    let model = s.rules.as_ref().map(|r| r.model.clone());
    let faces: Vec<&CharacterImages> = s
        .request
        .scene_cast(&scenario)
        .into_iter()
        .filter_map(|k| {
            if k == 0 {
                Some(images)
            } else {
                cast.get(k - 1)
            }
        })
        .collect();
    // An extension continues the take's clip as it is: no frame comes in or goes out.
    let extend = s.extensions.remove(&i);
    let first_frame_from = if scenario.continue_from_previous && i > 0 && extend.is_none() {
        s.progress.segments[i - 1].clip_url.clone()
    } else {
        None
    };
    let (last_frame, last_frame_from) = match (&scenario.end_frame, &extend) {
        (_, Some(_)) | (None, _) => (None, None),
        (Some(EndFrame::Image(uri)), None) => (Some(uri.clone()), None),
        (Some(EndFrame::NextShot), None) => (
            None,
            s.next_shot_of(i)
                .and_then(|n| s.progress.segments[n].clip_url.clone()),
        ),
    };
    // The scene's place and props (a job using elements), after the faces.
    let places = s.scene_places(&scenario);
    let places: Vec<&[String]> = places.iter().map(Vec::as_slice).collect();
    // Clips whose inputs are known only now look themselves up (an end frame or an extension
    // is not in the workflow's own lookup).
    let recall = s.use_cache
        && (first_frame_from.is_some()
            || !scenario.cast.is_empty()
            || !places.is_empty()
            || scenario.end_frame.is_some()
            || extend.is_some());
    let input = SegmentInput {
        character_image: faces.first().map_or(&images.front, |f| &f.front).clone(),
        scenario,
        aspect_ratio: s.request.aspect_ratio,
        quality: s.quality,
        resume: None,
        variant,
        // Jobs planned send the angles (and the places' and props' images); the model's rules
        // decide their use and the clip activity cuts them to what it takes.
        references: if model.is_some() {
            scene_references(&faces, &places)
        } else {
            Vec::new()
        },
        model,
        first_frame_from,
        recall,
        last_frame,
        last_frame_from,
        extend,
    };
    Some((i, take, prompt, input, cost))
}

/// Records a finished take; the newest take asked for wins, an older one finishing late is
/// kept among the takes but not used.
fn take_done(
    s: &mut VideoWorkflow,
    index: usize,
    take: u32,
    prompt: String,
    first_frame_from: Option<String>,
    out: SegmentOutput,
) {
    s.add_usage(out.usage);
    if out.native_4k {
        s.native_4k_clips.insert(out.clip_url.clone());
    }
    let latest = s.launched[index].len() as u32;
    let retake_queued = s.queue.contains(&index);
    let seg = &mut s.progress.segments[index];
    seg.takes.push(Take {
        number: take,
        prompt,
        clip_url: out.clip_url.clone(),
        first_frame_from,
    });
    seg.takes.sort_by_key(|t| t.number);
    if take == latest && !retake_queued {
        seg.status = SegmentStatus::Done;
        seg.clip_url = Some(out.clip_url);
        seg.take = take;
    }
    let done = s.segments_done();
    let total = s.progress.segments.len();
    s.progress.percentage = Progress::segments_percentage(done, total);
    s.progress.current_step = format!("Generated {done} of {total} segments");
}

/// Records a failed take. A failed retake keeps the take the scenario had (true); a scenario
/// with no take at all fails the job (false).
fn take_failed(s: &mut VideoWorkflow, index: usize, message: String) -> bool {
    let seg = &mut s.progress.segments[index];
    seg.error = Some(message);
    if seg.take > 0 {
        if seg.status == SegmentStatus::Running {
            seg.status = SegmentStatus::Done;
        }
        s.progress.current_step =
            format!("A new take of {} failed; keeping take {}", seg.id, seg.take);
        return true;
    }
    seg.status = SegmentStatus::Failed;
    s.progress.current_step = format!("Segment {} failed", seg.id);
    false
}

/// A launched clip's end: which scenario and take it was, its prompt, the clip its first frame
/// came from, what was reserved for it, and what the activity returned.
struct ClipEnded {
    index: usize,
    take: u32,
    prompt: String,
    from: Option<String>,
    cost: Usd,
    result: Result<SegmentOutput, ActivityExecutionError>,
}

/// The clips under way, each ending in its [`ClipEnded`].
type Running<'a> = Vec<LocalBoxFuture<'a, ClipEnded>>;

/// Scenes: one clip per queued scenario, at most `max_parallel_segments` at once. Scenarios added
/// by `addSegment` and retakes asked by `regenerateSegment` while this runs join the queue;
/// pause stops new launches only.
///
/// The loop's order (launch what may start, then wait for a clip to end or for room to launch)
/// is the order of the commands in every recorded history: its steps are named functions, but
/// the awaits stay here, in this order.
pub(super) async fn scenes(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
    images: &CharacterImages,
    cast: &[CharacterImages],
    cached: &[Option<String>],
) -> WorkflowResult<()> {
    let max_parallel = run.max_parallel;
    let mut segment_opts = run.tuning.segment.options();
    segment_opts.task_queue = run.slow_queue.clone();
    let mut running: Running<'_> = Vec::new();
    ctx.state_mut(|s| {
        s.set_stage(Stage::GeneratingVideos, "Generating video segments");
        take_cached_clips(s, cached);
    });
    loop {
        launch_clips(ctx, run, &segment_opts, images, cast, &mut running);
        if running.is_empty() && ctx.state(|s| s.queue.is_empty()) {
            return Ok(());
        }
        let in_flight = running.len();
        let can_launch = move |s: &VideoWorkflow| {
            !s.paused
                && in_flight < max_parallel
                && s.queue.iter().any(|&i| s.launchable(i))
                && s.next_clip_fits()
        };
        if running.is_empty() {
            ctx.wait_condition(can_launch).await?;
            continue;
        }
        // `select_all` rather than `FuturesUnordered`: the latter wakes itself to yield,
        // which the SDK rightly flags as a non-deterministic wake.
        let launch = std::pin::pin!(ctx.wait_condition(can_launch));
        let ended = match select(select_all(std::mem::take(&mut running)), launch).await {
            Either::Left(((done, _, rest), _)) => {
                running = rest;
                done
            }
            Either::Right((res, pending)) => {
                running = pending.into_inner();
                res?;
                continue;
            }
        };
        clip_ended(ctx, ended)?;
    }
}

/// Launches queued clips while fewer than the run's limit are under way and the next one may
/// start (see [`next_launch`]); each is scheduled anew if only its workers die.
fn launch_clips<'a>(
    ctx: &'a WorkflowContext<VideoWorkflow>,
    run: &Run,
    segment_opts: &ActivityOptions,
    images: &CharacterImages,
    cast: &[CharacterImages],
    running: &mut Running<'a>,
) {
    while running.len() < run.max_parallel {
        let Some((index, take, prompt, input, cost)) =
            ctx.state_mut(|s| next_launch(s, images, cast))
        else {
            break;
        };
        let from = input.first_frame_from.clone();
        let opts = segment_opts.clone();
        let fut = surviving_crashes(run.reschedule, move |resume| {
            let input = SegmentInput {
                resume,
                ..input.clone()
            };
            ctx.execute_activity(
                StudioActivities::generate_video_segment,
                input,
                opts.clone(),
            )
        });
        running.push(Box::pin(async move {
            ClipEnded {
                index,
                take,
                prompt,
                from,
                cost,
                result: fut.await,
            }
        }));
    }
}

/// Records a clip's end: its reservation released, its take kept, or its failure (which ends
/// the job when the scenario has no take to fall back on, or the job is being cancelled).
fn clip_ended(ctx: &WorkflowContext<VideoWorkflow>, ended: ClipEnded) -> WorkflowResult<()> {
    let ClipEnded {
        index,
        take,
        prompt,
        from,
        cost,
        result,
    } = ended;
    ctx.state_mut(|s| s.release(cost));
    match result {
        Ok(out) => ctx.state_mut(|s| {
            take_done(s, index, take, prompt, from, out);
            s.show_budget();
        }),
        Err(err) => {
            let kept = ctx.state_mut(|s| take_failed(s, index, err.to_string()));
            if !kept || ctx.cancellation_token().is_cancelled() {
                return Err(activity_failed(ctx, err));
            }
        }
    }
    Ok(())
}
