//! Planning an edited story again without losing the creator's work.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use similar::DiffOp;
use studio_core::{Character, Project, Scenario, SourceSpan, Story};

use crate::text::Ids;
use crate::Plan;

/// What planning again does to one shot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ShotChange {
    /// Kept as it is: its words did not change (its span moved with the text around it).
    Kept { id: String },
    /// Kept because the creator changed it by hand, though its words changed.
    KeptEdited { id: String, words_changed: bool },
    /// Planned anew for changed words, replacing the shots listed.
    Replanned { id: String, replaces: Vec<String> },
    /// New words, a new shot.
    Added { id: String },
    /// Its words are gone from the story.
    Removed { id: String },
}

/// A proposed re-plan: the project as it would be, and what changed, for the creator to see
/// before applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Replan {
    pub project: Project,
    pub changes: Vec<ShotChange>,
}

/// Plans `story` again for `old`: shots whose words are unchanged are kept (their spans moved
/// to the new text), hand-edited shots are kept, and only the changed passages take shots of
/// `fresh` (a plan of the whole new story, from any planner).
///
/// The old story and the new are compared word by word (whitespace is not a word: rewrapping a
/// paragraph changes nothing). Every old shot is then:
/// - unchanged words, not edited: [`ShotChange::Kept`], its span moved;
/// - edited by hand: [`ShotChange::KeptEdited`], its span mapped to what is left of its words
///   (none left: no span, a shot of the creator's own);
/// - changed words: replaced by the shots of `fresh` that tell the new words
///   ([`ShotChange::Replanned`]), or [`ShotChange::Removed`] when none do.
///
/// `fresh` shots telling text no kept shot tells are taken (their spans cut back where they
/// run into a kept shot), as [`ShotChange::Added`] when they replace nothing. Characters and
/// elements: `old`'s, plus those of `fresh` the new shots name (matched to `old`'s by id, then
/// by name). Shots are in story order; old ids are kept, new ones are `shot-N` past the
/// highest old number.
pub fn replan(old: &Project, story: Story, fresh: Plan) -> Replan {
    let old_text = old.story.as_ref().map_or("", |s| s.text.as_str());
    let diff = Diff::new(old_text, &story.text);

    // 1. Old shots: kept (with their new span) or changed (with where their words went).
    let mut sorting = Sorting::default();
    sorting.place_old_shots(old, &diff);

    // 2. Fresh shots for the words no kept shot tells.
    let taken = sorting.take_fresh(old, &diff, &fresh);

    // 3. The cast and elements the new shots need, matched to the old ones.
    let mut project = old.clone();
    let renames = adopt(&mut project, &fresh, &taken);
    let (shots, changes) = sorting.finish(taken, &renames);
    project.scenarios = shots;
    project.story = Some(story);
    tracing::debug!(
        shots = project.scenarios.len(),
        changes = changes.len(),
        "planned again"
    );
    Replan { project, changes }
}

/// The result of [`replan`] as it is sorted out: every shot and change carries an order
/// key, a span's start shifted past the sequence numbers plus the old order, so the
/// result reads in story order with old shots' relative order kept.
#[derive(Default)]
struct Sorting {
    placed: Vec<Placed>,
    changes: Vec<(u64, ShotChange)>,
    /// Old shots not kept: id, where their words went (if anywhere), order key.
    changed: Vec<(String, Option<SourceSpan>, u64)>,
}

impl Sorting {
    /// Step 1 of [`replan`], per old shot in order. A shot without a span goes where the
    /// shot before it went.
    fn place_old_shots(&mut self, old: &Project, diff: &Diff) {
        let mut last_at: u64 = 0;
        for (seq, shot) in (1_u64..).zip(&old.scenarios) {
            last_at = self.place_old(seq, shot, diff, last_at);
        }
    }

