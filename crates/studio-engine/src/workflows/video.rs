//! `ultraRealisticVideoWorkflow`: character images → clips in parallel → stitch → optional 4K.

use std::collections::{HashSet, VecDeque};

use serde_json::Value;

use futures::future::{select, select_all, Either, LocalBoxFuture};
use studio_core::{
    CharacterImages, Progress, Quality, ScenarioSpec, SegmentState, SegmentStatus, Stage, Take,
    Usage, Version, VideoRequest, VideoResult,
};
use studio_media::error::INVALID_INPUT_ERROR;
use studio_models::{check_clip, Problem, VideoRules};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, ApplicationFailure, SyncWorkflowContext, WorkflowContext,
    WorkflowContextView, WorkflowResult, WorkflowTermination,
};

use crate::activities::StudioActivities;
use crate::messages::{
    BaseVersion, CacheHits, CacheQuery, CharacterInput, EnhanceInput, PlanQuery, RegenerateRequest,
    RenderInput, SegmentInput, SegmentOutput, StitchInput,
};
use crate::names;
use crate::tuning::Tuning;

#[workflow]
pub struct VideoWorkflow {
    request: VideoRequest,
    tuning: Tuning,
    /// Where clips and enhance run when the slow queue is split off (None: this queue).
    slow_queue: Option<String>,
    use_cache: bool,
    quality: Quality,
    paused: bool,
    /// Whether `addSegment` can still extend the job (false once stitching begins).
    accepting_segments: bool,
    /// Set once the 4K decision has been taken; quality changes after that are refused.
    quality_locked: bool,
    progress: Progress,
    /// Scenarios (by index) waiting for a clip to be launched, in launch order.
    queue: VecDeque<usize>,
    /// Per scenario, the prompt of every take launched so far (earlier versions' included):
    /// a take's number is its place here.
    launched: Vec<Vec<String>>,
    /// The character images of the version this run continues (None: generate them).
    base_images: Option<CharacterImages>,
    /// Earlier versions of the job, and what they generated.
    base_versions: Vec<Version>,
    /// What this run's activities generated.
    run_usage: Vec<Usage>,
    /// The video model of the job's plan and its rules (None: a job from before plans, or not
    /// yet planned): updates that would break them are refused.
    rules: Option<VideoRules>,
    /// The image model of the job's plan.
    image_model: Option<String>,
    /// Clips the model rendered in 4k itself: a video made only of these needs no upscale.
    native_4k_clips: HashSet<String>,
}

impl VideoWorkflow {
    fn set_stage(&mut self, stage: Stage, step: impl Into<String>) {
        self.progress.stage = stage;
        self.progress.percentage = stage.base_percentage();
        self.progress.current_step = step.into();
    }

