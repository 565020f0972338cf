//! Activities: the non-deterministic half of a render. Each one reads inputs from the artifact
//! store, runs a provider or ffmpeg, writes its output back to the store and returns a URI.
//!
//! Every activity heartbeats while it works: that is how a crashed worker is noticed quickly and
//! how cancellation reaches a running ffmpeg. Media errors become application failures whose type
//! is the error's class, so the retry policy can tell a bad key from a busy server.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use studio_catalog::{
    check_clip, check_extend, check_first_frame, check_last_frame, clip_plan, extension_resolution,
    Catalog, ClipPlan, Family,
};
use studio_core::{CharacterImages, ElementImages, Usage, UsageKind};
use studio_media::{
    Angle, ArtifactStore, ClipRequest, ExtendRequest, ImageRequest, MediaError, StitchMode,
    TaskCtx, Toolkit,
};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

mod bridge;
mod clip;

pub(crate) use bridge::{bridged, to_activity_error};

use crate::cache::{character_key, element_key, segment_key};
use crate::messages::{
    CacheHits, CacheQuery, CharacterInput, CharacterOutput, ElementInput, ElementOutput,
    EnhanceInput, ExtendTake, PlanQuery, PrepareQuery, Prepared, RenderPlan, SegmentInput,
    SegmentOutput, StitchInput, StitchOutput, UnitPrices,
};
use crate::metrics::StudioMetrics;
use crate::names;
use crate::references::{scene_elements, scene_references};

/// What a worker's activities need: where media lives, who makes it, what to count.
pub struct StudioActivities {
    store: Arc<dyn ArtifactStore>,
    toolkit: Toolkit,
    metrics: StudioMetrics,
    /// How often activities heartbeat (the SDK throttles what reaches the server).
    heartbeat_every: Duration,
}

impl StudioActivities {
    pub fn new(store: Arc<dyn ArtifactStore>, toolkit: Toolkit, metrics: StudioMetrics) -> Self {
        StudioActivities {
            store,
            toolkit,
            metrics,
            heartbeat_every: Duration::from_millis(500),
        }
    }

    async fn run_task<T, F, Fut>(&self, ctx: &ActivityContext, work: F) -> Result<T, ActivityError>
    where
        F: FnOnce(TaskCtx) -> Fut,
        Fut: Future<Output = Result<T, MediaError>>,
    {
        self.run_task_resuming(ctx, None, work).await
    }

    /// [`Self::run_task`], resuming from `resume` when this attempt has no heartbeat of its own
    /// (a fresh activity for work whose worker died).
    async fn run_task_resuming<T, F, Fut>(
        &self,
        ctx: &ActivityContext,
        resume: Option<serde_json::Value>,
        work: F,
    ) -> Result<T, ActivityError>
    where
        F: FnOnce(TaskCtx) -> Fut,
        Fut: Future<Output = Result<T, MediaError>>,
    {
        bridged(ctx, self.heartbeat_every, resume, &self.metrics, work).await
    }
}

impl StudioActivities {
    /// Records what `key`'s inputs made. A cache that cannot be written costs a future re-run,
    /// never this job.
    async fn remember(&self, key: &str, uris: &[String]) {
        if let Err(e) = self.store.cache_put(key, uris).await {
            tracing::warn!(error = %e, "artifact cache not updated");
        }
    }

    async fn recall(&self, key: &str) -> Option<Vec<String>> {
        match self.store.cache_get(key).await {
            Ok(hit) => hit,
            Err(e) => {
                tracing::warn!(error = %e, "artifact cache lookup failed; treating as a miss");
                None
            }
        }
    }
}

/// The plan's models' list prices (the model table's), for the job's budget.
fn unit_prices(models: &studio_media::ModelPlan) -> UnitPrices {
    let catalog = Catalog::builtin();
    let usd = |p: Option<f64>| {
        p.and_then(studio_core::Usd::from_dollars)
            .unwrap_or_default()
    };
    UnitPrices {
        image: usd(catalog.unit_price(&models.image_model, false, None)),
        video_per_second: models
            .video
            .family
            .price_per_second
            .iter()
            .map(|(resolution, p)| (resolution.clone(), usd(Some(*p))))
            .collect(),
    }
}

