//! The provider seam: who makes character images and clips, and who finishes the video.
//!
//! The offline and bench providers ship here; Google's Nano Banana and Veo 3 come behind the same
//! traits. Providers write to a path they are given and report progress through [`TaskCtx`]; they
//! never see Temporal, the artifact store or API keys of other providers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use studio_catalog::{Catalog, Choice, VideoRules};
use studio_core::{AspectRatio, ClipSeconds, ElementKind, ProviderKind, Quality, Usage};

use crate::error::MediaError;
use crate::ffmpeg::{Ffmpeg, StitchMode};
use crate::task::TaskCtx;
use crate::text::{JsonAnswer, JsonRequest};

/// The view an image shows: the three angles of a character sheet, or the two views of an
/// element (a location's establishing wide and reverse, a prop's product view and detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Angle {
    Front,
    ThreeQuarter,
    Profile,
    /// A location, wide, as the shot that opens a scene there; no one in it.
    EstablishingWide,
    /// The same location from the opposite side, so a cut between two shots there matches.
    Reverse,
    /// A prop alone and whole.
    ProductView,
    /// A prop close up: its material and markings.
    Detail,
}

impl Angle {
    pub const ALL: [Angle; 3] = [Angle::Front, Angle::ThreeQuarter, Angle::Profile];

    /// The views generated for an element of `kind`, in the order they go to the video model.
    pub fn views_of(kind: ElementKind) -> [Angle; 2] {
        match kind {
            ElementKind::Location => [Angle::EstablishingWide, Angle::Reverse],
            ElementKind::Prop => [Angle::ProductView, Angle::Detail],
        }
    }

    /// Whether this is a view of an element rather than an angle of a character.
    pub fn is_element_view(self) -> bool {
        !Self::ALL.contains(&self)
    }

    /// The phrase appended to the prompt for this view. An element's views ask for no people,
    /// so the faces a shot gets come from its cast's references alone.
    pub fn phrase(self) -> &'static str {
        match self {
            Angle::Front => "front view",
            Angle::ThreeQuarter => "three-quarter view",
            Angle::Profile => "side profile view",
            Angle::EstablishingWide => "establishing wide shot of this place, no people",
            Angle::Reverse => "reverse angle of the same place, no people",
            Angle::ProductView => "the object alone and whole on a plain background",
            Angle::Detail => "close-up detail of the object",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImageRequest {
    pub name: String,
    pub prompt: String,
    pub angle: Angle,
    pub aspect_ratio: AspectRatio,
    /// Local paths of the creator's reference images.
    pub references: Vec<PathBuf>,
    /// The model the job's plan chose (None: the provider's own choice, for jobs started before
    /// plans existed).
    pub model: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ClipRequest {
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub duration: ClipSeconds,
    pub aspect_ratio: AspectRatio,
    pub quality: Quality,
    /// Local path of the character's front image, the first frame's reference.
    pub image: PathBuf,
    /// All of the character's angles, sent as reference images where the model takes them.
    pub references: Vec<PathBuf>,
    /// The video model the job's plan chose (None: the provider's own choice).
    pub model: Option<String>,
    /// 0 for a prompt's first take; n for the n-th retake of the same prompt, which must not
    /// come out the same (deterministic providers fold it into their seed).
    pub variant: u32,
    /// The image the clip must end on (first-and-last-frame generation), where the shot has an
    /// end frame; None: the model ends where it likes. Only models whose table row says
    /// `last_frame` take one (the engine checks before paying; providers refuse otherwise).
    pub last_frame: Option<PathBuf>,
}

/// A clip continued by the model (video extension): the answer is the WHOLE clip, the input
/// followed by `seconds` more, as Google's extension returns it.
#[derive(Debug, Clone)]
pub struct ExtendRequest {
    /// The clip to continue (an MP4 the model made).
    pub clip: PathBuf,
    /// What happens in the added seconds.
    pub prompt: String,
    /// Seconds to add: one of the model's `extend.seconds`.
    pub seconds: u32,
    pub aspect_ratio: AspectRatio,
    /// The video model of the job's plan (None: the provider's own choice).
    pub model: Option<String>,
}

/// One line spoken by a speech model in a fixed voice (a character's voice-over, the narrator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeechRequest {
    /// The words, spoken verbatim (today's speech models speak a style prefix too, so the
    /// delivery goes in `style`, never here).
    pub text: String,
    /// The speech model's voice name (one of the table's prebuilt voices, or an extended,
    /// designed or replicated voice id): the same name always sounds the same.
    pub voice: String,
    /// How to say it (accent, age, timbre, mood), for models that take a style apart from the
    /// words; None: the voice's own delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
}

/// What a speech call made: the audio is at the `out` path it was given, always a WAV, mono,
/// 16-bit little-endian PCM (Google's 24 kHz, whatever shape the model answered in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeechAnswer {
    /// The model that spoke, as prices and usage name it.
    pub model: String,
    /// The audio's length, measured from the file written (captions are timed by it).
    pub seconds: f64,
    /// What the call used (text tokens in, audio tokens out), to price and count in spend.
    pub usage: Vec<Usage>,
}

/// A music cue to compose: instrumental, about `seconds` long (a model with fixed-length clips
/// answers its own length; the mix loops or trims it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MusicRequest {
    pub prompt: String,
    pub seconds: f64,
}

