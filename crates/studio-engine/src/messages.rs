//! Inputs and outputs of our workflows and activities (camelCase JSON, URIs instead of media).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use studio_catalog::Problem;
use studio_core::{
    AspectRatio, Character, CharacterImages, CutPlan, Element, ElementImages, Quality, Scenario,
    Span, Take, Usage, Usd, Version, VideoRequest,
};
use studio_media::{ModelPlan, StitchMode};

use crate::tuning::Tuning;

mod raw_args;
pub use raw_args::{ArgsError, RawArgs};

/// Input of `ultraRealisticVideoWorkflow`: the seed's request ([`VideoRequest`], flattened, so
/// a seed client's input is one of these), plus what only this engine reads, each optional so
/// that a client written against the seed simply never sends it: tuning, queues, the cache
/// switch, the version it continues, a library character's stored angles, the logic's
/// generation and the budget. It is not a third shape of a project: a project becomes one only
/// through `studio-api`'s render input, which fills the request with
/// [`studio_core::Project::to_request`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderInput {
    #[serde(flatten)]
    pub request: VideoRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<Tuning>,
    /// Task queue for slow activities (clips, enhance) when an operator split it off; None
    /// keeps every activity on the workflow's queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_queue: Option<String>,
    /// Reuse artifacts that identical inputs made before (the default; a client of the seed
    /// design never sends it).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub use_cache: bool,
    /// Set when this run is the next version of a finished job: the takes already made and
    /// which to reuse. Only the scenarios without a take to reuse are generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseVersion>,
    /// A library character's stored angles: used as they are, with no character step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub character_images: Option<CharacterImages>,
    /// Per `cast` member of the request, in its order: a library character's stored angles
    /// (None: generated like the lead's). Absent for a one-character job.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast_images: Vec<Option<CharacterImages>>,
    /// The generation of the workflow's logic the client asks for: [`ENGINE_LATEST`] from our
    /// own clients. Absent (0) from a client of the seed design and in the jobs of releases
    /// before it: those jobs are told apart by the patch markers in their histories, as before.
    /// Chosen here, in the job's first event, because a patch marker costs every job two
    /// history events (the marker, and the search-attribute upsert the SDK writes with it).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub engine: u32,
    /// The most this run may spend without the creator's approval (the project's budget). The
    /// workflow checks it before every paid step and waits for `approveSpend` where the next
    /// step would cross it. None: no limit (every job of earlier releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Usd>,
}

/// The newest [`RenderInput::engine`]: 2 runs as a job with the `engine-v2` marker does
/// (one local activity for the plan and cache lookup, one fan-out of every clip); 3 also makes
/// the images of the request's elements that have none (beside the characters' step) and sends
/// the scenes' locations and props as references after the faces. A request without elements
/// runs at 3 exactly as at 2: the same commands in the same order. 4 also voices the request's
/// sound plan and mixes it under the finished picture; a request without one runs at 4 exactly
/// as at 3. 5 cuts the film by the request's cut plan (trims, transitions, title cards) in
/// the stitch and places the sound by where the cut put each shot; a request without a cut
/// runs at 5 exactly as at 4.
pub const ENGINE_LATEST: u32 = 5;

/// The first [`RenderInput::engine`] that uses the request's elements.
pub const ENGINE_ELEMENTS: u32 = 3;

/// The first [`RenderInput::engine`] that makes the request's sound (`crate::sound`).
pub const ENGINE_SOUND: u32 = 4;

/// The first [`RenderInput::engine`] that cuts the film by the request's [`CutPlan`]
/// (`StitchInput::cut`). Jobs of earlier engines stitch their clips end to end, whatever their
/// request says.
pub const ENGINE_CUT: u32 = 5;

/// What a new version of a job starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseVersion {
    pub character_images: CharacterImages,
    /// The angles of each cast member, in the request's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast_images: Vec<CharacterImages>,
    /// The images the job made for its elements (none are made again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_images: Vec<ElementImages>,
    /// Per scenario of the request, in order.
    pub segments: Vec<BaseSegment>,
    /// The job's earlier versions, oldest first.
    pub versions: Vec<Version>,
    /// What the earlier versions generated.
    #[serde(default)]
    pub usage: Vec<Usage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseSegment {
    /// Every take made so far.
    #[serde(default)]
    pub takes: Vec<Take>,
    /// The take to stitch; None makes a new one from the scenario's (possibly edited) prompt.
    pub use_take: Option<u32>,
    /// The new take continues a take's clip (video extension) instead of making one anew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend: Option<ExtendTake>,
}

