//! The contract a text model plans in: the story with numbered sentences in the prompt, a JSON
//! schema for the answer (`responseJsonSchema`), and the answer's conversion to a [`Plan`].
//!
//! The model names sentences by number, never by character offset: models count characters
//! badly, and numbers make every shot's `source` exact by construction (the offsets are ours).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use studio_core::{
    Camera, CameraMove, Character, ClipSeconds, DialogueLine, Element, ElementKind, Scenario,
    ShotSize, SourceSpan, Story, StoryFormat,
};

use crate::offline::allowed_durations;
use crate::text::{self, Ids, StoryText};
use crate::{InventedKind, Plan, PlanIssue, PlanRules};

/// A text model's answer, as the response schema ([`response_schema`]) asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanAnswer {
    pub characters: Vec<AnswerEntity>,
    #[serde(default)]
    pub locations: Vec<AnswerEntity>,
    #[serde(default)]
    pub props: Vec<AnswerEntity>,
    pub shots: Vec<AnswerShot>,
}

/// A character, location or prop as the model describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerEntity {
    pub id: String,
    pub name: String,
    /// What the text says of it, as an image prompt.
    #[serde(default)]
    pub description: String,
    /// True when the text neither names nor clearly implies it.
    #[serde(default)]
    pub invented: bool,
}

/// A shot as the model plans it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerShot {
    /// First and last sentence (1-based, as numbered in the prompt) this shot tells.
    pub first_sentence: u32,
    pub last_sentence: u32,
    pub prompt: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub props: Vec<String>,
    #[serde(default)]
    pub cast: Vec<String>,
    #[serde(default)]
    pub shot_size: ShotSize,
    #[serde(default)]
    pub camera_move: CameraMove,
    #[serde(default)]
    pub dialogue: Vec<DialogueLine>,
    pub duration_seconds: u32,
}

/// Why a model's answer could not become a plan (beyond what the check reports).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanAnswerError {
    #[error("the answer is not the plan's JSON: {0}")]
    Json(String),
    /// `shot` counts from 1, as the shots' ids do (`shot-1`).
    #[error("shot {shot} names sentences {first}..{last}, but the story has {count}")]
    BadSentences {
        shot: usize,
        first: u32,
        last: u32,
        count: usize,
    },
    /// More shots than a project holds (the prompt said how many at most).
    #[error("the answer has {count} shots; at most {max} are allowed")]
    TooManyShots { count: usize, max: usize },
}

/// The JSON Schema of [`PlanAnswer`], in the subset Google's `responseJsonSchema` takes
/// (`type`, `properties`, `required`, `items`, `enum`, `minimum`/`maximum`, `maxItems`,
/// `description`, `propertyOrdering`; nullable as `type: ["string", "null"]`).
///
/// It does not depend on the rules: the allowed durations and the most shots are in the
/// prompt, so one schema serves every model and the request a test records stays the same.
pub fn response_schema() -> Value {
    let names = |v: Vec<Value>| Value::Array(v);
    let shot_sizes = names(ShotSize::ALL.iter().map(|s| json!(s)).collect());
    let moves = names(CameraMove::ALL.iter().map(|m| json!(m)).collect());
    let entity = |what: &str| {
        json!({
            "type": "object",
            "description": what,
            "properties": {
                "id": {"type": "string", "description": "A short lowercase id (letters, digits, hyphens), unique in the answer; shots name it by this id."},
                "name": {"type": "string", "description": "The name as the story writes it."},
                "description": {"type": "string", "description": "What the story says of it, as an image prompt; nothing the story does not say."},
                "invented": {"type": "boolean", "description": "True only when the story neither names nor clearly implies it."}
            },
            "required": ["id", "name", "description", "invented"],
            "propertyOrdering": ["id", "name", "description", "invented"]
        })
    };
    let ids =
        |what: &str| json!({"type": "array", "description": what, "items": {"type": "string"}});
    json!({
        "type": "object",
        "description": "A storyboard planned from the story: its cast, locations, props and shots in story order.",
        "properties": {
            "characters": {"type": "array", "description": "The characters, the lead first.", "items": entity("A character.")},
            "locations": {"type": "array", "items": entity("A place shots happen in.")},
            "props": {"type": "array", "items": entity("An object shots show.")},
            "shots": {
                "type": "array",
                "description": "The shots in story order; together they tell every numbered sentence.",
                "maxItems": studio_core::project::MAX_SCENARIOS,
                "items": {
                    "type": "object",
                    "properties": {
                        "firstSentence": {"type": "integer", "minimum": 1, "description": "The number of the first sentence this shot tells."},
                        "lastSentence": {"type": "integer", "minimum": 1, "description": "The number of the last sentence this shot tells (at least firstSentence)."},
                        "prompt": {"type": "string", "description": "What the shot shows: subject, action, setting; not the spoken words."},
                        "location": {"type": ["string", "null"], "description": "The id of its location, or null."},
                        "props": ids("Ids of the props it shows."),
                        "cast": ids("Ids of the characters in it."),
                        "shotSize": {"type": "string", "enum": shot_sizes},
                        "cameraMove": {"type": "string", "enum": moves},
                        "dialogue": {
                            "type": "array",
                            "description": "The quoted speech of its sentences, word for word, in order.",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "speaker": {"type": "string", "description": "The id of the character who says it."},
                                    "line": {"type": "string", "description": "The words exactly as the story quotes them, without quotation marks."}
                                },
                                "required": ["speaker", "line"],
                                "propertyOrdering": ["speaker", "line"]
                            }
                        },
                        "durationSeconds": {"type": "integer", "minimum": ClipSeconds::MIN, "maximum": ClipSeconds::MAX, "description": "One of the durations the prompt allows."}
                    },
                    "required": SHOT_FIELDS,
                    "propertyOrdering": SHOT_FIELDS
                }
            }
        },
        "required": ["characters", "locations", "props", "shots"],
        "propertyOrdering": ["characters", "locations", "props", "shots"]
    })
}

