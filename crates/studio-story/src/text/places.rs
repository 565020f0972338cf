//! Where the story happens and what is handled in it: locations from scene headings, or in
//! prose from where people go (`into the lighthouse`) and from words that can only be places;
//! props from what people hold, take, carry or light. Step 6 of the reading; each sentence
//! learns the place in effect and the props it names.

use std::collections::HashMap;

use studio_core::ElementKind;

use super::cast::Roster;
use super::lexicon::{listed, DETERMINERS, NOT_PLACES, NOT_PROPS, PLACE_NOUNS, PLACE_PREPS};
use super::names::Analysis;
use super::tokens::{capitalise, clip, slug, words, Tok, View};
use super::verbs::{is_motion, verbish, GO_VERBS, LOOK_PREFIXES, PROP_VERBS};
use super::{Ids, Sentence, SentenceKind, Thing};

/// The elements of step 6 of [`Analysis::into_story`] as they are gathered.
#[derive(Default)]
struct Things {
    /// Locations first, then props.
    elements: Vec<Thing>,
    place_of_key: HashMap<String, usize>,
    prop_of_key: HashMap<String, usize>,
}

impl Things {
    /// A location per distinct scene heading (`INT. LIGHTHOUSE - NIGHT`), its prompt the
    /// heading's words; returns the location of each heading sentence.
    fn heading_places(
        &mut self,
        headings: &[(usize, String, String)],
        ids: &mut Ids,
    ) -> HashMap<usize, usize> {
        let mut heading_place = HashMap::new();
        for (s, name, words_) in headings {
            let key = words(name).join(" ");
            let elements = &mut self.elements;
            let i = *self.place_of_key.entry(key.clone()).or_insert_with(|| {
                elements.push(Thing {
                    kind: ElementKind::Location,
                    name: name.clone(),
                    id: ids.unique(&slug(name), "location"),
                    key: key.clone(),
                    prompt: capitalise(words_),
                });
                elements.len() - 1
            });
            heading_place.insert(*s, i);
        }
        heading_place
    }

    /// The first action after each heading describes its place (once: a place seen
    /// again keeps its first description).
    fn describe_heading_places(
        &mut self,
        v: &View,
        headings: &[(usize, String, String)],
        heading_place: &HashMap<usize, usize>,
        sentences: &[Sentence],
    ) {
        for (s, _, _) in headings {
            let Some(&i) = heading_place.get(s) else {
                continue;
            };
            let next = sentences
                .iter()
                .skip(s + 1)
                .take_while(|x| x.kind != SentenceKind::Heading)
                .find(|x| x.kind == SentenceKind::Prose);
            if let (Some(next), Some(e)) = (next, self.elements.get_mut(i)) {
                if !e.prompt.contains(". ") {
                    let text = v.unquoted(next.span);
                    if !text.is_empty() {
                        e.prompt =
                            format!("{}. {}", e.prompt.trim_end_matches('.'), clip(&text, 300));
                    }
                }
            }
        }
    }

    /// Locations from the places prose puts people in (`into the lighthouse`); returns
    /// the place each such sentence moves to (its first).
    fn prose_places(
        &mut self,
        found: Vec<(usize, String, String)>,
        ids: &mut Ids,
    ) -> HashMap<usize, usize> {
        let mut sentence_place = HashMap::new();
        for (si, key, name) in found {
            let i = self.place(&key, &name, ids);
            sentence_place.entry(si).or_insert(i);
        }
        sentence_place
    }

    /// A word that can only be a place (`the stairs of the lighthouse`) makes a location
    /// too; it moves no one there (the prose does), but it tells where the story begins
    /// (see [`Things::places_after_the`]).
    fn add_named_places(&mut self, found: Vec<(usize, String, String)>, ids: &mut Ids) {
        for (_, key, name) in found {
            self.place(&key, &name, ids);
        }
    }

    /// The location named `key`, made if new.
    fn place(&mut self, key: &str, name: &str, ids: &mut Ids) -> usize {
        let elements = &mut self.elements;
        *self
            .place_of_key
            .entry(key.to_owned())
            .or_insert_with(|| push_named(elements, ids, ElementKind::Location, key, name))
    }

