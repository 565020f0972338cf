//! The offline planner: deterministic, no key, no network.
//!
//! It plans from the reading of [`crate::text`]: a paragraph becomes a shot (a Fountain
//! heading joins the paragraph after it), split where the words spoken in it would not fit
//! the longest clip the model makes at a natural pace, or where the prose moves to another
//! place; adjacent short shots merge until there are no more than the rules allow. Every
//! shot's words are a run of whole sentences and the runs follow one another, so every
//! sentence is told and the check holds by construction.

use std::collections::HashSet;

use studio_core::{
    Camera, CameraMove, Character, ClipSeconds, DialogueLine, Element, Scenario, ShotSize,
    SourceSpan, Story,
};

use crate::text::{self, clip, ParagraphKind, SentenceKind, StoryText};
use crate::{Plan, PlanRules};

/// Words spoken a second at a natural pace: the studio's one pace
/// ([`studio_core::SPEECH_WORDS_PER_SECOND`]), which the preflight checks shots' lines by too.
pub const WORDS_PER_SECOND: f64 = studio_core::SPEECH_WORDS_PER_SECOND;

/// Seconds a shot holds beyond its spoken words (a breath before and after).
const LEAD_IN_SECONDS: f64 = 1.0;

/// The shortest shot worth making: under four seconds an action does not read on screen (and
/// Google's video models make 4 s at the least), however few words are spoken in it.
const MIN_SHOT_SECONDS: f64 = 4.0;

/// The longest prompt a planned shot gets: a video model reads a paragraph, not a chapter.
const MAX_SHOT_PROMPT_CHARS: usize = 1_200;

/// Plans `story` from its own words: sentences and paragraphs to shots, quoted speech and its
/// speaker, names from capitalised words that act or speak, durations from the words spoken.
pub fn plan_offline(story: &Story, rules: &PlanRules) -> Plan {
    let st = StoryText::read(story);
    let durations = allowed_durations(rules);
    let characters = characters(&st);
    let elements: Vec<Element> = st
        .elements
        .iter()
        .map(|e| Element {
            id: e.id.clone(),
            kind: e.kind,
            name: e.name.clone(),
            prompt: e.prompt.clone(),
            reference_images: Vec::new(),
            library_id: None,
        })
        .collect();
    let lines = speakers(&st);
    let chunks = chunks(&st, &lines, &durations, rules.max_shots.max(1) as usize);
    let mut shots: Vec<Scenario> = Vec::with_capacity(chunks.len());
    let mut previous: Option<&Chunk> = None;
    let mut previous_cast: Vec<String> = Vec::new();
    for (n, chunk) in chunks.iter().enumerate() {
        let shot = shot(
            &st,
            &lines,
            chunk,
            previous,
            &previous_cast,
            &durations,
            n + 1,
        );
        previous_cast.clone_from(&shot.cast);
        previous = Some(chunk);
        shots.push(shot);
    }
    tracing::debug!(
        shots = shots.len(),
        characters = characters.len(),
        elements = elements.len(),
        "planned offline"
    );
    Plan {
        characters,
        elements,
        shots,
        invented: Vec::new(),
    }
}

/// The clip lengths the rules allow, ascending, each one a clip can have (8 s when the rules
/// name none).
pub(crate) fn allowed_durations(rules: &PlanRules) -> Vec<u32> {
    let mut d: Vec<u32> = (rules.durations.iter().copied())
        .filter(|d| ClipSeconds::try_from(*d).is_ok())
        .collect();
    d.sort_unstable();
    d.dedup();
    if d.is_empty() {
        d.push(ClipSeconds::default().get());
    }
    d
}

/// The shortest allowed length that holds `words` spoken words at a natural pace, and at least
/// [`MIN_SHOT_SECONDS`] (the longest when none does).
pub(crate) fn duration_for(words: usize, allowed: &[u32]) -> ClipSeconds {
    let needed = (words as f64 / WORDS_PER_SECOND + LEAD_IN_SECONDS).max(MIN_SHOT_SECONDS);
    let pick = (allowed.iter().copied())
        .find(|d| f64::from(*d) >= needed)
        .or_else(|| allowed.last().copied())
        .unwrap_or_else(|| ClipSeconds::default().get());
    ClipSeconds::try_from(pick).unwrap_or_default()
}

