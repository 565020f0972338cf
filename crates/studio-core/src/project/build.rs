//! Validation while loading: the raw shape turned into a project, every problem named with
//! the JSON path of its field.

use super::*;

pub(super) fn check_prompt(field: String, prompt: Option<&str>, problems: &mut Vec<Problem>) {
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

pub(super) fn parse_enum<T: std::str::FromStr<Err = crate::quality::ParseError> + Default>(
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
pub(super) fn build(raw: RawProject, problems: &mut Vec<Problem>) -> Option<Project> {
    check_version(raw.version.as_ref(), problems);
    let quality = parse_enum::<Quality>("quality", raw.quality, problems);
    let aspect_ratio = parse_enum::<AspectRatio>("aspectRatio", raw.aspect_ratio, problems);
    let budget = build_budget(raw.budget, problems);
    let character = match raw.character {
        None => {
            problems.push(Problem::Missing {
                field: "character".into(),
            });
            None
        }
        Some(c) => Some(build_character("character", c, problems)),
    };
    let cast = build_cast(raw.cast, problems);
    let ids = character_ids(character.as_ref(), &cast, problems);
    let story = build_story(raw.story, problems);
    let elements = build_elements(raw.elements, problems);
    let known = Known {
        characters: &ids,
        elements: &elements,
        story_chars: story.as_ref().map(|s| s.text.chars().count()),
    };
    let scenarios = build_scenarios(raw.scenarios.unwrap_or_default(), &known, problems);
    check_cut(&scenarios, problems);
    let titles = build_titles(raw.titles, &scenarios, problems);
    let credits = (raw.credits).and_then(|v| build_credits(v, problems));
    let dialogue_mode = (raw.dialogue_mode)
        .and_then(|v| typed::<DialogueMode>("dialogueMode", v, problems))
        .unwrap_or_default();
    let narrator = (raw.narrator).and_then(|v| build_voice("narrator", v, problems));
    let music = (raw.music).and_then(|v| build_music(v, &scenarios, problems));
    let mix = (raw.mix)
        .and_then(|v| build_mix(v, problems))
        .unwrap_or_default();
    Some(Project {
        version: PROJECT_VERSION,
        character: character?,
        cast,
        scenarios,
        quality,
        aspect_ratio,
        budget,
        story,
        elements,
        dialogue_mode,
        narrator,
        music,
        mix,
        titles,
        credits,
    })
}

/// A voice (a character's, at `label`, or the narrator's): a speech voice name, when given,
/// is not empty.
fn build_voice(
    label: &str,
    value: serde_json::Value,
    problems: &mut Vec<Problem>,
) -> Option<Voice> {
    let voice: Voice = typed(label, value, problems)?;
    if voice.speech.as_ref().is_some_and(|s| s.trim().is_empty()) {
        problems.push(Problem::InvalidValue {
            field: format!("{label}.speech"),
            message: "empty voice name: name a voice of the speech model (e.g. \"Kore\"), or \
                      leave it out for the default"
                .into(),
        });
    }
    Some(voice)
}

/// The music: a prompt or a file (exactly one), spanning scenes that exist in order, with a
/// fade from 0 to [`MAX_FADE_SECONDS`].
fn build_music(
    value: serde_json::Value,
    scenarios: &[Scenario],
    problems: &mut Vec<Problem>,
) -> Option<Music> {
    let music: Music = typed("music", value, problems)?;
    match (&music.prompt, &music.file) {
        (Some(_), Some(_)) => problems.push(Problem::InvalidValue {
            field: "music".into(),
            message: "give the music a prompt (made by the music model) or a file (your own), \
                      not both"
                .into(),
        }),
        (None, None) => problems.push(Problem::InvalidValue {
            field: "music".into(),
            message: "give the music a prompt (made by the music model) or a file (your own)"
                .into(),
        }),
        (Some(prompt), None) => check_prompt("music.prompt".into(), Some(prompt), problems),
        (None, Some(file)) if file.as_os_str().is_empty() => problems.push(Problem::Missing {
            field: "music.file".into(),
        }),
        (None, Some(_)) => {}
    }
    let mut index_of = |name: &str, id: &Option<String>| {
        let id = id.as_ref()?;
        let found = scenarios.iter().position(|s| s.id == *id);
        if found.is_none() {
            problems.push(Problem::InvalidValue {
                field: format!("music.{name}"),
                message: format!("no scene with id {id:?} in this project"),
            });
        }
        found
    };
    let from = index_of("from", &music.from);
    let to = index_of("to", &music.to);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            problems.push(Problem::InvalidValue {
                field: "music.to".into(),
                message: format!(
                    "the music ends with scene {:?}, which comes before the one it starts \
                     with ({:?})",
                    music.to.as_deref().unwrap_or_default(),
                    music.from.as_deref().unwrap_or_default()
                ),
            });
        }
    }
    if !(music.fade_seconds.is_finite() && (0.0..=MAX_FADE_SECONDS).contains(&music.fade_seconds)) {
        problems.push(Problem::InvalidValue {
            field: "music.fadeSeconds".into(),
            message: format!(
                "{} is not a fade: give seconds from 0 to {MAX_FADE_SECONDS}",
                music.fade_seconds
            ),
        });
    }
    Some(music)
}