/// A take made by continuing another's clip (the model's video extension): the whole clip, the
/// input and `seconds` more, priced per second like any clip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendTake {
    /// The clip continued (artifact URI): the take the scenario had.
    pub clip_url: String,
    /// Seconds added (one of the model's `extend.seconds`).
    pub seconds: u32,
    /// What happens in the added seconds.
    pub prompt: String,
}

/// An extension the plan checks against the model's rules before anything is paid: the clip's
/// length is measured there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedExtension {
    /// The scenario's id, as problems name it.
    pub scenario: String,
    /// The clip continued (artifact URI).
    pub clip: String,
    pub seconds: u32,
}

/// `regenerateSegment`: make a new take of one scenario of a running job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegenerateRequest {
    pub scenario_id: String,
    /// A new prompt for the scenario; None keeps the prompt and asks for another take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl Default for RenderInput {
    fn default() -> Self {
        RenderInput {
            request: VideoRequest::default(),
            tuning: None,
            slow_queue: None,
            use_cache: true,
            base: None,
            character_images: None,
            cast_images: Vec::new(),
            // Our clients start the newest logic; only a deserialized input lacks it.
            engine: ENGINE_LATEST,
            budget: None,
        }
    }
}

/// What the cache lookup is asked: the render's inputs as they are at its start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheQuery {
    pub character: CharacterInput,
    /// Character images the render already has (a library character): clips are looked up
    /// for these instead of the cached character's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_character: Option<CharacterImages>,
    pub scenarios: Vec<Scenario<Option<String>>>,
    pub quality: Quality,
    /// The video model of the job's plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_model: Option<String>,
    /// The request's elements, for a job that uses them ([`ENGINE_ELEMENTS`]): the images of
    /// those that need some are looked up (with the character's image model), and a scene
    /// naming a place or a prop is looked up with their images as its references. Absent
    /// otherwise, as in every query of earlier jobs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<Element<String>>,
}

/// Artifacts found in the cache: the character's images, and a clip per scenario (in order).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheHits {
    pub character: Option<CharacterImages>,
    pub segments: Vec<Option<String>>,
    /// The images of elements that need some, found in the cache (absent in earlier jobs'
    /// lookups).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<ElementImages>,
}

/// What a job asks before its first activity: the plan, and the cache when it uses one. The
/// lookup takes the plan's models, which the activity fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrepareQuery {
    pub plan: PlanQuery,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheQuery>,
}

/// The plan, and what the cache holds (nothing when the plan has problems or no lookup was
/// asked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    pub plan: RenderPlan,
    #[serde(default)]
    pub hits: CacheHits,
}

/// What the plan is asked: the clips the render will make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanQuery {
    pub quality: Quality,
    pub aspect_ratio: AspectRatio,
    /// The scenarios that will get a clip (not those a new version reuses).
    pub scenarios: Vec<Scenario<Option<String>>>,
    /// The takes this run makes by extending a clip (absent from earlier plans).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<PlannedExtension>,
}

/// The models a render uses, and every rule of theirs the job breaks (then nothing is paid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderPlan {
    #[serde(flatten)]
    pub models: ModelPlan,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// The models' list prices, fixed in the job's history when it is planned: the budget is
    /// checked against these on every replay, whatever a later release's table says. Absent
    /// from the plans of earlier releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<UnitPrices>,
}

/// What the job's paid steps cost, by the model table at planning time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitPrices {
    /// One character image (thinking included).
    pub image: Usd,
    /// One second of clip, by resolution.
    pub video_per_second: BTreeMap<String, Usd>,
}