fn characters(st: &StoryText) -> Vec<Character> {
    st.people
        .iter()
        .map(|p| {
            let base_prompt = if p.descriptions.is_empty() {
                let seen = (p.first_sentence)
                    .and_then(|i| st.sentences.get(i))
                    .map(|s| st.unquoted(s.span))
                    .filter(|s| !s.is_empty());
                match seen {
                    Some(s) => {
                        format!("{}, as the story describes them: {}", p.name, clip(&s, 400))
                    }
                    None => format!("{}, as the story describes them", p.name),
                }
            } else {
                format!("{}, {}", p.name, p.descriptions.join(", "))
            };
            Character {
                id: Some(p.id.clone()),
                name: p.name.clone(),
                base_prompt,
                reference_images: Vec::new(),
                library_id: None,
                voice: None,
            }
        })
        .collect()
}

/// Who speaks each quote of the story (an index into `st.people`), in the order of
/// `st.quotes`: the speaker the text gives, else the likely one, else the other one of the
/// conversation, else the one speaking last, else the lead. None only when the story names
/// nobody at all: such a line cannot be given to anyone and the check will say so.
fn speakers(st: &StoryText) -> Vec<Option<usize>> {
    let mut out = Vec::with_capacity(st.quotes.len());
    let mut recent: Vec<usize> = Vec::new();
    let mut last_paragraph: Option<usize> = None;
    let mut last_speaker: Option<usize> = None;
    for q in &st.quotes {
        let paragraph = st.sentences.get(q.sentence).map(|s| s.paragraph);
        let same_paragraph = paragraph.is_some() && paragraph == last_paragraph;
        let who = q.speaker.or(q.likely).or_else(|| {
            if same_paragraph {
                // One paragraph, one speaker (prose's convention).
                return last_speaker;
            }
            match recent.as_slice() {
                [.., other, last] if other != last => Some(*other),
                [.., last] => Some(*last),
                [] => (!st.people.is_empty()).then_some(0),
            }
        });
        if let Some(w) = who {
            if recent.last() != Some(&w) {
                recent.push(w);
                if recent.len() > 2 {
                    recent.remove(0);
                }
            }
        }
        last_paragraph = paragraph;
        last_speaker = who;
        out.push(who);
    }
    out
}

/// A run of whole sentences that becomes one shot.
#[derive(Debug, Clone)]
struct Chunk {
    /// Sentence indices `[first, last]`.
    first: usize,
    last: usize,
    /// Words spoken in it.
    spoken: usize,
    place: Option<usize>,
}

impl Chunk {
    fn span(&self, st: &StoryText) -> Option<SourceSpan> {
        let a = st.sentences.get(self.first)?.span.start;
        let b = st.sentences.get(self.last)?.span.end;
        Some(SourceSpan { start: a, end: b })
    }
}

/// Spoken words per sentence (only lines someone can speak count).
fn spoken_words(st: &StoryText, lines: &[Option<usize>]) -> Vec<usize> {
    let mut out = vec![0; st.sentences.len()];
    for (q, who) in st.quotes.iter().zip(lines) {
        if who.is_some() {
            if let Some(n) = out.get_mut(q.sentence) {
                *n += q.text.split_whitespace().count();
            }
        }
    }
    out
}