/// The fields of a shot in an answer, in the order the schema asks for them (all required).
pub const SHOT_FIELDS: [&str; 10] = [
    "firstSentence",
    "lastSentence",
    "prompt",
    "location",
    "props",
    "cast",
    "shotSize",
    "cameraMove",
    "dialogue",
    "durationSeconds",
];

/// The prompt: what to plan and how, the rules (durations, most shots), the story with its
/// sentences numbered, and, when asked again, the issues the last answer had.
///
/// The story comes last but for the issues, one sentence a line as `[n] …`, a blank line
/// between paragraphs: the model names sentences by these numbers (and the mock server reads
/// the story back from them).
pub fn prompt(story: &Story, rules: &PlanRules, issues: &[PlanIssue]) -> String {
    let st = StoryText::read(story);
    let durations = allowed_durations(rules);
    let durations_words = durations
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let sizes = ShotSize::ALL.map(|s| json!(s).as_str().map(str::to_owned).unwrap_or_default());
    let moves = CameraMove::ALL.map(|m| json!(m).as_str().map(str::to_owned).unwrap_or_default());
    let form = match story.format {
        StoryFormat::Plain => "prose (a story or a treatment)",
        StoryFormat::Fountain => {
            "a screenplay in Fountain: a scene heading (INT./EXT.) names a location, a name in \
             capitals above dialogue is its speaker, a line in parentheses says how it is spoken"
        }
    };
    let mut out = format!(
        "Plan a storyboard for the story below: the shots a video is cut from, each telling \
         some of the story's own words. The story is {form}. Stay faithful to it:\n\
         - Every numbered sentence lies in a shot: give each shot firstSentence and \
         lastSentence (the numbers below). Shots follow the story's order, each starting after \
         the one before it ends; together they tell every sentence, none left out.\n\
         - Quoted speech goes in the dialogue of the shot telling its sentence, word for word as \
         the story writes it (without quotation marks), with speaker = the id of the character \
         the story gives it to. Split a long speech over several shots rather than shorten it.\n\
         - Characters, locations and props: only those the story names or clearly implies. Give \
         each a lowercase id, its name as the story writes it, and a description drawn only from \
         what the story says. Add nothing else; if you must, set invented to true.\n\
         - The first character is the lead (the one the story follows most). The lead needs an \
         id like everyone else.\n\
         - prompt: what the shot shows (who, doing what, where), in the story's words where \
         possible; never the spoken lines.\n\
         - cast: ids of the characters seen; location: a location id or null; props: prop ids.\n\
         - shotSize: one of {sizes}; cameraMove: one of {moves}. A new location opens on a wide \
         shot.\n\
         - durationSeconds: one of {durations_words}: long enough to speak the shot's lines at \
         about {wps} words a second, plus a second.\n\
         - At most {max} shots.\n\n\
         The story, one sentence a line, a blank line between paragraphs:\n\n",
        sizes = sizes.join(", "),
        moves = moves.join(", "),
        wps = crate::offline::WORDS_PER_SECOND,
        max = rules.max_shots.max(1),
    );
    let mut paragraph = None;
    for (i, s) in st.sentences.iter().enumerate() {
        if paragraph.is_some() && paragraph != Some(s.paragraph) {
            out.push('\n');
        }
        paragraph = Some(s.paragraph);
        let text = st.slice(s.span);
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(&format!("[{}] {one_line}\n", i + 1));
    }
    if !issues.is_empty() {
        out.push_str(
            "\nYour previous answer had these problems (shot-N is its Nth shot). Answer again \
             with all of them fixed:\n",
        );
        for issue in issues {
            out.push_str("- ");
            out.push_str(&describe(&st, issue));
            out.push('\n');
        }
    }
    out
}

