//! The bench provider: every operation waits a fixed delay and writes a tiny placeholder, so a
//! benchmark measures orchestration (Temporal, the worker) and nothing else.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use studio_core::AspectRatio;

use crate::error::MediaError;
use crate::ffmpeg::StitchMode;
use crate::provider::{ClipRequest, Finisher, ImageRequest, MediaProvider};
use crate::task::TaskCtx;

pub struct BenchProvider {
    pub latency: Duration,
}

impl BenchProvider {
    /// Latency from `STUDIO_BENCH_LATENCY_MS` (default 0).
    pub fn from_env() -> Self {
        let ms = std::env::var("STUDIO_BENCH_LATENCY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        BenchProvider {
            latency: Duration::from_millis(ms),
        }
    }

    async fn produce(&self, out: &Path, body: String, task: &TaskCtx) -> Result<(), MediaError> {
        tokio::select! {
            _ = tokio::time::sleep(self.latency) => {}
            _ = task.cancel.cancelled() => return Err(MediaError::Cancelled),
        }
        tokio::fs::write(out, body)
            .await
            .map_err(|e| MediaError::io(format!("write {}", out.display()), e))?;
        task.report(1.0);
        Ok(())
    }
}

#[async_trait]
impl MediaProvider for BenchProvider {
    fn name(&self) -> &str {
        "bench"
    }

    fn image_ext(&self) -> &str {
        "bench"
    }

    fn clip_ext(&self) -> &str {
        "bench"
    }

    async fn character_image(
        &self,
        req: &ImageRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let body = format!("bench image: {} / {:?}\n", req.prompt, req.angle);
        self.produce(out, body, task).await
    }

    async fn video_clip(
        &self,
        req: &ClipRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let body = format!("bench clip: {} / {}s\n", req.prompt, req.duration.get());
        self.produce(out, body, task).await
    }
}

#[async_trait]
impl Finisher for BenchProvider {
    async fn stitch(
        &self,
        clips: &[PathBuf],
        out: &Path,
        task: &TaskCtx,
    ) -> Result<StitchMode, MediaError> {
        let names: Vec<_> = clips
            .iter()
            .filter_map(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        self.produce(out, format!("bench video: {}\n", names.join(" ")), task)
            .await
            .map(|()| StitchMode::StreamCopy)
    }

    async fn enhance(
        &self,
        input: &Path,
        aspect_ratio: AspectRatio,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let (w, h) = aspect_ratio.uhd_size();
        let name = input.file_name().map(|n| n.to_string_lossy().into_owned());
        let body = format!("bench enhance {w}x{h}: {}\n", name.unwrap_or_default());
        self.produce(out, body, task).await
    }

    async fn last_frame(&self, clip: &Path, out: &Path, task: &TaskCtx) -> Result<(), MediaError> {
        let name = clip.file_name().map(|n| n.to_string_lossy().into_owned());
        let body = format!("bench last frame: {}\n", name.unwrap_or_default());
        self.produce(out, body, task).await
    }

    async fn first_frame(&self, clip: &Path, out: &Path, task: &TaskCtx) -> Result<(), MediaError> {
        let name = clip.file_name().map(|n| n.to_string_lossy().into_owned());
        let body = format!("bench first frame: {}\n", name.unwrap_or_default());
        self.produce(out, body, task).await
    }

    /// A bench clip says its length on its last line (`bench clip: PROMPT / Ns`).
    async fn durations(&self, clips: &[PathBuf], _task: &TaskCtx) -> Result<Vec<f64>, MediaError> {
        let mut seconds = Vec::with_capacity(clips.len());
        for clip in clips {
            let body = tokio::fs::read_to_string(clip)
                .await
                .map_err(|e| MediaError::io(format!("read {}", clip.display()), e))?;
            let length = body
                .trim_end()
                .rsplit(" / ")
                .next()
                .and_then(|s| s.strip_suffix('s'))
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(0.0);
            seconds.push(length);
        }
        Ok(seconds)
    }

    /// A placeholder film saying its length (`bench cut: CLIPS / Ns`, as a clip says it), and
    /// the spans the plan gives the bench clips' lengths.
    async fn cut(
        &self,
        job: &crate::cut::CutJob,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<crate::cut::CutReport, MediaError> {
        let seconds = self.durations(&job.clips, task).await?;
        let duration = job.plan.film_seconds(&seconds);
        let names: Vec<_> = (job.clips.iter())
            .filter_map(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let body = format!("bench cut: {} / {duration}s\n", names.join(" "));
        self.produce(out, body, task).await?;
        Ok(crate::cut::CutReport {
            duration,
            spans: job.plan.spans(&seconds),
            copied_packets: 0,
            reencoded_frames: 0,
            mode: crate::cut::CutMode::Smart,
            full_because: None,
        })
    }

    async fn reframe(
        &self,
        film: &Path,
        _plan: &studio_core::CutPlan,
        _spans: &[studio_core::Span],
        preset: studio_core::ExportPreset,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let name = film.file_name().map(|n| n.to_string_lossy().into_owned());
        let body = format!(
            "bench reframe {}: {}\n",
            preset.name(),
            name.unwrap_or_default()
        );
        self.produce(out, body, task).await
    }

    /// Placeholders for every file a mix writes (after one delay), each line starting at its
    /// shot's start, and the loudness a real mix aims at.
    async fn mix(
        &self,
        job: &crate::sound::MixJob,
        out_dir: &Path,
        task: &TaskCtx,
    ) -> Result<crate::sound::MixReport, MediaError> {
        use crate::sound::{Loudness, MixReport, StemPaths, TARGET_LUFS, TARGET_TRUE_PEAK};
        tokio::fs::create_dir_all(out_dir)
            .await
            .map_err(|e| MediaError::io(format!("create {}", out_dir.display()), e))?;
        let name = job
            .video
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let body = format!(
            "bench mix: {} / {} lines\n",
            name.unwrap_or_default(),
            job.lines.len()
        );
        let report = MixReport {
            video: out_dir.join("film.mp4"),
            srt: out_dir.join("captions.srt"),
            vtt: out_dir.join("captions.vtt"),
            stems: StemPaths {
                dialogue: out_dir.join("dialogue.wav"),
                narration: out_dir.join("narration.wav"),
                music: out_dir.join("music.wav"),
                effects: out_dir.join("effects.wav"),
            },
            loudness: Loudness {
                integrated_lufs: TARGET_LUFS,
                true_peak_dbtp: TARGET_TRUE_PEAK,
            },
            line_starts: job
                .lines
                .iter()
                .map(|l| job.shots.iter().take(l.shot).sum())
                .collect(),
        };
        self.produce(&report.video, body.clone(), task).await?;
        for path in [
            &report.srt,
            &report.vtt,
            &report.stems.dialogue,
            &report.stems.narration,
            &report.stems.music,
            &report.stems.effects,
        ] {
            tokio::fs::write(path, &body)
                .await
                .map_err(|e| MediaError::io(format!("write {}", path.display()), e))?;
        }
        Ok(report)
    }
}