/// The bodies the local activities share.
impl StudioActivities {
    /// The models a render uses and every rule of theirs its clips break.
    async fn plan(
        self: &Arc<Self>,
        ctx: &ActivityContext,
        query: PlanQuery,
    ) -> Result<RenderPlan, ActivityError> {
        let this = self.clone();
        self.run_task(ctx, |task| async move {
            let models = this.toolkit.provider.plan(query.quality, &task).await?;
            let mut problems: Vec<_> = query
                .scenarios
                .iter()
                .enumerate()
                .flat_map(|(i, s)| {
                    let label = s.id.clone().unwrap_or_else(|| format!("scene {}", i + 1));
                    let continues = s
                        .continue_from_previous
                        .then(|| check_first_frame(&models.video, Some(&label)))
                        .flatten();
                    let ends = s
                        .end_frame
                        .as_ref()
                        .and_then(|_| check_last_frame(&models.video, Some(&label)));
                    check_clip(
                        &models.video,
                        Some(&label),
                        query.quality,
                        s.duration_seconds.get(),
                        query.aspect_ratio,
                    )
                    .into_iter()
                    .chain(continues)
                    .chain(ends)
                })
                .collect();
            // Extensions: the clip continued is measured, then checked against the model's
            // rules (can it extend, by this much, a clip this long).
            for x in &query.extensions {
                let clip = this.store.local_path(&x.clip).await?;
                let lengths = this.toolkit.finisher.durations(&[clip], &task).await?;
                let length = lengths.first().copied().unwrap_or_default();
                problems.extend(check_extend(
                    &models.video,
                    Some(&x.scenario),
                    length,
                    x.seconds,
                ));
            }
            let prices = Some(unit_prices(&models));
            Ok(RenderPlan {
                models,
                problems,
                prices,
            })
        })
        .await
    }

    /// What identical inputs made before; a lookup that fails is a miss.
    async fn lookup(&self, query: CacheQuery) -> CacheHits {
        let provider = self.toolkit.provider.cache_identity();
        let elements = self.lookup_elements(&query).await;
        let character = match query.known_character {
            Some(known) => Some(known),
            None => self
                .recall(&character_key(&provider, &query.character))
                .await
                .and_then(|uris| <[String; 3]>::try_from(uris).ok())
                .map(|[front, three_quarter, profile]| CharacterImages {
                    front,
                    three_quarter,
                    profile,
                }),
        };
        let mut segments = Vec::with_capacity(query.scenarios.len());
        for scenario in query.scenarios {
            // A cast or a first frame from the previous clip are known only later: those
            // clips look themselves up when they run (`SegmentInput::recall`), as do those
            // naming a place or a prop whose images are not made yet.
            let later = !scenario.cast.is_empty()
                || scenario.continue_from_previous
                || scenario.end_frame.is_some();
            let places = scene_elements(&scenario, &query.elements, &elements);
            let hit = match (&character, places) {
                // New character images mean new clips: only a cached character can have them.
                (None, _) | (_, None) => None,
                (Some(_), _) if later => None,
                (Some(images), Some(places)) => {
                    let input = SegmentInput {
                        scenario,
                        character_image: images.front.clone(),
                        aspect_ratio: query.character.aspect_ratio,
                        quality: query.quality,
                        resume: None,
                        variant: 0,
                        model: query.video_model.clone(),
                        references: if query.video_model.is_some() {
                            scene_references(&[images], &places)
                        } else {
                            Vec::new()
                        },
                        first_frame_from: None,
                        recall: false,
                        last_frame: None,
                        last_frame_from: None,
                        extend: None,
                    };
                    self.recall(&segment_key(&provider, &input))
                        .await
                        .and_then(|uris| uris.into_iter().next())
                }
            };
            segments.push(hit);
        }
        CacheHits {
            character,
            segments,
            elements,
        }
    }

    /// The views the cache holds of the query's elements that need images (with the
    /// character's image model: one plan makes both).
    async fn lookup_elements(&self, query: &CacheQuery) -> Vec<ElementImages> {
        let provider = self.toolkit.provider.cache_identity();
        let mut found = Vec::new();
        for element in query.elements.iter().filter(|e| e.needs_images()) {
            let input = ElementInput {
                element: element.clone(),
                aspect_ratio: query.character.aspect_ratio,
                model: query.character.model.clone(),
                recall: false,
            };
            if let Some(images) = self.recall_views(&element_key(&provider, &input)).await {
                found.push(ElementImages {
                    id: element.id.clone(),
                    images,
                });
            }
        }
        found
    }

    /// An element's views as the cache holds them (as many as an element gets, or a miss).
    async fn recall_views(&self, key: &str) -> Option<Vec<String>> {
        let wanted = studio_core::Element::<String>::GENERATED_IMAGES as usize;
        self.recall(key).await.filter(|uris| uris.len() == wanted)
    }

