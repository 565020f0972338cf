//! The `*.studio.json` project file: load with validation that names every problem, save
//! atomically.
//!
//! Loading goes through a loose "raw" shape first so that one bad field does not hide the others:
//! the creator sees the full list of what to fix, each with the JSON path of the field.
//!
//! A project file is the creator's, and may have been written by a newer studio or edited by
//! another program. So a save ([`ProjectFile::write`]) keeps the fields this studio does not know
//! ([`UnknownFields`]), refuses to overwrite a file of a newer format version, and refuses to
//! overwrite a file that changed on disk since it was read ([`Fingerprint`]) unless told to.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub use crate::character::{Character, MAX_CAST};
use crate::cut::{Credits, EndFrame, TitleCard};
use crate::job::VideoRequest;
use crate::quality::{AspectRatio, ClipSeconds, Quality};
pub use crate::scenario::Scenario;
use crate::shot::{Camera, DialogueLine, Element, ElementKind, SourceSpan, Story, MAX_STORY_CHARS};
use crate::sound::{DialogueMode, Mix, Music, Voice, MAX_FADE_SECONDS, VOLUME_DB_RANGE};

mod build;
mod cut;
mod file;
mod spoken;
mod unknown;

use build::*;
use cut::*;
pub use file::{Fingerprint, ProjectFile};
pub use spoken::LineTiming;
pub use unknown::UnknownFields;
use unknown::*;

/// The project file format this build reads and writes.
pub const PROJECT_VERSION: u32 = 1;
/// Upper bound on scenarios per project (one clip each).
pub const MAX_SCENARIOS: usize = 50;
/// Upper bound on a single prompt, in characters. Google's models reject far shorter prompts than
/// this; the bound keeps a pasted novel from reaching a workflow payload.
pub const MAX_PROMPT_CHARS: usize = 8_000;

/// A project as this studio holds it, and as the window gets and sends it. Its file is read
/// through a looser shape (`RawProject`, so every problem is named at once and the fields this
/// studio does not know are kept) and written through `ProjectOut` (the same fields, followed
/// by those unknown ones), both private to this module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub version: u32,
    /// The lead: in every scene that names no cast.
    pub character: Character,
    /// The other characters of the project (absent for a one-character project, which keeps
    /// the seed's shape).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast: Vec<Character>,
    pub scenarios: Vec<Scenario>,
    pub quality: Quality,
    pub aspect_ratio: AspectRatio,
    /// The most a render of this project may spend (USD, at the model table's prices) without
    /// asking: a render estimated above it does not start, and a running one waits for the
    /// creator's approval before a paid step would cross it. None: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub budget: Option<crate::Usd>,
    /// The story this project was planned from, so the plan can be redone and each shot's
    /// `source` points into it. Absent for a project not planned from a story.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Story))]
    pub story: Option<Story>,
    /// The locations and props shots name (absent when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<Element>,
    /// How dialogue is spoken, unless a shot says otherwise: natively in the clip (the
    /// default, left out of the file), or as voice-over.
    #[serde(default, skip_serializing_if = "DialogueMode::is_native")]
    pub dialogue_mode: DialogueMode,
    /// The voice that speaks the shots' narration (None: [`crate::NARRATOR_VOICE`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Voice))]
    pub narrator: Option<Voice>,
    /// The music under the film (None: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Music))]
    pub music: Option<Music>,
    /// Each track's volume and mute, and burned-in captions (left out when all default).
    #[serde(default, skip_serializing_if = "Mix::is_default")]
    pub mix: Mix,
    /// Cards of text between shots or after the last ([`crate::cut`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<TitleCard>,
    /// End credits made from the cast, after everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Credits))]
    pub credits: Option<Credits>,
}