    /// Before prose first puts someone somewhere, `the lighthouse` named any way (outside
    /// speech) tells where the story begins: the first such place of each sentence.
    fn places_after_the(&self, toks: &[Tok]) -> HashMap<usize, usize> {
        let mut named_place = HashMap::new();
        for (k, t) in toks.iter().enumerate() {
            let after_the = k
                .checked_sub(1)
                .and_then(|p| toks.get(p))
                .is_some_and(|p| p.lower == "the" && p.sentence == t.sentence);
            if let Some(&e) = self
                .place_of_key
                .get(t.base())
                .filter(|_| after_the && !t.quoted)
            {
                named_place.entry(t.sentence).or_insert(e);
            }
        }
        named_place
    }

    /// Props the prose names, skipping any word that is already a place or a prop.
    fn add_props(&mut self, found: Vec<(String, String)>, ids: &mut Ids) {
        for (key, name) in found {
            if self.place_of_key.contains_key(&key) || self.prop_of_key.contains_key(&key) {
                continue;
            }
            let i = push_named(&mut self.elements, ids, ElementKind::Prop, &key, &name);
            self.prop_of_key.insert(key, i);
        }
    }

    /// Each sentence learns the props it names (a plural names the prop too); props and
    /// prose places are described by the first sentence that names them. Only the first
    /// `locations` elements are places (heading places were described already).
    fn tag_and_describe(&mut self, v: &View, sentences: &mut [Sentence], locations: usize) {
        for t in v.toks.iter().filter(|t| !t.quoted) {
            let singular = t.lower.strip_suffix('s').unwrap_or(&t.lower);
            let hit = (self.prop_of_key.get(&t.lower))
                .or_else(|| self.prop_of_key.get(singular))
                .copied();
            if let Some(e) = hit {
                if let Some(s) = sentences.get_mut(t.sentence) {
                    if !s.props.contains(&e) {
                        s.props.push(e);
                    }
                }
            }
            let described = hit.or_else(|| {
                (self.place_of_key.get(&t.lower))
                    .copied()
                    .filter(|i| *i < locations)
            });
            if let Some(e) = described.and_then(|i| self.elements.get_mut(i)) {
                if e.prompt.is_empty() {
                    if let Some(s) = sentences.get(t.sentence) {
                        e.prompt = clip(&v.unquoted(s.span), 300);
                    }
                }
            }
        }
    }

    /// An element nothing describes is prompted by its name (a prompt is never empty).
    fn name_the_undescribed(&mut self) {
        for e in &mut self.elements {
            if e.prompt.trim().is_empty() {
                e.prompt = e.name.clone();
            }
        }
    }
}

/// The place in effect for each sentence: a heading's or the place prose moves someone to
/// sets it; until one does, the first place named after `the` does.
fn assign_places(
    sentences: &mut [Sentence],
    heading_place: &HashMap<usize, usize>,
    sentence_place: &HashMap<usize, usize>,
    named_place: &HashMap<usize, usize>,
) {
    let mut current = None;
    for (i, s) in sentences.iter_mut().enumerate() {
        if let Some(p) = heading_place.get(&i).or_else(|| sentence_place.get(&i)) {
            current = Some(*p);
        } else if current.is_none() {
            current = named_place.get(&i).copied();
        }
        s.place = current;
    }
}

impl Analysis {
    /// Step 6: the locations (scene headings, else the places prose puts people in) and
    /// the props, each described by the text; every sentence learns the place in effect
    /// and the props it names.
    pub(super) fn places_and_props(
        &self,
        v: &View,
        headings: &[(usize, String, String)],
        sentences: &mut [Sentence],
        roster: &Roster,
        ids: &mut Ids,
    ) -> Vec<Thing> {
        let person_key = |w: &str| roster.person(w).is_some();
        let mut things = Things::default();
        let heading_place = things.heading_places(headings, ids);
        things.describe_heading_places(v, headings, &heading_place, sentences);
        // Only a story without scene headings has its places read from the prose.
        let mut sentence_place = HashMap::new();
        let mut named_place = HashMap::new();
        if headings.is_empty() {
            sentence_place = things.prose_places(self.prose_places(v, &person_key), ids);
            things.add_named_places(self.named_places(v), ids);
            named_place = things.places_after_the(v.toks);
        }
        assign_places(sentences, &heading_place, &sentence_place, &named_place);
        let locations = things.elements.len();
        things.add_props(self.props(v, &person_key), ids);
        things.tag_and_describe(v, sentences, locations);
        things.name_the_undescribed();
        things.elements
    }