    /// The views in `angles` of `subject` made ([`Self::views`]), remembered under the cache
    /// `key` and counted as images of `subject`'s model: what a character's angles and an
    /// element's views both are once the cache had none.
    async fn made_views(
        &self,
        key: &str,
        subject: &ImageRequest,
        angles: &[Angle],
        task: &TaskCtx,
    ) -> Result<(Vec<String>, Usage), MediaError> {
        let uris = self.views(subject, angles, task).await?;
        self.remember(key, &uris).await;
        let usage = Usage {
            model: (subject.model.clone()).unwrap_or_else(|| self.toolkit.provider.image_model()),
            kind: UsageKind::Image,
            quantity: uris.len() as u32,
            resolution: None,
        };
        Ok((uris, usage))
    }

    /// Makes one image per view in `angles` of `subject` (at once: they are independent
    /// requests), reporting progress as each lands; returns their URIs in `angles`' order.
    async fn views(
        &self,
        subject: &ImageRequest,
        angles: &[Angle],
        task: &TaskCtx,
    ) -> Result<Vec<String>, MediaError> {
        let done = std::sync::atomic::AtomicUsize::new(0);
        let total = angles.len().max(1) as f32;
        let made = angles.iter().map(|&angle| {
            let done = &done;
            let req = ImageRequest {
                angle,
                ..subject.clone()
            };
            async move {
                let scratch = self.store.scratch(self.toolkit.provider.image_ext())?;
                let sub = TaskCtx::new(task.cancel.clone(), None);
                self.toolkit
                    .provider
                    .character_image(&req, scratch.path(), &sub)
                    .await?;
                let uri = self.store.commit(scratch).await?;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                task.report(n as f32 / total);
                Ok::<_, MediaError>(uri)
            }
        });
        futures::future::try_join_all(made).await
    }

    /// The local paths of reference images given as artifact URIs.
    async fn local_paths(&self, uris: &[String]) -> Result<Vec<PathBuf>, MediaError> {
        let mut paths = Vec::with_capacity(uris.len());
        for uri in uris {
            paths.push(self.store.local_path(uri).await?);
        }
        Ok(paths)
    }
}

#[activities]
impl StudioActivities {
    /// The models a render uses, chosen by this worker's provider from what its key can use,
    /// and every rule of theirs the render's clips break (run as a local activity, before
    /// anything is paid for).
    #[activity(name = names::PLAN_RENDER)]
    pub async fn plan_render(
        self: Arc<Self>,
        ctx: ActivityContext,
        query: PlanQuery,
    ) -> Result<RenderPlan, ActivityError> {
        self.plan(&ctx, query).await
    }

    /// Which of a render's artifacts identical inputs already made (run as a local activity).
    #[activity(name = names::FIND_CACHED_ARTIFACTS)]
    pub async fn find_cached_artifacts(
        self: Arc<Self>,
        _ctx: ActivityContext,
        query: CacheQuery,
    ) -> Result<CacheHits, ActivityError> {
        Ok(self.lookup(query).await)
    }

    /// The plan, then the cache lookup with the plan's models: what an engine-v2 job asks
    /// before its first activity, as one local activity (one marker in its history).
    #[activity(name = names::PREPARE_RENDER)]
    pub async fn prepare_render(
        self: Arc<Self>,
        ctx: ActivityContext,
        query: PrepareQuery,
    ) -> Result<Prepared, ActivityError> {
        let plan = self.plan(&ctx, query.plan).await?;
        let hits = match query.cache {
            Some(mut cache) if plan.problems.is_empty() => {
                cache.character.model = Some(plan.models.image_model.clone());
                cache.video_model = Some(plan.models.video.model.clone());
                self.lookup(cache).await
            }
            _ => CacheHits::default(),
        };
        Ok(Prepared { plan, hits })
    }