/// What a music call made: the audio is at `out`, in the container `ext` names (`wav`, `mp3`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MusicAnswer {
    pub model: String,
    /// The file's format as an extension: `wav` or `mp3`.
    pub ext: String,
    /// The audio's length, measured from the file written.
    pub seconds: f64,
    pub usage: Vec<Usage>,
}

/// The models a job renders with, chosen once when it starts (and recorded in its history, so
/// every clip of the job uses the same ones and the workflow checks updates against the same
/// rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelPlan {
    pub image_model: String,
    pub video: VideoRules,
}

impl ModelPlan {
    /// The plan of a provider that has one model for everything (offline, bench): the family
    /// named like the provider in the table.
    pub fn local(name: &str) -> Result<ModelPlan, MediaError> {
        let family =
            Catalog::builtin()
                .family_of(name)
                .cloned()
                .ok_or_else(|| MediaError::Provider {
                    provider: name.to_owned(),
                    class: crate::ErrorClass::UnsupportedModel,
                    message: format!("models.toml has no family for the {name} provider"),
                    retry_after: None,
                })?;
        Ok(ModelPlan {
            image_model: name.to_owned(),
            video: Choice {
                model: name.to_owned(),
                family,
            },
        })
    }
}

/// Makes character images and video clips.
#[async_trait]
pub trait MediaProvider: Send + Sync {
    /// Short name used in logs and errors.
    fn name(&self) -> &str;
    /// What makes this provider's output what it is (provider, models, renderer version): part
    /// of every artifact-cache key, so a different model never reuses another's take.
    fn cache_identity(&self) -> String {
        self.name().to_owned()
    }
    /// The model that makes character images, as prices and usage name it.
    fn image_model(&self) -> String {
        self.name().to_owned()
    }
    /// The model that makes clips, as prices and usage name it.
    fn video_model(&self) -> String {
        self.name().to_owned()
    }
    /// The models a job at `quality` would render with, and the video model's rules.
    async fn plan(&self, quality: Quality, task: &TaskCtx) -> Result<ModelPlan, MediaError> {
        let _ = (quality, task);
        ModelPlan::local(self.name())
    }
    /// File extension of the images this provider writes.
    fn image_ext(&self) -> &str {
        "png"
    }
    /// File extension of the clips this provider writes.
    fn clip_ext(&self) -> &str {
        "mp4"
    }
    async fn character_image(
        &self,
        req: &ImageRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError>;
    async fn video_clip(
        &self,
        req: &ClipRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError>;
    /// Continues `req.clip` by `req.seconds`, writing the WHOLE extended clip (the input, then
    /// the continuation) to `out`. Providers whose models cannot extend refuse with
    /// [`MediaError::CannotExtend`].
    async fn extend_clip(
        &self,
        req: &ExtendRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let _ = (out, task);
        Err(MediaError::CannotExtend {
            provider: self.name().to_owned(),
            model: req.model.clone().unwrap_or_else(|| self.video_model()),
            reason: "this provider does not extend clips".into(),
        })
    }
    /// The text model [`Self::generate_json`] would ask (chosen from the models the key can
    /// use), so its cost can be estimated before asking. Providers without one refuse.
    async fn text_model(&self, task: &TaskCtx) -> Result<String, MediaError> {
        let _ = task;
        Err(MediaError::NoTextModel {
            provider: self.name().to_owned(),
        })
    }
    /// Asks a text model for JSON following `req.schema` (planning a story). An answer the
    /// model stopped (cut off, withheld, not JSON) is `Ok`, with its usage and
    /// [`JsonAnswer::stop`]: it was billed. Providers without a text model refuse
    /// ([`MediaError::NoTextModel`]): the offline planner needs none.
    async fn generate_json(
        &self,
        req: &JsonRequest,
        task: &TaskCtx,
    ) -> Result<JsonAnswer, MediaError> {
        let _ = (req, task);
        Err(MediaError::NoTextModel {
            provider: self.name().to_owned(),
        })
    }
    /// The speech model [`Self::speak`] would use (chosen from the models the key can use), so
    /// a line's cost can be estimated and its cache key fixed before it is spoken. Providers
    /// without one refuse ([`MediaError::NoSpeechModel`]).
    async fn speech_model(&self, task: &TaskCtx) -> Result<String, MediaError> {
        let _ = task;
        Err(MediaError::NoSpeechModel {
            provider: self.name().to_owned(),
        })
    }
    /// Speaks `req.text` in `req.voice`, writing a mono 16-bit WAV to `out`.
    async fn speak(
        &self,
        req: &SpeechRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<SpeechAnswer, MediaError> {
        let _ = (req, out, task);
        Err(MediaError::NoSpeechModel {
            provider: self.name().to_owned(),
        })
    }
    /// The music model [`Self::make_music`] would use. Providers without one refuse
    /// ([`MediaError::NoMusicModel`]).
    async fn music_model(&self, task: &TaskCtx) -> Result<String, MediaError> {
        let _ = task;
        Err(MediaError::NoMusicModel {
            provider: self.name().to_owned(),
        })
    }
    /// Composes a music cue for `req.prompt`, writing it to `out` in the format the answer's
    /// `ext` names.
    async fn make_music(
        &self,
        req: &MusicRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<MusicAnswer, MediaError> {
        let _ = (req, out, task);
        Err(MediaError::NoMusicModel {
            provider: self.name().to_owned(),
        })
    }
}

/// Joins clips and enhances the result. Pluggable so enhance can move to a model later.
#[async_trait]
pub trait Finisher: Send + Sync {
    async fn stitch(
        &self,
        clips: &[PathBuf],
        out: &Path,
        task: &TaskCtx,
    ) -> Result<StitchMode, MediaError>;
    async fn enhance(
        &self,
        input: &Path,
        aspect_ratio: AspectRatio,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError>;
    /// The last frame of `clip` as a PNG: the first frame of a scene continuing from it.
    async fn last_frame(&self, clip: &Path, out: &Path, task: &TaskCtx) -> Result<(), MediaError>;
    /// The first frame of `clip` as a PNG: the end frame of the shot before it (a seamless
    /// join into the next shot).
    async fn first_frame(&self, clip: &Path, out: &Path, task: &TaskCtx) -> Result<(), MediaError>;
    /// The film's sound pass into `out_dir` ([`crate::sound::mix_film`]): the tracks mixed and
    /// normalised, captions and stems written, the video stream copied untouched.
    async fn mix(
        &self,
        job: &crate::sound::MixJob,
        out_dir: &Path,
        task: &TaskCtx,
    ) -> Result<crate::sound::MixReport, MediaError>;
    /// How long each of `clips` plays, in seconds: where each shot starts in the film the
    /// clips were stitched into (the mix places every line in its shot by them).
    async fn durations(&self, clips: &[PathBuf], task: &TaskCtx) -> Result<Vec<f64>, MediaError>;
    /// The film cut from `job.clips` as `job.plan` says ([`crate::cut::render_cut`]): trims,
    /// transitions, title cards; smart (untouched GOPs copied) at the clips' own size, every
    /// shot reframed at `job.size` when given. Nothing is left at `out` unless it is whole.
    async fn cut(
        &self,
        job: &crate::cut::CutJob,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<crate::cut::CutReport, MediaError>;
    /// The mixed `film` at `preset`'s size ([`crate::cut::reframe`]): each shot's span (as the
    /// cut reported them) cropped at its offsets or fitted on a blurred fill, shots already of
    /// the preset's shape scaled only, the audio copied.
    async fn reframe(
        &self,
        film: &Path,
        plan: &studio_core::CutPlan,
        spans: &[studio_core::Span],
        preset: studio_core::ExportPreset,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError>;
}

/// The ffmpeg finisher: concat (copy or re-encode) and a lanczos upscale to 4K.
pub struct FfmpegFinisher {
    pub ffmpeg: Ffmpeg,
}

#[async_trait]
impl Finisher for FfmpegFinisher {
    async fn stitch(
        &self,
        clips: &[PathBuf],
        out: &Path,
        task: &TaskCtx,
    ) -> Result<StitchMode, MediaError> {
        self.ffmpeg.stitch(clips, out, task).await
    }

    async fn enhance(
        &self,
        input: &Path,
        aspect_ratio: AspectRatio,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        self.ffmpeg
            .upscale(input, aspect_ratio.uhd_size(), out, task)
            .await
    }

    async fn last_frame(&self, clip: &Path, out: &Path, task: &TaskCtx) -> Result<(), MediaError> {
        self.ffmpeg.last_frame(clip, out, task).await
    }

    async fn first_frame(&self, clip: &Path, out: &Path, task: &TaskCtx) -> Result<(), MediaError> {
        self.ffmpeg.first_frame(clip, out, task).await
    }

    async fn mix(
        &self,
        job: &crate::sound::MixJob,
        out_dir: &Path,
        task: &TaskCtx,
    ) -> Result<crate::sound::MixReport, MediaError> {
        crate::sound::mix_film(&self.ffmpeg, job, out_dir, task).await
    }

    async fn durations(&self, clips: &[PathBuf], task: &TaskCtx) -> Result<Vec<f64>, MediaError> {
        let mut seconds = Vec::with_capacity(clips.len());
        for clip in clips {
            if task.is_cancelled() {
                return Err(MediaError::Cancelled);
            }
            seconds.push(self.ffmpeg.probe(clip).await?.duration);
        }
        Ok(seconds)
    }

    /// Cuts with `out`'s folder as scratch (a directory made there and removed at the end).
    async fn cut(
        &self,
        job: &crate::cut::CutJob,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<crate::cut::CutReport, MediaError> {
        let scratch = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        crate::cut::render_cut(&self.ffmpeg, job, &scratch, out, task).await
    }

    async fn reframe(
        &self,
        film: &Path,
        plan: &studio_core::CutPlan,
        spans: &[studio_core::Span],
        preset: studio_core::ExportPreset,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        crate::cut::reframe(&self.ffmpeg, film, plan, spans, preset, out, task).await
    }
}

/// A provider and a finisher, as a worker's activities use them.
#[derive(Clone)]
pub struct Toolkit {
    pub provider: Arc<dyn MediaProvider>,
    pub finisher: Arc<dyn Finisher>,
}

impl Toolkit {
    /// The toolkit for `kind`. Google providers resolve their settings and credentials here, on
    /// the worker: keys never travel with a job.
    pub async fn build(
        kind: ProviderKind,
        google: &crate::google::GoogleSettings,
        ffmpeg: Ffmpeg,
    ) -> Result<Self, MediaError> {
        let finisher: Arc<dyn Finisher> = Arc::new(FfmpegFinisher {
            ffmpeg: ffmpeg.clone(),
        });
        Ok(match kind {
            ProviderKind::Offline => Toolkit {
                provider: Arc::new(crate::offline::OfflineProvider::new(ffmpeg)),
                finisher,
            },
            ProviderKind::Bench => {
                let bench = Arc::new(crate::bench::BenchProvider::from_env());
                Toolkit {
                    provider: bench.clone(),
                    finisher: bench,
                }
            }
            ProviderKind::Gemini | ProviderKind::Vertex => {
                let backend = if kind == ProviderKind::Vertex {
                    crate::google::Backend::Vertex
                } else {
                    crate::google::Backend::Gemini
                };
                let config = crate::google::GoogleConfig::resolve(backend, google)?;
                Toolkit {
                    provider: Arc::new(crate::google::GoogleProvider::new(config).await?),
                    finisher,
                }
            }
        })
    }
}
