//! The `*.studio.json` project file: load with validation that names every problem, save
//! atomically.
//!
//! Loading goes through a loose "raw" shape first so that one bad field does not hide the others:
//! the creator sees the full list of what to fix, each with the JSON path of the field.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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
        let read_err = |source| ProjectError::Read {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_err)?;
        let mut text = String::new();
        file.take(MAX_PROJECT_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(read_err)?;
        if text.len() as u64 > MAX_PROJECT_BYTES {
            return Err(ProjectError::Syntax {
                path: path.to_owned(),
                line: 0,
                column: 0,
                message: format!("file is larger than {MAX_PROJECT_BYTES} bytes"),
            });
        }
        let base = path.parent().unwrap_or(Path::new("."));
        Project::from_json(&text, base).map_err(|e| e.with_path(path))
    }

    /// Parses and validates project JSON; relative reference images resolve against `base_dir`.
    pub fn from_json(text: &str, base_dir: &Path) -> Result<Project, ProjectError> {
        let raw: RawProject = serde_json::from_str(text).map_err(|e| ProjectError::Syntax {
            path: PathBuf::new(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let mut problems = Vec::new();
        let project = build(raw, &mut problems);
        if let Some(p) = &project {
            problems.extend(p.check_files(base_dir));
        }
        match project {
            Some(p) if problems.is_empty() => Ok(p),
            _ => Err(ProjectError::Invalid {
                path: PathBuf::new(),
                problems,
            }),
        }
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

    /// Saves atomically, pretty-printed so projects diff well in version control.
    pub fn save(&self, path: &Path) -> Result<(), ProjectError> {
        let mut json = serde_json::to_vec_pretty(self).expect("a project always serializes");
        json.push(b'\n');
        crate::atomic::write_atomic(path, &json).map_err(|source| ProjectError::Write {
            path: path.to_owned(),
            source,
        })
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