    /// An old shot whose words are unchanged is kept (its span moved, its fingerprint
    /// renewed); one edited by hand is kept whatever happened to its words (the creator's
    /// work is never thrown away, only flagged); any other is changed, to be replaced or
    /// removed. Returns the order key the next shot follows.
    fn place_old(&mut self, seq: u64, shot: &Scenario, diff: &Diff, last_at: u64) -> u64 {
        let mut last_at = last_at;
        let edited = shot.edited_by_hand();
        let mapped = shot.source.map(|s| diff.map(s));
        let at = |span: Option<SourceSpan>, last_at: u64| {
            span.map_or(last_at, |s| u64::from(s.start) << 20) + seq
        };
        match mapped {
            Some(Mapped::Same(span)) if !edited => {
                let mut kept = shot.clone();
                kept.source = Some(span);
                kept.planned = Some(kept.plan_fingerprint());
                last_at = at(Some(span), last_at);
                self.changes.push((
                    last_at,
                    ShotChange::Kept {
                        id: shot.id.clone(),
                    },
                ));
                self.placed.push(Placed::old(last_at, kept));
            }
            _ if edited => {
                let (span, words_changed) = match mapped {
                    Some(Mapped::Same(span)) => (Some(span), false),
                    Some(Mapped::Changed(span)) => (span, true),
                    None => (None, false),
                };
                let mut kept = shot.clone();
                kept.source = span;
                last_at = at(span, last_at);
                self.changes.push((
                    last_at,
                    ShotChange::KeptEdited {
                        id: shot.id.clone(),
                        words_changed,
                    },
                ));
                self.placed.push(Placed::old(last_at, kept));
            }
            Some(Mapped::Same(span)) | Some(Mapped::Changed(Some(span))) => {
                last_at = at(Some(span), last_at);
                self.changed.push((shot.id.clone(), Some(span), last_at));
            }
            Some(Mapped::Changed(None)) | None => {
                self.changed
                    .push((shot.id.clone(), None, at(None, last_at)));
            }
        }
        last_at
    }

    /// Step 2 of [`replan`]: the fresh shots telling words no kept shot tells, cut back
    /// where they run into a kept shot, with new ids. A fresh shot over a changed old
    /// shot's words replaces it; a changed shot nothing replaces is removed. Returns the
    /// shots taken, in the order their places were pushed.
    fn take_fresh(&mut self, old: &Project, diff: &Diff, fresh: &Plan) -> Vec<Scenario> {
        let kept_spans: Vec<SourceSpan> = (self.placed.iter())
            .filter_map(|p| p.shot.as_ref().and_then(|s| s.source))
            .collect();
        let mut ids = FreshIds::new(old);
        let mut replaced: HashSet<String> = HashSet::new();
        let mut taken: Vec<Scenario> = Vec::new();
        for f in &fresh.shots {
            let Some(span) = f.source else { continue };
            if !diff.untold(span, &kept_spans) {
                continue;
            }
            let Some(span) = diff.clip(span, &kept_spans) else {
                continue;
            };
            let mut shot = f.clone();
            shot.source = Some(span);
            let replaces: Vec<String> = (self.changed.iter())
                .filter(|(_, s, _)| s.is_some_and(|s| s.overlaps(span)))
                .map(|(id, _, _)| id.clone())
                .collect();
            replaced.extend(replaces.iter().cloned());
            let id = ids.next();
            shot.id = id.clone();
            // After any old shot starting at the same offset.
            let at = (u64::from(span.start) << 20) + (1 << 19);
            self.changes.push((
                at,
                if replaces.is_empty() {
                    ShotChange::Added { id }
                } else {
                    ShotChange::Replanned { id, replaces }
                },
            ));
            taken.push(shot);
            self.placed.push(Placed { at, shot: None });
        }
        for (id, _, at) in &self.changed {
            if !replaced.contains(id) {
                self.changes
                    .push((*at, ShotChange::Removed { id: id.clone() }));
            }
        }
        taken
    }

    /// Step 3 of [`replan`]: the shots and changes in order. The fresh shots fill their
    /// places with the cast and elements renamed to the result's ids, and are
    /// fingerprinted as planned.
    fn finish(self, taken: Vec<Scenario>, renames: &Renames) -> (Vec<Scenario>, Vec<ShotChange>) {
        let Sorting {
            placed,
            mut changes,
            ..
        } = self;
        let mut taken = taken.into_iter();
        let mut shots: Vec<(u64, Scenario)> = Vec::new();
        for p in placed {
            match p.shot {
                Some(s) => shots.push((p.at, s)),
                None => {
                    if let Some(mut s) = taken.next() {
                        renames.apply(&mut s);
                        s.planned = Some(s.plan_fingerprint());
                        shots.push((p.at, s));
                    }
                }
            }
        }
        shots.sort_by_key(|(at, _)| *at);
        changes.sort_by_key(|(at, _)| *at);
        (
            shots.into_iter().map(|(_, s)| s).collect(),
            changes.into_iter().map(|(_, c)| c).collect(),
        )
    }
}