fn chunks(
    st: &StoryText,
    lines: &[Option<usize>],
    durations: &[u32],
    max_shots: usize,
) -> Vec<Chunk> {
    let words = spoken_words(st, lines);
    let longest = durations.last().copied().unwrap_or(8);
    let max_words = ((f64::from(longest) - LEAD_IN_SECONDS) * WORDS_PER_SECOND)
        .floor()
        .max(1.0) as usize;
    let mut out: Vec<Chunk> = Vec::new();
    // Whether the last chunk is a scene heading still waiting for its paragraph.
    let mut heading_open = false;
    for p in &st.paragraphs {
        let mut fresh = match p.kind {
            // A transition ends the shot before it.
            ParagraphKind::Transition => out.is_empty(),
            _ => !heading_open,
        };
        for si in p.sentences.clone() {
            let Some(s) = st.sentences.get(si) else {
                continue;
            };
            let w = words.get(si).copied().unwrap_or(0);
            let split = match out.last() {
                None => true,
                Some(c) => {
                    fresh
                        || (w > 0 && c.spoken > 0 && c.spoken + w > max_words)
                        || (s.place != c.place
                            && s.kind == SentenceKind::Prose
                            && c.place.is_some())
                }
            };
            match out.last_mut() {
                Some(c) if !split => {
                    c.last = si;
                    c.spoken += w;
                    if c.place.is_none() {
                        c.place = s.place;
                    }
                }
                _ => out.push(Chunk {
                    first: si,
                    last: si,
                    spoken: w,
                    place: s.place,
                }),
            }
            fresh = false;
        }
        heading_open = p.kind == ParagraphKind::Heading || title_like(st, p);
    }
    merge_to(&mut out, st, max_shots);
    out
}

/// A title or a chapter heading in prose (one short line without a full stop): told with the
/// paragraph after it rather than as a shot of its own.
fn title_like(st: &StoryText, p: &text::Paragraph) -> bool {
    if p.kind != ParagraphKind::Prose || p.sentences.len() != 1 {
        return false;
    }
    let t = st.slice(p.span);
    let t = t.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '”' | '\'' | '’' | ')' | '*' | '_')
    });
    !t.ends_with(['.', '!', '?', '…', ':', ',', ';', '。', '！', '？'])
        && t.split_whitespace().count() <= 8
        && !st.is_quoted(p.span.start.saturating_add(1))
}

/// Merges adjacent chunks, the pair with the fewest characters first (a pair in one place
/// before a pair across a change of place), until there are at most `max` of them.
fn merge_to(chunks: &mut Vec<Chunk>, st: &StoryText, max: usize) {
    if chunks.len() <= max {
        return;
    }
    let size = |c: &Chunk| c.span(st).map_or(0, |s| s.len() as usize);
    let mut sizes: Vec<usize> = chunks.iter().map(size).collect();
    while chunks.len() > max {
        let mut best: Option<(usize, usize)> = None;
        for i in 0..chunks.len().saturating_sub(1) {
            let (Some(a), Some(b)) = (chunks.get(i), chunks.get(i + 1)) else {
                break;
            };
            let cross = if a.place != b.place { 1_000_000_000 } else { 0 };
            let cost =
                sizes.get(i).copied().unwrap_or(0) + sizes.get(i + 1).copied().unwrap_or(0) + cross;
            if best.is_none_or(|(_, c)| cost < c) {
                best = Some((i, cost));
            }
        }
        let Some((i, _)) = best else { break };
        if i + 1 >= chunks.len() {
            break;
        }
        let b = chunks.remove(i + 1);
        let sb = sizes.remove(i + 1);
        if let (Some(a), Some(sa)) = (chunks.get_mut(i), sizes.get_mut(i)) {
            a.last = b.last;
            a.spoken += b.spoken;
            if a.place.is_none() {
                a.place = b.place;
            }
            *sa += sb;
        }
    }
}

/// Whether a word is a verb of motion (a shot of it follows its subject).
fn moves(words: &[String]) -> bool {
    words.iter().any(|w| text::is_motion(w))
}

const PRONOUNS: &[&str] = &["he", "she", "they", "him", "her", "them", "his", "their"];