    fn push_scenario(&mut self, mut scenario: ScenarioSpec) {
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
    fn apply_base(&mut self, base: BaseVersion) {
        for (i, seg) in base.segments.into_iter().enumerate() {
            let Some(state) = self.progress.segments.get_mut(i) else {
                break;
            };
            self.launched[i] = seg.takes.iter().map(|t| t.prompt.clone()).collect();
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
        self.progress.version = base.versions.len() as u32 + 1;
        self.progress.usage = base.usage;
        self.base_versions = base.versions;
    }

    /// Counts what an activity generated, for this run and for the job.
    fn add_usage(&mut self, usage: Option<Usage>) {
        if let Some(u) = usage {
            Usage::merge(&mut self.run_usage, [u.clone()]);
            Usage::merge(&mut self.progress.usage, [u]);
        }
    }

    fn index_of(&self, scenario_id: &str) -> Option<usize> {
        self.progress
            .segments
            .iter()
            .position(|s| s.id == scenario_id)
    }

    /// What `scenario` would break of the job's rules at `quality` (nothing without a plan).
    fn problems_of(&self, scenario: &ScenarioSpec, label: &str, quality: Quality) -> Vec<Problem> {
        match &self.rules {
            Some(rules) => check_clip(
                rules,
                Some(label),
                quality,
                scenario.duration_seconds.get(),
                self.request.aspect_ratio,
            ),
            None => Vec::new(),
        }
    }

    /// The scenarios still to be generated, by index.
    fn pending(&self) -> impl Iterator<Item = usize> + '_ {
        self.progress
            .segments
            .iter()
            .enumerate()
            .filter(|(_, seg)| seg.status != SegmentStatus::Done)
            .map(|(i, _)| i)
            .chain(self.queue.iter().copied())
    }

    fn segments_done(&self) -> usize {
        self.progress
            .segments
            .iter()
            .filter(|s| s.status == SegmentStatus::Done)
            .count()
    }
}

/// Turns an activity error into the workflow's outcome: cancelled if the workflow itself is being
/// cancelled, failed (with the activity's message) otherwise.
fn activity_failed(
    ctx: &WorkflowContext<VideoWorkflow>,
    err: ActivityExecutionError,
) -> WorkflowTermination {
    if matches!(err, ActivityExecutionError::Cancelled(_))
        && ctx.cancellation_token().is_cancelled()
    {
        WorkflowTermination::cancelled()
    } else {
        err.into()
    }
}

/// When an activity ran out of attempts only because its workers died (its last attempt ended
/// in a heartbeat timeout and no attempt before it reported a provider error), the checkpoint
/// it last heartbeated (None inside if none). An activity whose provider failed too has spent
/// its retry budget on provider errors, and is not given a fresh one.
fn worker_died(
    err: &ActivityExecutionError,
    policy: Reschedule,
) -> Option<Option<serde_json::Value>> {
    use temporalio_common::protos::temporal::api::enums::v1::TimeoutType;
    use temporalio_common::protos::temporal::api::failure::v1::failure::FailureInfo;
    if !matches!(err, ActivityExecutionError::Failed(_)) {
        return None;
    }
    let mut cur = err.failure();
    while let Some(f) = cur {
        if let Some(FailureInfo::TimeoutFailureInfo(t)) = &f.failure_info {
            if t.timeout_type != TimeoutType::Heartbeat as i32 {
                return None;
            }
            let details = t
                .last_heartbeat_details
                .as_ref()
                .and_then(|d| d.payloads.first())
                .and_then(|p| serde_json::from_slice::<serde_json::Value>(&p.data).ok());
            let provider_errors = details
                .as_ref()
                .and_then(|v| v.get(names::HEARTBEAT_PROVIDER_ERRORS))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if policy.counts_provider_errors && provider_errors > 0 {
                return None;
            }
            let checkpoint = details
                .and_then(|v| v.get(names::HEARTBEAT_CHECKPOINT).cloned())
                .filter(|v| !v.is_null());
            return Some(checkpoint);
        }
        cur = f.cause.as_deref();
    }
    None
}

/// When an activity whose workers died is scheduled anew, fixed once per run.
#[derive(Debug, Clone, Copy)]
struct Reschedule {
    /// How often (0 for jobs started before re-scheduling existed, which replay as they ran).
    max: u32,
    /// Whether an earlier provider error rules it out (false for jobs started before that
    /// rule, which replay as they ran).
    counts_provider_errors: bool,
}

/// Runs an activity (built by `run` from the checkpoint to resume from), scheduling it anew up
/// to `policy.max` times when its retry policy ran out on worker deaths alone: retries are for
/// provider errors, and a crashed machine must not fail the job.
async fn surviving_crashes<T, F, Fut>(
    policy: Reschedule,
    mut run: F,
) -> Result<T, ActivityExecutionError>
where
    F: FnMut(Option<serde_json::Value>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ActivityExecutionError>>,
{
    let mut resume = None;
    let mut crashes = 0;
    loop {
        match run(resume.take()).await {
            Err(e) if crashes < policy.max => match worker_died(&e, policy) {
                Some(checkpoint) => {
                    crashes += 1;
                    resume = checkpoint;
                }
                None => return Err(e),
            },
            other => return other,
        }
    }
}

/// A scenario as clients send it: the seed design's plain prompt string, or the full object.
fn scenario_from(value: &Value) -> Result<ScenarioSpec, String> {
    match value {
        Value::String(prompt) => Ok(ScenarioSpec::new(prompt.clone())),
        other => serde_json::from_value(other.clone()).map_err(|e| {
            format!("not a scenario ({e}): expected a prompt, or {{prompt, durationSeconds}}")
        }),
    }
}

/// A quality as clients send it (`"standard"`, `"high"`, `"4k"`).
fn quality_from(value: &Value) -> Result<Quality, String> {
    match value {
        Value::String(s) => s.parse::<Quality>().map_err(|e| e.to_string()),
        other => Err(format!(
            "{other} is not a quality: expected \"standard\", \"high\" or \"4k\""
        )),
    }
}

/// What every phase of a run needs, fixed once it is planned.
struct Run {
    tuning: Tuning,
    /// When an activity is scheduled anew because only its workers died.
    reschedule: Reschedule,
    /// Where clips and enhance run (None: the workflow's own queue).
    slow_queue: Option<String>,
}

/// Asks every patch, then plans the models and checks their rules before anything is paid for:
/// a job whose clips the chosen model would refuse fails here, naming each scenario and rule.
/// Returns the run's settings and whether the cache is consulted.
async fn prepare(ctx: &WorkflowContext<VideoWorkflow>) -> WorkflowResult<(Run, bool)> {
    // Every patch is asked before the first local activity, in the order earlier releases
    // asked theirs: on replay, a patch asked after a local activity that resolved in a
    // workflow task of its own is looked for in the wrong task (a non-determinism error).
    // Jobs started before plans existed replay without one.
    let planned = ctx.patched(names::RULES_PATCH);
    // A new version knows its takes already; its new takes are new work by design.
    let wants_cache = ctx.state(|s| s.use_cache && s.progress.version == 1);
    // Jobs started before crash re-scheduling existed replay as they ran.
    let crash_patched = ctx.patched(names::CRASH_PATCH);
    let cache_patched = wants_cache && ctx.patched(names::CACHE_PATCH);
    let budget_patched = crash_patched && ctx.patched(names::CRASH_BUDGET_PATCH);

    if planned {
        let query = ctx.state(|s| {
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
            }
        });
        let plan = ctx
            .execute_local_activity(
                StudioActivities::plan_render,
                query,
                ctx.state(|s| s.tuning).plan.local_options(),
            )
            .await
            .map_err(|e| activity_failed(ctx, e))?;
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
        });
    }
    let (tuning, slow_queue) = ctx.state(|s| (s.tuning, s.slow_queue.clone()));
    let run = Run {
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
    };
    Ok((run, cache_patched))
}