/// One thing wrong with a project, with the JSON path of the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Problem {
    #[error("{field}: unsupported project version {found} (this studio reads version {PROJECT_VERSION})")]
    UnsupportedVersion { field: String, found: String },
    #[error("{field}: missing")]
    Missing { field: String },
    #[error("{field}: empty prompt")]
    EmptyPrompt { field: String },
    #[error("{field}: prompt is {chars} characters; the limit is {MAX_PROMPT_CHARS}")]
    PromptTooLong { field: String, chars: usize },
    #[error("{field}: no scenarios; add at least one")]
    NoScenarios { field: String },
    #[error("{field}: {count} scenarios; the limit is {MAX_SCENARIOS}")]
    TooManyScenarios { field: String, count: usize },
    #[error("{field}: scenario id {id:?} is used more than once")]
    DuplicateId { field: String, id: String },
    #[error("{field}: {message}")]
    InvalidValue { field: String, message: String },
    #[error("{field}: reference image {path:?} does not exist")]
    ReferenceImageMissing { field: String, path: PathBuf },
    #[error("{field}: reference image {path:?} cannot be read: {reason}")]
    ReferenceImageUnreadable {
        field: String,
        path: PathBuf,
        reason: String,
    },
    #[error("{field}: {path:?} is not a PNG, JPEG or WebP image")]
    ReferenceImageNotAnImage { field: String, path: PathBuf },
    /// A relative path must stay inside the project's folder, so a shared project folder is
    /// self-contained and cannot smuggle in (and upload) files from elsewhere on the disk.
    #[error("{field}: {path:?} leads outside the project folder (through \"..\" or a symlink); use an absolute path if that file is wanted")]
    ReferenceOutsideProject { field: String, path: PathBuf },
}

impl Problem {
    pub fn field(&self) -> &str {
        match self {
            Problem::UnsupportedVersion { field, .. }
            | Problem::Missing { field }
            | Problem::EmptyPrompt { field }
            | Problem::PromptTooLong { field, .. }
            | Problem::NoScenarios { field }
            | Problem::TooManyScenarios { field, .. }
            | Problem::DuplicateId { field, .. }
            | Problem::InvalidValue { field, .. }
            | Problem::ReferenceImageMissing { field, .. }
            | Problem::ReferenceImageUnreadable { field, .. }
            | Problem::ReferenceImageNotAnImage { field, .. }
            | Problem::ReferenceOutsideProject { field, .. } => field,
        }
    }
}

/// Why a project could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectError {
    #[error("cannot read project {path:?}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write project {path:?}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("project {path:?} is not valid JSON for a project at line {line}, column {column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("project {path:?} has {} problem(s):\n{}", problems.len(), ProblemList(problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
    /// The file on disk is not the one this studio read or last wrote: another program (or
    /// another copy of the studio) changed it. Nothing was written.
    #[error("project {path:?} was changed by another program since it was opened; reload it, overwrite it, or save this version as another file")]
    Conflict { path: PathBuf },
    /// The file on disk is of a newer format than this studio writes: overwriting it would
    /// lose what the newer studio keeps there. Nothing was written.
    #[error("project {path:?} is version {found} of the project format, made by a newer studio; this studio reads and writes version {supported}, so it will not overwrite it (save as another file)")]
    NewerVersion {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {p}")?;
        }
        Ok(())
    }
}