/// Ids for fresh shots: `shot-N` past the highest old number, never one an old shot has
/// (an old id may not follow the pattern).
struct FreshIds {
    next_number: u64,
    used: HashSet<String>,
}

impl FreshIds {
    fn new(old: &Project) -> FreshIds {
        let next_number = (old.scenarios.iter())
            .filter_map(|s| {
                s.id.strip_prefix("shot-")
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .max()
            .unwrap_or(0)
            + 1;
        let used = old.scenarios.iter().map(|s| s.id.clone()).collect();
        FreshIds { next_number, used }
    }

    fn next(&mut self) -> String {
        loop {
            let id = format!("shot-{}", self.next_number);
            self.next_number += 1;
            if self.used.insert(id.clone()) {
                return id;
            }
        }
    }
}

/// A shot in the result, by where it goes (old shots are in it already; fresh ones are filled
/// in after their cast is matched).
struct Placed {
    at: u64,
    shot: Option<Scenario>,
}

impl Placed {
    fn old(at: u64, shot: Scenario) -> Placed {
        Placed {
            at,
            shot: Some(shot),
        }
    }
}

/// Ids of `fresh`'s characters and elements as the result names them.
#[derive(Default)]
struct Renames {
    characters: HashMap<String, String>,
    elements: HashMap<String, String>,
}

impl Renames {
    fn apply(&self, s: &mut Scenario) {
        let c = |id: &mut String| {
            if let Some(to) = self.characters.get(id) {
                to.clone_into(id);
            }
        };
        s.cast.iter_mut().for_each(c);
        s.dialogue.iter_mut().for_each(|l| c(&mut l.speaker));
        let e = |id: &mut String| {
            if let Some(to) = self.elements.get(id) {
                to.clone_into(id);
            }
        };
        if let Some(l) = s.location.as_mut() {
            e(l);
        }
        s.props.iter_mut().for_each(e);
    }
}

/// Adds to `project` the characters and elements of `fresh` that `shots` name and it lacks;
/// one it has (same id, or same name) is used instead.
fn adopt(project: &mut Project, fresh: &Plan, shots: &[Scenario]) -> Renames {
    let mut renames = Renames::default();
    let mut ids = Ids::default();
    for (_, c) in project.characters() {
        if let Some(id) = &c.id {
            ids.take(id);
        }
    }
    for e in &project.elements {
        ids.take(&e.id);
    }
    adopt_characters(project, fresh, shots, &mut ids, &mut renames);
    adopt_elements(project, fresh, shots, &mut ids, &mut renames);
    renames
}

/// The characters of `fresh` that `shots` cast or give lines to: an old character of the
/// same id or name stands for one (an unnamed lead takes its id); any other joins the
/// cast with an id unique in `project`.
fn adopt_characters(
    project: &mut Project,
    fresh: &Plan,
    shots: &[Scenario],
    ids: &mut Ids,
    renames: &mut Renames,
) {
    let needed: HashSet<&str> = shots
        .iter()
        .flat_map(|s| {
            (s.cast.iter().map(String::as_str)).chain(s.dialogue.iter().map(|l| l.speaker.as_str()))
        })
        .collect();
    for c in &fresh.characters {
        let Some(id) = c.id.as_deref() else { continue };
        if !needed.contains(id) {
            continue;
        }
        let same = |o: &Character| {
            o.id.as_deref() == Some(id) || o.name.trim().eq_ignore_ascii_case(c.name.trim())
        };
        let existing = project
            .characters()
            .find(|(_, o)| same(o))
            .map(|(_, o)| o.id.clone());
        match existing {
            Some(Some(old_id)) => {
                renames.characters.insert(id.to_owned(), old_id);
            }
            Some(None) => {
                // The lead of a one-character project has no id yet: it gets this one.
                let new_id = ids.unique(id, "character");
                if let Some(o) = std::iter::once(&mut project.character)
                    .chain(project.cast.iter_mut())
                    .find(|o| o.id.is_none() && o.name.trim().eq_ignore_ascii_case(c.name.trim()))
                {
                    o.id = Some(new_id.clone());
                }
                renames.characters.insert(id.to_owned(), new_id);
            }
            None => {
                let new_id = ids.unique(id, "character");
                let mut added = c.clone();
                added.id = Some(new_id.clone());
                project.cast.push(added);
                renames.characters.insert(id.to_owned(), new_id);
            }
        }
    }
}

/// The elements of `fresh` that `shots` use as location or prop: an old one of the same
/// kind and id or name stands for one; any other is added with an id unique in `project`.
fn adopt_elements(
    project: &mut Project,
    fresh: &Plan,
    shots: &[Scenario],
    ids: &mut Ids,
    renames: &mut Renames,
) {
    let needed: HashSet<&str> = shots
        .iter()
        .flat_map(|s| {
            (s.location.iter().map(String::as_str)).chain(s.props.iter().map(String::as_str))
        })
        .collect();
    for e in &fresh.elements {
        if !needed.contains(e.id.as_str()) {
            continue;
        }
        let existing = project.elements.iter().find(|o| {
            o.kind == e.kind && (o.id == e.id || o.name.trim().eq_ignore_ascii_case(e.name.trim()))
        });
        match existing {
            Some(o) => {
                renames.elements.insert(e.id.clone(), o.id.clone());
            }
            None => {
                let new_id = ids.unique(&e.id, "element");
                let mut added = e.clone();
                added.id = new_id.clone();
                project.elements.push(added);
                renames.elements.insert(e.id.clone(), new_id);
            }
        }
    }
}

/// Where an old span's words are in the new text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mapped {
    /// The same words, here.
    Same(SourceSpan),
    /// Changed words: what is left of them (and what replaced them) is here; None when
    /// nothing is left.
    Changed(Option<SourceSpan>),
}

/// A word, or a single mark of punctuation, with its span in chars.
#[derive(Debug, Clone)]
struct Token {
    start: u32,
    end: u32,
    text: String,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word: Option<(u32, String)> = None;
    let mut i: u32 = 0;
    for c in text.chars() {
        if c.is_alphanumeric() {
            match word.as_mut() {
                Some((_, w)) => w.push(c),
                None => word = Some((i, c.to_string())),
            }
        } else {
            if let Some((start, w)) = word.take() {
                out.push(Token {
                    start,
                    end: i,
                    text: w,
                });
            }
            if !c.is_whitespace() {
                out.push(Token {
                    start: i,
                    end: i + 1,
                    text: c.to_string(),
                });
            }
        }
        i = i.saturating_add(1);
    }
    if let Some((start, w)) = word {
        out.push(Token {
            start,
            end: i,
            text: w,
        });
    }
    out
}

/// The old text compared with the new, word by word.
struct Diff {
    old: Vec<Token>,
    new: Vec<Token>,
    /// For each old token: the new token it is (None: deleted or replaced).
    same: Vec<Option<usize>>,
    /// Replacements and insertions: (old tokens `[a, b)`, new tokens `[c, d)`).
    edits: Vec<(usize, usize, usize, usize)>,
}

/// Past this, the comparison settles for a longer (still correct) difference: a story
/// rewritten from end to end need not be compared word by word for minutes.
const DIFF_DEADLINE: Duration = Duration::from_secs(2);

impl Diff {
    fn new(old_text: &str, new_text: &str) -> Diff {
        let old = tokens(old_text);
        let new = tokens(new_text);
        let a: Vec<&str> = old.iter().map(|t| t.text.as_str()).collect();
        let b: Vec<&str> = new.iter().map(|t| t.text.as_str()).collect();
        let ops = similar::capture_diff_slices_deadline(
            similar::Algorithm::Myers,
            &a,
            &b,
            Instant::now().checked_add(DIFF_DEADLINE),
        );
        let mut same = vec![None; old.len()];
        let mut edits = Vec::new();
        for op in ops {
            match op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for k in 0..len {
                        if let Some(s) = same.get_mut(old_index + k) {
                            *s = Some(new_index + k);
                        }
                    }
                }
                DiffOp::Delete {
                    old_index,
                    old_len,
                    new_index,
                } => edits.push((old_index, old_index + old_len, new_index, new_index)),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => edits.push((old_index, old_index, new_index, new_index + new_len)),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => edits.push((
                    old_index,
                    old_index + old_len,
                    new_index,
                    new_index + new_len,
                )),
            }
        }
        Diff {
            old,
            new,
            same,
            edits,
        }
    }

    /// Old tokens `[a, b)` that `span` overlaps.
    fn old_range(&self, span: SourceSpan) -> (usize, usize) {
        let a = self.old.partition_point(|t| t.end <= span.start);
        let b = self.old.partition_point(|t| t.start < span.end);
        (a, b.max(a))
    }

    fn new_span(&self, a: usize, b_inclusive: usize) -> Option<SourceSpan> {
        let s = self.new.get(a)?;
        let e = self.new.get(b_inclusive)?;
        (s.start < e.end).then_some(SourceSpan {
            start: s.start,
            end: e.end,
        })
    }

    /// Where `span`'s words went.
    fn map(&self, span: SourceSpan) -> Mapped {
        let (a, b) = self.old_range(span);
        if a >= b {
            return Mapped::Changed(None);
        }
        let images: Vec<Option<usize>> = (a..b)
            .map(|k| self.same.get(k).copied().flatten())
            .collect();
        let all_same = images.iter().all(Option::is_some);
        // An insertion strictly inside the span changes its words too.
        let inserted_inside = self
            .edits
            .iter()
            .any(|(oa, ob, _, _)| oa == ob && *oa > a && *oa < b);
        if all_same && !inserted_inside {
            let first = images.first().copied().flatten();
            let last = images.last().copied().flatten();
            if let (Some(f), Some(l)) = (first, last) {
                if let Some(s) = self.new_span(f, l) {
                    return Mapped::Same(s);
                }
            }
        }
        // What is left of the words, and what replaced words wholly inside the span.
        let mut lo: Option<usize> = None;
        let mut hi: Option<usize> = None;
        let mut take = |k: usize| {
            lo = Some(lo.map_or(k, |x| x.min(k)));
            hi = Some(hi.map_or(k, |x| x.max(k)));
        };
        images.iter().flatten().for_each(|k| take(*k));
        for (oa, ob, na, nb) in &self.edits {
            let inside = *oa >= a && *ob <= b && (oa < ob || (*oa > a && *oa < b));
            if inside && na < nb {
                take(*na);
                take(nb - 1);
            }
        }
        match (lo, hi) {
            (Some(l), Some(h)) => Mapped::Changed(self.new_span(l, h)),
            _ => Mapped::Changed(None),
        }
    }

    /// Whether `span` (new text) has a word no kept shot tells.
    fn untold(&self, span: SourceSpan, kept: &[SourceSpan]) -> bool {
        let a = self.new.partition_point(|t| t.end <= span.start);
        self.new
            .iter()
            .skip(a)
            .take_while(|t| t.start < span.end)
            .any(|t| {
                let w = SourceSpan {
                    start: t.start,
                    end: t.end,
                };
                !kept.iter().any(|k| k.contains(w))
            })
    }

    /// `span` cut back where a kept shot's words begin or end inside it (to whole words).
    fn clip(&self, span: SourceSpan, kept: &[SourceSpan]) -> Option<SourceSpan> {
        let mut s = span;
        for k in kept {
            if k.start <= s.start && s.start < k.end {
                s.start = k.end;
            }
            if k.start < s.end && s.end <= k.end {
                s.end = k.start;
            }
        }
        // To the first and last word inside.
        let a = self.new.partition_point(|t| t.end <= s.start);
        let first = self
            .new
            .get(a)
            .filter(|t| t.start >= s.start && t.end <= s.end)?;
        let b = self.new.partition_point(|t| t.start < s.end);
        let last = b.checked_sub(1).and_then(|i| self.new.get(i))?;
        let out = SourceSpan {
            start: first.start,
            end: last.end.min(s.end),
        };
        (!out.is_empty()).then_some(out)
    }
}