    /// Prose places: `in/into/inside/at the X` where X recurs in the text, or a capitalised
    /// name after those words that is not a person. (sentence, key, name as written).
    fn prose_places(
        &self,
        v: &View,
        person: &dyn Fn(&str) -> bool,
    ) -> Vec<(usize, String, String)> {
        let mut out = Vec::new();
        for (i, t) in v.toks.iter().enumerate() {
            if t.quoted {
                continue;
            }
            // `to the harbour` after a verb of going (`hurried down to`).
            let went = t.lower == "to"
                && (1..=2).any(|k| {
                    i.checked_sub(k)
                        .and_then(|p| v.toks.get(p))
                        .is_some_and(|p| {
                            p.sentence == t.sentence
                                && (is_motion(&p.lower) || listed(GO_VERBS, &p.lower))
                        })
                });
            if !listed(PLACE_PREPS, &t.lower) && !went {
                continue;
            }
            if t.lower == "at" {
                let looked = i
                    .checked_sub(1)
                    .and_then(|p| v.toks.get(p))
                    .is_some_and(|p| LOOK_PREFIXES.iter().any(|l| p.lower.starts_with(l)));
                if looked {
                    continue;
                }
            }
            let Some(n) = v.toks.get(i + 1) else { continue };
            if n.sentence != t.sentence || !v.gap(t, n).chars().all(char::is_whitespace) {
                continue;
            }
            // A capitalised name: `in Paris`, `at the Blue Anchor`.
            let name_start = if n.lower == "the" { i + 2 } else { i + 1 };
            if let Some(g) = self
                .group_at
                .get(&name_start)
                .and_then(|g| self.groups.get(*g))
            {
                if !person(&g.key) && !g.key.split(' ').all(|w| listed(NOT_PLACES, w)) {
                    out.push((t.sentence, g.key.clone(), g.display.clone()));
                }
                continue;
            }
            if n.lower != "the" {
                continue;
            }
            // `the [adjective] noun`: up to three lowercase words, the last one the noun.
            let phrase = v.lower_phrase(i + 1, 3, true);
            // The noun is the last word; a following word that is no noun ends the phrase
            // early only through punctuation, so prefer the word the text repeats.
            let Some(head) = phrase
                .iter()
                .rev()
                .find(|w| self.counts.get(w.base()).copied().unwrap_or(0) >= 2)
            else {
                continue;
            };
            let head_ix = phrase
                .iter()
                .position(|w| std::ptr::eq(*w, *head))
                .unwrap_or(0);
            let phrase = phrase.get(..=head_ix).unwrap_or(&[]);
            let key = head.base().to_owned();
            if listed(NOT_PLACES, &key)
                || listed(NOT_PROPS, &key)
                || person(&key)
                || key.chars().count() < 3
            {
                continue;
            }
            let name = written(phrase);
            out.push((t.sentence, key, name));
        }
        out
    }

    /// Places the text names by a word that can only be a place (`the stairs of the
    /// lighthouse`), wherever it stands in a sentence: (sentence, key, name as written).
    fn named_places(&self, v: &View) -> Vec<(usize, String, String)> {
        let mut out = Vec::new();
        for (i, t) in v.toks.iter().enumerate() {
            if t.quoted || t.lower != "the" {
                continue;
            }
            let Some(n) = v.toks.get(i + 1) else { continue };
            if n.sentence != t.sentence || n.quoted || !listed(PLACE_NOUNS, n.base()) {
                continue;
            }
            out.push((t.sentence, n.base().to_owned(), n.text.clone()));
        }
        out
    }

