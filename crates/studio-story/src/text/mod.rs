//! The story as the planners and the check read it: sentences, paragraphs, quotes and names,
//! each with its span in Unicode scalar values.
//!
//! One reading ([`StoryText::read`]) serves the offline planner, the check and the model's
//! numbered sentences, so all three agree on what a sentence is, which words are spoken and
//! by whom. The reading is heuristic (prose has no grammar here, only patterns), so it leans
//! conservative: a name it does not recognise costs a character prompt, but a name it invents
//! would make the planner unfaithful.
//!
//! Offsets are `char` indices into the story text, `end` exclusive, as
//! [`studio_core::SourceSpan`] defines them. Every access to the text goes through bounds-checked
//! helpers: any input (empty, emoji, CRLF, unbalanced quotes) reads without a panic.
//!
//! The reading runs in two passes, each part in its own module. The first cuts the text:
//! `sentences` splits prose into paragraphs and sentences and marks quoted speech, and
//! `fountain` does the same for a screenplay's elements (headings, transitions, cues and
//! dialogue). The second reads the words: `tokens` turns sentences into words, `names` finds
//! the runs of capitals that name someone, `cast` makes them people (short names merged into
//! full ones, the lead first), `quotes` says who speaks each quoted line, and `places` finds
//! the locations and props. `lexicon` and `verbs` hold the word lists those heuristics lean on.
//!
//! This module holds what the rest of the crate uses (the types below, [`StoryText::read`] and
//! a few word helpers) and the order the steps run in.

mod cast;
mod fountain;
mod lexicon;
mod names;
mod places;
mod quotes;
mod sentences;
mod tokens;
mod verbs;

use std::collections::HashSet;
use std::ops::Range;

use studio_core::{ElementKind, SourceSpan, Story, StoryFormat};

use self::cast::{best_sentences, Roster};
use self::names::Analysis;
use self::quotes::{gather_quotes, Said};
use self::sentences::Reader;
use self::tokens::{Tok, View};

pub use self::quotes::without_speech_tags;
pub(crate) use self::tokens::clip;
pub use self::tokens::{normalise_line, slug, words};
pub use self::verbs::is_motion;

/// What a paragraph is: prose (or Fountain action), or one of Fountain's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParagraphKind {
    Prose,
    /// A Fountain scene heading (`INT. LIGHTHOUSE - NIGHT`): it names the location.
    Heading,
    /// A Fountain transition (`CUT TO:`).
    Transition,
    /// A Fountain character cue with its parentheticals and dialogue.
    Dialogue,
}

/// What a sentence is: in prose every sentence is [`SentenceKind::Prose`]; Fountain's lines
/// that are not prose are sentences of their own so every word of a script is told by a shot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentenceKind {
    Prose,
    Heading,
    Transition,
    /// A character cue line (`MARA (V.O.)`).
    Cue,
    /// A parenthetical under a cue (`(quietly)`).
    Parenthetical,
    /// Spoken words under a cue.
    Dialogue,
}

/// A block of text between blank lines (in Fountain, one element of the script).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub span: SourceSpan,
    pub kind: ParagraphKind,
    /// Indices into [`StoryText::sentences`].
    pub sentences: Range<usize>,
    /// For a dialogue block: the index of its speaker in [`StoryText::people`].
    pub speaker: Option<usize>,
}

/// One sentence (or one Fountain line that is not prose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub span: SourceSpan,
    pub paragraph: usize,
    pub kind: SentenceKind,
    /// The location in effect (an index into [`StoryText::elements`]): the last one a
    /// scene heading or the prose (`into the lighthouse`) named.
    pub place: Option<usize>,
    /// People named in it outside quoted speech, in order, each once.
    pub people: Vec<usize>,
    /// Props named in it outside quoted speech.
    pub props: Vec<usize>,
}

/// The part of a quoted passage (or of a Fountain dialogue) inside one sentence: the unit the
/// check holds a plan to. A passage that runs over several sentences is several quotes with
/// the same speaker, so a long speech can be split between shots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The spoken words, without the quotation marks and without a trailing comma (which
    /// belongs to the attribution, `"…," Mara said`).
    pub span: SourceSpan,
    pub text: String,
    pub sentence: usize,
    /// The speaker the text gives (an index into [`StoryText::people`]): from `"…," Mara said`,
    /// `Mara said, "…"`, `Mara: "…"`, `"…" said Mara`, a pronoun after one named person in
    /// the same paragraph, or a Fountain cue. The check holds a plan to it.
    pub speaker: Option<usize>,
    /// A likelier-than-not speaker where the text does not say (the paragraph's only
    /// speaker, the person of the sentence before): used to plan, never to check.
    pub likely: Option<usize>,
}

/// A character the story names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// As the text writes it (`Mara`; a Fountain cue `MARA` reads `Mara`).
    pub name: String,
    /// Lowercase slug, unique among people and elements.
    pub id: String,
    /// Lowercase forms the text names them by (`mara voss`, `mara`).
    pub keys: Vec<String>,
    pub mentions: usize,
    /// Offset of the first mention.
    pub first: u32,
    /// What the text says of them (`a lighthouse keeper with grey hair`), in story order.
    pub descriptions: Vec<String>,
    /// The first sentence naming them outside speech (for a prompt when nothing describes
    /// them).
    pub first_sentence: Option<usize>,
}

/// A location or a prop the story names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thing {
    pub kind: ElementKind,
    pub name: String,
    /// Lowercase slug, unique among people and elements.
    pub id: String,
    /// The lowercase word (or words) that name it in the text.
    pub key: String,
    /// What the text says of it.
    pub prompt: String,
}

