//! The sound's activities: `prepareSound` (local: the cache's lines and music, and the price of
//! the rest), `speakLine` and `makeMusic` (paid, cached by content), and `mixSound` (ffmpeg: the
//! mix under the picture, captions and stems).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use studio_catalog::Catalog;
use studio_core::{Stems, Usage, Usd};
use studio_media::sound::{Gain, Gains, MixJob, MixLine, MixMusic, TrackKind};
use studio_media::{ArtifactStore, MediaError, MusicRequest, SpeechRequest, TaskCtx, Toolkit};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use tokio_util::sync::CancellationToken;

use crate::activities::{bridged, to_activity_error};
use crate::cache::{music_key, speech_key};
use crate::metrics::StudioMetrics;
use crate::names;

use super::{
    estimate_usage, AudioOutput, MixInput, MixOutput, MusicInput, SoundHits, SoundQuery, SpeakInput,
};

/// What a worker needs for a film's sound: where media lives, who speaks and mixes it.
pub struct SoundActivities {
    store: Arc<dyn ArtifactStore>,
    toolkit: Toolkit,
    metrics: StudioMetrics,
    heartbeat_every: Duration,
}

impl SoundActivities {
    pub fn new(store: Arc<dyn ArtifactStore>, toolkit: Toolkit, metrics: StudioMetrics) -> Self {
        SoundActivities {
            store,
            toolkit,
            metrics,
            heartbeat_every: Duration::from_millis(500),
        }
    }

    async fn task<T, F, Fut>(&self, ctx: &ActivityContext, work: F) -> Result<T, ActivityError>
    where
        F: FnOnce(TaskCtx) -> Fut,
        Fut: std::future::Future<Output = Result<T, MediaError>>,
    {
        bridged(ctx, self.heartbeat_every, None, &self.metrics, work).await
    }

    /// The cache's entry under `key`, if all of it is still in the store. A lookup that fails
    /// is a miss: it costs a re-run, never the job.
    async fn recall(&self, key: &str) -> Option<String> {
        match self.store.cache_get(key).await {
            Ok(hit) => hit.and_then(|uris| uris.into_iter().next()),
            Err(e) => {
                tracing::warn!(error = %e, "artifact cache lookup failed; treating as a miss");
                None
            }
        }
    }

    async fn remember(&self, key: &str, uri: &str) {
        if let Err(e) = self.store.cache_put(key, &[uri.to_owned()]).await {
            tracing::warn!(error = %e, "artifact cache not updated");
        }
    }

    /// The cache key of `line`: the provider, its speech model, the voice, its style and the
    /// words. The line's place in the film is left out: the same words in the same voice are
    /// the same audio wherever they are said.
    async fn line_key(&self, line: &studio_core::SpokenLine, task: &TaskCtx) -> String {
        let model = self.toolkit.provider.speech_model(task).await.ok();
        speech_key(
            &self.toolkit.provider.cache_identity(),
            model.as_deref(),
            line,
        )
    }

    async fn music_key_of(&self, input: &MusicInput, task: &TaskCtx) -> String {
        let model = self.toolkit.provider.music_model(task).await.ok();
        music_key(
            &self.toolkit.provider.cache_identity(),
            model.as_deref(),
            input,
        )
    }

    /// Which lines and music the cache has, and what the rest costs at list prices.
    async fn lookup(&self, query: SoundQuery) -> Result<SoundHits, MediaError> {
        let task = TaskCtx::new(CancellationToken::new(), None);
        let mut hits = SoundHits::default();
        let mut to_speak = Vec::new();
        for line in &query.lines {
            let hit = match query.recall {
                true => self.recall(&self.line_key(line, &task).await).await,
                false => None,
            };
            if hit.is_none() {
                to_speak.push(line.clone());
            }
            hits.lines.push(hit.map(AudioOutput::cached));
        }
        let mut music_to_make = false;
        if let Some(music) = &query.music {
            let hit = match query.recall {
                true => self.recall(&self.music_key_of(music, &task).await).await,
                false => None,
            };
            match hit {
                Some(audio_url) => hits.music = Some(AudioOutput::cached(audio_url)),
                None => music_to_make = true,
            }
        }
        // A provider without a speech or music model refuses when asked to make one; here
        // there is nothing to price.
        let speech_model = match to_speak.is_empty() {
            true => String::new(),
            false => self.toolkit.provider.speech_model(&task).await?,
        };
        let music_model = match music_to_make {
            true => Some(self.toolkit.provider.music_model(&task).await?),
            false => None,
        };
        let usage = estimate_usage(&to_speak, &speech_model, music_model.as_deref());
        hits.cost = list_price(&usage);
        Ok(hits)
    }