impl UnitPrices {
    /// What `usage` was billed at these prices (a resolution with no price costs nothing: the
    /// table does not know it, and the estimate said so).
    pub fn cost(&self, usage: &[Usage]) -> Usd {
        usage
            .iter()
            .map(|u| match u.kind {
                studio_core::UsageKind::Image => self.image.times(u.quantity),
                studio_core::UsageKind::VideoSecond => u
                    .resolution
                    .as_deref()
                    .and_then(|r| self.video_per_second.get(r))
                    .copied()
                    .unwrap_or_default()
                    .times(u.quantity),
                // A render asks no text model; planning counts its tokens apart.
                studio_core::UsageKind::TextInputToken
                | studio_core::UsageKind::TextOutputToken => Usd::default(),
                // Lines and music are priced by their activities, which record what each cost
                // (`crate::sound::AudioOutput::cost`): the render's plan knows no speech model.
                studio_core::UsageKind::SpeechInputToken
                | studio_core::UsageKind::SpeechOutputToken
                | studio_core::UsageKind::MusicClip => Usd::default(),
            })
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CharacterInput {
    pub character: Character<String>,
    #[serde(default)]
    pub aspect_ratio: AspectRatio,
    /// The image model of the job's plan (None: the worker's own choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Whether to look in the artifact cache first (cast members, which the workflow's own
    /// lookup does not cover).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recall: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentInput {
    pub scenario: Scenario<Option<String>>,
    /// Artifact URI of the character's front image.
    pub character_image: String,
    pub aspect_ratio: AspectRatio,
    pub quality: Quality,
    /// The checkpoint (Veo operation name) a previous activity for this clip heartbeated
    /// before its worker died: the clip is resumed, not paid for again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<serde_json::Value>,
    /// How many takes of this scenario with this same prompt came before (0 for a new prompt):
    /// a retake must differ from them, and is cached apart from them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub variant: u32,
    /// The video model of the job's plan (None: the worker's own choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Artifact URIs of all the character's angles, sent as reference images where the model
    /// takes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// A scene that continues from the previous shot: that clip (artifact URI), whose last
    /// frame becomes this clip's first frame in place of `character_image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_frame_from: Option<String>,
    /// Whether to look in the artifact cache first (scenes the workflow's own lookup cannot
    /// answer: a cast, or a first frame known only once the previous clip is made).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recall: bool,
    /// The image the clip ends on (artifact URI): the scene's end frame (`EndFrame::Image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame: Option<String>,
    /// The next scene's clip (artifact URI), whose first frame this clip ends on
    /// (`EndFrame::NextShot`: that clip is made first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame_from: Option<String>,
    /// This take continues a clip (video extension) instead of being made from the scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend: Option<ExtendTake>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentOutput {
    pub clip_url: String,
    /// The seconds of video the provider generated (absent in results of older workers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The model rendered the clip in 4k itself: the video needs no upscale.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub native_4k: bool,
}

/// What `generateElementImages` is asked: the views of one element that came with no images
/// (a location's establishing wide and reverse, a prop's product view and detail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementInput {
    pub element: Element<String>,
    #[serde(default)]
    pub aspect_ratio: AspectRatio,
    /// The image model of the job's plan (None: the worker's own choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Whether to look in the artifact cache first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recall: bool,
}

/// Result of `generateElementImages`: the element's views, and what the provider generated
/// for them (None: all from the cache).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementOutput {
    pub images: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// Result of `generateCharacterImages`: the three angles (the seed's shape) and the images
/// the provider generated for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CharacterOutput {
    #[serde(flatten)]
    pub images: CharacterImages,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StitchInput {
    pub clips: Vec<String>,
    /// The cut to make of the clips (engine [`ENGINE_CUT`] jobs whose request has one): None
    /// joins them whole, end to end, as every earlier job's stitch did (and is left out of the
    /// JSON, so those jobs' inputs replay byte for byte).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<CutPlan>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StitchOutput {
    pub video_url: String,
    pub mode: StitchMode,
    /// Where each shot shows on the cut film (snapped to frames), in scenario order: the sound
    /// is placed by them. None for a stitch without a cut (the clips end to end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spans: Option<Vec<Span>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnhanceInput {
    pub video_url: String,
    pub aspect_ratio: AspectRatio,
}

/// Result of `batchCharacterGenerationWorkflow`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    pub processed: u32,
    pub total: u32,
    pub runs: u32,
    /// The seed design's name for `processed`, kept so its clients read the result unchanged.
    #[serde(default)]
    pub total_processed: u32,
}

/// The batch argument as clients send it: our plain list, or the seed design's
/// `{characters: [...]}`. Both decode; the list is what this engine sends (and continues as
/// new with).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BatchArg {
    List(Vec<Character<String>>),
    Seed { characters: Vec<Character<String>> },
}

impl BatchArg {
    pub fn into_list(self) -> Vec<Character<String>> {
        match self {
            BatchArg::List(list) | BatchArg::Seed { characters: list } => list,
        }
    }
}

