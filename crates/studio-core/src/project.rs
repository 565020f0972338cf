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

use crate::job::{is_false, CharacterSpec, ScenarioSpec, VideoRequest, MAX_CAST};
use crate::quality::{AspectRatio, ClipSeconds, Quality};

/// The project file format this build reads and writes.
pub const PROJECT_VERSION: u32 = 1;
/// Upper bound on scenarios per project (one clip each).
pub const MAX_SCENARIOS: usize = 50;
/// Upper bound on a single prompt, in characters. Google's models reject far shorter prompts than
/// this; the bound keeps a pasted novel from reaching a workflow payload.
pub const MAX_PROMPT_CHARS: usize = 8_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Character {
    /// How scenarios name this character in their `cast`; needed only once a project has a
    /// cast (a one-character project keeps the seed's shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub base_prompt: String,
    /// Paths as written in the file; relative paths are relative to the project file's folder.
    #[serde(default)]
    pub reference_images: Vec<PathBuf>,
    /// A character from the library: its stored angle images are used as they are (no
    /// character step), so it looks the same in every project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub id: String,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    #[serde(default)]
    pub duration_seconds: ClipSeconds,
    /// Ids of the characters in this scene (empty: the lead alone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast: Vec<String>,
    /// Starts from the previous scene's last frame (a seamless cut).
    #[serde(default, skip_serializing_if = "is_false")]
    pub continue_from_previous: bool,
}

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
    #[serde(default)]
    pub quality: Quality,
    #[serde(default)]
    pub aspect_ratio: AspectRatio,
    /// The most a render of this project may spend (USD, at the model table's prices) without
    /// asking: a render estimated above it does not start, and a running one waits for the
    /// creator's approval before a paid step would cross it. None: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub budget: Option<crate::Usd>,
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

/// Loose shape used only while loading, so validation can report every problem at once.
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
            },
            cast: Vec::new(),
            scenarios: Vec::new(),
            quality: Quality::default(),
            aspect_ratio: AspectRatio::default(),
            budget: None,
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
        self.characters()
            .flat_map(|(label, c)| {
                c.reference_images
                    .iter()
                    .enumerate()
                    .map(move |(i, rel)| (format!("{label}.referenceImages[{i}]"), rel))
            })
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
            .collect()
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

    /// The workflow input for this project, with reference images already turned into artifact
    /// URIs by the caller (media never travels in workflow payloads): the lead's, then each
    /// cast member's (missing entries: none).
    pub fn to_request(
        &self,
        reference_uris: Vec<String>,
        cast_uris: Vec<Vec<String>>,
    ) -> VideoRequest {
        let spec = |c: &Character, uris: Vec<String>| CharacterSpec {
            id: c.id.clone(),
            name: c.name.clone(),
            base_prompt: c.base_prompt.clone(),
            reference_images: uris,
        };
        let mut cast_uris = cast_uris.into_iter();
        VideoRequest {
            character: spec(&self.character, reference_uris),
            cast: self
                .cast
                .iter()
                .map(|c| spec(c, cast_uris.next().unwrap_or_default()))
                .collect(),
            scenarios: self
                .scenarios
                .iter()
                .map(|s| ScenarioSpec {
                    id: Some(s.id.clone()),
                    prompt: s.prompt.clone(),
                    negative_prompt: s.negative_prompt.clone(),
                    duration_seconds: s.duration_seconds,
                    cast: s.cast.clone(),
                    continue_from_previous: s.continue_from_previous,
                })
                .collect(),
            quality: self.quality,
            aspect_ratio: self.aspect_ratio,
        }
    }
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

/// The fields of a project file this studio does not read, by the object they were found in,
/// so that a rewrite keeps them: a file a newer studio wrote survives being saved by this one.
///
/// Kept here, on the Rust side, and never sent to the window: [`Project`] crosses IPC with a
/// clean TypeScript type, and the page cannot drop (or forge) what it never holds. A save merges
/// the page's project into these fields (characters and scenarios matched by id), and the
/// field order stays the studio's own, so projects keep diffing well.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnknownFields {
    top: Map<String, Value>,
    /// Per character of the file: its id, whether it was the lead, and its unknown fields.
    characters: Vec<(Option<String>, bool, Map<String, Value>)>,
    /// Per scenario id (as loaded: `scene-N` for one written without an id).
    scenarios: Vec<(String, Map<String, Value>)>,
}

impl UnknownFields {
    fn of(raw: &RawProject) -> UnknownFields {
        let lead = raw.character.iter().map(|c| (c, true));
        let cast = raw.cast.iter().map(|c| (c, false));
        UnknownFields {
            top: raw.unknown.clone(),
            characters: lead
                .chain(cast)
                .filter(|(c, _)| !c.unknown.is_empty())
                .map(|(c, lead)| {
                    let id = c.id.as_ref().map(|id| id.trim().to_owned());
                    (id, lead, c.unknown.clone())
                })
                .collect(),
            scenarios: raw
                .scenarios
                .iter()
                .flatten()
                .enumerate()
                .filter(|(_, s)| !s.unknown.is_empty())
                .map(|(i, s)| {
                    let id = s.id.clone().unwrap_or_else(|| format!("scene-{}", i + 1));
                    (id, s.unknown.clone())
                })
                .collect(),
        }
    }