/// The mix: every track's volume a finite number of dB in [`VOLUME_DB_RANGE`].
fn build_mix(value: serde_json::Value, problems: &mut Vec<Problem>) -> Option<Mix> {
    let mix: Mix = typed("mix", value, problems)?;
    for (name, track) in mix.tracks() {
        let db = track.volume_db;
        if !(db.is_finite() && VOLUME_DB_RANGE.contains(&db)) {
            problems.push(Problem::InvalidValue {
                field: format!("mix.{name}.volumeDb"),
                message: format!(
                    "{db} dB is out of range: give {} to {} dB (mute the track to silence it)",
                    VOLUME_DB_RANGE.start(),
                    VOLUME_DB_RANGE.end()
                ),
            });
        }
    }
    Some(mix)
}

/// What scenes may name: the characters' ids, the elements, and the story's length.
struct Known<'a> {
    characters: &'a HashSet<String>,
    elements: &'a [Element],
    story_chars: Option<usize>,
}

/// A value of a typed part read from the file, or a problem naming the field and what serde
/// found wrong with it.
pub(super) fn typed<T: serde::de::DeserializeOwned>(
    field: &str,
    value: serde_json::Value,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    serde_json::from_value(value)
        .map_err(|e| {
            problems.push(Problem::InvalidValue {
                field: field.into(),
                message: e.to_string(),
            })
        })
        .ok()
}

/// The story: its text at most [`MAX_STORY_CHARS`] characters.
fn build_story(value: Option<serde_json::Value>, problems: &mut Vec<Problem>) -> Option<Story> {
    let story: Story = typed("story", value?, problems)?;
    let chars = story.text.chars().count();
    if chars > MAX_STORY_CHARS {
        problems.push(Problem::InvalidValue {
            field: "story.text".into(),
            message: format!(
                "the story is {chars} characters; the limit is {MAX_STORY_CHARS} (split it into \
                 several projects)"
            ),
        });
    }
    Some(story)
}

/// The locations and props: each with an id used once, a name and a prompt.
fn build_elements(raw: Vec<serde_json::Value>, problems: &mut Vec<Problem>) -> Vec<Element> {
    let mut seen = HashSet::new();
    let mut elements = Vec::new();
    for (i, v) in raw.into_iter().enumerate() {
        let field = |name: &str| format!("elements[{i}].{name}");
        let Some(e) = typed::<Element>(&format!("elements[{i}]"), v, problems) else {
            continue;
        };
        if e.id.trim().is_empty() {
            problems.push(Problem::InvalidValue {
                field: field("id"),
                message: "empty id".into(),
            });
        } else if !seen.insert(e.id.clone()) {
            problems.push(Problem::DuplicateId {
                field: field("id"),
                id: e.id.clone(),
            });
        }
        if e.name.trim().is_empty() {
            problems.push(Problem::Missing {
                field: field("name"),
            });
        }
        check_prompt(field("prompt"), Some(&e.prompt), problems);
        elements.push(e);
    }
    elements
}

/// The file's `version`: this build reads [`PROJECT_VERSION`] only (a newer file is refused
/// by its number, never half-read).
fn check_version(version: Option<&serde_json::Value>, problems: &mut Vec<Problem>) {
    match version {
        Some(v) if v.as_u64() == Some(PROJECT_VERSION as u64) => {}
        Some(v) => problems.push(Problem::UnsupportedVersion {
            field: "version".into(),
            found: v.to_string(),
        }),
        None => problems.push(Problem::Missing {
            field: "version".into(),
        }),
    }
}