/// The file as read: a second shape of [`Project`], used only while loading. Every part is
/// optional and loosely typed, so validation reports every problem at once (with its JSON
/// path) instead of stopping at the first, and every field this studio does not read is kept
/// ([`UnknownFields`]) for the next save to write back.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProject {
    version: Option<serde_json::Value>,
    character: Option<RawCharacter>,
    #[serde(default)]
    cast: Vec<RawCharacter>,
    scenarios: Option<Vec<RawScenario>>,
    quality: Option<serde_json::Value>,
    aspect_ratio: Option<serde_json::Value>,
    budget: Option<serde_json::Value>,
    story: Option<serde_json::Value>,
    #[serde(default)]
    elements: Vec<serde_json::Value>,
    dialogue_mode: Option<serde_json::Value>,
    narrator: Option<serde_json::Value>,
    music: Option<serde_json::Value>,
    mix: Option<serde_json::Value>,
    #[serde(default)]
    titles: Vec<serde_json::Value>,
    credits: Option<serde_json::Value>,
    /// Every field not named above: kept and written back ([`UnknownFields`]).
    #[serde(flatten)]
    unknown: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCharacter {
    id: Option<String>,
    name: Option<String>,
    base_prompt: Option<String>,
    #[serde(default)]
    reference_images: Vec<PathBuf>,
    library_id: Option<String>,
    voice: Option<serde_json::Value>,
    #[serde(flatten)]
    unknown: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawScenario {
    id: Option<String>,
    prompt: Option<String>,
    negative_prompt: Option<String>,
    duration_seconds: Option<serde_json::Value>,
    #[serde(default)]
    cast: Vec<String>,
    #[serde(default)]
    continue_from_previous: bool,
    location: Option<serde_json::Value>,
    #[serde(default)]
    props: Vec<serde_json::Value>,
    source: Option<serde_json::Value>,
    camera: Option<serde_json::Value>,
    #[serde(default)]
    dialogue: Vec<serde_json::Value>,
    narration: Option<String>,
    dialogue_mode: Option<serde_json::Value>,
    trim: Option<serde_json::Value>,
    transition: Option<serde_json::Value>,
    reframe: Option<serde_json::Value>,
    end_frame: Option<serde_json::Value>,
    planned: Option<String>,
    #[serde(flatten)]
    unknown: Map<String, Value>,
}

/// Reads at most this many bytes of a project file; anything larger is not a project.
const MAX_PROJECT_BYTES: u64 = 16 * 1024 * 1024;

impl Project {
    /// A new project with one empty scenario, as the studio's "New" creates it.
    pub fn new(name: impl Into<String>) -> Self {
        Project {
            version: PROJECT_VERSION,
            character: Character {
                id: None,
                name: name.into(),
                base_prompt: String::new(),
                reference_images: Vec::new(),
                library_id: None,
                voice: None,
            },
            cast: Vec::new(),
            scenarios: Vec::new(),
            quality: Quality::default(),
            aspect_ratio: AspectRatio::default(),
            budget: None,
            story: None,
            elements: Vec::new(),
            dialogue_mode: DialogueMode::Native,
            narrator: None,
            music: None,
            mix: Mix::default(),
            titles: Vec::new(),
            credits: None,
        }
    }

    /// Loads and validates a project file.
    pub fn load(path: &Path) -> Result<Project, ProjectError> {
        ProjectFile::load(path).map(|f| f.project)
    }

    /// Parses and validates project JSON; relative reference images resolve against `base_dir`.
    pub fn from_json(text: &str, base_dir: &Path) -> Result<Project, ProjectError> {
        parse(text, base_dir).map(|(project, _)| project)
    }

    /// Every problem with this (already parsed) project, including its reference image files.
    pub fn problems(&self, base_dir: &Path) -> Vec<Problem> {
        let raw = serde_json::to_value(self).and_then(serde_json::from_value::<RawProject>);
        let mut problems = Vec::new();
        if let Ok(raw) = raw {
            build(raw, &mut problems);
        }
        problems.extend(self.check_files(base_dir));
        problems
    }

    fn check_files(&self, base_dir: &Path) -> Vec<Problem> {
        let elements = self.elements.iter().enumerate().flat_map(|(e, el)| {
            el.reference_images
                .iter()
                .enumerate()
                .map(move |(i, rel)| (format!("elements[{e}].referenceImages[{i}]"), rel))
        });
        self.characters()
            .flat_map(|(label, c)| {
                c.reference_images
                    .iter()
                    .enumerate()
                    .map(move |(i, rel)| (format!("{label}.referenceImages[{i}]"), rel))
            })
            .chain(elements)
            .filter_map(|(field, rel)| {
                let path = base_dir.join(rel);
                if rel.is_relative() && escapes(base_dir, &path) {
                    return Some(Problem::ReferenceOutsideProject {
                        field,
                        path: rel.clone(),
                    });
                }
                check_image(&path, rel, field)
            })
            .chain(self.check_music_file(base_dir))
            .chain(self.check_end_frames(base_dir))
            .collect()
    }

    /// The music's file, when it is one: inside the project's folder when written relative
    /// (as the images), and a regular file that is there, so the window says so before a
    /// render would fail on it.
    fn check_music_file(&self, base_dir: &Path) -> Option<Problem> {
        let rel = self.music.as_ref()?.file.as_ref()?;
        let field = "music.file".to_owned();
        let path = base_dir.join(rel);
        if rel.is_relative() && escapes(base_dir, &path) {
            return Some(Problem::ReferenceOutsideProject {
                field,
                path: rel.clone(),
            });
        }
        let message = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => return None,
            Ok(_) => format!("{} is not a regular file", rel.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                format!("music file {} does not exist", rel.display())
            }
            Err(e) => format!("music file {} cannot be read: {e}", rel.display()),
        };
        Some(Problem::InvalidValue { field, message })
    }

    /// Saves atomically as a new file would be (no fields of an older file kept, no check that
    /// the file is the one read), but never over a newer studio's file: see
    /// [`ProjectFile::write`] for a file that was opened.
    pub fn save(&self, path: &Path) -> Result<(), ProjectError> {
        ProjectFile::write(path, self, &UnknownFields::default(), None).map(drop)
    }

    /// Every character with the JSON path it is found at: the lead (`character`), then the
    /// cast (`cast[i]`).
    pub fn characters(&self) -> impl Iterator<Item = (String, &Character)> {
        std::iter::once(("character".to_owned(), &self.character)).chain(
            self.cast
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("cast[{i}]"), c)),
        )
    }

    /// Absolute paths of the lead's reference images.
    pub fn reference_paths(&self, base_dir: &Path) -> Vec<PathBuf> {
        Self::paths_of(&self.character, base_dir)
    }

    /// Absolute paths of a character's reference images.
    pub fn paths_of(character: &Character, base_dir: &Path) -> Vec<PathBuf> {
        character
            .reference_images
            .iter()
            .map(|p| base_dir.join(p))
            .collect()
    }

    /// Total video seconds the project will render.
    pub fn total_seconds(&self) -> u32 {
        self.scenarios
            .iter()
            .map(|s| s.duration_seconds.get())
            .sum()
    }

    /// What a render of this project asks: the one conversion from a project to a workflow's
    /// input. `character` gives each character as the render takes it (`0` the lead, `i` the
    /// cast's `i - 1`): its reference images copied into the artifact store by the caller
    /// (media never travels in workflow payloads), see [`Character::for_render`].
    /// `element` does the same for each of `elements` (by index), and `music_file` for the
    /// music's file (called only when the project's music is a file). Each scene's prompt is
    /// its [`Project::video_prompt`]: the text the model gets; the sound is
    /// [`Project::sound_plan`].
    pub fn to_request(
        &self,
        mut character: impl FnMut(usize, &Character) -> Character<String>,
        mut element: impl FnMut(usize, &Element) -> Element<String>,
        music_file: impl FnOnce(&Path) -> String,
        mut end_frame_image: impl FnMut(usize, &str) -> String,
    ) -> VideoRequest {
        VideoRequest {
            character: character(0, &self.character),
            cast: (self.cast.iter().enumerate())
                .map(|(i, c)| character(i + 1, c))
                .collect(),
            scenarios: (self.scenarios.iter().enumerate())
                .map(|(i, s)| Scenario {
                    prompt: self.video_prompt(s),
                    end_frame: s.end_frame.as_ref().map(|f| match f {
                        EndFrame::Image(path) => EndFrame::Image(end_frame_image(i, path)),
                        EndFrame::NextShot => EndFrame::NextShot,
                    }),
                    ..s.for_render()
                })
                .collect(),
            quality: self.quality,
            aspect_ratio: self.aspect_ratio,
            elements: (self.elements.iter().enumerate())
                .map(|(i, e)| element(i, e))
                .collect(),
            sound: self.sound_plan(music_file),
            cut: self.cut_plan(),
        }
    }

    /// The character a scene or a line names by `id` (the lead's id included).
    pub fn character_by_id(&self, id: &str) -> Option<&Character> {
        self.characters()
            .map(|(_, c)| c)
            .find(|c| c.id.as_deref() == Some(id))
    }

    /// The element named by `id`.
    pub fn element(&self, id: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.id == id)
    }

    /// The exact prompt a render sends for `scene`: its own prompt, with its camera, place,
    /// props and dialogue composed around it in the order Google's Veo prompting guide gives
    /// (cinematography, subject and action, context, then speech as separate sentences). A
    /// scene with none of those is sent as written, so projects made before planning keep
    /// their prompts (and their cached clips).
    ///
    /// Speech follows the Vertex best-practice form `Name says: line` with no quotation
    /// marks, which the guide says keeps the model from drawing the words on screen; a
    /// speaker with a voice description is `Name (description) says: line`, as the guide
    /// gives each character "a specific voice style". A scene whose dialogue is voice-over
    /// ([`DialogueMode::VoiceOver`]) has no speech lines and asks for none ([`NO_SPEECH`]).
    pub fn video_prompt(&self, scene: &Scenario) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(camera) = scene.camera {
            parts.push(format!(
                "{}, {}.",
                camera.shot.words(),
                camera.movement.words()
            ));
        }
        parts.push(sentence(&scene.prompt));
        let described = |id: &String, kind: ElementKind| {
            self.element(id)
                .filter(|e| e.kind == kind)
                .map(|e| format!("{}: {}", e.name.trim(), trim_stop(&e.prompt)))
        };
        if let Some(place) = scene
            .location
            .as_ref()
            .and_then(|id| described(id, ElementKind::Location))
        {
            parts.push(format!("Setting: {place}."));
        }
        let props: Vec<String> = (scene.props.iter())
            .filter_map(|id| described(id, ElementKind::Prop))
            .collect();
        if !props.is_empty() {
            parts.push(format!("Props: {}.", props.join("; ")));
        }
        match self.dialogue_mode_of(scene) {
            DialogueMode::Native => {
                for line in &scene.dialogue {
                    let speaker = self.character_by_id(&line.speaker);
                    let who = (speaker.map(|c| c.name.trim()))
                        .filter(|n| !n.is_empty())
                        .unwrap_or(line.speaker.as_str());
                    let how = (speaker.and_then(|c| c.voice.as_ref()))
                        .and_then(Voice::style)
                        .map(|d| format!(" ({})", trim_stop(d)))
                        .unwrap_or_default();
                    parts.push(format!(
                        "{who}{how} says: {}",
                        sentence(&unquote(&line.line))
                    ));
                }
            }
            // The words are laid over the clip: a clip that spoke too would talk over them.
            DialogueMode::VoiceOver => parts.push(NO_SPEECH.to_owned()),
        }
        if parts.len() == 1 {
            return scene.prompt.clone();
        }
        parts.join(" ")
    }
}

