//! The faithfulness check: one check for every plan, from any planner.
//!
//! What fails is reported with the sentence or line concerned and never fixed silently: the
//! creator (or the model, asked again with these issues listed) decides.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use studio_core::{DialogueLine, ElementKind, Project, SourceSpan, Story};

use crate::text::{self, normalise_line, Person, Quote, StoryText};

/// What an invented name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum InventedKind {
    Character,
    Location,
    Prop,
}

/// One way a plan is not faithful to its story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum PlanIssue {
    /// A sentence of the story no shot's `source` covers.
    #[error("no shot tells this sentence: {sentence:?}")]
    Uncovered { span: SourceSpan, sentence: String },
    /// Quoted speech that is not, word for word, in the dialogue of the shot covering it.
    #[error("the line {quote:?} is not spoken in {}", shot.as_deref().unwrap_or("any shot"))]
    LineMissing {
        span: SourceSpan,
        quote: String,
        /// The shot that covers the quote (None: no shot covers it).
        shot: Option<String>,
    },
    /// The line is spoken, but by someone else than the text says.
    #[error("in {shot}, {quote:?} is spoken by {found} but the story gives it to {expected}")]
    WrongSpeaker {
        span: SourceSpan,
        quote: String,
        shot: String,
        expected: String,
        found: String,
    },
    /// A character or element the text neither names nor clearly implies, not accepted yet.
    #[error(
        "{name} ({what:?}) is not in the story: invented by the planner; accept it or remove it"
    )]
    Invented {
        id: String,
        name: String,
        what: InventedKind,
    },
    /// A shot whose words lie outside the story (or before the shot before it).
    #[error("shot {shot}'s words {span:?} are not in story order inside the story")]
    OutOfOrder { shot: String, span: SourceSpan },
}

/// Every issue of `project`'s plan against its story, in story order (nothing when the project
/// has no story).
///
/// It reads the story itself ([`StoryText::read`]) and asks nothing of the planner but the
/// plan, so a model's plan, the offline planner's and one edited by hand are held to the same
/// words. Invented names have no place in the text: each is reported where the first shot
/// that uses it begins (at the end when no shot does).
pub fn check(project: &Project) -> Vec<PlanIssue> {
    let Some(story) = &project.story else {
        return Vec::new();
    };
    let st = StoryText::read(story);
    let n = u32::try_from(st.len()).unwrap_or(u32::MAX);
    let mut issues: Vec<(u32, PlanIssue)> = Vec::new();
    let told = shots_in_order(project, n, &mut issues);
    uncovered(&st, &told, &mut issues);
    for q in &st.quotes {
        quote_spoken(project, &st, q, &told, &mut issues);
    }
    invented(project, story, n, &mut issues);
    // Issues read in story order, wherever in the check they were found.
    issues.sort_by_key(|(at, _)| *at);
    issues.into_iter().map(|(_, i)| i).collect()
}

/// A shot that tells part of the story: its id, its words' span, and its dialogue.
type Told<'a> = (&'a str, SourceSpan, &'a [DialogueLine]);

/// Shots' words must lie inside the story and come in story order. A span that goes
/// backwards is flagged but still tells its words; an empty one or one past the end
/// tells nothing (it cannot be sliced). Returns the shots that tell words.
fn shots_in_order<'a>(
    project: &'a Project,
    n: u32,
    issues: &mut Vec<(u32, PlanIssue)>,
) -> Vec<Told<'a>> {
    let mut told: Vec<Told> = Vec::new();
    let mut last_start = 0;
    for shot in &project.scenarios {
        let Some(span) = shot.source else { continue };
        if span.is_empty() || span.end > n || span.start < last_start {
            issues.push((
                span.start.min(n),
                PlanIssue::OutOfOrder {
                    shot: shot.id.clone(),
                    span,
                },
            ));
            if span.is_empty() || span.end > n {
                continue;
            }
        }
        last_start = span.start;
        told.push((&shot.id, span, &shot.dialogue));
    }
    told
}

/// Every sentence must be told: inside the union of the shots' spans (a sentence may
/// run over two shots).
fn uncovered(st: &StoryText, told: &[Told], issues: &mut Vec<(u32, PlanIssue)>) {
    let covered = union(told.iter().map(|(_, s, _)| *s));
    for s in &st.sentences {
        let inside = covered.iter().any(|c| c.contains(s.span));
        if !inside {
            issues.push((
                s.span.start,
                PlanIssue::Uncovered {
                    span: s.span,
                    sentence: st.slice(s.span),
                },
            ));
        }
    }
}

/// A quote must be spoken, word for word (as [`normalise_line`] compares), in a shot that
/// tells it (else one that overlaps it), and by its speaker when the text names one: any
/// of the lines that speak it may have the right speaker.
fn quote_spoken(
    project: &Project,
    st: &StoryText,
    q: &Quote,
    told: &[Told],
    issues: &mut Vec<(u32, PlanIssue)>,
) {
    let mut telling: Vec<&Told> = told.iter().filter(|(_, s, _)| s.contains(q.span)).collect();
    if telling.is_empty() {
        telling = told.iter().filter(|(_, s, _)| s.overlaps(q.span)).collect();
    }
    let wanted = normalise_line(&q.text);
    let spoken: Vec<(&str, &DialogueLine)> = telling
        .iter()
        .flat_map(|(id, _, lines)| lines.iter().map(move |l| (*id, l)))
        .filter(|(_, l)| normalise_line(&l.line).contains(&wanted))
        .collect();
    let Some((first_shot, first_line)) = spoken.first() else {
        issues.push((
            q.span.start,
            PlanIssue::LineMissing {
                span: q.span,
                quote: q.text.clone(),
                shot: telling.first().map(|(id, _, _)| (*id).to_owned()),
            },
        ));
        return;
    };
    let Some(expected) = q.speaker.and_then(|p| st.people.get(p)) else {
        return;
    };
    if !spoken
        .iter()
        .any(|(_, l)| same_person(project, expected, &l.speaker))
    {
        let found = project
            .character_by_id(&first_line.speaker)
            .map_or_else(|| first_line.speaker.clone(), |c| c.name.clone());
        issues.push((
            q.span.start,
            PlanIssue::WrongSpeaker {
                span: q.span,
                quote: q.text.clone(),
                shot: (*first_shot).to_owned(),
                expected: expected.name.clone(),
                found,
            },
        ));
    }
}