    /// The cache's audio under `key` when the job asks the cache (`recall`) and it has it.
    async fn recalled(&self, key: &str, recall: bool) -> Option<AudioOutput> {
        match recall {
            true => self.recall(key).await.map(AudioOutput::cached),
            false => None,
        }
    }

    /// Audio just made: remembered under `key`, its usage priced at list prices.
    async fn made(&self, key: &str, audio_url: String, usage: Vec<Usage>) -> AudioOutput {
        self.remember(key, &audio_url).await;
        AudioOutput {
            audio_url,
            cost: list_price(&usage),
            usage,
        }
    }

    /// A fresh scratch folder (for work that writes several files or names its own).
    async fn scratch_dir(&self) -> Result<studio_media::Scratch, MediaError> {
        let dir = self.store.scratch("d")?;
        tokio::fs::create_dir_all(dir.path())
            .await
            .map_err(|e| MediaError::io(dir.path().display().to_string(), e))?;
        Ok(dir)
    }

    /// A file the mix wrote, moved into the store.
    async fn commit_file(&self, path: &Path) -> Result<String, MediaError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("bin");
        let scratch = self.store.scratch(ext)?;
        tokio::fs::rename(path, scratch.path())
            .await
            .map_err(|e| MediaError::io(path.display().to_string(), e))?;
        self.store.commit(scratch).await
    }
}

/// What `usage` costs at the catalog's list prices (zero where it has none, as offline).
fn list_price(usage: &[Usage]) -> Usd {
    let catalog = Catalog::builtin();
    let dollars: f64 = usage
        .iter()
        .filter_map(|u| catalog.usage_price(u).map(|p| p * f64::from(u.quantity)))
        .sum();
    Usd::from_dollars(dollars).unwrap_or_default()
}

#[activities]
impl SoundActivities {
    /// Which of a job's lines and music the cache has, and the list price of the rest (run as a
    /// local activity before anything is spoken: one marker in history).
    #[activity(name = names::PREPARE_SOUND)]
    pub async fn prepare_sound(
        self: Arc<Self>,
        _ctx: ActivityContext,
        query: SoundQuery,
    ) -> Result<SoundHits, ActivityError> {
        self.lookup(query).await.map_err(to_activity_error)
    }

    /// One voice-over line spoken in its voice: the cache's if it has it, else made, counted
    /// and remembered.
    #[activity(name = names::SPEAK_LINE)]
    pub async fn speak_line(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: SpeakInput,
    ) -> Result<AudioOutput, ActivityError> {
        let this = self.clone();
        self.task(&ctx, |task| async move {
            let key = this.line_key(&input.line, &task).await;
            if let Some(hit) = this.recalled(&key, input.recall).await {
                return Ok(hit);
            }
            let req = SpeechRequest {
                text: input.line.text.clone(),
                voice: input.line.voice.clone(),
                style: input.line.style.clone(),
            };
            let scratch = this.store.scratch("wav")?;
            let answer = this
                .toolkit
                .provider
                .speak(&req, scratch.path(), &task)
                .await?;
            let audio_url = this.store.commit(scratch).await?;
            Ok(this.made(&key, audio_url, answer.usage).await)
        })
        .await
    }

    /// The music cue from its prompt: the cache's if it has it, else made and remembered.
    #[activity(name = names::MAKE_MUSIC)]
    pub async fn make_music(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: MusicInput,
    ) -> Result<AudioOutput, ActivityError> {
        let this = self.clone();
        self.task(&ctx, |task| async move {
            let key = this.music_key_of(&input, &task).await;
            if let Some(hit) = this.recalled(&key, input.recall).await {
                return Ok(hit);
            }
            let req = MusicRequest {
                prompt: input.prompt.clone(),
                seconds: input.seconds,
            };
            // The extension is the model's (WAV or MP3): a scratch named after the answer.
            let dir = this.scratch_dir().await?;
            let out = dir.path().join("music");
            let made = this.toolkit.provider.make_music(&req, &out, &task).await;
            let result = match made {
                Ok(answer) => {
                    let named = out.with_extension(&answer.ext);
                    match tokio::fs::rename(&out, &named).await {
                        Ok(()) => this.commit_file(&named).await.map(|url| (url, answer)),
                        Err(e) => Err(MediaError::io(out.display().to_string(), e)),
                    }
                }
                Err(e) => Err(e),
            };
            let _ = tokio::fs::remove_dir_all(dir.path()).await;
            let (audio_url, answer) = result?;
            Ok(this.made(&key, audio_url, answer.usage).await)
        })
        .await
    }