/// An issue in the words the prompt uses (sentences by number).
fn describe(st: &StoryText, issue: &PlanIssue) -> String {
    let number = |span: SourceSpan| {
        st.sentence_at(span.start)
            .map_or_else(|| "?".to_owned(), |i| format!("[{}]", i + 1))
    };
    match issue {
        PlanIssue::Uncovered { span, sentence } => {
            format!("Sentence {} is in no shot: {sentence:?}", number(*span))
        }
        PlanIssue::LineMissing { span, quote, shot } => format!(
            "The line {quote:?} of sentence {} is not, word for word, in the dialogue of {}.",
            number(*span),
            shot.as_deref().unwrap_or("any shot")
        ),
        PlanIssue::WrongSpeaker {
            span,
            quote,
            shot,
            expected,
            found,
        } => format!(
            "In {shot}, the line {quote:?} of sentence {} is given to {found}, but the story \
             gives it to {expected}.",
            number(*span)
        ),
        PlanIssue::Invented { name, what, .. } => format!(
            "{name} (a {}) is not named in the story: leave it out, or mark it invented.",
            match what {
                InventedKind::Character => "character",
                InventedKind::Location => "location",
                InventedKind::Prop => "prop",
            }
        ),
        PlanIssue::OutOfOrder { shot, .. } => {
            format!("{shot} starts before the shot before it: shots follow the story's order.")
        }
    }
}

/// Parses a model's JSON answer into a plan of `story`.
///
/// Sentence numbers become spans (the offsets are ours, exact); the answer's ids are made
/// unique slugs and every reference follows them; a reference to an id the answer does not
/// define is dropped (a line whose speaker is unknown too: the check then reports it as
/// missing, so nothing is lost silently); durations snap to the nearest the rules allow. What
/// is unfaithful but well-formed is left for [`crate::check()`] to report.
pub fn parse_answer(story: &Story, rules: &PlanRules, json: &str) -> Result<Plan, PlanAnswerError> {
    let answer: PlanAnswer =
        serde_json::from_str(json).map_err(|e| PlanAnswerError::Json(e.to_string()))?;
    let st = StoryText::read(story);
    let max = rules.max_shots.max(1) as usize;
    if answer.shots.len() > max {
        return Err(PlanAnswerError::TooManyShots {
            count: answer.shots.len(),
            max,
        });
    }
    let sources = shot_sources(&answer.shots, &st)?;
    let mut ids = Ids::default();
    let mut invented = Vec::new();
    let mut refs = Refs::default();
    let characters = refs.characters(&answer.characters, &mut ids, &mut invented);
    let elements = refs.elements(&answer, &mut ids, &mut invented);
    let durations = allowed_durations(rules);
    let shots = (answer.shots.iter().zip(sources).enumerate())
        .map(|(i, (a, source))| refs.shot(i, a, source, &st, &durations))
        .collect();
    Ok(Plan {
        characters,
        elements,
        shots,
        invented,
    })
}

/// Each shot's words from its sentence numbers (1-based, first to last inclusive): the
/// offsets are ours, exact. A number outside the story, or a shot that ends before it
/// begins, fails the whole answer, since no span could stand for it.
fn shot_sources(shots: &[AnswerShot], st: &StoryText) -> Result<Vec<SourceSpan>, PlanAnswerError> {
    let count = st.sentences.len();
    let mut sources = Vec::with_capacity(shots.len());
    for (i, shot) in shots.iter().enumerate() {
        let (first, last) = (shot.first_sentence, shot.last_sentence);
        let a = (first as usize)
            .checked_sub(1)
            .and_then(|k| st.sentences.get(k));
        let b = (last as usize)
            .checked_sub(1)
            .and_then(|k| st.sentences.get(k));
        match (a, b) {
            (Some(a), Some(b)) if first <= last => sources.push(SourceSpan {
                start: a.span.start,
                end: b.span.end,
            }),
            _ => {
                return Err(PlanAnswerError::BadSentences {
                    shot: i + 1,
                    first,
                    last,
                    count,
                })
            }
        }
    }
    Ok(sources)
}