/// The character's angles for this job's character and model, as the activity takes them.
fn character_input(s: &VideoWorkflow) -> CharacterInput {
    CharacterInput {
        character: s.request.character.clone(),
        aspect_ratio: s.request.aspect_ratio,
        model: s.image_model.clone(),
    }
}

/// What identical inputs made before is reused, not paid for again. A local activity: a marker
/// in history, no task on a queue. A failed lookup is a miss.
async fn find_cached(ctx: &WorkflowContext<VideoWorkflow>, run: &Run, patched: bool) -> CacheHits {
    if !patched {
        return CacheHits::default();
    }
    let query = ctx.state(|s| CacheQuery {
        character: character_input(s),
        known_character: s.base_images.clone(),
        scenarios: s.request.scenarios.clone(),
        quality: s.quality,
        video_model: s.rules.as_ref().map(|r| r.model.clone()),
    });
    ctx.execute_local_activity(
        StudioActivities::find_cached_artifacts,
        query,
        run.tuning.cache_lookup.local_options(),
    )
    .await
    .unwrap_or_default()
}

/// Character: the three angles: the earlier version's, the cache's, or generated.
async fn character(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
    cached: Option<CharacterImages>,
) -> WorkflowResult<CharacterImages> {
    if let Some(images) = ctx.state(|s| s.base_images.clone()).or(cached) {
        return Ok(images);
    }
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
    .await
    .map_err(|e| activity_failed(ctx, e))?;
    ctx.state_mut(|s| s.add_usage(out.usage));
    Ok(out.images)
}

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

