//! Who the story names: runs of capitalised words ([`Group`]) that may be names, and which of
//! them are people (they speak, act or are described) rather than places, openers or common
//! words capitalised. Steps 2 and 3 of the reading; `cast` turns what they find into people.

use std::collections::{HashMap, HashSet};

use super::cast::Cast;
use super::quotes::{Passage, Said};
use super::sentences::Reader;
use super::tokens::{title_case, words, Tok, View};
use super::verbs::verbish;
use super::{Paragraph, Sentence, SentenceKind};

/// A run of capitalised words that may be a name, where it occurs.
#[derive(Debug, Clone)]
pub(super) struct Group {
    /// Token indices `[a, b)`.
    a: usize,
    pub(super) b: usize,
    pub(super) key: String,
    pub(super) display: String,
}

/// The reading's words weighed: the runs that may be names, and how the text writes each word
/// (the other steps' heuristics lean on both).
pub(super) struct Analysis {
    pub(super) groups: Vec<Group>,
    /// Group index by its first token.
    pub(super) group_at: HashMap<usize, usize>,
    /// Words seen in lowercase somewhere (such a word written capitalised is not a name).
    lower_seen: HashSet<String>,
    /// How often each lowercase word occurs.
    pub(super) counts: HashMap<String, usize>,
}