/// The answer's ids (and the slugs of its names) to the unique ids the plan gives: a shot
/// may refer to an entity by either, and the first entity to claim one keeps it.
#[derive(Default)]
struct Refs {
    character_ids: HashMap<String, String>,
    element_ids: HashMap<(ElementKind, String), String>,
}

impl Refs {
    /// The answer's characters, with unique ids (characters first, so they keep the
    /// plainest slugs); those it marks invented are listed in `invented`.
    fn characters(
        &mut self,
        answer: &[AnswerEntity],
        ids: &mut Ids,
        invented: &mut Vec<String>,
    ) -> Vec<Character> {
        let mut characters = Vec::with_capacity(answer.len());
        for c in answer {
            let id = ids.unique(&text::slug(pick(&c.id, &c.name)), "character");
            self.character_ids
                .entry(c.id.clone())
                .or_insert_with(|| id.clone());
            self.character_ids
                .entry(text::slug(&c.name))
                .or_insert_with(|| id.clone());
            if c.invented {
                invented.push(id.clone());
            }
            characters.push(Character {
                id: Some(id),
                name: c.name.trim().to_owned(),
                base_prompt: pick(&c.description, &c.name).trim().to_owned(),
                reference_images: Vec::new(),
                library_id: None,
                voice: None,
            });
        }
        characters
    }

    /// The answer's locations then props, with unique ids; references to them are per
    /// kind (a prop and a place may share a name).
    fn elements(
        &mut self,
        answer: &PlanAnswer,
        ids: &mut Ids,
        invented: &mut Vec<String>,
    ) -> Vec<Element> {
        let mut elements = Vec::with_capacity(answer.locations.len() + answer.props.len());
        let kinds = [
            (ElementKind::Location, &answer.locations, "location"),
            (ElementKind::Prop, &answer.props, "prop"),
        ];
        for (kind, list, fallback) in kinds {
            for e in list {
                let id = ids.unique(&text::slug(pick(&e.id, &e.name)), fallback);
                self.element_ids
                    .entry((kind, e.id.clone()))
                    .or_insert_with(|| id.clone());
                self.element_ids
                    .entry((kind, text::slug(&e.name)))
                    .or_insert_with(|| id.clone());
                if e.invented {
                    invented.push(id.clone());
                }
                elements.push(Element {
                    id,
                    kind,
                    name: e.name.trim().to_owned(),
                    prompt: pick(&e.description, &e.name).trim().to_owned(),
                    reference_images: Vec::new(),
                    library_id: None,
                });
            }
        }
        elements
    }

    /// The plan's id of the character an answer refers to, by id or by name.
    fn character(&self, id: &str) -> Option<String> {
        (self.character_ids.get(id))
            .or_else(|| self.character_ids.get(&text::slug(id)))
            .cloned()
    }

    /// The plan's id of the element of `kind` an answer refers to, by id or by name.
    fn element(&self, kind: ElementKind, id: &str) -> Option<String> {
        (self.element_ids.get(&(kind, id.to_owned())))
            .or_else(|| self.element_ids.get(&(kind, text::slug(id))))
            .cloned()
    }

    /// Shot `i` of the answer as a scenario telling `source`: references followed (an
    /// unknown one dropped, each kept once), the duration snapped to one the rules allow,
    /// and a fingerprint so a later hand edit shows.
    fn shot(
        &self,
        i: usize,
        a: &AnswerShot,
        source: SourceSpan,
        st: &StoryText,
        durations: &[u32],
    ) -> Scenario {
        let mut cast: Vec<String> = Vec::new();
        for c in a.cast.iter().filter_map(|c| self.character(c)) {
            if !cast.contains(&c) {
                cast.push(c);
            }
        }
        let mut props: Vec<String> = Vec::new();
        for p in (a.props.iter()).filter_map(|p| self.element(ElementKind::Prop, p)) {
            if !props.contains(&p) {
                props.push(p);
            }
        }
        let mut shot = Scenario {
            id: format!("shot-{}", i + 1),
            prompt: shot_prompt(i, a, source, st),
            negative_prompt: None,
            duration_seconds: snap(a.duration_seconds, durations),
            cast,
            continue_from_previous: false,
            location: a
                .location
                .as_deref()
                .and_then(|l| self.element(ElementKind::Location, l)),
            props,
            source: Some(source),
            camera: Some(Camera {
                shot: a.shot_size,
                movement: a.camera_move,
            }),
            dialogue: self.dialogue(a),
            narration: None,
            dialogue_mode: None,
            planned: None,
            ..Default::default()
        };
        shot.planned = Some(shot.plan_fingerprint());
        shot
    }

