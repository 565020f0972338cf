//! Quoted speech: who the text says speaks each passage (`"…," Mara said`, `Tom: "…"`, a
//! pronoun after one named person, a Fountain cue), the quotes cut at sentence bounds that
//! the check holds plans to, the likely speaker a planner may use where the text does not
//! say, and the speech tags a shot has nothing to show of.

use std::collections::HashMap;

use super::cast::Roster;
use super::lexicon::{listed, PRONOUNS, STOP};
use super::names::{Analysis, Group};
use super::tokens::{capitalise, is_any_quote_mark, is_stop, span, word_ranges, words, Tok, View};
use super::verbs::SAY_VERBS;
use super::{Paragraph, ParagraphKind, Quote, Sentence, SentenceKind};

/// A quoted passage in prose: `open`/`close` are the marks' offsets (close = the paragraph's
/// end when the passage runs on unterminated).
#[derive(Debug, Clone, Copy)]
pub(super) struct Passage {
    pub(super) open: usize,
    pub(super) close: usize,
    pub(super) paragraph: usize,
}

/// What attribution found for a passage, as written (resolved to people later).
#[derive(Debug, Clone, Default)]
pub(super) struct Said {
    /// A name (`Mara`).
    pub(super) name: Option<String>,
    /// A pronoun (`she`): resolved to the only person named before it in the paragraph.
    pronoun: bool,
}

impl Said {
    /// The name a group writes (`Mara Voss`).
    fn named(g: &Group) -> Said {
        Said {
            name: Some(g.display.clone()),
            pronoun: false,
        }
    }

    /// A pronoun, resolved later.
    fn pronoun() -> Said {
        Said {
            name: None,
            pronoun: true,
        }
    }
}

/// A passage `(open, close)` whose pronoun tag names nobody for sure, with the person it
/// is planned as.
type Guess = (usize, usize, usize);

/// Step 5 of [`Analysis::into_story`]: quoted passages and Fountain dialogue cut into
/// quotes at sentence bounds, in text order, each with the speaker the text gives (which
/// the check holds plans to) and a likely speaker (used only to plan).
pub(super) fn gather_quotes(
    v: &View,
    passages: &[Passage],
    said: &[Said],
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
    roster: &Roster,
) -> Vec<Quote> {
    let mut quotes = Vec::new();
    let mut par_speakers: HashMap<usize, Vec<Option<usize>>> = HashMap::new();
    let mut guesses: Vec<Guess> = Vec::new();
    for (p, s) in passages.iter().zip(said) {
        let speaker = match (&s.name, s.pronoun) {
            (Some(name), _) => roster.person(&words(name).join(" ")),
            (None, true) => {
                let sure = only_named_before(p, paragraphs, sentences);
                if sure.is_none() {
                    if let Some(n) = nearest_named_before(p, paragraphs, sentences) {
                        guesses.push((p.open, p.close, n));
                    }
                }
                sure
            }
            (None, false) => None,
        };
        par_speakers.entry(p.paragraph).or_default().push(speaker);
        let (a, b) = (p.open + 1, p.close);
        pieces(v.chars, sentences, a, b, speaker, &mut quotes);
    }
    for (a, b, p) in &r_dialogue(paragraphs, sentences) {
        let speaker = paragraphs.get(*p).and_then(|p| p.speaker);
        pieces(v.chars, sentences, *a, *b, speaker, &mut quotes);
    }
    quotes.sort_by_key(|q: &Quote| q.span.start);
    for q in &mut quotes {
        let likely = likely_speaker(q, &guesses, &par_speakers, paragraphs, sentences);
        q.likely = likely;
    }
    quotes
}

