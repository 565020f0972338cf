//! The people, once names are found: drafts gathered per name, short names merged into the
//! full names they belong to (`Mara` into `Mara Voss`), Fountain cues made speakers, and the
//! final order (the lead first) that every index into
//! [`StoryText::people`](super::StoryText::people) refers to.

use std::collections::HashMap;

use super::lexicon::{listed, STOP, TITLES};
use super::tokens::{slug, words, View};
use super::{Ids, Paragraph, Person, Sentence, SentenceKind};

/// A person being gathered (before ordering and ids).
#[derive(Debug, Clone, Default)]
pub(super) struct Draft {
    display: String,
    keys: Vec<String>,
    pub(super) mentions: usize,
    first: usize,
    pub(super) descriptions: Vec<String>,
    first_sentence: Option<usize>,
    /// Speaks or acts (a character), rather than only being named.
    acts: bool,
}

/// The people of steps 2 and 3 of
/// [`Analysis::into_story`](super::names::Analysis::into_story), before they are ordered:
/// drafts, and which written key names whom.
#[derive(Default)]
pub(super) struct Cast {
    pub(super) drafts: Vec<Draft>,
    /// A draft's own keys, as they were added.
    pub(super) by_key: HashMap<String, usize>,
    /// Per draft: the draft it was merged into (`Mara` into `Mara Voss`), if any.
    merged: Vec<Option<usize>>,
    /// Every key that names someone (own keys, merged short names, lone name words).
    alias: HashMap<String, usize>,
}

impl Cast {
    /// The draft for `key`, made if new; marks it as acting. Prose's form of a name
    /// (`Mara`) wins over a cue's capitals, and the first mention is the earliest seen.
    pub(super) fn add(&mut self, key: String, display: String, first: usize) -> usize {
        let drafts = &mut self.drafts;
        let i = *self.by_key.entry(key.clone()).or_insert_with(|| {
            drafts.push(Draft {
                display: display.clone(),
                keys: vec![key.clone()],
                first,
                ..Draft::default()
            });
            drafts.len() - 1
        });
        if let Some(d) = self.drafts.get_mut(i) {
            d.acts = true;
            if d.display.chars().all(|c| !c.is_lowercase())
                && display.chars().any(char::is_lowercase)
            {
                d.display = display;
            }
            d.first = d.first.min(first);
        }
        i
    }

    /// The draft a written key names, if anyone.
    pub(super) fn resolve(&self, key: &str) -> Option<usize> {
        self.alias.get(key).copied()
    }

    /// `Mara` alone is `Mara Voss` when only one person has that word in their name: the
    /// short draft is merged into the long one (its keys and first mention move over).
    /// Titles never tie names together (`Captain` is no one's short name).
    pub(super) fn merge_short_names(&mut self) {
        for (i, d) in self.drafts.iter().enumerate() {
            for k in &d.keys {
                self.alias.insert(k.clone(), i);
            }
        }
        let drafts = &self.drafts;
        let mut merged: Vec<Option<usize>> = vec![None; drafts.len()];
        for (i, d) in drafts.iter().enumerate() {
            let Some(key) = d.keys.first() else { continue };
            if key.contains(' ') {
                continue;
            }
            let owners: Vec<usize> = (drafts.iter().enumerate())
                .filter(|(j, o)| {
                    *j != i
                        && o.keys.iter().any(|k| {
                            k.contains(' ') && k.split(' ').any(|w| w == key && !listed(TITLES, w))
                        })
                })
                .map(|(j, _)| j)
                .collect();
            if let ([owner], Some(m)) = (owners.as_slice(), merged.get_mut(i)) {
                *m = Some(*owner);
            }
        }
        for (i, m) in merged.iter().enumerate() {
            if let Some(owner) = m {
                let (key, first) = match self.drafts.get(i) {
                    Some(d) => (d.keys.clone(), d.first),
                    None => continue,
                };
                if let Some(o) = self.drafts.get_mut(*owner) {
                    o.keys.extend(key.iter().cloned());
                    o.first = o.first.min(first);
                }
                for k in key {
                    self.alias.insert(k, *owner);
                }
            }
        }
        self.merged = merged;
    }

    /// Unmerged single words of a multi-word name name it too (`Voss` for `Mara Voss`),
    /// when no one else has that word; a key already taken keeps its person.
    pub(super) fn alias_name_words(&mut self) {
        let mut word_owner: HashMap<String, Option<usize>> = HashMap::new();
        for (i, d) in self.drafts.iter().enumerate() {
            if self.merged.get(i).copied().flatten().is_some() {
                continue;
            }
            for k in &d.keys {
                for w in k.split(' ') {
                    if !listed(TITLES, w) && !listed(STOP, w) {
                        word_owner
                            .entry(w.to_owned())
                            .and_modify(|o| {
                                if *o != Some(i) {
                                    *o = None
                                }
                            })
                            .or_insert(Some(i));
                    }
                }
            }
        }
        for (w, o) in word_owner {
            if let Some(o) = o {
                self.alias.entry(w).or_insert(o);
            }
        }
    }