    /// Whether the file had no field this studio does not know.
    pub fn is_empty(&self) -> bool {
        self.top.is_empty() && self.characters.is_empty() && self.scenarios.is_empty()
    }

    /// A character's fields: by its id; for the lead, else the lead's of the file (or of the
    /// last write), unless that one's id now names another character of `project`. So the
    /// lead keeps its fields when it loses its id (the project is back to one character) or
    /// gets one (a cast again).
    fn character(&self, c: &Character, lead: bool, project: &Project) -> &Map<String, Value> {
        let worn = |id: &String| project.characters().any(|(_, c)| c.id.as_ref() == Some(id));
        self.characters
            .iter()
            .find(|(id, _, _)| c.id.is_some() && *id == c.id)
            .or_else(|| {
                lead.then(|| {
                    self.characters
                        .iter()
                        .find(|(id, was_lead, _)| *was_lead && !id.as_ref().is_some_and(worn))
                })
                .flatten()
            })
            .map_or(&*EMPTY, |(_, _, m)| m)
    }

    fn scenario(&self, s: &Scenario) -> &Map<String, Value> {
        self.scenarios
            .iter()
            .find(|(id, _)| *id == s.id)
            .map_or(&*EMPTY, |(_, m)| m)
    }

    /// The fields that go with `project` when it is written, keyed as it is written: those
    /// of a scene or character no longer in it are dropped, so that a new one given the same
    /// id later (the page numbers scenes, and names characters' ids after their names) starts
    /// clean instead of inheriting them. The lead's are keyed by its current id and role.
    fn for_project(&self, project: &Project) -> UnknownFields {
        let lead = std::iter::once((&project.character, true));
        let cast = project.cast.iter().map(|c| (c, false));
        UnknownFields {
            top: self.top.clone(),
            characters: lead
                .chain(cast)
                .map(|(c, lead)| (c.id.clone(), lead, self.character(c, lead, project)))
                .filter(|(_, _, m)| !m.is_empty())
                .map(|(id, lead, m)| (id, lead, m.clone()))
                .collect(),
            scenarios: project
                .scenarios
                .iter()
                .map(|s| (s, self.scenario(s)))
                .filter(|(_, m)| !m.is_empty())
                .map(|(s, m)| (s.id.clone(), m.clone()))
                .collect(),
        }
    }
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// A value's fields followed by the unknown fields of the object it was read from.
#[derive(Serialize)]
struct WithUnknown<'a, T: Serialize> {
    #[serde(flatten)]
    known: T,
    #[serde(flatten)]
    unknown: &'a Map<String, Value>,
}

/// [`Project`] as written: the same fields in the same order, each object followed by its
/// unknown fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProjectOut<'a> {
    version: u32,
    character: WithUnknown<'a, &'a Character>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cast: Vec<WithUnknown<'a, &'a Character>>,
    scenarios: Vec<WithUnknown<'a, &'a Scenario>>,
    quality: Quality,
    aspect_ratio: AspectRatio,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<crate::Usd>,
    #[serde(flatten)]
    unknown: &'a Map<String, Value>,
}

impl<'a> ProjectOut<'a> {
    fn new(p: &'a Project, unknown: &'a UnknownFields) -> Self {
        // Exhaustive: a new field of `Project` does not compile until it is written here too.
        let Project {
            version,
            character,
            cast,
            scenarios,
            quality,
            aspect_ratio,
            budget,
        } = p;
        ProjectOut {
            version: *version,
            character: WithUnknown {
                known: character,
                unknown: unknown.character(character, true, p),
            },
            cast: cast
                .iter()
                .map(|c| WithUnknown {
                    known: c,
                    unknown: unknown.character(c, false, p),
                })
                .collect(),
            scenarios: scenarios
                .iter()
                .map(|s| WithUnknown {
                    known: s,
                    unknown: unknown.scenario(s),
                })
                .collect(),
            quality: *quality,
            aspect_ratio: *aspect_ratio,
            budget: *budget,
            unknown: &unknown.top,
        }
    }
}

/// What a file's content was when this studio read or wrote it.
///
/// The content hash decides whether the file is still the one loaded: a modification time
/// alone misses a change made within the file system's timestamp granularity, or one whose
/// time was set back (`cp -p`, `rsync -t`, a checkout), and it flags a mere `touch`. The time
/// is kept for the log and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub modified: Option<SystemTime>,
    pub len: u64,
    pub sha256: [u8; 32],
}

impl Fingerprint {
    fn of(bytes: &[u8], meta: Option<&std::fs::Metadata>) -> Fingerprint {
        Fingerprint {
            modified: meta.and_then(|m| m.modified().ok()),
            len: bytes.len() as u64,
            sha256: Sha256::digest(bytes).into(),
        }
    }
}

/// A project file as this studio read or last wrote it: the project, the fields it does not
/// know, and the fingerprint a later save checks the file against.
#[derive(Debug, Clone)]
pub struct ProjectFile {
    pub project: Project,
    pub unknown: UnknownFields,
    pub fingerprint: Fingerprint,
}

/// Reads at most [`MAX_PROJECT_BYTES`] of `path` (through symlinks), with its metadata.
fn read_bounded(path: &Path) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let mut bytes = Vec::new();
    file.take(MAX_PROJECT_BYTES + 1).read_to_end(&mut bytes)?;
    Ok((bytes, meta))
}

