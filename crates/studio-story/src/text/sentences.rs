//! The first pass over prose: lines into paragraphs (blank lines between), paragraphs into
//! sentences (a stop, then a word that is not lowercase; not after `Mr.` or an initial), and
//! quoted passages marked so later steps know what is said rather than seen.
//!
//! The [`Reader`] holds what this pass finds; `fountain` extends it for screenplays.

use super::lexicon::{listed, ABBREVIATIONS};
use super::quotes::Passage;
use super::tokens::{is_cjk_stop, is_closer, is_closing_quote, is_opening_quote, is_stop, span};
use super::{Paragraph, ParagraphKind, Sentence, SentenceKind};

/// A line of the text: `[start, end)` without its line break (and without a `\r`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Line {
    start: usize,
    end: usize,
}

/// The first pass's state: the text, and what has been cut from it so far.
pub(super) struct Reader {
    pub(super) chars: Vec<char>,
    pub(super) fountain: bool,
    pub(super) paragraphs: Vec<Paragraph>,
    pub(super) sentences: Vec<Sentence>,
    /// Per char: inside quoted speech (prose) or dialogue (Fountain).
    pub(super) quoted: Vec<bool>,
    pub(super) passages: Vec<Passage>,
    /// Fountain dialogue: (start, end, paragraph) of the spoken lines under a cue.
    pub(super) dialogue_runs: Vec<(usize, usize, usize)>,
    /// Fountain cues: (paragraph, name as written).
    pub(super) cues: Vec<(usize, String)>,
    /// Fountain headings: (sentence, location name, prompt words).
    pub(super) headings: Vec<(usize, String, String)>,
}

impl Reader {
    pub(super) fn at(&self, i: usize) -> char {
        self.chars.get(i).copied().unwrap_or('\n')
    }

    pub(super) fn string(&self, a: usize, b: usize) -> String {
        self.chars.get(a..b.max(a)).unwrap_or(&[]).iter().collect()
    }