/// The most a render may spend: a number of dollars above 0, or absent (no limit).
fn build_budget(
    budget: Option<serde_json::Value>,
    problems: &mut Vec<Problem>,
) -> Option<crate::Usd> {
    match budget {
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
    }
}

/// The characters besides the lead, at most [`MAX_CAST`] with the lead.
fn build_cast(cast: Vec<RawCharacter>, problems: &mut Vec<Problem>) -> Vec<Character> {
    if cast.len() + 1 > MAX_CAST {
        problems.push(Problem::InvalidValue {
            field: "cast".into(),
            message: format!(
                "{} characters; a project has at most {MAX_CAST} (the lead and {} more)",
                cast.len() + 1,
                MAX_CAST - 1
            ),
        });
    }
    cast.into_iter()
        .enumerate()
        .map(|(i, c)| build_character(&format!("cast[{i}]"), c, problems))
        .collect()
}

/// The ids scenes may name. Scenes name characters by id: a cast needs every id, each once.
fn character_ids(
    lead: Option<&Character>,
    cast: &[Character],
    problems: &mut Vec<Problem>,
) -> HashSet<String> {
    let mut ids = HashSet::new();
    if let Some(id) = lead.and_then(|c| c.id.clone()) {
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
    ids
}

/// The scenes, at least one and at most [`MAX_SCENARIOS`], each id used once.
fn build_scenarios(
    raw: Vec<RawScenario>,
    known: &Known,
    problems: &mut Vec<Problem>,
) -> Vec<Scenario> {
    if raw.is_empty() {
        problems.push(Problem::NoScenarios {
            field: "scenarios".into(),
        });
    } else if raw.len() > MAX_SCENARIOS {
        problems.push(Problem::TooManyScenarios {
            field: "scenarios".into(),
            count: raw.len(),
        });
    }
    let mut seen = HashSet::new();
    raw.into_iter()
        .enumerate()
        .map(|(i, s)| build_scenario(i, s, known, &mut seen, problems))
        .collect()
}

/// Scene `i`: its prompt checked, its id (`scene-N` when absent) unused before, its length one
/// a clip can have, its cast known, and no continuity asked of the first scene.
fn build_scenario(
    i: usize,
    s: RawScenario,
    known: &Known,
    seen: &mut HashSet<String>,
    problems: &mut Vec<Problem>,
) -> Scenario {
    let ids = known.characters;
    let plan = build_shot_plan(i, &s, known, problems);
    let cut = build_scene_cut(i, &s, problems);
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
    let duration_seconds = scene_duration(s.duration_seconds, &field("durationSeconds"), problems);
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
    if s.narration.as_ref().is_some_and(|n| n.trim().is_empty()) {
        problems.push(Problem::InvalidValue {
            field: field("narration"),
            message: "empty narration: write what the narrator says, or leave it out".into(),
        });
    }
    let dialogue_mode =
        (s.dialogue_mode).and_then(|v| typed::<DialogueMode>(&field("dialogueMode"), v, problems));
    Scenario {
        id,
        prompt: s.prompt.unwrap_or_default(),
        negative_prompt: s.negative_prompt,
        duration_seconds,
        cast: s.cast,
        continue_from_previous: s.continue_from_previous,
        narration: s.narration,
        dialogue_mode,
        planned: s.planned,
        trim: cut.trim,
        transition: cut.transition,
        reframe: cut.reframe,
        end_frame: cut.end_frame,
        ..plan
    }
}

/// A scene's planned parts (location, props, source, camera, dialogue), each checked against
/// what the project holds: an element of the right kind, words inside the story, a speaker
/// who is one of its characters. Returned in an otherwise default scenario.
fn build_shot_plan(
    i: usize,
    s: &RawScenario,
    known: &Known,
    problems: &mut Vec<Problem>,
) -> Scenario {
    let field = |name: &str| format!("scenarios[{i}].{name}");
    let mut element = |f: String, v: &serde_json::Value, kind: ElementKind| {
        let id: String = typed(&f, v.clone(), problems)?;
        match known.elements.iter().find(|e| e.id == id) {
            Some(e) if e.kind == kind => Some(id),
            Some(e) => {
                problems.push(Problem::InvalidValue {
                    field: f,
                    message: format!("{id:?} is a {:?}, not a {kind:?}", e.kind).to_lowercase(),
                });
                None
            }
            None => {
                problems.push(Problem::InvalidValue {
                    field: f,
                    message: format!("no element with id {id:?} in this project"),
                });
                None
            }
        }
    };
    let location =
        (s.location.as_ref()).and_then(|v| element(field("location"), v, ElementKind::Location));
    let props = (s.props.iter().enumerate())
        .filter_map(|(j, v)| element(format!("scenarios[{i}].props[{j}]"), v, ElementKind::Prop))
        .collect();
    let source = s.source.clone().and_then(|v| {
        let span: SourceSpan = typed(&field("source"), v, problems)?;
        let message = match known.story_chars {
            None => Some("the project has no story for this shot's words to be in".to_owned()),
            Some(_) if span.is_empty() => Some(format!(
                "start {} is not before end {}",
                span.start, span.end
            )),
            Some(n) if span.end as usize > n => Some(format!(
                "ends at {} but the story has {n} characters",
                span.end
            )),
            Some(_) => None,
        };
        match message {
            Some(message) => {
                problems.push(Problem::InvalidValue {
                    field: field("source"),
                    message,
                });
                None
            }
            None => Some(span),
        }
    });
    let camera = (s.camera.clone()).and_then(|v| typed::<Camera>(&field("camera"), v, problems));
    let mut dialogue = Vec::new();
    for (j, v) in s.dialogue.iter().enumerate() {
        let f = format!("scenarios[{i}].dialogue[{j}]");
        let Some(line) = typed::<DialogueLine>(&f, v.clone(), problems) else {
            continue;
        };
        if !known.characters.contains(&line.speaker) {
            problems.push(Problem::InvalidValue {
                field: format!("{f}.speaker"),
                message: format!("no character with id {:?} in this project", line.speaker),
            });
        }
        if line.line.trim().is_empty() {
            problems.push(Problem::InvalidValue {
                field: format!("{f}.line"),
                message: "empty line".into(),
            });
        }
        dialogue.push(line);
    }
    Scenario {
        location,
        props,
        source,
        camera,
        dialogue,
        ..Default::default()
    }
}

/// A scene's length in whole seconds, one a clip can have (absent: the default).
fn scene_duration(
    value: Option<serde_json::Value>,
    field: &str,
    problems: &mut Vec<Problem>,
) -> ClipSeconds {
    match value {
        None => ClipSeconds::default(),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("expected whole seconds, found {v}"))
            .and_then(|n| ClipSeconds::try_from(n).map_err(|e| e.to_string()))
            .unwrap_or_else(|message| {
                problems.push(Problem::InvalidValue {
                    field: field.into(),
                    message,
                });
                ClipSeconds::default()
            }),
    }
}