/// Shot `n` of the offline plan: the chunk's sentences, with its dialogue, cast, props,
/// place, camera, prompt and a duration long enough for its lines.
fn shot(
    st: &StoryText,
    lines: &[Option<usize>],
    c: &Chunk,
    previous: Option<&Chunk>,
    previous_cast: &[String],
    durations: &[u32],
    n: usize,
) -> Scenario {
    let source = c.span(st);
    let sentences = st.sentences.get(c.first..=c.last).unwrap_or(&[]);
    let dialogue = shot_dialogue(st, lines, c);
    let words: Vec<String> = sentences
        .iter()
        .flat_map(|s| text::words(&st.unquoted(s.span)))
        .collect();
    let cast = shot_cast(st, sentences, &dialogue, &words, previous_cast);
    let props = shot_props(st, sentences);
    let location = c
        .place
        .and_then(|p| st.elements.get(p))
        .map(|e| e.id.clone());
    let prompt = prompt(st, sentences, &dialogue);
    let spoken: usize = dialogue
        .iter()
        .map(|l| l.line.split_whitespace().count())
        .sum();
    let new_place = previous.is_none_or(|p| p.place != c.place);
    let camera = camera(new_place, &dialogue, &words);
    let mut shot = Scenario {
        id: format!("shot-{n}"),
        prompt,
        negative_prompt: None,
        duration_seconds: duration_for(spoken, durations),
        cast,
        continue_from_previous: false,
        location,
        props,
        source,
        camera: Some(camera),
        dialogue,
        narration: None,
        dialogue_mode: None,
        planned: None,
        ..Default::default()
    };
    shot.planned = Some(shot.plan_fingerprint());
    shot
}

/// The chunk's dialogue: each quote's words, as written, given to `lines`' speaker, and
/// joined while one speaker goes on speaking (only whitespace and quotation marks between
/// two quotes). A quote with no speaker is left out: no one can say it.
fn shot_dialogue(st: &StoryText, lines: &[Option<usize>], c: &Chunk) -> Vec<DialogueLine> {
    let person_id = |i: usize| st.people.get(i).map(|p| p.id.clone());
    let mut dialogue: Vec<DialogueLine> = Vec::new();
    let mut last_end: Option<u32> = None;
    for (q, who) in st.quotes.iter().zip(lines) {
        if q.sentence < c.first || q.sentence > c.last {
            continue;
        }
        let Some(id) = who.and_then(person_id) else {
            continue;
        };
        let continues = last_end.is_some_and(|end| {
            st.slice(SourceSpan {
                start: end,
                end: q.span.start,
            })
            .chars()
            .all(|ch| ch.is_whitespace() || matches!(ch, '"' | '“' | '”' | '«' | '»' | '„'))
        });
        match dialogue.last_mut() {
            Some(line) if continues && line.speaker == id => {
                line.line.push(' ');
                line.line.push_str(&q.text);
            }
            _ => dialogue.push(DialogueLine {
                speaker: id,
                line: q.text.clone(),
            }),
        }
        last_end = Some(q.span.end);
    }
    dialogue
}

/// Who is in the shot: those named in its sentences, then its speakers, in order, each
/// once. A shot naming no one that says `she` or `they` keeps the previous shot's cast.
fn shot_cast(
    st: &StoryText,
    sentences: &[text::Sentence],
    dialogue: &[DialogueLine],
    words: &[String],
    previous_cast: &[String],
) -> Vec<String> {
    let mut cast: Vec<String> = Vec::new();
    for s in sentences {
        for p in &s.people {
            if let Some(id) = st.people.get(*p).map(|p| p.id.clone()) {
                if !cast.contains(&id) {
                    cast.push(id);
                }
            }
        }
    }
    for line in dialogue {
        if !cast.contains(&line.speaker) {
            cast.push(line.speaker.clone());
        }
    }
    if cast.is_empty() && words.iter().any(|w| PRONOUNS.contains(&w.as_str())) {
        cast = previous_cast.to_vec();
    }
    cast
}

/// The props named in the shot's sentences, in order, each once.
fn shot_props(st: &StoryText, sentences: &[text::Sentence]) -> Vec<String> {
    let mut props: Vec<String> = Vec::new();
    for s in sentences {
        for e in &s.props {
            if let Some(el) = st.elements.get(*e) {
                if !props.contains(&el.id) {
                    props.push(el.id.clone());
                }
            }
        }
    }
    props
}