/// The batch workflow's arguments `(batch, processedCount = 0)`: two payloads, or one when a
/// seed client leaves the count at its default (the SDK's `MultiArgs2` insists on two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStart {
    pub batch: BatchArg,
    pub processed: u32,
}

mod batch_start_payloads {
    use temporalio_common::data_converters::{
        GenericPayloadConverter, PayloadConversionError, SerializationContext,
        TemporalDeserializable, TemporalSerializable,
    };
    use temporalio_common::protos::temporal::api::common::v1::Payload;

    use super::{BatchArg, BatchStart};

    impl TemporalSerializable for BatchStart {
        fn to_payloads(
            &self,
            ctx: &SerializationContext<'_>,
        ) -> Result<Vec<Payload>, PayloadConversionError> {
            Ok(vec![
                ctx.converter.to_payload(ctx, &self.batch)?,
                ctx.converter.to_payload(ctx, &self.processed)?,
            ])
        }
    }

    impl TemporalDeserializable for BatchStart {
        fn from_payload(
            ctx: &SerializationContext<'_>,
            payload: Payload,
        ) -> Result<Self, PayloadConversionError> {
            Ok(BatchStart {
                batch: ctx.converter.from_payload::<BatchArg>(ctx, payload)?,
                processed: 0,
            })
        }

        fn from_payloads(
            ctx: &SerializationContext<'_>,
            payloads: Vec<Payload>,
        ) -> Result<Self, PayloadConversionError> {
            let mut it = payloads.into_iter();
            match (it.next(), it.next(), it.next()) {
                (Some(batch), None, None) => Self::from_payload(ctx, batch),
                (Some(batch), Some(processed), None) => Ok(BatchStart {
                    batch: ctx.converter.from_payload::<BatchArg>(ctx, batch)?,
                    processed: ctx.converter.from_payload::<u32>(ctx, processed)?,
                }),
                _ => Err(PayloadConversionError::WrongEncoding),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worker's converter (the SDK default) hands a `RawArgs` handler every shape a
    /// client can send, where a typed input fails to decode (and so fails the workflow task).
    #[test]
    fn raw_args_take_every_shape_the_sdk_would_refuse() {
        use temporalio_common::data_converters::{
            GenericPayloadConverter, PayloadConverter, SerializationContext,
            SerializationContextData,
        };
        let converter = PayloadConverter::default();
        let ctx = SerializationContext::new(&SerializationContextData::None, &converter);
        let json = RawArgs::json(&"a").unwrap().0.remove(0);
        let mut binary = json.clone();
        binary
            .metadata
            .insert("encoding".into(), b"binary/plain".to_vec());
        binary.data = vec![0, 1, 2, 255];
        let shapes = [
            (vec![], Err(ArgsError::Missing)),
            (vec![json.clone(), json.clone()], Err(ArgsError::TooMany(2))),
            (vec![binary], Err(ArgsError::NotJson("binary/plain".into()))),
            (vec![json], Ok(serde_json::json!("a"))),
        ];
        for (payloads, expected) in shapes {
            let typed: Result<serde_json::Value, _> =
                converter.from_payloads(&ctx, payloads.clone());
            assert_eq!(typed.is_ok(), expected.is_ok(), "{payloads:?}");
            let raw: RawArgs = converter.from_payloads(&ctx, payloads.clone()).unwrap();
            assert_eq!(raw.one_json(), expected);
            // Sent as they came.
            let sent = GenericPayloadConverter::to_payloads(&converter, &ctx, &raw).unwrap();
            assert_eq!(sent, payloads);
        }
        assert!(RawArgs::none().is_nothing());
        assert!(RawArgs::json(&serde_json::Value::Null)
            .unwrap()
            .is_nothing());
        assert!(!RawArgs::json(&0).unwrap().is_nothing());
    }

    #[test]
    fn render_input_is_the_seed_shape_when_untuned() {
        let json = r#"{"character":{"basePrompt":"a knight"},"scenarios":[{"prompt":"rides"}],"quality":"high"}"#;
        let input: RenderInput = serde_json::from_str(json).unwrap();
        assert_eq!(input.request.quality, Quality::High);
        assert!(input.tuning.is_none());
        assert!(input.slow_queue.is_none());
        assert!(
            input.use_cache,
            "the cache is on unless a client turns it off"
        );
        let back = serde_json::to_value(&input).unwrap();
        assert!(back.get("tuning").is_none());
        assert!(back.get("useCache").is_none());
        assert_eq!(back["character"]["basePrompt"], "a knight");
    }
}
