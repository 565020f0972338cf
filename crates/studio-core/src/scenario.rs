//! A scenario: one clip of the video, one type in a project and in a render's input.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::cut::{EndFrame, Reframe, Transition, Trim};
use crate::quality::ClipSeconds;
use crate::shot::{Camera, DialogueLine, SourceSpan};
use crate::sound::DialogueMode;

/// One scenario: becomes one clip of the final video.
///
/// One type wherever a scenario is; `Id` is what names it there:
/// - in a project (its file, the window): a `String` (the default, so `Scenario` alone is a
///   project's): every scene has one, the loader names one written without `scene-N`;
/// - in a render's input ([`crate::VideoRequest`], the engine's messages): an
///   `Option<String>`, since a seed client's scenes come without one and the workflow names
///   them. [`Scenario::for_render`] turns the one into the other.
///
/// Each keeps the JSON it always had, so project files and recorded workflow histories read
/// and write as before: a project's (derived here) always writes `id` and `durationSeconds`; a
/// render's (`SeedScenario`) leaves out an id it lacks and reads an absent duration as the
/// default, as the seed design's clients send it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(
    rename_all = "camelCase",
    bound(
        serialize = "Id: ProjectSceneId + Serialize",
        deserialize = "Id: ProjectSceneId + Deserialize<'de>"
    )
)]
pub struct Scenario<Id = String> {
    pub id: Id,
    pub prompt: String,
    /// Left out when None, in files as in workflow payloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub negative_prompt: Option<String>,
    pub duration_seconds: ClipSeconds,
    /// Ids of the characters in this scene (empty: the lead alone, the seed's shape). Their
    /// images go to the model as references, as many as it takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast: Vec<String>,
    /// Starts from the previous scene's last frame, so the cut is seamless: this clip waits
    /// for that one (the others still run in parallel).
    #[serde(default, skip_serializing_if = "is_false")]
    pub continue_from_previous: bool,
    /// The location this shot happens in (an element's id): its reference images go to the
    /// video model after the faces. Travels in a render's request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub location: Option<String>,
    /// The props this shot shows (elements' ids), after the location in the references.
    /// Travels in a render's request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<String>,
    /// The words of the project's story this shot tells (a planned shot). A project's only,
    /// as are the fields below: a render gets them as words of its prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = SourceSpan))]
    pub source: Option<SourceSpan>,
    /// Framing and movement, composed into the prompt's opening words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Camera))]
    pub camera: Option<Camera>,
    /// What is said in this shot, by whom, composed into the prompt as Google's guides write
    /// speech.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dialogue: Vec<DialogueLine>,
    /// What the narrator says over this shot (spoken by the speech model in the narrator's
    /// voice; never in the clip's prompt). A render gets it in its sound plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub narration: Option<String>,
    /// How this shot's dialogue is spoken, when not as the project says
    /// ([`crate::Project::dialogue_mode`]). None: the project's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = DialogueMode))]
    pub dialogue_mode: Option<DialogueMode>,
    /// The part of the clip the film plays (None: all of it). A project's only: a render gets
    /// it in its cut plan ([`crate::CutPlan`]), so trimming never makes the clip again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Trim))]
    pub trim: Option<Trim>,
    /// How the shot before gives way to this one (None: a cut). A project's only, as `trim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Transition))]
    pub transition: Option<Transition>,
    /// Where the picture sits when delivered in another shape. A project's only, as `trim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Reframe))]
    pub reframe: Option<Reframe>,
    /// The frame the clip ends on, for models that take one. Travels in a render's request
    /// (an image there is its artifact URI): it is part of making the clip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = EndFrame))]
    pub end_frame: Option<EndFrame>,
    /// The fingerprint of this shot as its planner made it ([`Scenario::plan_fingerprint`]):
    /// a shot whose fields no longer match it was changed by hand, and planning again keeps
    /// it. Absent for a shot no planner made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub planned: Option<String>,
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// A scene id type whose scenarios have the project's JSON (derived on [`Scenario`]): only
/// `String`. Sealed, so a render's scenario (`Scenario<Option<String>>`) keeps its own
/// (`SeedScenario`).
pub trait ProjectSceneId: crate::character::sealed::Sealed {}

impl ProjectSceneId for String {}

impl Scenario {
    /// This project scenario as a render takes it (with its id).
    pub fn for_render(&self) -> Scenario<Option<String>> {
        Scenario {
            id: Some(self.id.clone()),
            prompt: self.prompt.clone(),
            negative_prompt: self.negative_prompt.clone(),
            duration_seconds: self.duration_seconds,
            cast: self.cast.clone(),
            continue_from_previous: self.continue_from_previous,
            location: self.location.clone(),
            props: self.props.clone(),
            end_frame: self.end_frame.clone(),
            ..Default::default()
        }
    }

    /// A fingerprint of what a planner decides for a shot (its words, prompt, length, cast,
    /// place, props, camera and dialogue): stored in `planned` when planned, compared later
    /// to tell a shot the creator changed by hand.
    pub fn plan_fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let decided = serde_json::json!([
            self.source,
            self.prompt,
            self.negative_prompt,
            self.duration_seconds.get(),
            self.cast,
            self.location,
            self.props,
            self.camera,
            self.dialogue,
            self.continue_from_previous,
        ]);
        let digest = Sha256::digest(decided.to_string().as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether the creator changed this planned shot since it was planned (a shot no planner
    /// made counts as the creator's own).
    pub fn edited_by_hand(&self) -> bool {
        self.planned.as_deref() != Some(self.plan_fingerprint().as_str())
    }
}

impl Scenario<Option<String>> {
    /// A scenario for a render, with no id (the workflow names it) and the default duration.
    pub fn new(prompt: impl Into<String>) -> Self {
        Scenario {
            prompt: prompt.into(),
            ..Default::default()
        }
    }
}

/// [`Scenario`] in a render's input (`Scenario<Option<String>>`): the seed design's wire
/// shape, recorded in every job's history and sent by its clients (as the render's input and
/// as `addSegment`'s payload). An id it lacks is left out, and an absent duration reads as the
/// default.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Scenario<Option<String>>", rename_all = "camelCase")]
struct SeedScenario {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    negative_prompt: Option<String>,
    #[serde(default)]
    duration_seconds: ClipSeconds,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cast: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    continue_from_previous: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    props: Vec<String>,
    #[serde(skip)]
    source: Option<SourceSpan>,
    #[serde(skip)]
    camera: Option<Camera>,
    #[serde(skip)]
    dialogue: Vec<DialogueLine>,
    #[serde(skip)]
    narration: Option<String>,
    #[serde(skip)]
    dialogue_mode: Option<DialogueMode>,
    #[serde(skip)]
    trim: Option<Trim>,
    #[serde(skip)]
    transition: Option<Transition>,
    #[serde(skip)]
    reframe: Option<Reframe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end_frame: Option<EndFrame>,
    #[serde(skip)]
    planned: Option<String>,
}

impl Serialize for Scenario<Option<String>> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SeedScenario::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Scenario<Option<String>> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SeedScenario::deserialize(d)
    }
}