/// Nobody and nothing the text does not name, unless the creator accepted it (by id or
/// name, any case). Each invention is placed where a shot first uses it, so it reads
/// beside that shot's other issues.
fn invented(project: &Project, story: &Story, n: u32, issues: &mut Vec<(u32, PlanIssue)>) {
    let vocabulary: HashSet<String> = text::words(&story.text).into_iter().collect();
    let accepted: HashSet<String> = (story.accepted.iter())
        .map(|a| a.trim().to_lowercase())
        .collect();
    let is_accepted = |id: &str, name: &str| {
        accepted.contains(&id.trim().to_lowercase())
            || accepted.contains(&name.trim().to_lowercase())
    };
    // The lead counts once a planner has named them (given an id): a project's placeholder
    // lead, which no story names, is not the plan's invention.
    let lead = std::iter::once(&project.character).filter(|c| c.id.is_some());
    for c in lead.chain(&project.cast) {
        let id = c.id.clone().unwrap_or_default();
        if is_accepted(&id, &c.name) || named(&vocabulary, &c.name, 1) {
            continue;
        }
        issues.push((
            first_use(project, &id, n),
            PlanIssue::Invented {
                id,
                name: c.name.clone(),
                what: InventedKind::Character,
            },
        ));
    }
    for e in &project.elements {
        if is_accepted(&e.id, &e.name) || named(&vocabulary, &e.name, 3) {
            continue;
        }
        issues.push((
            first_use(project, &e.id, n),
            PlanIssue::Invented {
                id: e.id.clone(),
                name: e.name.clone(),
                what: match e.kind {
                    ElementKind::Location => InventedKind::Location,
                    ElementKind::Prop => InventedKind::Prop,
                },
            },
        ));
    }
}

/// Where the first shot that uses `id` (in its cast, dialogue, location or props) starts;
/// `u32::MAX` (the end) when no shot does.
fn first_use(project: &Project, id: &str, n: u32) -> u32 {
    project
        .scenarios
        .iter()
        .filter(|s| {
            s.cast.iter().any(|c| c == id)
                || s.dialogue.iter().any(|l| l.speaker == id)
                || s.location.as_deref() == Some(id)
                || s.props.iter().any(|p| p == id)
        })
        .filter_map(|s| s.source)
        .map(|s| s.start.min(n))
        .min()
        .unwrap_or(u32::MAX)
}

/// Words that name nothing by themselves (`The Old Mill` is named by `old` or `mill`).
const INSIGNIFICANT: &[&str] = &[
    "the", "a", "an", "of", "and", "in", "at", "on", "to", "by", "for", "with", "from", "mr",
    "mrs", "ms", "dr", "miss", "sir", "de", "la", "le", "von", "van", "int", "ext",
];

/// Whether the text names `name`: any significant word of it (at least `min_chars` long)
/// occurs in the text, ignoring case (a plural or singular form counts for things).
fn named(vocabulary: &HashSet<String>, name: &str, min_chars: usize) -> bool {
    let all = text::words(name);
    let significant: Vec<&String> = (all.iter())
        .filter(|w| !INSIGNIFICANT.contains(&w.as_str()) && w.chars().count() >= min_chars)
        .collect();
    // A name of small words only (`A`, `The It`) is named by those words.
    let candidates = if significant.is_empty() {
        all.iter().collect()
    } else {
        significant
    };
    candidates.into_iter().any(|w| {
        vocabulary.contains(w)
            || (min_chars > 1
                && (vocabulary.contains(&format!("{w}s"))
                    || w.strip_suffix('s').is_some_and(|s| vocabulary.contains(s))))
    })
}

/// Whether the character with id `speaker` is the person the text names: the same id, or a
/// name that shares a significant word with theirs (`Mara` for `Mara Voss`).
fn same_person(project: &Project, person: &Person, speaker: &str) -> bool {
    if speaker == person.id {
        return true;
    }
    let theirs: HashSet<String> = (person.keys.iter())
        .flat_map(|k| k.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .filter(|w| !INSIGNIFICANT.contains(&w.as_str()))
        .collect();
    let name = project
        .character_by_id(speaker)
        .map_or(speaker, |c| c.name.as_str());
    let words = if project.character_by_id(speaker).is_some() {
        text::words(name)
    } else {
        speaker.split('-').map(str::to_owned).collect()
    };
    words.iter().any(|w| theirs.contains(w))
}

/// Spans merged where they touch or overlap, in order.
fn union(spans: impl Iterator<Item = SourceSpan>) -> Vec<SourceSpan> {
    let mut v: Vec<SourceSpan> = spans.collect();
    v.sort();
    let mut out: Vec<SourceSpan> = Vec::with_capacity(v.len());
    for s in v {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}