    /// Three angles of the character (front, three-quarter, profile).
    #[activity(name = names::GENERATE_CHARACTER_IMAGES)]
    pub async fn generate_character_images(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: CharacterInput,
    ) -> Result<CharacterOutput, ActivityError> {
        let this = self.clone();
        self.run_task(&ctx, |task| async move {
            let key = character_key(&this.toolkit.provider.cache_identity(), &input);
            if input.recall {
                let hit = this.recall(&key).await;
                if let Some(Ok([front, three_quarter, profile])) = hit.map(<[String; 3]>::try_from)
                {
                    return Ok(CharacterOutput {
                        images: CharacterImages {
                            front,
                            three_quarter,
                            profile,
                        },
                        usage: None,
                    });
                }
            }
            let subject = ImageRequest {
                name: input.character.name.clone(),
                prompt: input.character.base_prompt.clone(),
                angle: Angle::Front,
                aspect_ratio: input.aspect_ratio,
                references: this.local_paths(&input.character.reference_images).await?,
                model: input.model.clone(),
            };
            let (uris, usage) = this.made_views(&key, &subject, &Angle::ALL, &task).await?;
            let [front, three_quarter, profile]: [String; 3] =
                uris.try_into().expect("three angles");
            Ok(CharacterOutput {
                images: CharacterImages {
                    front,
                    three_quarter,
                    profile,
                },
                usage: Some(usage),
            })
        })
        .await
    }

    /// The views of a location or a prop that came with no images (a location's establishing
    /// wide and reverse, a prop's product view and detail), made like a character's angles:
    /// the cache's when asked to look and it has them, else generated, counted and remembered.
    #[activity(name = names::GENERATE_ELEMENT_IMAGES)]
    pub async fn generate_element_images(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ElementInput,
    ) -> Result<ElementOutput, ActivityError> {
        let this = self.clone();
        self.run_task(&ctx, |task| async move {
            let key = element_key(&this.toolkit.provider.cache_identity(), &input);
            if input.recall {
                if let Some(images) = this.recall_views(&key).await {
                    return Ok(ElementOutput {
                        images,
                        usage: None,
                    });
                }
            }
            let subject = ImageRequest {
                name: input.element.name.clone(),
                prompt: input.element.prompt.clone(),
                angle: Angle::Front,
                aspect_ratio: input.aspect_ratio,
                references: Vec::new(),
                model: input.model.clone(),
            };
            let angles = Angle::views_of(input.element.kind);
            let (images, usage) = this.made_views(&key, &subject, &angles, &task).await?;
            Ok(ElementOutput {
                images,
                usage: Some(usage),
            })
        })
        .await
    }

    /// One clip for one scenario, from the character's front image.
    #[activity(name = names::GENERATE_VIDEO_SEGMENT)]
    pub async fn generate_video_segment(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: SegmentInput,
    ) -> Result<SegmentOutput, ActivityError> {
        let this = self.clone();
        let resume = input.resume.clone();
        self.run_task_resuming(
            &ctx,
            resume,
            |task| async move { this.clip(input, task).await },
        )
        .await
    }

    /// Joins the clips in order: whole, end to end, or as the job's cut says (trimmed, joined
    /// by its transitions, with its title cards; then the shots' spans come back with it).
    #[activity(name = names::STITCH_VIDEOS)]
    pub async fn stitch_videos(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: StitchInput,
    ) -> Result<StitchOutput, ActivityError> {
        let this = self.clone();
        self.run_task(&ctx, |task| async move {
            let mut clips: Vec<PathBuf> = Vec::with_capacity(input.clips.len());
            for uri in &input.clips {
                clips.push(this.store.local_path(uri).await?);
            }
            let scratch = this.store.scratch(this.toolkit.provider.clip_ext())?;
            let (mode, spans) = match input.cut {
                None => {
                    let mode = this
                        .toolkit
                        .finisher
                        .stitch(&clips, scratch.path(), &task)
                        .await?;
                    (mode, None)
                }
                Some(plan) => {
                    let job = studio_media::cut::CutJob {
                        clips,
                        plan,
                        size: None,
                    };
                    let report = this
                        .toolkit
                        .finisher
                        .cut(&job, scratch.path(), &task)
                        .await?;
                    let mode = match report.mode {
                        studio_media::cut::CutMode::Smart => StitchMode::StreamCopy,
                        studio_media::cut::CutMode::Full => StitchMode::Reencode,
                    };
                    (mode, Some(report.spans))
                }
            };
            Ok(StitchOutput {
                video_url: this.store.commit(scratch).await?,
                mode,
                spans,
            })
        })
        .await
    }

    /// Upscales the stitched video to 4K.
    #[activity(name = names::ENHANCE_4K)]
    pub async fn enhance_4k(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: EnhanceInput,
    ) -> Result<String, ActivityError> {
        let this = self.clone();
        self.run_task(&ctx, |task| async move {
            let video = this.store.local_path(&input.video_url).await?;
            let scratch = this.store.scratch(this.toolkit.provider.clip_ext())?;
            this.toolkit
                .finisher
                .enhance(&video, input.aspect_ratio, scratch.path(), &task)
                .await?;
            this.store.commit(scratch).await
        })
        .await
    }
}