impl ProjectFile {
    /// Loads and validates a project file, remembering what is needed to save it back safely.
    pub fn load(path: &Path) -> Result<ProjectFile, ProjectError> {
        let (bytes, meta) = read_bounded(path).map_err(|source| ProjectError::Read {
            path: path.to_owned(),
            source,
        })?;
        let too_big = || ProjectError::Syntax {
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: format!("file is larger than {MAX_PROJECT_BYTES} bytes"),
        };
        if bytes.len() as u64 > MAX_PROJECT_BYTES {
            return Err(too_big());
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| ProjectError::Read {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let (project, unknown) = parse(text, base).map_err(|e| e.with_path(path))?;
        Ok(ProjectFile {
            project,
            unknown,
            fingerprint: Fingerprint::of(&bytes, Some(&meta)),
        })
    }

    /// Writes `project` to `path` atomically, pretty-printed (projects diff well in version
    /// control), with `unknown`'s fields merged in. Refused, with nothing written, when the
    /// file on disk is of a newer format ([`ProjectError::NewerVersion`], always), or when
    /// `expected` is given and the file is no longer that content ([`ProjectError::Conflict`];
    /// pass None to overwrite, or for a file never read). A file that is gone is written anew:
    /// nothing of it can be lost. Returns the file as written, for the next save's check and
    /// merge (its unknown fields only those of what `project` still holds).
    pub fn write(
        path: &Path,
        project: &Project,
        unknown: &UnknownFields,
        expected: Option<&Fingerprint>,
    ) -> Result<ProjectFile, ProjectError> {
        let write_err = |source| ProjectError::Write {
            path: path.to_owned(),
            source,
        };
        let unknown = unknown.for_project(project);
        let mut json = serde_json::to_vec_pretty(&ProjectOut::new(project, &unknown))
            .expect("a project always serializes");
        json.push(b'\n');
        match read_bounded(path) {
            Ok((bytes, meta)) => {
                if let Some(found) = newer_version(&bytes) {
                    return Err(ProjectError::NewerVersion {
                        path: path.to_owned(),
                        found,
                        supported: PROJECT_VERSION,
                    });
                }
                if let Some(expected) = expected {
                    let now = Fingerprint::of(&bytes, Some(&meta));
                    if now.sha256 != expected.sha256 {
                        tracing::warn!(
                            path = %path.display(),
                            loaded_len = expected.len,
                            disk_len = now.len,
                            mtime_changed = now.modified != expected.modified,
                            "project changed on disk since it was read; not overwritten"
                        );
                        return Err(ProjectError::Conflict {
                            path: path.to_owned(),
                        });
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if expected.is_some() {
                    tracing::info!(path = %path.display(), "project file was removed; written anew");
                }
            }
            Err(e) => return Err(write_err(e)),
        }
        crate::atomic::replace_with(path, crate::atomic::Mode::KeepOrUmask, |f| {
            std::io::Write::write_all(f, &json)
        })
        .map_err(write_err)?;
        let meta = std::fs::metadata(path).ok();
        Ok(ProjectFile {
            project: project.clone(),
            unknown,
            fingerprint: Fingerprint::of(&json, meta.as_ref()),
        })
    }
}

/// The `version` of a project file's bytes when it is a number above [`PROJECT_VERSION`].
fn newer_version(bytes: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Versioned {
        version: Option<Value>,
    }
    let v: Versioned = serde_json::from_slice(bytes).ok()?;
    v.version?
        .as_u64()
        .filter(|&found| found > u64::from(PROJECT_VERSION))
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

fn check_prompt(field: String, prompt: Option<&str>, problems: &mut Vec<Problem>) {
    match prompt {
        None => problems.push(Problem::Missing { field }),
        Some(p) if p.trim().is_empty() => problems.push(Problem::EmptyPrompt { field }),
        Some(p) if p.chars().count() > MAX_PROMPT_CHARS => problems.push(Problem::PromptTooLong {
            field,
            chars: p.chars().count(),
        }),
        Some(_) => {}
    }
}

fn parse_enum<T: std::str::FromStr<Err = crate::quality::ParseError> + Default>(
    field: &str,
    value: Option<serde_json::Value>,
    problems: &mut Vec<Problem>,
) -> T {
    match value {
        None => T::default(),
        Some(serde_json::Value::String(s)) => s.parse().unwrap_or_else(|e: crate::ParseError| {
            problems.push(Problem::InvalidValue {
                field: field.into(),
                message: e.to_string(),
            });
            T::default()
        }),
        Some(other) => {
            problems.push(Problem::InvalidValue {
                field: field.into(),
                message: format!("expected a string, found {other}"),
            });
            T::default()
        }
    }
}

/// Turns the raw shape into a project, pushing every problem found. Returns `None` only when a
/// required part is absent altogether.
fn build(raw: RawProject, problems: &mut Vec<Problem>) -> Option<Project> {
    match &raw.version {
        Some(v) if v.as_u64() == Some(PROJECT_VERSION as u64) => {}
        Some(v) => problems.push(Problem::UnsupportedVersion {
            field: "version".into(),
            found: v.to_string(),
        }),
        None => problems.push(Problem::Missing {
            field: "version".into(),
        }),
    }
    let quality = parse_enum::<Quality>("quality", raw.quality, problems);
    let aspect_ratio = parse_enum::<AspectRatio>("aspectRatio", raw.aspect_ratio, problems);
    let budget = match raw.budget {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => match v.as_f64().and_then(crate::Usd::from_dollars) {
            Some(usd) if usd > crate::Usd::ZERO => Some(usd),
            _ => {
                problems.push(Problem::InvalidValue {
                    field: "budget".into(),
                    message: format!(
                        "{v} is not a budget: give the most a render may spend, in US dollars \
                         (a number above 0), or leave it out for no limit"
                    ),
                });
                None
            }
        },
    };

    let character = match raw.character {
        None => {
            problems.push(Problem::Missing {
                field: "character".into(),
            });
            None
        }
        Some(c) => Some(build_character("character", c, problems)),
    };
    if raw.cast.len() + 1 > MAX_CAST {
        problems.push(Problem::InvalidValue {
            field: "cast".into(),
            message: format!(
                "{} characters; a project has at most {MAX_CAST} (the lead and {} more)",
                raw.cast.len() + 1,
                MAX_CAST - 1
            ),
        });
    }
    let cast: Vec<Character> = raw
        .cast
        .into_iter()
        .enumerate()
        .map(|(i, c)| build_character(&format!("cast[{i}]"), c, problems))
        .collect();
    // Scenes name characters by id: a cast needs every id, each once.
    let mut ids = HashSet::new();
    if let Some(id) = character.as_ref().and_then(|c| c.id.clone()) {
        ids.insert(id);
    }
    for (i, c) in cast.iter().enumerate() {
        match &c.id {
            None => problems.push(Problem::Missing {
                field: format!("cast[{i}].id"),
            }),
            Some(id) if !ids.insert(id.clone()) => problems.push(Problem::DuplicateId {
                field: format!("cast[{i}].id"),
                id: id.clone(),
            }),
            Some(_) => {}
        }
    }

    let raw_scenarios = raw.scenarios.unwrap_or_default();
    if raw_scenarios.is_empty() {
        problems.push(Problem::NoScenarios {
            field: "scenarios".into(),
        });
    } else if raw_scenarios.len() > MAX_SCENARIOS {
        problems.push(Problem::TooManyScenarios {
            field: "scenarios".into(),
            count: raw_scenarios.len(),
        });
    }
    let mut seen = HashSet::new();
    let scenarios = raw_scenarios
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let field = |name: &str| format!("scenarios[{i}].{name}");
            check_prompt(field("prompt"), s.prompt.as_deref(), problems);
            let id = match s.id {
                Some(id) if id.trim().is_empty() => {
                    problems.push(Problem::InvalidValue {
                        field: field("id"),
                        message: "empty id".into(),
                    });
                    id
                }
                Some(id) => id,
                None => format!("scene-{}", i + 1),
            };
            if !seen.insert(id.clone()) {
                problems.push(Problem::DuplicateId {
                    field: field("id"),
                    id: id.clone(),
                });
            }
            let duration_seconds = match s.duration_seconds {
                None => ClipSeconds::default(),
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| format!("expected whole seconds, found {v}"))
                    .and_then(|n| ClipSeconds::try_from(n).map_err(|e| e.to_string()))
                    .unwrap_or_else(|message| {
                        problems.push(Problem::InvalidValue {
                            field: field("durationSeconds"),
                            message,
                        });
                        ClipSeconds::default()
                    }),
            };
            for (j, who) in s.cast.iter().enumerate() {
                if !ids.contains(who) {
                    problems.push(Problem::InvalidValue {
                        field: format!("scenarios[{i}].cast[{j}]"),
                        message: format!("no character with id {who:?} in this project"),
                    });
                }
            }
            if s.continue_from_previous && i == 0 {
                problems.push(Problem::InvalidValue {
                    field: field("continueFromPrevious"),
                    message: "the first scenario has no previous shot to continue from".into(),
                });
            }
            Scenario {
                id,
                prompt: s.prompt.unwrap_or_default(),
                negative_prompt: s.negative_prompt,
                duration_seconds,
                cast: s.cast,
                continue_from_previous: s.continue_from_previous,
            }
        })
        .collect();

    Some(Project {
        version: PROJECT_VERSION,
        character: character?,
        cast,
        scenarios,
        quality,
        aspect_ratio,
        budget,
    })
}

/// A character as written, its prompt checked (`label` is its JSON path).
fn build_character(label: &str, c: RawCharacter, problems: &mut Vec<Problem>) -> Character {
    check_prompt(
        format!("{label}.basePrompt"),
        c.base_prompt.as_deref(),
        problems,
    );
    let id = c.id.map(|id| id.trim().to_owned());
    if id.as_deref() == Some("") {
        problems.push(Problem::InvalidValue {
            field: format!("{label}.id"),
            message: "empty id".into(),
        });
    }
    Character {
        id: id.filter(|id| !id.is_empty()),
        name: c.name.unwrap_or_default(),
        base_prompt: c.base_prompt.unwrap_or_default(),
        reference_images: c.reference_images,
        library_id: c.library_id.filter(|id| !id.trim().is_empty()),
    }
}

/// Whether `path` (under `base_dir` as written) resolves, symlinks and `..` followed, to a place
/// outside `base_dir`. A path that does not exist yet is judged by its text alone.
fn escapes(base_dir: &Path, path: &Path) -> bool {
    let Ok(base) = base_dir.canonicalize() else {
        return false;
    };
    match path.canonicalize() {
        Ok(real) => !real.starts_with(&base),
        Err(_) => {
            let mut depth = 0i32;
            for c in path.strip_prefix(base_dir).unwrap_or(path).components() {
                match c {
                    std::path::Component::ParentDir => depth -= 1,
                    std::path::Component::Normal(_) => depth += 1,
                    _ => {}
                }
                if depth < 0 {
                    return true;
                }
            }
            false
        }
    }
}

/// Checks a reference image exists, is readable and starts like an image we can send on.
fn check_image(path: &Path, shown: &Path, field: String) -> Option<Problem> {
    let mut head = [0u8; 12];
    // A FIFO or a device would hold this thread until a writer comes: looked at, not opened.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Some(Problem::ReferenceImageUnreadable {
            field,
            path: shown.to_owned(),
            reason: "not a regular file".into(),
        });
    }
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some(Problem::ReferenceImageMissing {
                field,
                path: shown.to_owned(),
            })
        }
        Err(e) => {
            return Some(Problem::ReferenceImageUnreadable {
                field,
                path: shown.to_owned(),
                reason: e.to_string(),
            })
        }
    };
    let n = match file.read(&mut head) {
        Ok(n) => n,
        Err(e) => {
            return Some(Problem::ReferenceImageUnreadable {
                field,
                path: shown.to_owned(),
                reason: e.to_string(),
            })
        }
    };
    let head = &head[..n];
    let is_image = head.starts_with(b"\x89PNG\r\n\x1a\n")
        || head.starts_with(b"\xff\xd8\xff")
        || (head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP");
    (!is_image).then(|| Problem::ReferenceImageNotAnImage {
        field,
        path: shown.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\0";

    fn valid_json() -> serde_json::Value {
        serde_json::json!({
            "version": 1,
            "character": {"name": "Ava", "basePrompt": "a pilot", "referenceImages": []},
            "scenarios": [{"id": "a", "prompt": "takes off"}, {"prompt": "lands", "durationSeconds": 4}],
            "quality": "high",
            "aspectRatio": "9:16"
        })
    }

    fn load(v: &serde_json::Value, dir: &Path) -> Result<Project, ProjectError> {
        Project::from_json(&v.to_string(), dir)
    }

    #[test]
    fn loads_a_valid_project_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = load(&valid_json(), dir.path()).unwrap();
        assert_eq!(p.scenarios[1].id, "scene-2");
        assert_eq!(p.scenarios[0].duration_seconds.get(), 8);
        assert_eq!(p.total_seconds(), 12);
        assert_eq!(p.aspect_ratio, AspectRatio::Portrait);
    }

    #[test]
    fn a_one_character_project_keeps_the_seeds_shape() {
        let dir = tempfile::tempdir().unwrap();
        let p = load(&valid_json(), dir.path()).unwrap();
        let written = serde_json::to_value(&p).unwrap();
        assert!(written.get("cast").is_none(), "{written}");
        assert!(written["character"].get("id").is_none(), "{written}");
        assert!(written["scenarios"][0].get("cast").is_none(), "{written}");
        assert!(written["scenarios"][0]
            .get("continueFromPrevious")
            .is_none());
        let request = serde_json::to_value(p.to_request(vec![], vec![])).unwrap();
        assert!(request.get("cast").is_none(), "{request}");
    }

    #[test]
    fn a_cast_is_named_by_id_and_every_mistake_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = valid_json();
        v["character"]["id"] = "ava".into();
        v["cast"] = serde_json::json!([
            {"id": "rex", "name": "Rex", "basePrompt": "a boxer"},
            {"name": "Nameless", "basePrompt": "a ghost"},
            {"id": "rex", "name": "Rex again", "basePrompt": "", "referenceImages": ["gone.png"]}
        ]);
        v["scenarios"][0]["cast"] = serde_json::json!(["ava", "rex", "zed"]);
        v["scenarios"][0]["continueFromPrevious"] = true.into();
        let err = load(&v, dir.path()).unwrap_err();
        let fields: Vec<&str> = err.problems().iter().map(Problem::field).collect();
        assert_eq!(
            fields,
            [
                "cast[2].basePrompt",
                "cast[1].id",
                "cast[2].id",
                "scenarios[0].cast[2]",
                "scenarios[0].continueFromPrevious",
                "cast[2].referenceImages[0]",
            ],
            "{err}"
        );

        let mut v = valid_json();
        v["character"]["id"] = "ava".into();
        v["cast"] = serde_json::json!([{"id": "rex", "name": "Rex", "basePrompt": "a boxer"}]);
        v["scenarios"][0]["cast"] = serde_json::json!(["rex", "ava"]);
        v["scenarios"][1]["continueFromPrevious"] = true.into();
        let p = load(&v, dir.path()).unwrap();
        let request = p.to_request(vec![], vec![vec!["file:///r.png".into()]]);
        assert_eq!(request.cast[0].reference_images, ["file:///r.png"]);
        assert_eq!(request.scene_cast(&request.scenarios[0]), [1, 0]);
        assert_eq!(request.scene_cast(&request.scenarios[1]), [0], "the lead");
        assert!(request.scenarios[1].continue_from_previous);
        // Saved and loaded again, nothing is lost.
        let path = dir.path().join("p.studio.json");
        p.save(&path).unwrap();
        assert_eq!(Project::load(&path).unwrap(), p);

        let mut v = valid_json();
        v["cast"] = serde_json::json!((0..6)
            .map(|i| serde_json::json!({"id": format!("c{i}"), "basePrompt": "x"}))
            .collect::<Vec<_>>());
        let err = load(&v, dir.path()).unwrap_err();
        assert_eq!(err.problems()[0].field(), "cast", "{err}");
    }

    #[test]
    fn names_every_problem_at_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
        let mut v = valid_json();
        v["version"] = 7.into();
        v["quality"] = "ultra".into();
        v["character"]["basePrompt"] = "  ".into();
        v["character"]["referenceImages"] = serde_json::json!(["gone.png", "notes.txt"]);
        v["scenarios"][1]["prompt"] = "".into();
        v["scenarios"][1]["durationSeconds"] = 61.into();
        let err = load(&v, dir.path()).unwrap_err();
        let fields: Vec<_> = err
            .problems()
            .iter()
            .map(|p| p.field().to_owned())
            .collect();
        assert_eq!(
            fields,
            [
                "version",
                "quality",
                "character.basePrompt",
                "scenarios[1].prompt",
                "scenarios[1].durationSeconds",
                "character.referenceImages[0]",
                "character.referenceImages[1]",
            ]
        );
        let text = err.to_string();
        assert!(text.contains("unsupported project version 7"), "{text}");
        assert!(text.contains("\"ultra\""), "{text}");
        assert!(text.contains("does not exist"), "{text}");
        assert!(text.contains("not a PNG"), "{text}");
    }

    #[test]
    fn rejects_no_scenarios_and_more_than_fifty() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = valid_json();
        v["scenarios"] = serde_json::json!([]);
        assert!(matches!(
            load(&v, dir.path()).unwrap_err().problems(),
            [Problem::NoScenarios { .. }]
        ));
        v["scenarios"] = (0..51)
            .map(|i| serde_json::json!({"prompt": format!("shot {i}")}))
            .collect();
        assert!(matches!(
            load(&v, dir.path()).unwrap_err().problems(),
            [Problem::TooManyScenarios { count: 51, .. }]
        ));
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err =
            Project::from_json("{\n  \"version\": 1,\n  oops\n}", Path::new(".")).unwrap_err();
        assert!(matches!(err, ProjectError::Syntax { line: 3, .. }), "{err}");
        let err = Project::from_json("{\"scenarios\": 3}", Path::new(".")).unwrap_err();
        assert!(matches!(err, ProjectError::Syntax { .. }), "{err}");
    }

    #[test]
    fn save_then_load_round_trips_with_relative_images() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ref with space é.png"), PNG_MAGIC).unwrap();
        let mut v = valid_json();
        v["character"]["referenceImages"] = serde_json::json!(["ref with space é.png"]);
        let p = load(&v, dir.path()).unwrap();
        let path = dir.path().join("p.studio.json");
        p.save(&path).unwrap();
        assert_eq!(Project::load(&path).unwrap(), p);
        assert!(p.problems(dir.path()).is_empty());
    }

    #[test]
    fn hostile_and_odd_inputs_get_named_problems() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("my project ✈ 飛行");
        std::fs::create_dir(&dir).unwrap();
        let outside = root.path().join("secret.png");
        std::fs::write(&outside, PNG_MAGIC).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("link.png")).unwrap();
        std::fs::write(dir.join("notes.txt"), "not an image").unwrap();
        std::fs::write(dir.join("ok ref ü.png"), PNG_MAGIC).unwrap();
        let mut v = valid_json();
        v["character"]["basePrompt"] = serde_json::json!("x".repeat(1_000_000));
        v["character"]["referenceImages"] = serde_json::json!([
            "link.png",
            "../secret.png",
            "notes.txt",
            "missing.png",
            "ok ref ü.png",
            outside.display().to_string()
        ]);
        let err = load(&v, &dir).unwrap_err();
        let problems = err.problems();
        let kinds: Vec<(&str, String)> = problems
            .iter()
            .map(|p| (p.field(), format!("{p}")))
            .collect();
        let has =
            |field: &str, text: &str| kinds.iter().any(|(f, m)| *f == field && m.contains(text));
        assert!(
            has("character.basePrompt", "1000000 characters"),
            "{kinds:?}"
        );
        assert!(
            has("character.referenceImages[0]", "outside the project folder"),
            "{kinds:?}"
        );
        assert!(
            has("character.referenceImages[1]", "outside the project folder"),
            "{kinds:?}"
        );
        assert!(
            has("character.referenceImages[2]", "not a PNG"),
            "{kinds:?}"
        );
        assert!(
            has("character.referenceImages[3]", "does not exist"),
            "{kinds:?}"
        );
        // Spaces and unicode inside the folder, and an explicit absolute path, are fine.
        assert_eq!(problems.len(), 5, "{kinds:?}");
    }

    /// A file a newer studio wrote: fields this one does not know at every level.
    fn newer_studios_file() -> serde_json::Value {
        let mut v = valid_json();
        v["soundtrack"] = serde_json::json!({"track": "theme.ogg", "gain": -3});
        v["character"]["id"] = "ava".into();
        v["character"]["voice"] = "alto".into();
        v["cast"] = serde_json::json!([{"id": "rex", "name": "Rex", "basePrompt": "a boxer", "pose": "guard"}]);
        v["scenarios"][0]["camera"] = serde_json::json!({"lens": 35});
        v["scenarios"][1]["transition"] = "fade".into();
        v
    }

    #[test]
    fn a_save_keeps_the_fields_this_studio_does_not_know() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.studio.json");
        std::fs::write(&path, newer_studios_file().to_string()).unwrap();
        let file = ProjectFile::load(&path).unwrap();
        assert!(!file.unknown.is_empty());
        // The creator edits: a prompt, the scene order, the lead's name.
        let mut p = file.project.clone();
        p.scenarios[0].prompt = "takes off at dawn".into();
        p.scenarios.swap(0, 1);
        p.character.name = "Ava B.".into();
        ProjectFile::write(&path, &p, &file.unknown, Some(&file.fingerprint)).unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        let w: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            w["soundtrack"],
            serde_json::json!({"track": "theme.ogg", "gain": -3})
        );
        assert_eq!(w["character"]["voice"], "alto");
        assert_eq!(w["character"]["name"], "Ava B.");
        assert_eq!(w["cast"][0]["pose"], "guard");
        // Scenes keep their own fields wherever they move (by id; "scene-2" had none written).
        assert_eq!(w["scenarios"][0]["id"], "scene-2");
        assert_eq!(w["scenarios"][0]["transition"], "fade");
        assert_eq!(w["scenarios"][1]["camera"], serde_json::json!({"lens": 35}));
        assert_eq!(w["scenarios"][1]["prompt"], "takes off at dawn");
        assert!(w["scenarios"][1].get("transition").is_none(), "{w}");
        // The studio's order first, then what it does not know.
        assert!(
            text.trim_start().starts_with("{\n  \"version\": 1,"),
            "{text}"
        );
        assert!(
            text.find("\"soundtrack\"") > text.find("\"aspectRatio\""),
            "{text}"
        );
        // And it reads back the same.
        assert_eq!(ProjectFile::load(&path).unwrap().project, p);
    }

    #[test]
    fn a_deleted_scenes_or_characters_fields_do_not_come_back_on_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.studio.json");
        std::fs::write(&path, newer_studios_file().to_string()).unwrap();
        let file = ProjectFile::load(&path).unwrap();
        // The creator deletes scene "a" (a camera) and Rex (a pose); the save writes neither.
        let mut p = file.project.clone();
        let scene = p.scenarios.remove(0);
        let rex = p.cast.remove(0);
        let first = ProjectFile::write(&path, &p, &file.unknown, Some(&file.fingerprint)).unwrap();
        // Later a new scene and a new character get the same ids: they start clean.
        p.scenarios.push(Scenario {
            prompt: "a new scene".into(),
            ..scene
        });
        p.cast.push(Character {
            name: "Rex II".into(),
            base_prompt: "a dancer".into(),
            ..rex
        });
        let second =
            ProjectFile::write(&path, &p, &first.unknown, Some(&first.fingerprint)).unwrap();
        let w: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(w["scenarios"][1]["id"], "a");
        assert!(w["scenarios"][1].get("camera").is_none(), "{w}");
        assert_eq!(w["cast"][0]["id"], "rex");
        assert!(w["cast"][0].get("pose").is_none(), "{w}");
        // What stayed in the project kept its fields throughout.
        assert_eq!(w["scenarios"][0]["transition"], "fade");
        assert_eq!(w["character"]["voice"], "alto");
        assert_eq!(w["soundtrack"]["track"], "theme.ogg");
        assert_eq!(second.unknown.scenarios.len(), 1, "{:?}", second.unknown);
    }

    #[test]
    fn the_leads_fields_stay_with_the_lead_when_its_id_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.studio.json");
        std::fs::write(&path, newer_studios_file().to_string()).unwrap();
        let file = ProjectFile::load(&path).unwrap();
        // Back to one character: the page drops the cast and the lead's id.
        let mut p = file.project.clone();
        let rex = p.cast.remove(0);
        p.character.id = None;
        let mut written = file;
        for _ in 0..2 {
            written = ProjectFile::write(&path, &p, &written.unknown, Some(&written.fingerprint))
                .unwrap();
            let w: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_eq!(w["character"]["voice"], "alto", "{w}");
            assert!(w["character"].get("id").is_none(), "{w}");
        }
        // A cast again: the lead gets an id (another one, even) and keeps its fields; Rex,
        // written once without his, has none.
        p.character.id = Some("ava-b".into());
        p.cast.push(rex);
        ProjectFile::write(&path, &p, &written.unknown, Some(&written.fingerprint)).unwrap();
        let w: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(w["character"]["voice"], "alto", "{w}");
        assert!(w["cast"][0].get("pose").is_none(), "{w}");
    }

    #[test]
    fn the_written_shape_is_the_projects_own() {
        // With nothing unknown, a save writes exactly what `Project` serializes to (so a field
        // added to `Project` and not to `ProjectOut` shows here, as well as in `ProjectOut::new`).
        let dir = tempfile::tempdir().unwrap();
        let mut v = newer_studios_file();
        v["budget"] = 2.5.into();
        v["scenarios"][0]["negativePrompt"] = "rain".into();
        v["scenarios"][0]["cast"] = serde_json::json!(["rex"]);
        v["scenarios"][1]["continueFromPrevious"] = true.into();
        v["cast"][0]["libraryId"] = "lib1".into();
        let p = load(&v, dir.path()).unwrap();
        let ours =
            serde_json::to_vec_pretty(&ProjectOut::new(&p, &UnknownFields::default())).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            serde_json::to_string_pretty(&p).unwrap()
        );
    }

    #[test]
    fn a_newer_studios_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.studio.json");
        let p = load(&valid_json(), dir.path()).unwrap();
        let mut v = newer_studios_file();
        v["version"] = 2.into();
        let newer = v.to_string();
        std::fs::write(&path, &newer).unwrap();
        for result in [
            p.save(&path),
            ProjectFile::write(&path, &p, &UnknownFields::default(), None).map(drop),
        ] {
            let err = result.unwrap_err();
            assert!(
                matches!(
                    err,
                    ProjectError::NewerVersion {
                        found: 2,
                        supported: 1,
                        ..
                    }
                ),
                "{err}"
            );
            let text = err.to_string();
            assert!(
                text.contains("version 2") && text.contains("version 1"),
                "{text}"
            );
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), newer);
    }

    #[test]
    fn a_file_changed_on_disk_is_not_overwritten_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.studio.json");
        std::fs::write(&path, valid_json().to_string()).unwrap();
        let file = ProjectFile::load(&path).unwrap();
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        // Another program changes it: same length, and its time set back to what it was.
        let theirs = valid_json().to_string().replace("takes off", "TAKES OFF");
        std::fs::write(&path, &theirs).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(before)
            .unwrap();
        let mut ours = file.project.clone();
        ours.quality = Quality::Standard;
        let err =
            ProjectFile::write(&path, &ours, &file.unknown, Some(&file.fingerprint)).unwrap_err();
        assert!(matches!(err, ProjectError::Conflict { .. }), "{err}");
        assert!(
            err.to_string().contains("changed by another program"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            theirs,
            "nothing written"
        );

        // The creator chose Overwrite; the saves after it check against what was written.
        let written = ProjectFile::write(&path, &ours, &file.unknown, None).unwrap();
        assert_eq!(ProjectFile::load(&path).unwrap().project, ours);
        ours.quality = Quality::FourK;
        let again =
            ProjectFile::write(&path, &ours, &written.unknown, Some(&written.fingerprint)).unwrap();
        assert_eq!(
            again.fingerprint,
            ProjectFile::load(&path).unwrap().fingerprint
        );

        // A file removed since is written anew (nothing of it can be lost).
        std::fs::remove_file(&path).unwrap();
        ProjectFile::write(&path, &ours, &again.unknown, Some(&again.fingerprint)).unwrap();
        assert_eq!(ProjectFile::load(&path).unwrap().project, ours);
    }

    #[test]
    fn load_names_the_file_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.studio.json");
        std::fs::write(&path, "{").unwrap();
        let err = Project::load(&path).unwrap_err();
        assert!(err.to_string().contains("bad.studio.json"), "{err}");
        let err = Project::load(&dir.path().join("missing.studio.json")).unwrap_err();
        assert!(matches!(err, ProjectError::Read { .. }));
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        const KEYS: &[&str] = &[
            "version",
            "character",
            "name",
            "basePrompt",
            "referenceImages",
            "scenarios",
            "id",
            "prompt",
            "negativePrompt",
            "durationSeconds",
            "quality",
            "aspectRatio",
        ];

        fn json_value() -> impl Strategy<Value = serde_json::Value> {
            use serde_json::Value;
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                prop_oneof![
                    ".{0,16}",
                    Just("4k".to_owned()),
                    Just("16:9".to_owned()),
                    Just("../x.png".to_owned())
                ]
                .prop_map(Value::String),
            ];
            leaf.prop_recursive(5, 64, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    proptest::collection::vec(
                        (
                            prop_oneof![
                                proptest::sample::select(KEYS).prop_map(str::to_owned),
                                ".{0,6}"
                            ],
                            inner
                        ),
                        0..8
                    )
                    .prop_map(|kvs| Value::Object(kvs.into_iter().collect())),
                ]
            })
        }

        fn check(result: Result<Project, ProjectError>) {
            if let Err(e) = result {
                let text = e.to_string();
                assert!(!text.is_empty());
                for p in e.problems() {
                    assert!(!p.field().is_empty(), "{p}");
                }
                if matches!(e, ProjectError::Invalid { .. }) {
                    assert!(!e.problems().is_empty(), "invalid without a named problem");
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1024))]

            #[test]
            fn arbitrary_text_never_panics(text in ".{0,256}") {
                check(Project::from_json(&text, Path::new(".")));
            }

            #[test]
            fn arbitrary_json_never_panics(v in json_value()) {
                check(Project::from_json(&v.to_string(), Path::new(".")));
            }

            #[test]
            fn mutated_valid_projects_never_panic(
                key in proptest::sample::select(KEYS),
                level in 0usize..3,
                v in json_value(),
            ) {
                // One field of an otherwise valid project replaced by anything.
                let mut p = valid_json();
                match level {
                    0 => p[key] = v,
                    1 => p["character"][key] = v,
                    _ => p["scenarios"][0][key] = v,
                }
                check(Project::from_json(&p.to_string(), Path::new(".")));
            }
        }
    }
}