/// A character as written, its prompt checked (`label` is its JSON path).
pub(super) fn build_character(
    label: &str,
    c: RawCharacter,
    problems: &mut Vec<Problem>,
) -> Character {
    check_prompt(
        format!("{label}.basePrompt"),
        c.base_prompt.as_deref(),
        problems,
    );
    let voice = (c.voice).and_then(|v| build_voice(&format!("{label}.voice"), v, problems));
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
        voice,
    }
}

/// Whether `path` (under `base_dir` as written) resolves, symlinks and `..` followed, to a place
/// outside `base_dir`. A path that does not exist yet is judged by its text alone.
pub(super) fn escapes(base_dir: &Path, path: &Path) -> bool {
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
pub(super) fn check_image(path: &Path, shown: &Path, field: String) -> Option<Problem> {
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
    // The three signatures by hand rather than `image::guess_format` (which the crates that read
    // images use, for the same set): studio-core is the bottom floor, and the `image` crate with
    // the workspace's codecs would add some 20 crates to it and to the crates above it that read
    // no image (the catalog, the secrets).
    let is_image = head.starts_with(b"\x89PNG\r\n\x1a\n")
        || head.starts_with(b"\xff\xd8\xff")
        || (head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP");
    (!is_image).then(|| Problem::ReferenceImageNotAnImage {
        field,
        path: shown.to_owned(),
    })
}