    fn lines(&self) -> Vec<Line> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, &c) in self.chars.iter().enumerate() {
            if c == '\n' || c == '\u{2029}' || c == '\u{2028}' {
                out.push(Line { start, end: i });
                start = i + 1;
            }
        }
        out.push(Line {
            start,
            end: self.chars.len(),
        });
        for l in &mut out {
            while l.end > l.start && self.at(l.end - 1) == '\r' {
                l.end -= 1;
            }
        }
        out
    }

    fn blank(&self, l: Line) -> bool {
        (l.start..l.end).all(|i| self.at(i).is_whitespace())
    }

    /// The line's `[start, end)` without surrounding whitespace.
    pub(super) fn trimmed(&self, l: Line) -> (usize, usize) {
        let mut a = l.start;
        let mut b = l.end;
        while a < b && self.at(a).is_whitespace() {
            a += 1;
        }
        while b > a && self.at(b - 1).is_whitespace() {
            b -= 1;
        }
        (a, b)
    }

    /// Splits the text into paragraphs and sentences, marks quoted speech.
    pub(super) fn split(&mut self) {
        let lines = self.lines();
        let mut blocks: Vec<Vec<Line>> = Vec::new();
        let mut cur: Vec<Line> = Vec::new();
        for l in lines {
            if self.blank(l) {
                if !cur.is_empty() {
                    blocks.push(std::mem::take(&mut cur));
                }
            } else {
                cur.push(l);
            }
        }
        if !cur.is_empty() {
            blocks.push(cur);
        }
        for (b, block) in blocks.iter().enumerate() {
            if self.fountain {
                if b == 0 && self.title_page(block) {
                    continue;
                }
                self.fountain_block(block);
            } else if let (Some(first), Some(last)) = (block.first(), block.last()) {
                let (a, _) = self.trimmed(*first);
                let (_, z) = self.trimmed(*last);
                self.prose(a, z);
            }
        }
    }

    pub(super) fn push_paragraph(&mut self, a: usize, b: usize, kind: ParagraphKind) -> usize {
        let i = self.paragraphs.len();
        let n = self.sentences.len();
        self.paragraphs.push(Paragraph {
            span: span(a, b),
            kind,
            sentences: n..n,
            speaker: None,
        });
        i
    }

    pub(super) fn push_sentence(
        &mut self,
        a: usize,
        b: usize,
        paragraph: usize,
        kind: SentenceKind,
    ) {
        if b <= a {
            return;
        }
        self.sentences.push(Sentence {
            span: span(a, b),
            paragraph,
            kind,
            place: None,
            people: Vec::new(),
            props: Vec::new(),
        });
        let n = self.sentences.len();
        if let Some(p) = self.paragraphs.get_mut(paragraph) {
            p.sentences.end = n;
        }
    }

    /// A prose paragraph `[a, b)`: its sentences and quoted passages.
    pub(super) fn prose(&mut self, a: usize, b: usize) {
        if b <= a {
            return;
        }
        let p = self.push_paragraph(a, b, ParagraphKind::Prose);
        for (s, e) in self.sentence_ranges(a, b) {
            self.push_sentence(s, e, p, SentenceKind::Prose);
        }
        self.mark_passages(a, b, p);
    }

    /// Finds quoted passages in `[a, b)` (straight quotes pair up in order; curly and
    /// guillemets open and close; one left open runs to the paragraph's end).
    fn mark_passages(&mut self, a: usize, b: usize, paragraph: usize) {
        let mut open: Option<usize> = None;
        for i in a..b {
            let c = self.at(i);
            match open {
                None if c == '"' || is_opening_quote(c) => open = Some(i),
                Some(o) if c == '"' || is_closing_quote(c) => {
                    self.passage(o, i, paragraph);
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(o) = open {
            self.passage(o, b, paragraph);
        }
    }

    fn passage(&mut self, open: usize, close: usize, paragraph: usize) {
        for i in open + 1..close {
            if let Some(q) = self.quoted.get_mut(i) {
                *q = true;
            }
        }
        self.passages.push(Passage {
            open,
            close,
            paragraph,
        });
    }

    /// Sentence ranges in `[a, b)`: a stop (`.`, `!`, `?`, `…`), any closing marks, then
    /// whitespace and a word that is not lowercase; a full stop after an abbreviation
    /// (`Mr.`) or an initial (`J.`) ends nothing. Text without a stop is a sentence too.
    pub(super) fn sentence_ranges(&self, a: usize, b: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = a;
        while start < b && self.at(start).is_whitespace() {
            start += 1;
        }
        let mut i = start;
        while i < b {
            let c = self.at(i);
            if !is_stop(c) {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < b && is_stop(self.at(j)) {
                j += 1;
            }
            let single_dot = c == '.' && j == i + 1;
            while j < b && is_closer(self.at(j)) {
                j += 1;
            }
            let mut next = j;
            while next < b && self.at(next).is_whitespace() {
                next += 1;
            }
            let ends = if is_cjk_stop(c) || next >= b {
                true
            } else if j == next {
                // No space after the stop: `3.14`, `e.g.x`, `Mr.Hale`.
                false
            } else if single_dot && self.abbreviation_before(i) {
                false
            } else {
                !self.at(next).is_lowercase()
            };
            if ends {
                out.push((start, j));
                start = next;
                i = next;
            } else {
                i = j;
            }
        }
        if start < b {
            let mut e = b;
            while e > start && self.at(e - 1).is_whitespace() {
                e -= 1;
            }
            if e > start {
                out.push((start, e));
            }
        }
        out
    }

    /// Whether the word before the full stop at `dot` is an abbreviation or an initial.
    fn abbreviation_before(&self, dot: usize) -> bool {
        let mut s = dot;
        while s > 0 && self.at(s - 1).is_alphabetic() {
            s -= 1;
        }
        if s == dot {
            return false;
        }
        let word: String = self.string(s, dot).to_lowercase();
        word.chars().count() == 1 || listed(ABBREVIATIONS, &word)
    }
}

#[cfg(test)]
mod tests {
    use crate::text::testing::read;

    fn sentences(text: &str) -> Vec<String> {
        let st = read(text);
        st.sentences.iter().map(|s| st.slice(s.span)).collect()
    }

    #[test]
    fn sentences_end_at_stops_but_not_after_abbreviations_initials_or_lowercase() {
        assert_eq!(
            sentences("Mr. Hale met Dr. Ruiz at 3.15 p.m. today. J. R. Hale waved… Then left."),
            [
                "Mr. Hale met Dr. Ruiz at 3.15 p.m. today.",
                "J. R. Hale waved…",
                "Then left."
            ]
        );
        // A quote closing after the stop belongs to its sentence; a lowercase word after
        // `?"` goes on with it.
        assert_eq!(
            sentences("\"We go now.\" Tom nodded. \"Now?\" she asked. Wait... what? Yes!"),
            [
                "\"We go now.\"",
                "Tom nodded.",
                "\"Now?\" she asked.",
                "Wait... what?",
                "Yes!"
            ]
        );
        // Offsets are chars: emoji and CJK count one each.
        let st = read("🙂 Hi. 火星。次");
        let spans: Vec<(u32, u32)> = st
            .sentences
            .iter()
            .map(|s| (s.span.start, s.span.end))
            .collect();
        assert_eq!(spans, [(0, 5), (6, 9), (9, 10)]);
        // Paragraphs: blank lines (with CRLF and spaces) split them; single breaks do not.
        let st = read("One\r\ntwo.\r\n \r\nThree.");
        assert_eq!(st.paragraphs.len(), 2);
        assert_eq!(st.slice(st.sentences[0].span), "One\r\ntwo.");
    }
}