/// A story, read.
#[derive(Debug, Clone)]
pub struct StoryText {
    chars: Vec<char>,
    /// Per char: inside quoted speech or Fountain dialogue.
    quoted: Vec<bool>,
    pub paragraphs: Vec<Paragraph>,
    pub sentences: Vec<Sentence>,
    pub quotes: Vec<Quote>,
    /// Characters, the lead (most mentioned) first, then in order of appearance.
    pub people: Vec<Person>,
    /// Locations, then props, in order of appearance.
    pub elements: Vec<Thing>,
}

impl StoryText {
    /// Reads `story` (never panics, whatever the text).
    pub fn read(story: &Story) -> StoryText {
        let chars: Vec<char> = story.text.chars().collect();
        let mut reader = Reader {
            chars,
            fountain: story.format == StoryFormat::Fountain,
            paragraphs: Vec::new(),
            sentences: Vec::new(),
            quoted: Vec::new(),
            passages: Vec::new(),
            dialogue_runs: Vec::new(),
            cues: Vec::new(),
            headings: Vec::new(),
        };
        reader.quoted = vec![false; reader.chars.len()];
        reader.split();
        reader.finish()
    }

    /// The text of `span` (out-of-range parts cut off).
    pub fn slice(&self, span: SourceSpan) -> String {
        let a = (span.start as usize).min(self.chars.len());
        let b = (span.end as usize).min(self.chars.len()).max(a);
        self.chars.get(a..b).unwrap_or(&[]).iter().collect()
    }

    /// The story's length in `char`s.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The text of `span` with quoted speech left out (what is seen rather than said).
    pub fn unquoted(&self, span: SourceSpan) -> String {
        View {
            chars: &self.chars,
            toks: &[],
            quoted: &self.quoted,
        }
        .unquoted(span)
    }

    /// Whether offset `at` lies in quoted speech (or Fountain dialogue).
    pub fn is_quoted(&self, at: u32) -> bool {
        self.quoted.get(at as usize).copied().unwrap_or(false)
    }

    /// The index of the person `name` names (case-insensitive, by any of their forms).
    pub fn person_named(&self, name: &str) -> Option<usize> {
        let key = words(name).join(" ");
        self.people.iter().position(|p| p.keys.contains(&key))
    }

    /// The index of the sentence that holds offset `at`.
    pub fn sentence_at(&self, at: u32) -> Option<usize> {
        let i = self.sentences.partition_point(|s| s.span.end <= at);
        self.sentences
            .get(i)
            .filter(|s| s.span.start <= at && at < s.span.end)
            .map(|_| i)
    }
}

impl Reader {
    /// The second pass, once the text is cut: its words, the runs of them that may be names,
    /// then what they say.
    fn finish(self) -> StoryText {
        let toks = self.tokens();
        let analysis = Analysis::new(&self, &toks);
        analysis.into_story(self, &toks)
    }
}

impl Analysis {
    /// Turns the reading into a [`StoryText`]. The steps run in this order because each
    /// needs the ones before: who says what, who the people are, where they are named,
    /// their final order (which renumbers them), the quotes with their speakers, then the
    /// places and props (whose ids come after the people's).
    fn into_story(self, r: Reader, toks: &[Tok]) -> StoryText {
        let Reader {
            chars,
            mut paragraphs,
            mut sentences,
            quoted,
            passages,
            cues,
            headings,
            ..
        } = r;
        let view = View {
            chars: &chars,
            toks,
            quoted: &quoted,
        };

        // 1. Who says what, as written.
        let said: Vec<Said> = passages
            .iter()
            .map(|p| self.attribution(&view, p, &passages))
            .collect();

        // 2. People: cues, speakers, and names that act.
        let mut cast = self.gather_people(&view, &paragraphs, &cues, &passages, &said);

        // 3. Mentions, per sentence, and descriptions.
        self.count_mentions(&view, &mut cast, &mut sentences);
        cast.mark_cue_speakers(&cues, &mut paragraphs, &mut sentences);

        // 4. Order: the lead (most mentioned, then first) first, then by appearance.
        let mut ids = Ids::default();
        let (roster, mut people) = Roster::order(cast, &mut ids);
        roster.renumber(&mut sentences, &mut paragraphs);

        // 5. Quotes, piece by piece, with their speakers.
        let quotes = gather_quotes(&view, &passages, &said, &paragraphs, &sentences, &roster);

        // 6. Places and props.
        let elements = self.places_and_props(&view, &headings, &mut sentences, &roster, &mut ids);
        best_sentences(&view, &sentences, &mut people);
        StoryText {
            chars,
            quoted,
            paragraphs,
            sentences,
            quotes,
            people,
            elements,
        }
    }
}

/// Ids unique among a plan's people and elements.
#[derive(Default)]
pub(crate) struct Ids {
    used: HashSet<String>,
}

impl Ids {
    /// `base` (or `fallback` when it is empty), with `-2`, `-3`… until unused.
    pub(crate) fn unique(&mut self, base: &str, fallback: &str) -> String {
        let base = if base.is_empty() { fallback } else { base };
        let mut id = base.to_owned();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        id
    }

    /// Marks `id` as used.
    pub(crate) fn take(&mut self, id: &str) {
        self.used.insert(id.to_owned());
    }
}

/// What the parts' tests share.
#[cfg(test)]
mod testing {
    use studio_core::{Story, StoryFormat};

    use super::StoryText;

    /// `text` read as plain prose.
    pub(super) fn read(text: &str) -> StoryText {
        StoryText::read(&Story {
            text: text.into(),
            format: StoryFormat::Plain,
            accepted: Vec::new(),
        })
    }
}