    /// Props: what someone holds, takes, carries, lights (`Mara lifted the brass lantern`).
    /// (key, name as written).
    fn props(&self, v: &View, person: &dyn Fn(&str) -> bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, t) in v.toks.iter().enumerate() {
            if t.quoted || !listed(PROP_VERBS, &t.lower) {
                continue;
            }
            // The subject: a person or a pronoun, maybe an adverb between.
            let mut s = i;
            if let Some(p) = s.checked_sub(1).and_then(|k| v.toks.get(k)) {
                if p.lower.ends_with("ly") && !p.cap {
                    s -= 1;
                }
            }
            let subject = s.checked_sub(1).and_then(|k| v.toks.get(k));
            let by_someone = subject.is_some_and(|p| {
                p.sentence == t.sentence
                    && (matches!(p.lower.as_str(), "he" | "she" | "they" | "i" | "we")
                        || person(p.base()))
            });
            if !by_someone {
                continue;
            }
            let mut k = i + 1;
            if v.toks
                .get(k)
                .is_some_and(|x| matches!(x.lower.as_str(), "up" | "out" | "down"))
            {
                k += 1;
            }
            let Some(det) = v.toks.get(k) else { continue };
            if !listed(DETERMINERS, &det.lower) || det.sentence != t.sentence {
                continue;
            }
            let mut phrase = v.lower_phrase(k, 2, false);
            // `took a deep breath and`: the phrase ends at the noun; a word after the noun
            // is never part of it, so the noun is the last word unless that is a verb.
            while phrase.len() > 1
                && phrase
                    .last()
                    .is_some_and(|w| verbish(&w.lower) || w.lower.ends_with("ly"))
            {
                phrase.pop();
            }
            // The noun the text repeats (`the lantern high` is the lantern), else the last.
            let head_ix = (phrase.iter())
                .rposition(|w| self.counts.get(w.base()).copied().unwrap_or(0) >= 2)
                .unwrap_or(phrase.len().saturating_sub(1));
            phrase.truncate(head_ix + 1);
            let Some(head) = phrase.last() else { continue };
            let key = head.lower.clone();
            if listed(NOT_PROPS, &key)
                || listed(NOT_PLACES, &key)
                || person(&key)
                || key.chars().count() < 3
                || key.ends_with("ly")
            {
                continue;
            }
            let name = written(&phrase);
            out.push((key, name));
        }
        out
    }
}

/// An element the prose names (`into the lighthouse`, `lifted the lantern`), as the text
/// writes it, with no prompt yet (the first sentence naming it gives one later): pushed to
/// `elements`, its index returned.
fn push_named(
    elements: &mut Vec<Thing>,
    ids: &mut Ids,
    kind: ElementKind,
    key: &str,
    name: &str,
) -> usize {
    let fallback = match kind {
        ElementKind::Location => "location",
        ElementKind::Prop => "prop",
    };
    elements.push(Thing {
        kind,
        name: capitalise(name),
        id: ids.unique(&slug(name), fallback),
        key: key.to_owned(),
        prompt: String::new(),
    });
    elements.len() - 1
}

/// A phrase's words as the text writes them, one space between.
fn written(phrase: &[&Tok]) -> String {
    (phrase.iter().map(|w| w.text.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use studio_core::ElementKind;

    use crate::text::testing::read;

    #[test]
    fn a_word_that_can_only_be_a_place_makes_a_location_where_the_story_begins() {
        let st = read("Mara climbed the stairs of the lighthouse. The lamp died.");
        let places: Vec<&str> = (st.elements.iter())
            .filter(|e| e.kind == ElementKind::Location)
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(places, ["Lighthouse"]);
        assert_eq!(st.sentences[0].place, Some(0));
        assert_eq!(st.sentences[1].place, Some(0));
    }

    #[test]
    fn places_are_where_people_go_and_props_what_they_hold() {
        let st = read(
            "Mara walked into the old lighthouse. She lit the lantern. Tom waited at the Blue \
             Anchor. The lighthouse was dark. She looked at the sea. Tom held the lantern.",
        );
        let things: Vec<(ElementKind, &str)> = st
            .elements
            .iter()
            .map(|e| (e.kind, e.name.as_str()))
            .collect();
        assert_eq!(
            things,
            [
                (ElementKind::Location, "Old lighthouse"),
                (ElementKind::Location, "Blue Anchor"),
                (ElementKind::Prop, "Lantern"),
            ]
        );
        let places: Vec<Option<usize>> = st.sentences.iter().map(|s| s.place).collect();
        assert_eq!(
            places,
            [Some(0), Some(0), Some(1), Some(1), Some(1), Some(1)]
        );
    }
}