/// The next queued scenario's clip to launch (None when paused or nothing is queued): its
/// index, take number, prompt and the activity's input.
fn next_launch(
    s: &mut VideoWorkflow,
    images: &CharacterImages,
) -> Option<(usize, u32, String, SegmentInput)> {
    if s.paused {
        return None;
    }
    let i = s.queue.pop_front()?;
    let prompt = s.request.scenarios[i].prompt.clone();
    let variant = s.launched[i].iter().filter(|p| **p == prompt).count() as u32;
    s.launched[i].push(prompt.clone());
    let take = s.launched[i].len() as u32;
    s.progress.segments[i].status = SegmentStatus::Running;
    s.progress.segments[i].error = None;
    let model = s.rules.as_ref().map(|r| r.model.clone());
    let input = SegmentInput {
        scenario: s.request.scenarios[i].clone(),
        character_image: images.front.clone(),
        aspect_ratio: s.request.aspect_ratio,
        quality: s.quality,
        resume: None,
        variant,
        // Jobs planned send the angles; the model's rules decide their use.
        references: if model.is_some() {
            images.to_vec()
        } else {
            Vec::new()
        },
        model,
    };
    Some((i, take, prompt, input))
}

/// Records a finished take; the newest take asked for wins, an older one finishing late is
/// kept among the takes but not used.
fn take_done(s: &mut VideoWorkflow, index: usize, take: u32, prompt: String, out: SegmentOutput) {
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

/// Scenes: one clip per queued scenario, at most `max_parallel_segments` at once. Scenarios added
/// by `addSegment` and retakes asked by `regenerateSegment` while this runs join the queue;
/// pause stops new launches only.
async fn scenes(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
    images: &CharacterImages,
    cached: &[Option<String>],
) -> WorkflowResult<()> {
    let max_parallel = run.tuning.max_parallel_segments.max(1) as usize;
    let mut segment_opts = run.tuning.segment.options();
    segment_opts.task_queue = run.slow_queue.clone();
    let mut running: Vec<LocalBoxFuture<'_, _>> = Vec::new();
    ctx.state_mut(|s| {
        s.set_stage(Stage::GeneratingVideos, "Generating video segments");
        take_cached_clips(s, cached);
    });
    loop {
        while running.len() < max_parallel {
            let Some((index, take, prompt, input)) = ctx.state_mut(|s| next_launch(s, images))
            else {
                break;
            };
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
            running.push(Box::pin(async move { (index, take, prompt, fut.await) }));
        }
        if running.is_empty() && ctx.state(|s| s.queue.is_empty()) {
            return Ok(());
        }
        let in_flight = running.len();
        let can_launch =
            move |s: &VideoWorkflow| !s.paused && !s.queue.is_empty() && in_flight < max_parallel;
        if running.is_empty() {
            ctx.wait_condition(can_launch).await?;
            continue;
        }
        // `select_all` rather than `FuturesUnordered`: the latter wakes itself to yield,
        // which the SDK rightly flags as a non-deterministic wake.
        let launch = std::pin::pin!(ctx.wait_condition(can_launch));
        let (index, take, prompt, result) =
            match select(select_all(std::mem::take(&mut running)), launch).await {
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
        match result {
            Ok(out) => ctx.state_mut(|s| take_done(s, index, take, prompt, out)),
            Err(err) => {
                let kept = ctx.state_mut(|s| take_failed(s, index, err.to_string()));
                if !kept || ctx.cancellation_token().is_cancelled() {
                    return Err(activity_failed(ctx, err));
                }
            }
        }
    }
}

/// Stitch, in scenario order. Returns the stitched video.
async fn stitch(ctx: &WorkflowContext<VideoWorkflow>, run: &Run) -> WorkflowResult<String> {
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
    Ok(stitched.video_url)
}

/// Finish: enhance when the quality is 4k at this point (it may have changed while running), then
/// the result: this version added to the earlier ones.
async fn finish(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
    images: CharacterImages,
    stitched: String,
) -> WorkflowResult<VideoResult> {
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
    let video_url = match enhance {
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
    };
    Ok(ctx.state_mut(|s| {
        s.set_stage(Stage::Completed, "Done");
        let mut versions = s.base_versions.clone();
        versions.push(Version {
            number: s.progress.version,
            video_url: video_url.clone(),
            takes: s.progress.segments.iter().map(|seg| seg.take).collect(),
            usage: s.run_usage.clone(),
            quality: s.quality,
        });
        VideoResult {
            video_url,
            character_images: images.to_vec(),
            segments: s.progress.segments.clone(),
            versions,
            usage: s.progress.usage.clone(),
        }
    }))
}

#[workflow_methods]
impl VideoWorkflow {
    #[init]
    fn new(_ctx: &WorkflowContextView, input: RenderInput) -> Self {
        let RenderInput {
            request,
            tuning,
            slow_queue,
            use_cache,
            base,
            character_images,
        } = input;
        let scenarios = request.scenarios.clone();
        let mut wf = VideoWorkflow {
            quality: request.quality,
            request: VideoRequest {
                scenarios: Vec::new(),
                ..request
            },
            tuning: tuning.unwrap_or_default(),
            slow_queue,
            use_cache,
            paused: false,
            accepting_segments: true,
            quality_locked: false,
            progress: Progress::default(),
            queue: VecDeque::new(),
            launched: Vec::new(),
            base_images: character_images,
            base_versions: Vec::new(),
            run_usage: Vec::new(),
            rules: None,
            image_model: None,
            native_4k_clips: HashSet::new(),
        };
        wf.progress.quality = wf.quality;
        wf.progress.version = 1;
        wf.progress.current_step = "Waiting for a worker".into();
        for s in scenarios {
            wf.push_scenario(s);
        }
        if let Some(base) = base {
            wf.apply_base(base);
        }
        wf
    }

    #[run(name = names::VIDEO_WORKFLOW)]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<VideoResult> {
        let ctx = &*ctx;
        ctx.wait_condition(|s| !s.paused).await?;
        let (run, cache_patched) = prepare(ctx).await?;
        let hits = find_cached(ctx, &run, cache_patched).await;
        let images = character(ctx, &run, hits.character).await?;
        scenes(ctx, &run, &images, &hits.segments).await?;
        let stitched = stitch(ctx, &run).await?;
        finish(ctx, &run, images, stitched).await
    }

    #[query(name = names::GET_PROGRESS)]
    pub fn get_progress(&self, _ctx: &WorkflowContextView) -> Progress {
        self.progress.clone()
    }

    #[signal(name = names::PAUSE)]
    pub fn pause(&mut self, _ctx: &mut SyncWorkflowContext<Self>) {
        if self.progress.stage != Stage::Completed {
            self.paused = true;
            self.progress.paused = true;
        }
    }

    #[signal(name = names::RESUME)]
    pub fn resume(&mut self, _ctx: &mut SyncWorkflowContext<Self>) {
        self.paused = false;
        self.progress.paused = false;
    }

    /// Takes any JSON: a payload that is not a scenario is dropped and said, never allowed to
    /// fail the workflow task (which would wedge the job on every retry).
    #[signal(name = names::ADD_SEGMENT)]
    pub fn add_segment(&mut self, _ctx: &mut SyncWorkflowContext<Self>, scenario: Value) {
        let scenario = match scenario_from(&scenario) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "addSegment signal dropped");
                self.progress.current_step = format!("Scenario not added: {e}");
                return;
            }
        };
        if !self.accepting_segments || scenario.prompt.trim().is_empty() {
            return;
        }
        // A signal cannot be refused: a scenario the model would refuse is dropped, and said.
        let label = scenario
            .id
            .clone()
            .unwrap_or_else(|| "the new scenario".into());
        let problems = self.problems_of(&scenario, &label, self.quality);
        if let Some(p) = problems.first() {
            self.progress.current_step = format!("Scenario not added: {p}");
            return;
        }
        self.push_scenario(scenario);
    }

    #[update_validator(add_scenario)]
    fn validate_add_scenario(
        &self,
        _ctx: &WorkflowContextView,
        scenario: &Value,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let scenario = &scenario_from(scenario)?;
        if scenario.prompt.trim().is_empty() {
            return Err("the new scenario's prompt is empty".into());
        }
        if !self.accepting_segments {
            return Err("too late to add a scenario: the video is already being stitched".into());
        }
        let label = scenario
            .id
            .clone()
            .unwrap_or_else(|| "the new scenario".into());
        let problems = self.problems_of(scenario, &label, self.quality);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
            return Err(list.join("; ").into());
        }
        Ok(())
    }

    /// Adds a scenario to the running job (refused when it breaks the job's model rules);
    /// returns its id.
    #[update(name = names::ADD_SCENARIO)]
    pub fn add_scenario(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        scenario: Value,
    ) -> String {
        // The validator has already accepted it.
        let Ok(scenario) = scenario_from(&scenario) else {
            return String::new();
        };
        self.push_scenario(scenario);
        self.progress
            .segments
            .last()
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    #[update_validator(change_quality)]
    fn validate_change_quality(
        &self,
        _ctx: &WorkflowContextView,
        quality: &Value,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let q = quality_from(quality)?;
        if self.quality_locked {
            return Err("too late to change quality: the video is already being finished".into());
        }
        // The clips still to come must be makeable at the new quality.
        let mut pending: Vec<usize> = self.pending().collect();
        pending.sort_unstable();
        pending.dedup();
        let problems: Vec<String> = pending
            .into_iter()
            .flat_map(|i| {
                let label = self.progress.segments[i].id.clone();
                self.problems_of(&self.request.scenarios[i], &label, q)
            })
            .map(|p| p.to_string())
            .collect();
        if !problems.is_empty() {
            return Err(
                format!("{q} is not possible for this job: {}", problems.join("; ")).into(),
            );
        }
        Ok(())
    }

    #[update_validator(regenerate_segment)]
    fn validate_regenerate_segment(
        &self,
        _ctx: &WorkflowContextView,
        req: &Value,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let req: RegenerateRequest = serde_json::from_value(req.clone())
            .map_err(|e| format!("not a retake request ({e}): expected {{scenarioId, prompt?}}"))?;
        if self.index_of(&req.scenario_id).is_none() {
            return Err(format!("this job has no scenario {:?}", req.scenario_id).into());
        }
        if req.prompt.as_deref().is_some_and(|p| p.trim().is_empty()) {
            return Err("the new prompt is empty".into());
        }
        if !self.accepting_segments {
            return Err(
                "too late for this run: the video is already being stitched; regenerate once \
                 it completes (that makes a new version)"
                    .into(),
            );
        }
        Ok(())
    }

    /// Asks for a new take of one scenario (with a new prompt, or the same one); the stitched
    /// video uses it. Returns the number the take will have.
    #[update(name = names::REGENERATE_SEGMENT)]
    pub fn regenerate_segment(&mut self, _ctx: &mut SyncWorkflowContext<Self>, req: Value) -> u32 {
        // The validator has already accepted the request.
        let Ok(req) = serde_json::from_value::<RegenerateRequest>(req) else {
            return 0;
        };
        let Some(i) = self.index_of(&req.scenario_id) else {
            return 0;
        };
        if let Some(prompt) = req.prompt {
            self.request.scenarios[i].prompt = prompt.clone();
            self.progress.segments[i].prompt = prompt;
        }
        let queued_before = self.queue.iter().position(|&q| q == i);
        if queued_before.is_none() {
            self.queue.push_back(i);
        }
        let seg = &mut self.progress.segments[i];
        if seg.status != SegmentStatus::Running {
            seg.status = SegmentStatus::Pending;
        }
        self.launched[i].len() as u32 + 1
    }

    #[update(name = names::CHANGE_QUALITY)]
    pub fn change_quality(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        quality: Value,
    ) -> String {
        let previous = self.quality;
        // The validator has already accepted the value.
        if let Ok(q) = quality_from(&quality) {
            self.quality = q;
            self.progress.quality = q;
        }
        previous.to_string()
    }
}