impl Analysis {
    /// Finds the runs of capitalised words (`Mara Voss`, `Dr. Hale`, `Captain Ahab`), a
    /// possessive ending one, and counts every word.
    pub(super) fn new(r: &Reader, toks: &[Tok]) -> Analysis {
        let mut lower_seen = HashSet::new();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in toks {
            if !t.cap {
                lower_seen.insert(t.base().to_owned());
            }
            *counts.entry(t.base().to_owned()).or_default() += 1;
        }
        let mut groups = Vec::new();
        let mut group_at = HashMap::new();
        let mut i = 0;
        while i < toks.len() {
            let Some(t) = toks.get(i) else { break };
            if !(t.name_like() || t.title()) {
                i += 1;
                continue;
            }
            let a = i;
            let mut b = i + 1;
            let mut possessive = t.possessive();
            while !possessive {
                let (Some(prev), Some(next)) = (toks.get(b - 1), toks.get(b)) else {
                    break;
                };
                if next.sentence != prev.sentence || !(next.name_like() || next.title()) {
                    break;
                }
                let gap = r.gap(prev, next);
                let plain = !gap.is_empty() && gap.chars().all(|c| c == ' ' || c == '\t');
                let after_title = prev.title() && (gap == ". " || gap == ".");
                if !(plain || after_title) {
                    break;
                }
                possessive = next.possessive();
                b += 1;
            }
            // `Poor Tom`, `Later Mara`: a sentence's first word that the text also writes in
            // lowercase is not part of the name.
            let mut a = a;
            if b - a >= 2
                && toks
                    .get(a)
                    .is_some_and(|t| t.initial && !t.title() && lower_seen.contains(t.base()))
            {
                a += 1;
            }
            let words: Vec<&Tok> = toks.get(a..b).unwrap_or(&[]).iter().collect();
            // A run of titles alone (`Doctor`, `Captain`) is no name.
            if words.iter().all(|w| w.title()) {
                i = b;
                continue;
            }
            let key = words.iter().map(|w| w.base()).collect::<Vec<_>>().join(" ");
            let display = words
                .iter()
                .map(|w| {
                    let base: String = w.text.chars().take(w.base().chars().count()).collect();
                    if w.upper {
                        title_case(&base)
                    } else {
                        base
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            group_at.insert(a, groups.len());
            groups.push(Group { a, b, key, display });
            i = b;
        }
        Analysis {
            groups,
            group_at,
            lower_seen,
            counts,
        }
    }

    /// Step 2: everyone who speaks or acts, as drafts. Fountain cues and speech tags name
    /// people for sure; a name in prose counts only when it acts (`Mara climbs`), is not
    /// always where places stand (`in Paris`), and is not a common word capitalised
    /// (`Poor` at a sentence's start) unless someone already has it. Then short forms are
    /// tied to the full names they belong to.
    pub(super) fn gather_people(
        &self,
        v: &View,
        paragraphs: &[Paragraph],
        cues: &[(usize, String)],
        passages: &[Passage],
        said: &[Said],
    ) -> Cast {
        let mut cast = Cast::default();
        for (p, name) in cues {
            let display: String = name
                .split_whitespace()
                .map(title_case)
                .collect::<Vec<_>>()
                .join(" ");
            let key = words(name).join(" ");
            if key.is_empty() {
                continue;
            }
            let first = paragraphs.get(*p).map_or(0, |p| p.span.start as usize);
            cast.add(key, display, first);
        }
        for (p, s) in passages.iter().zip(said) {
            if let Some(name) = &s.name {
                let key = words(name).join(" ");
                if !key.is_empty() {
                    cast.add(key, name.clone(), p.open);
                }
            }
        }
        self.add_acting_names(v, &mut cast);
        cast.merge_short_names();
        cast.alias_name_words();
        cast
    }

    /// Adds the names in prose that act (see [`Analysis::gather_people`]). Whether a name
    /// always stands where places do is computed once per name, not per mention, since a
    /// person is sometimes `in` a sentence too.
    fn add_acting_names(&self, v: &View, cast: &mut Cast) {
        let acting: Vec<bool> = self.groups.iter().map(|g| self.acts(v, g)).collect();
        let mut always_place: HashMap<&str, bool> = HashMap::new();
        for g in &self.groups {
            let here = self.at_place(v, g);
            always_place
                .entry(&g.key)
                .and_modify(|all| *all &= here)
                .or_insert(here);
        }
        for (g, acts) in self.groups.iter().zip(&acting) {
            if *acts
                && !always_place.get(g.key.as_str()).copied().unwrap_or(false)
                && (g.key.contains(' ')
                    || !self.lower_seen.contains(&g.key)
                    || cast.by_key.contains_key(&g.key))
            {
                let first = v.toks.get(g.a).map_or(0, |t| t.start);
                cast.add(g.key.clone(), g.display.clone(), first);
            }
        }
    }

    /// Step 3: counts every mention of a person, records who each sentence names outside
    /// speech (what shots are checked against), and keeps up to three descriptions from
    /// prose (`Mara, a keeper with grey hair`) for the character's prompt.
    pub(super) fn count_mentions(&self, v: &View, cast: &mut Cast, sentences: &mut [Sentence]) {
        for g in &self.groups {
            let Some(d) = cast.resolve(&g.key) else {
                continue;
            };
            let Some(t) = v.toks.get(g.a) else { continue };
            if let Some(dr) = cast.drafts.get_mut(d) {
                dr.mentions += 1;
            }
            if t.quoted {
                continue;
            }
            if let Some(s) = sentences.get_mut(t.sentence) {
                if !s.people.contains(&d) {
                    s.people.push(d);
                }
            }
            let prose = sentences
                .get(t.sentence)
                .is_some_and(|s| s.kind == SentenceKind::Prose);
            if let Some(dr) = cast.drafts.get_mut(d).filter(|_| prose) {
                if dr.descriptions.len() < 3 {
                    if let Some(desc) = self.description(v, g) {
                        if !dr.descriptions.contains(&desc) {
                            dr.descriptions.push(desc);
                        }
                    }
                }
            }
        }
    }

    /// Whether this mention acts: outside speech, followed by a verb (`Mara climbs`, `Mara
    /// slowly turned`, `Mara and Tom ran`) or by a description (`Mara, a keeper`).
    fn acts(&self, v: &View, g: &Group) -> bool {
        let Some(first) = v.toks.get(g.a) else {
            return false;
        };
        if first.quoted
            || v.toks
                .get(g.b.saturating_sub(1))
                .is_some_and(Tok::possessive)
        {
            return false;
        }
        let mut j = g.b;
        let mut prev = g.b.saturating_sub(1);
        for _ in 0..5 {
            let (Some(p), Some(t)) = (v.toks.get(prev), v.toks.get(j)) else {
                return false;
            };
            if t.sentence != first.sentence {
                return false;
            }
            let gap = v.gap(p, t);
            let plain = gap.chars().all(char::is_whitespace);
            if j == g.b
                && ((gap.contains(',') && matches!(t.lower.as_str(), "a" | "an"))
                    || gap.trim_start().starts_with('('))
            {
                // `Mara, a keeper`, `MARA (60s)`: a character introduced.
                return true;
            }
            if !plain && !(gap.trim() == "," && (t.lower == "and" || t.name_like())) {
                return false;
            }
            if t.lower == "and" || t.name_like() || (t.lower.ends_with("ly") && !t.cap) {
                prev = j;
                j += 1;
                continue;
            }
            return verbish(&t.lower);
        }
        false
    }

    /// Whether this mention stands where places do (`in Paris`, `to the Harbour`).
    fn at_place(&self, v: &View, o: &Group) -> bool {
        {
            let before = o.a.checked_sub(1).and_then(|i| v.toks.get(i));
            let before2 = o.a.checked_sub(2).and_then(|i| v.toks.get(i));
            let prep = |t: Option<&Tok>| {
                t.is_some_and(|t| {
                    matches!(
                        t.lower.as_str(),
                        "in" | "into"
                            | "inside"
                            | "at"
                            | "to"
                            | "toward"
                            | "towards"
                            | "from"
                            | "near"
                            | "across"
                            | "through"
                            | "outside"
                            | "onto"
                    )
                })
            };
            prep(before) || (before.is_some_and(|t| t.lower == "the") && prep(before2))
        }
    }

    /// What the text says of a person at this mention: `Mara, a keeper with grey hair,`;
    /// `Mara was a keeper`; `MARA (60s)`; `Mara wore a yellow coat`.
    fn description(&self, v: &View, g: &Group) -> Option<String> {
        let last = v.toks.get(g.b.saturating_sub(1))?;
        let next = v.toks.get(g.b)?;
        if next.sentence != last.sentence {
            return None;
        }
        let gap = v.gap(last, next);
        let g_trim = gap.trim();
        // `MARA (60s), a keeper,` / `Mara (60s)`: the parenthesis, then an appositive.
        if g_trim.starts_with('(') {
            let after: String = v.string(last.end, (last.end + 80).min(v.chars.len()));
            let open = after.find('(')?;
            let close = after.find(')')?;
            let inner = after.get(open + 1..close).unwrap_or("").trim().to_owned();
            let close_at = last.end + after.get(..close).map_or(0, |x| x.chars().count());
            let k = v.toks.partition_point(|t| t.start <= close_at);
            let appositive = v.toks.get(k).and_then(|t| {
                let between = v.string(close_at + 1, t.start);
                (between.trim() == ","
                    && matches!(t.lower.as_str(), "a" | "an")
                    && t.sentence == last.sentence)
                    .then(|| v.clause(k, 14))
                    .flatten()
            });
            let parts: Vec<String> = [Some(inner), appositive]
                .into_iter()
                .flatten()
                .filter(|p| !p.is_empty() && p.chars().count() <= 120)
                .collect();
            return (!parts.is_empty()).then(|| parts.join(", "));
        }
        if g_trim == "," && matches!(next.lower.as_str(), "a" | "an") {
            return v.clause(g.b, 14);
        }
        if g_trim.is_empty() {
            let after = v.toks.get(g.b + 1)?;
            match (next.lower.as_str(), after.lower.as_str()) {
                ("was" | "is", "a" | "an") => return v.clause(g.b + 1, 14),
                ("wore" | "wears", _) => {
                    return v.clause(g.b + 1, 12).map(|c| format!("wearing {c}"));
                }
                ("had" | "has", _) => {
                    let c = v.clause(g.b + 1, 8)?;
                    let looks = [
                        "hair",
                        "eyes",
                        "beard",
                        "moustache",
                        "mustache",
                        "scar",
                        "skin",
                        "freckles",
                        "face",
                    ];
                    if looks.iter().any(|w| {
                        c.split_whitespace()
                            .any(|x| x.trim_matches(|c: char| !c.is_alphanumeric()) == *w)
                    }) {
                        return Some(format!("with {c}"));
                    }
                }
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use studio_core::{Story, StoryFormat};

    use crate::text::testing::read;
    use crate::text::{SentenceKind, StoryText};

    #[test]
    fn names_are_capitalised_words_that_act_or_speak_merged_across_mentions() {
        let st = read(
            "Rain fell on Harbour Street. Mara Voss ran to the boat. In Paris nobody waited. \
             MARA laughed. Later, Mara said nothing. The Boat was gone. Voss sighed.",
        );
        let names: Vec<(&str, usize)> = st
            .people
            .iter()
            .map(|p| (p.name.as_str(), p.mentions))
            .collect();
        assert_eq!(names, [("Mara Voss", 4)]);
        // Fountain cues are speakers, named as prose would write them.
        let st = StoryText::read(&Story {
            text:
                "INT. KITCHEN - DAY\n\nDR. HALE (V.O.)\nWho's there?\n\nMARA\n(quietly)\nOnly me.\n"
                    .into(),
            format: StoryFormat::Fountain,
            accepted: vec![],
        });
        let names: Vec<&str> = st.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Dr. Hale", "Mara"]);
        let kinds: Vec<SentenceKind> = st.sentences.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SentenceKind::Heading,
                SentenceKind::Cue,
                SentenceKind::Dialogue,
                SentenceKind::Cue,
                SentenceKind::Parenthetical,
                SentenceKind::Dialogue
            ]
        );
        assert_eq!(st.elements[0].name, "Kitchen");
    }
}