    /// A Fountain cue is a mention too, and makes its dialogue block that person's (and
    /// the block's first sentence names them).
    pub(super) fn mark_cue_speakers(
        &mut self,
        cues: &[(usize, String)],
        paragraphs: &mut [Paragraph],
        sentences: &mut [Sentence],
    ) {
        for (p, name) in cues {
            let Some(d) = self.resolve(&words(name).join(" ")) else {
                continue;
            };
            if let Some(dr) = self.drafts.get_mut(d) {
                dr.mentions += 1;
            }
            if let Some(par) = paragraphs.get_mut(*p) {
                par.speaker = Some(d);
                if let Some(s) = sentences.get_mut(par.sentences.start) {
                    if !s.people.contains(&d) {
                        s.people.push(d);
                    }
                }
            }
        }
    }

    /// The lead: the most mentioned unmerged draft, the earliest on a tie.
    fn lead(&self, live: &[usize]) -> Option<usize> {
        live.iter().copied().max_by(|a, b| {
            let (da, db) = (self.drafts.get(*a), self.drafts.get(*b));
            let ma = da.map_or(0, |d| d.mentions);
            let mb = db.map_or(0, |d| d.mentions);
            ma.cmp(&mb)
                .then_with(|| db.map_or(0, |d| d.first).cmp(&da.map_or(0, |d| d.first)))
        })
    }
}

/// The cast in its final order (step 4 of
/// [`Analysis::into_story`](super::names::Analysis::into_story)): maps drafts and written keys
/// to indices into [`StoryText::people`](super::StoryText::people).
pub(super) struct Roster {
    cast: Cast,
    /// Unmerged draft to its index among people.
    new_index: HashMap<usize, usize>,
}

impl Roster {
    /// Orders the unmerged drafts, the lead first (plans take the first character as
    /// the lead), then by first appearance, and makes them people with unique ids.
    pub(super) fn order(cast: Cast, ids: &mut Ids) -> (Roster, Vec<Person>) {
        let live: Vec<usize> = (0..cast.drafts.len())
            .filter(|i| cast.merged.get(*i).copied().flatten().is_none())
            .collect();
        let lead = cast.lead(&live);
        let mut order: Vec<usize> = live;
        order.sort_by_key(|i| {
            (
                Some(*i) != lead,
                cast.drafts.get(*i).map_or(usize::MAX, |d| d.first),
            )
        });
        let new_index: HashMap<usize, usize> =
            order.iter().enumerate().map(|(n, old)| (*old, n)).collect();
        let people: Vec<Person> = order
            .iter()
            .filter_map(|i| cast.drafts.get(*i))
            .map(|d| Person {
                name: d.display.clone(),
                id: ids.unique(&slug(&d.display), "character"),
                keys: d.keys.clone(),
                mentions: d.mentions,
                first: u32::try_from(d.first).unwrap_or(u32::MAX),
                descriptions: d.descriptions.clone(),
                first_sentence: d.first_sentence,
            })
            .collect();
        (Roster { cast, new_index }, people)
    }

    /// A draft's index among people (a merged draft's is its owner's).
    fn remap(&self, old: usize) -> Option<usize> {
        let root = self.cast.merged.get(old).copied().flatten().unwrap_or(old);
        self.new_index.get(&root).copied()
    }

    /// The person a written key names, if anyone.
    pub(super) fn person(&self, key: &str) -> Option<usize> {
        self.cast.resolve(key).and_then(|d| self.remap(d))
    }

    /// Rewrites the draft indices steps 2 and 3 left in sentences and paragraphs as
    /// people indices (a short name and its full name become one person).
    pub(super) fn renumber(&self, sentences: &mut [Sentence], paragraphs: &mut [Paragraph]) {
        for s in sentences {
            let mut ps: Vec<usize> = s.people.iter().filter_map(|p| self.remap(*p)).collect();
            ps.dedup();
            s.people = ps;
        }
        for p in paragraphs {
            p.speaker = p.speaker.and_then(|d| self.remap(d));
        }
    }
}

/// The sentence that shows each person best: the first in prose that names them with a
/// few words besides (else the first in prose that names them).
pub(super) fn best_sentences(v: &View, sentences: &[Sentence], people: &mut [Person]) {
    for (i, p) in people.iter_mut().enumerate() {
        let theirs = || {
            sentences
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == SentenceKind::Prose && s.people.contains(&i))
        };
        p.first_sentence = theirs()
            .find(|(_, s)| v.unquoted(s.span).split_whitespace().count() >= 4)
            .or_else(|| theirs().next())
            .map(|(k, _)| k);
    }
}