/// A pronoun tag (`"…," she said`) names for sure only the one person named before it in
/// its paragraph.
fn only_named_before(
    p: &Passage,
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
) -> Option<usize> {
    let mut named: Vec<usize> = Vec::new();
    if let Some(par) = paragraphs.get(p.paragraph) {
        for s in sentences.get(par.sentences.clone()).unwrap_or(&[]) {
            if (s.span.start as usize) < p.open {
                for q in &s.people {
                    if !named.contains(q) {
                        named.push(*q);
                    }
                }
            }
        }
    }
    match named.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// With several people named before a pronoun tag: not checked, but planned as the
/// subject of the nearest sentence that names someone (`Tomas looked up. "…," he
/// answered.`).
fn nearest_named_before(
    p: &Passage,
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
) -> Option<usize> {
    let par = paragraphs.get(p.paragraph);
    (par.and_then(|par| sentences.get(par.sentences.clone())))
        .unwrap_or(&[])
        .iter()
        .rev()
        .filter(|s| (s.span.start as usize) < p.open)
        .find_map(|s| s.people.first().copied())
}

/// The likely speaker of a quote: its speaker; else a pronoun tag's guess; else the
/// paragraph's only speaker, the person of the sentence, or of the sentence before it
/// in the paragraph (`Mara shook her head. "Not tonight."`).
fn likely_speaker(
    q: &Quote,
    guesses: &[Guess],
    par_speakers: &HashMap<usize, Vec<Option<usize>>>,
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
) -> Option<usize> {
    if q.speaker.is_some() {
        return q.speaker;
    }
    let (qa, qb) = (q.span.start as usize, q.span.end as usize);
    if let Some((_, _, n)) = guesses.iter().find(|(a, b, _)| *a <= qa && qb <= *b + 1) {
        return Some(*n);
    }
    let par = sentences.get(q.sentence).map(|s| s.paragraph);
    let only = par.and_then(|p| par_speakers.get(&p)).and_then(|v| {
        let named: Vec<usize> = v.iter().flatten().copied().collect();
        match named.first() {
            Some(f) if named.iter().all(|n| n == f) => Some(*f),
            _ => None,
        }
    });
    let in_sentence = sentences
        .get(q.sentence)
        .and_then(|s| s.people.first().copied());
    let before = par.and_then(|p| paragraphs.get(p)).and_then(|p| {
        sentences
            .get(p.sentences.start..q.sentence)
            .unwrap_or(&[])
            .iter()
            .rev()
            .find_map(|s| s.people.last().copied())
    });
    only.or(in_sentence).or(before)
}

/// The spoken runs of Fountain dialogue blocks: (start, end, paragraph), from the dialogue
/// sentences of each block.
fn r_dialogue(paragraphs: &[Paragraph], sentences: &[Sentence]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (pi, p) in paragraphs.iter().enumerate() {
        if p.kind != ParagraphKind::Dialogue {
            continue;
        }
        for s in sentences.get(p.sentences.clone()).unwrap_or(&[]) {
            if s.kind == SentenceKind::Dialogue {
                out.push((s.span.start as usize, s.span.end as usize, pi));
            }
        }
    }
    out
}

/// Cuts the passage `[a, b)` at sentence bounds into quotes.
fn pieces(
    chars: &[char],
    sentences: &[Sentence],
    a: usize,
    b: usize,
    speaker: Option<usize>,
    out: &mut Vec<Quote>,
) {
    let at = |i: usize| chars.get(i).copied().unwrap_or(' ');
    let first = sentences.partition_point(|s| (s.span.end as usize) <= a);
    for (si, s) in sentences.iter().enumerate().skip(first) {
        let (ss, se) = (s.span.start as usize, s.span.end as usize);
        if ss >= b {
            break;
        }
        let mut x = a.max(ss);
        let mut y = b.min(se);
        let trim = |c: char| c.is_whitespace() || is_any_quote_mark(c);
        while x < y && trim(at(x)) {
            x += 1;
        }
        while y > x && (trim(at(y - 1)) || at(y - 1) == ',') {
            y -= 1;
        }
        if y <= x || !(x..y).any(|i| at(i).is_alphanumeric()) {
            continue;
        }
        out.push(Quote {
            span: span(x, y),
            text: chars.get(x..y).unwrap_or(&[]).iter().collect(),
            sentence: si,
            speaker,
            likely: None,
        });
    }
}

/// `text` (a sentence with its quoted words removed) without the words that only say who
/// speaks: `Mara said.` is nothing to show, `Mara said, and she lifted the lantern` shows
/// `She lifted the lantern`.
pub fn without_speech_tags(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let ws = word_ranges(&chars, 0, chars.len());
    let word = |k: usize| -> Option<String> {
        let (a, b) = ws.get(k)?;
        Some(chars.get(*a..*b)?.iter().collect())
    };
    let lower = |k: usize| word(k).map(|w| w.to_lowercase()).unwrap_or_default();
    let cap = |k: usize| {
        word(k).is_some_and(|w| {
            w.chars().next().is_some_and(char::is_uppercase) && !listed(STOP, &w.to_lowercase())
        })
    };
    let pronoun = |k: usize| listed(&["he", "she", "they", "i", "we"], &lower(k));
    let adverb = |k: usize| lower(k).ends_with("ly") && !cap(k);
    let say = |k: usize| listed(SAY_VERBS, &lower(k));
    // The words of the tag: subject then verb, or verb then subject, or `Name:`.
    let mut k = 0;
    let subject = |k: &mut usize| {
        if pronoun(*k) {
            *k += 1;
            return true;
        }
        let start = *k;
        while cap(*k) {
            *k += 1;
        }
        *k > start
    };
    let tagged = if say(0) {
        k = 1;
        subject(&mut k)
    } else if subject(&mut k) {
        if adverb(k) {
            k += 1;
        }
        if say(k) {
            k += 1;
            if adverb(k) {
                k += 1;
            }
            true
        } else {
            // `Jonah:` before a quote.
            let end = k.checked_sub(1).and_then(|e| ws.get(e)).map_or(0, |w| w.1);
            let rest: String = chars.get(end..).unwrap_or(&[]).iter().collect();
            if rest.trim() == ":" {
                return String::new();
            }
            false
        }
    } else {
        false
    };
    if !tagged {
        return text.to_owned();
    }
    let end = k.checked_sub(1).and_then(|e| ws.get(e)).map_or(0, |w| w.1);
    let rest: String = chars.get(end..).unwrap_or(&[]).iter().collect();
    let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
    let rest = rest
        .strip_prefix("and ")
        .or_else(|| rest.strip_prefix("then "))
        .unwrap_or(rest);
    if !rest.chars().any(char::is_alphanumeric) {
        return String::new();
    }
    capitalise(rest.trim())
}

impl Analysis {
    /// Who the text says speaks a passage (see [`Quote::speaker`]): a tag after the
    /// closing mark wins over one before the opening mark (`Mara said, "…," Tom said`
    /// is Tom's).
    pub(super) fn attribution(&self, v: &View, p: &Passage, all: &[Passage]) -> Said {
        (self.tag_after(v, p, all))
            .or_else(|| self.tag_before(v, p, all))
            .unwrap_or_default()
    }

    /// The group (a name) that starts at token `i`, if any.
    fn group_starting(&self, i: Option<&usize>) -> Option<&Group> {
        i.and_then(|i| self.group_at.get(i))
            .and_then(|g| self.groups.get(*g))
    }

    /// A tag after the closing mark, within six words and before the paragraph's next
    /// passage, when only a comma or a dash stands between: `"…," Mara said`, `"…,"
    /// Mara Voss said softly`, `"…" said Mara`, `"…," she said`.
    fn tag_after(&self, v: &View, p: &Passage, all: &[Passage]) -> Option<Said> {
        let next_open = all
            .iter()
            .filter(|o| o.paragraph == p.paragraph && o.open > p.close)
            .map(|o| o.open)
            .min()
            .unwrap_or(usize::MAX);
        let after: Vec<usize> = (0..v.toks.len())
            .skip(v.toks.partition_point(|t| t.start <= p.close))
            .take_while(|i| {
                v.toks
                    .get(*i)
                    .is_some_and(|t| t.start < next_open && !t.quoted)
            })
            .take(6)
            .collect();
        let tok = |i: Option<&usize>| i.and_then(|i| v.toks.get(*i));
        let first_gap_ok = tok(after.first()).is_some_and(|t| {
            let between = v.string(p.close + 1, t.start);
            between
                .chars()
                .all(|c| c.is_whitespace() || matches!(c, ',' | '—' | '-' | '–'))
        });
        if !first_gap_ok {
            return None;
        }
        let t1 = tok(after.first());
        let t2 = tok(after.get(1));
        let t3 = tok(after.get(2));
        let say = |t: Option<&Tok>| t.is_some_and(|t| listed(SAY_VERBS, &t.lower));
        let adverb = |t: Option<&Tok>| t.is_some_and(|t| t.lower.ends_with("ly") && !t.cap);
        // `"…," Mara said` / `"…," Mara Voss said softly`.
        if let Some(g) = self.group_starting(after.first()) {
            let n = v.toks.get(g.b);
            let n2 = v.toks.get(g.b + 1);
            if say(n) || (adverb(n) && say(n2)) {
                return Some(Said::named(g));
            }
        }
        // `"…" said Mara`.
        if say(t1) {
            if let Some(g) = self.group_starting(after.get(1)) {
                return Some(Said::named(g));
            }
        }
        // `"…," she said`.
        if t1.is_some_and(|t| listed(PRONOUNS, &t.lower)) && (say(t2) || (adverb(t2) && say(t3))) {
            return Some(Said::pronoun());
        }
        None
    }

    /// A tag before the opening mark, since the paragraph's previous passage, ending in a
    /// comma or a colon with no sentence end between: `Mara: "…"`, `Mara said, "…"`.
    fn tag_before(&self, v: &View, p: &Passage, all: &[Passage]) -> Option<Said> {
        let prev_close = all
            .iter()
            .filter(|o| o.paragraph == p.paragraph && o.close < p.open)
            .map(|o| o.close)
            .max();
        let start = prev_close.map_or(0, |c| c + 1);
        let end = v.toks.partition_point(|t| t.start < p.open);
        let from = v.toks.partition_point(|t| t.start < start);
        let before: Vec<usize> = (from..end).collect();
        let &last = before.last()?;
        let lt = v.toks.get(last)?;
        let between = v.string(lt.end, p.open);
        if !between.contains([',', ':']) || between.chars().any(is_stop) || lt.quoted {
            return None;
        }
        // `Mara: "…"`.
        if between.trim() == ":" {
            if let Some(g) = self.groups.iter().find(|g| g.b == last + 1) {
                return Some(Said::named(g));
            }
        }
        self.say_verb_subject(v, &before)
    }

    /// A verb of speech in the last three words before the passage, its subject just
    /// before it (a name, or a pronoun in the same sentence); an adverb may stand between
    /// (`Mara quietly said`).
    fn say_verb_subject(&self, v: &View, before: &[usize]) -> Option<Said> {
        let tail: Vec<usize> = before.iter().rev().take(3).copied().collect();
        for &vi in &tail {
            let Some(vt) = v.toks.get(vi) else { continue };
            if !listed(SAY_VERBS, &vt.lower) {
                continue;
            }
            let mut s = vi;
            if let Some(prev) = s.checked_sub(1).and_then(|i| v.toks.get(i)) {
                if prev.lower.ends_with("ly") && !prev.cap && prev.sentence == vt.sentence {
                    s -= 1;
                }
            }
            if let Some(g) = self.groups.iter().find(|g| g.b == s) {
                return Some(Said::named(g));
            }
            if let Some(pt) = s.checked_sub(1).and_then(|i| v.toks.get(i)) {
                if listed(PRONOUNS, &pt.lower) && pt.sentence == vt.sentence {
                    return Some(Said::pronoun());
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::without_speech_tags;
    use crate::text::testing::read;

    /// (quote, speaker's name) for every quote.
    fn said(text: &str) -> Vec<(String, Option<String>)> {
        let st = read(text);
        st.quotes
            .iter()
            .map(|q| {
                let who = q
                    .speaker
                    .and_then(|p| st.people.get(p))
                    .map(|p| p.name.clone());
                (q.text.clone(), who)
            })
            .collect()
    }

    #[test]
    fn every_usual_attribution_finds_its_speaker() {
        let text = "\"It's late,\" Mara said. Tom said, \"Not yet.\"\n\n\
                    Tom: \"Go on.\"\n\n\
                    \"Fine,\" said Mara. \"I will.\"\n\n\
                    Mara turned away. “Goodbye,” she whispered.\n\n\
                    Mara looked at Tom. \"Well?\" she asked.";
        let got = said(text);
        let want = [
            ("It's late", Some("Mara")),
            ("Not yet.", Some("Tom")),
            ("Go on.", Some("Tom")),
            ("Fine", Some("Mara")),
            // A second passage with no tag: not checked (but planned as Mara's).
            ("I will.", None),
            ("Goodbye", Some("Mara")),
            // Two people before `she`: ambiguous, so not checked.
            ("Well?", None),
        ];
        let got: Vec<(&str, Option<&str>)> = got
            .iter()
            .map(|(q, w)| (q.as_str(), w.as_deref()))
            .collect();
        assert_eq!(got, want);
        let st = read(text);
        let likely: Vec<Option<&str>> = st
            .quotes
            .iter()
            .map(|q| {
                q.likely
                    .and_then(|p| st.people.get(p))
                    .map(|p| p.name.as_str())
            })
            .collect();
        assert_eq!(likely[4], Some("Mara"));
    }

    #[test]
    fn a_pronoun_after_two_names_is_planned_as_the_nearest_sentence_s_subject() {
        let st = read(
            "\"We have an hour,\" Mara said. Tomas looked up from the lens. \"Then we light it \
             by hand,\" he answered.",
        );
        let who = |i: usize| {
            let q = &st.quotes[i];
            let name = |p: Option<usize>| p.and_then(|p| st.people.get(p)).map(|p| p.name.clone());
            (name(q.speaker), name(q.likely))
        };
        assert_eq!(who(0), (Some("Mara".into()), Some("Mara".into())));
        // Not certain (two people named before `he`), so not checked; planned as Tomas's.
        assert_eq!(who(1), (None, Some("Tomas".into())));
    }

    #[test]
    fn speech_tags_are_not_what_a_shot_shows() {
        assert_eq!(without_speech_tags(", Mara said."), "");
        assert_eq!(without_speech_tags("said Old Jonah."), "");
        assert_eq!(without_speech_tags("she whispered softly."), "");
        assert_eq!(without_speech_tags("Jonah:"), "");
        assert_eq!(
            without_speech_tags("Mara said, and she lifted the lantern high."),
            "She lifted the lantern high."
        );
        assert_eq!(
            without_speech_tags("Mara climbed the stairs."),
            "Mara climbed the stairs."
        );
    }
}
