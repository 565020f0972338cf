//! How the clip activity makes one clip: from the cache, or by the provider from its first
//! frame, its end frame or the take it extends, with the references the model takes.

use super::*;

/// The clip activity's body, in its steps.
impl StudioActivities {
    /// One clip: the cache's, when the workflow asked it to look (a clip whose inputs are known
    /// only now) and it has one; else made by the provider, counted and remembered.
    pub(super) async fn clip(
        &self,
        input: SegmentInput,
        task: TaskCtx,
    ) -> Result<SegmentOutput, MediaError> {
        let key = segment_key(&self.toolkit.provider.cache_identity(), &input);
        if input.recall {
            if let Some(clip_url) = self.recall(&key).await.and_then(|u| u.into_iter().next()) {
                return Ok(SegmentOutput {
                    clip_url,
                    usage: None,
                    native_4k: false,
                });
            }
        }
        if let Some(x) = &input.extend {
            return self.extension(&input, x, &key, &task).await;
        }
        let (image, reference_count) = self.start_image(&input, &task).await?;
        let last_frame = self.end_image(&input, &task).await?;
        // What the clip is asked as, by the same rules the provider follows: the angles are
        // fetched only where the model takes them, the resolution prices the clip, and a
        // native 4k clip needs no upscale.
        let model = input
            .model
            .clone()
            .unwrap_or_else(|| self.toolkit.provider.video_model());
        let family = Catalog::builtin().family_of(&model);
        let plan = family.map(|f| {
            clip_plan(
                f,
                input.quality,
                input.scenario.duration_seconds.get(),
                reference_count,
            )
        });
        let references = self.clip_references(&input, family, plan.as_ref()).await?;
        let scratch = self.store.scratch(self.toolkit.provider.clip_ext())?;
        let req = ClipRequest {
            prompt: input.scenario.prompt.clone(),
            negative_prompt: input.scenario.negative_prompt.clone(),
            duration: input.scenario.duration_seconds,
            aspect_ratio: input.aspect_ratio,
            quality: input.quality,
            image,
            references,
            model: input.model.clone(),
            variant: input.variant,
            last_frame,
        };
        self.toolkit
            .provider
            .video_clip(&req, scratch.path(), &task)
            .await?;
        let clip_url = self.store.commit(scratch).await?;
        self.metrics.clip_generated(req.duration.get());
        self.remember(&key, std::slice::from_ref(&clip_url)).await;
        Ok(SegmentOutput {
            clip_url,
            usage: Some(Usage {
                model,
                kind: UsageKind::VideoSecond,
                quantity: req.duration.get(),
                resolution: plan.as_ref().map(|p| p.resolution.clone()),
            }),
            native_4k: plan.is_some_and(|p| p.resolution == "4k"),
        })
    }

    /// The image the clip starts from, and how many reference images go with it. A scene
    /// continuing the previous shot starts from that clip's last frame, and then the frame
    /// carries the characters: no reference images.
    async fn start_image(
        &self,
        input: &SegmentInput,
        task: &TaskCtx,
    ) -> Result<(PathBuf, usize), MediaError> {
        Ok(match &input.first_frame_from {
            Some(clip) => {
                let clip = self.store.local_path(clip).await?;
                let frame = self.store.scratch("png")?;
                let sub = TaskCtx::new(task.cancel.clone(), None);
                self.toolkit
                    .finisher
                    .last_frame(&clip, frame.path(), &sub)
                    .await?;
                let uri = self.store.commit(frame).await?;
                (self.store.local_path(&uri).await?, 0)
            }
            None => (
                self.store.local_path(&input.character_image).await?,
                input.references.len(),
            ),
        })
    }

    /// The image the clip ends on: the scene's end frame, or the first frame of the next
    /// scene's clip (made first); None for a clip that ends where the model likes.
    async fn end_image(
        &self,
        input: &SegmentInput,
        task: &TaskCtx,
    ) -> Result<Option<PathBuf>, MediaError> {
        if let Some(uri) = &input.last_frame {
            return Ok(Some(self.store.local_path(uri).await?));
        }
        let Some(next) = &input.last_frame_from else {
            return Ok(None);
        };
        let clip = self.store.local_path(next).await?;
        let frame = self.store.scratch("png")?;
        let sub = TaskCtx::new(task.cancel.clone(), None);
        self.toolkit
            .finisher
            .first_frame(&clip, frame.path(), &sub)
            .await?;
        let uri = self.store.commit(frame).await?;
        Ok(Some(self.store.local_path(&uri).await?))
    }

    /// A take continuing a clip (video extension), made by the provider (the WHOLE clip: the
    /// input, then the seconds added), counted at the seconds added and remembered. The cache
    /// was asked first ([`Self::clip`]): a continuation of this clip by these seconds and words
    /// is never paid twice.
    async fn extension(
        &self,
        input: &SegmentInput,
        x: &ExtendTake,
        key: &str,
        task: &TaskCtx,
    ) -> Result<SegmentOutput, MediaError> {
        let model = input
            .model
            .clone()
            .unwrap_or_else(|| self.toolkit.provider.video_model());
        // Billed at the resolution the model extends at (Veo: 720p whatever the quality).
        let resolution = Catalog::builtin()
            .family_of(&model)
            .map(|f| extension_resolution(f, input.quality, x.seconds));
        let req = ExtendRequest {
            clip: self.store.local_path(&x.clip_url).await?,
            prompt: x.prompt.clone(),
            seconds: x.seconds,
            aspect_ratio: input.aspect_ratio,
            model: input.model.clone(),
        };
        let scratch = self.store.scratch(self.toolkit.provider.clip_ext())?;
        self.toolkit
            .provider
            .extend_clip(&req, scratch.path(), task)
            .await?;
        let clip_url = self.store.commit(scratch).await?;
        self.metrics.clip_generated(x.seconds);
        self.remember(key, std::slice::from_ref(&clip_url)).await;
        tracing::info!(seconds = x.seconds, %clip_url, "extended a clip");
        Ok(SegmentOutput {
            clip_url,
            usage: Some(Usage {
                model,
                kind: UsageKind::VideoSecond,
                quantity: x.seconds,
                resolution,
            }),
            native_4k: false,
        })
    }

    /// The reference images fetched for the clip: as many as the model takes (the workflow
    /// orders them so every face comes first), none where its plan takes none.
    async fn clip_references(
        &self,
        input: &SegmentInput,
        family: Option<&Family>,
        plan: Option<&ClipPlan>,
    ) -> Result<Vec<PathBuf>, MediaError> {
        let most = family.map_or(0, |f| f.max_reference_images as usize);
        let mut references = Vec::with_capacity(most);
        if plan.is_some_and(|p| p.references) {
            for uri in input.references.iter().take(most) {
                references.push(self.store.local_path(uri).await?);
            }
        }
        Ok(references)
    }
}