/// The sentence a voice-over scene's prompt ends with: its words are laid over the clip by
/// the speech model, so the clip must not speak (short, as Veo's guide writes audio cues).
pub const NO_SPEECH: &str = "No one speaks; no dialogue.";

/// `text` trimmed, ending with a full stop unless it ends a sentence already.
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() || t.ends_with(['.', '!', '?', '…']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

fn trim_stop(text: &str) -> &str {
    text.trim().trim_end_matches('.')
}

/// A spoken line without the quotation marks around it (a video model may draw quoted words).
fn unquote(line: &str) -> String {
    line.trim()
        .trim_matches(|c| matches!(c, '"' | '“' | '”' | '„' | '«' | '»'))
        .trim()
        .to_owned()
}

/// Parses and validates project JSON, keeping what the studio does not know.
fn parse(text: &str, base_dir: &Path) -> Result<(Project, UnknownFields), ProjectError> {
    let raw: RawProject = serde_json::from_str(text).map_err(|e| ProjectError::Syntax {
        path: PathBuf::new(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let unknown = UnknownFields::of(&raw);
    let mut problems = Vec::new();
    let project = build(raw, &mut problems);
    if let Some(p) = &project {
        problems.extend(p.check_files(base_dir));
    }
    match project {
        Some(p) if problems.is_empty() => Ok((p, unknown)),
        _ => Err(ProjectError::Invalid {
            path: PathBuf::new(),
            problems,
        }),
    }
}

impl ProjectError {
    fn with_path(self, p: &Path) -> Self {
        match self {
            ProjectError::Syntax {
                line,
                column,
                message,
                ..
            } => ProjectError::Syntax {
                path: p.to_owned(),
                line,
                column,
                message,
            },
            ProjectError::Invalid { problems, .. } => ProjectError::Invalid {
                path: p.to_owned(),
                problems,
            },
            other => other,
        }
    }

    /// The validation problems, when that is what went wrong.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ProjectError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod cut_tests;
#[cfg(test)]
mod sound_tests;
#[cfg(test)]
mod tests;