    /// The mix under the finished picture (its video packets copied), the captions beside it
    /// and the stems, every file in the store.
    #[activity(name = names::MIX_SOUND)]
    pub async fn mix_sound(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: MixInput,
    ) -> Result<MixOutput, ActivityError> {
        let this = self.clone();
        self.task(&ctx, |task| async move {
            let job = this.mix_job(&input).await?;
            let dir = this.scratch_dir().await?;
            let mixed = this.mixed(&job, dir.path(), &task).await;
            let _ = tokio::fs::remove_dir_all(dir.path()).await;
            mixed
        })
        .await
    }
}

impl SoundActivities {
    /// The mix as the finisher takes it: every artifact fetched, every shot's length measured
    /// from its clip.
    async fn mix_job(&self, input: &MixInput) -> Result<MixJob, MediaError> {
        let video = self.store.local_path(&input.video_url).await?;
        let mut clips: Vec<PathBuf> = Vec::with_capacity(input.clip_urls.len());
        for uri in &input.clip_urls {
            clips.push(self.store.local_path(uri).await?);
        }
        let task = TaskCtx::new(CancellationToken::new(), None);
        // The film's pieces the lines are placed in: the clips end to end, or, for a cut film,
        // the shots where the cut put them and the title cards between (see `super::cut`).
        let (shots, shot_piece) = match &input.spans {
            None => (self.toolkit.finisher.durations(&clips, &task).await?, None),
            Some(spans) => {
                let film = self
                    .toolkit
                    .finisher
                    .durations(std::slice::from_ref(&video), &task)
                    .await?
                    .first()
                    .copied()
                    .unwrap_or_default();
                let pieces = super::cut::pieces(spans, film);
                (pieces.lengths, Some(pieces.shot_piece))
            }
        };
        // A shot the cut does not know stays out of range, for the mix to refuse by name.
        let piece = |shot: usize| match &shot_piece {
            None => shot,
            Some(map) => map.get(shot).copied().unwrap_or(shots.len() + shot),
        };
        let mut lines = Vec::with_capacity(input.lines.len());
        for l in &input.lines {
            let audio = match &l.audio_url {
                Some(uri) => Some(self.store.local_path(uri).await?),
                None => None,
            };
            lines.push(MixLine {
                shot: piece(l.line.scene),
                track: match l.line.kind {
                    studio_core::LineKind::Dialogue => TrackKind::Dialogue,
                    studio_core::LineKind::Narration => TrackKind::Narration,
                },
                text: l.line.text.clone(),
                speaker: l.speaker_name.clone(),
                audio,
            });
        }
        let music = match &input.music {
            Some((cue, uri)) => Some(MixMusic {
                audio: self.store.local_path(uri).await?,
                from_shot: piece(cue.from),
                to_shot: piece(cue.to),
                looped: cue.looped,
                fade_seconds: f64::from(cue.fade_seconds),
            }),
            None => None,
        };
        let gain = |t: &studio_core::Track| Gain {
            volume_db: f64::from(t.volume_db),
            mute: t.mute,
        };
        Ok(MixJob {
            video,
            shots,
            lines,
            music,
            gains: Gains {
                clips: gain(&input.mix.clips),
                dialogue: gain(&input.mix.dialogue),
                narration: gain(&input.mix.narration),
                music: gain(&input.mix.music),
            },
            burn_captions: input.mix.burn_captions,
        })
    }

    async fn mixed(
        &self,
        job: &MixJob,
        dir: &Path,
        task: &TaskCtx,
    ) -> Result<MixOutput, MediaError> {
        let report = self.toolkit.finisher.mix(job, dir, task).await?;
        Ok(MixOutput {
            video_url: self.commit_file(&report.video).await?,
            captions_url: self.commit_file(&report.srt).await?,
            captions_vtt_url: self.commit_file(&report.vtt).await?,
            stems: Stems {
                dialogue: self.commit_file(&report.stems.dialogue).await?,
                narration: self.commit_file(&report.stems.narration).await?,
                music: self.commit_file(&report.stems.music).await?,
                effects: self.commit_file(&report.stems.effects).await?,
            },
            loudness_lufs: report.loudness.integrated_lufs,
            true_peak_dbtp: report.loudness.true_peak_dbtp,
        })
    }
}