/// The camera: a wide shot for a new place (tracking if someone moves), a close-up for
/// one speaker, a medium shot for several, else medium, tracking whoever moves.
fn camera(new_place: bool, dialogue: &[DialogueLine], words: &[String]) -> Camera {
    let speakers: HashSet<&str> = dialogue.iter().map(|l| l.speaker.as_str()).collect();
    let (shot, movement) = if new_place {
        let movement = if moves(words) {
            CameraMove::Tracking
        } else {
            CameraMove::Static
        };
        (ShotSize::Wide, movement)
    } else if speakers.len() == 1 {
        (ShotSize::CloseUp, CameraMove::Static)
    } else if speakers.len() > 1 {
        (ShotSize::Medium, CameraMove::Static)
    } else if moves(words) {
        (ShotSize::Medium, CameraMove::Tracking)
    } else {
        (ShotSize::Medium, CameraMove::Static)
    };
    Camera { shot, movement }
}

/// What the shot shows: its sentences without the quoted words (and without the script's
/// headings and cues, which are its place and its speakers).
fn prompt(st: &StoryText, sentences: &[text::Sentence], dialogue: &[DialogueLine]) -> String {
    let (parts, asides) = prompt_parts(st, sentences);
    let out = join_within_limit(parts);
    if !out.is_empty() {
        return out;
    }
    if let Some(who) = who_speaks(st, dialogue, &asides) {
        return who;
    }
    // A heading or a transition alone: its words.
    let raw: Vec<String> = sentences
        .iter()
        .map(|s| st.slice(s.span).trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let raw = clip(&raw.join(" "), MAX_SHOT_PROMPT_CHARS);
    if raw.chars().any(char::is_alphanumeric) {
        raw
    } else {
        "The scene continues.".to_owned()
    }
}

/// The prose of the sentences (speech and its tags taken out) and the parentheticals'
/// words (`quietly`), which say how lines are spoken. A title page's lines are skipped.
fn prompt_parts(st: &StoryText, sentences: &[text::Sentence]) -> (Vec<String>, Vec<String>) {
    let mut parts: Vec<String> = Vec::new();
    let mut asides: Vec<String> = Vec::new();
    for s in sentences {
        if st
            .paragraphs
            .get(s.paragraph)
            .is_some_and(|p| title_like(st, p))
        {
            continue;
        }
        match s.kind {
            SentenceKind::Prose => {
                let t = text::without_speech_tags(&st.unquoted(s.span));
                if t.chars().any(char::is_alphanumeric) {
                    parts.push(t);
                }
            }
            SentenceKind::Parenthetical => {
                let t = st.slice(s.span);
                let t = t
                    .trim()
                    .trim_start_matches('(')
                    .trim_end_matches(')')
                    .trim();
                if !t.is_empty() {
                    asides.push(t.to_owned());
                }
            }
            _ => {}
        }
    }
    (parts, asides)
}

/// Whole parts, joined, as many as fit in [`MAX_SHOT_PROMPT_CHARS`] (a prompt is sent
/// as is); a first part too long on its own is clipped.
fn join_within_limit(parts: Vec<String>) -> String {
    let mut out = String::new();
    for p in parts {
        if out.chars().count() + p.chars().count() > MAX_SHOT_PROMPT_CHARS {
            if out.is_empty() {
                out = clip(&p, MAX_SHOT_PROMPT_CHARS);
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&p);
    }
    out
}

/// For a shot that is all speech: who speaks, and how (the parentheticals), as in `Mara
/// and Tom speak, quietly.`; `None` when no one does.
fn who_speaks(st: &StoryText, dialogue: &[DialogueLine], asides: &[String]) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for l in dialogue {
        let name = st
            .people
            .iter()
            .find(|p| p.id == l.speaker)
            .map_or(l.speaker.clone(), |p| p.name.clone());
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return None;
    }
    let how = if asides.is_empty() {
        String::new()
    } else {
        format!(", {}", asides.join(", "))
    };
    let verb = if names.len() == 1 { "speaks" } else { "speak" };
    Some(format!("{} {verb}{how}.", names.join(" and ")))
}