    /// The shot's lines, trimmed; an empty line is dropped, and so is a line whose
    /// speaker the answer does not name (the check then reports it missing, so nothing
    /// is lost silently).
    fn dialogue(&self, a: &AnswerShot) -> Vec<DialogueLine> {
        (a.dialogue.iter())
            .filter(|l| !l.line.trim().is_empty())
            .filter_map(|l| {
                let speaker = self.character(&l.speaker);
                if speaker.is_none() {
                    tracing::warn!(speaker = %l.speaker, "the answer gives a line to no character it names");
                }
                Some(DialogueLine {
                    speaker: speaker?,
                    line: l.line.trim().to_owned(),
                })
            })
            .collect()
    }
}

/// The shot's prompt, trimmed. A shot needs a prompt to render: without one, its own
/// words, unquoted (or `Shot N` when it has none).
fn shot_prompt(i: usize, a: &AnswerShot, source: SourceSpan, st: &StoryText) -> String {
    if a.prompt.trim().is_empty() {
        let shown = st.unquoted(source);
        if shown.is_empty() {
            format!("Shot {}", i + 1)
        } else {
            shown
        }
    } else {
        a.prompt.trim().to_owned()
    }
}

/// The answer a model would give for `plan` of `story`: the inverse of [`parse_answer`]
/// (spans become the numbers of the sentences they overlap). The mock server answers with it,
/// and a plan of any planner can be shown to a model in the contract's shape.
pub fn answer_of(plan: &Plan, story: &Story) -> PlanAnswer {
    let st = StoryText::read(story);
    let entity = |id: &str, name: &str, description: &str| AnswerEntity {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        invented: plan.invented.iter().any(|i| i == id),
    };
    let elements = |kind: ElementKind| {
        (plan.elements.iter())
            .filter(|e| e.kind == kind)
            .map(|e| entity(&e.id, &e.name, &e.prompt))
            .collect()
    };
    let mut previous: u32 = 1;
    let shots = plan
        .shots
        .iter()
        .map(|sc| {
            let told: Vec<u32> = sc.source.map_or_else(Vec::new, |src| {
                (st.sentences.iter().enumerate())
                    .filter(|(_, s)| s.span.overlaps(src))
                    .filter_map(|(i, _)| u32::try_from(i + 1).ok())
                    .collect()
            });
            let first = told.first().copied().unwrap_or(previous);
            let last = told.last().copied().unwrap_or(first);
            previous = last;
            AnswerShot {
                first_sentence: first,
                last_sentence: last,
                prompt: sc.prompt.clone(),
                location: sc.location.clone(),
                props: sc.props.clone(),
                cast: sc.cast.clone(),
                shot_size: sc.camera.map(|c| c.shot).unwrap_or_default(),
                camera_move: sc.camera.map(|c| c.movement).unwrap_or_default(),
                dialogue: sc.dialogue.clone(),
                duration_seconds: sc.duration_seconds.get(),
            }
        })
        .collect();
    PlanAnswer {
        characters: (plan.characters.iter())
            .map(|c| entity(c.id.as_deref().unwrap_or(&c.name), &c.name, &c.base_prompt))
            .collect(),
        locations: elements(ElementKind::Location),
        props: elements(ElementKind::Prop),
        shots,
    }
}

/// `preferred` unless it is blank.
fn pick<'a>(preferred: &'a str, otherwise: &'a str) -> &'a str {
    if preferred.trim().is_empty() {
        otherwise
    } else {
        preferred
    }
}

/// The allowed duration nearest to `seconds` (the longer of two as near).
fn snap(seconds: u32, allowed: &[u32]) -> ClipSeconds {
    let best = (allowed.iter().copied())
        .min_by_key(|d| (d.abs_diff(seconds), std::cmp::Reverse(*d)))
        .unwrap_or_else(|| ClipSeconds::default().get());
    ClipSeconds::try_from(best).unwrap_or_default()
}
