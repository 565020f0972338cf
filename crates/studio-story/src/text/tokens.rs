//! The text as words: which characters are quotation marks and stops, the word token
//! ([`Tok`]) every later step reads, the view the analyses read the text through ([`View`]),
//! and the small string helpers the whole crate shares (slug, normalised lines, clipped
//! prompts).
//!
//! All of it indexes through `get` so no text, however odd, can make it panic.

use studio_core::SourceSpan;

use super::lexicon::{listed, STOP, TITLES};
use super::sentences::Reader;
use super::verbs::verbish;

pub(super) fn is_opening_quote(c: char) -> bool {
    matches!(c, '“' | '„' | '«' | '「' | '『')
}

pub(super) fn is_closing_quote(c: char) -> bool {
    matches!(c, '”' | '»' | '」' | '』')
}

pub(super) fn is_any_quote_mark(c: char) -> bool {
    c == '"' || is_opening_quote(c) || is_closing_quote(c)
}

/// Closing marks a sentence's stop may be followed by, still part of the sentence.
pub(super) fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '’' | ')' | ']' | '}' | '”' | '»' | '」' | '』' | '*' | '_'
    )
}

pub(super) fn is_stop(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | '…' | '。' | '！' | '？' | '‼' | '⁇' | '⁈' | '⁉'
    )
}

/// Stops of scripts that write no space after them: a sentence ends there whatever follows.
pub(super) fn is_cjk_stop(c: char) -> bool {
    matches!(c, '。' | '！' | '？')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-')
}

/// A word of the text.
#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: String,
    pub(super) lower: String,
    /// First letter uppercase.
    pub(super) cap: bool,
    /// Every letter uppercase (and more than one letter).
    pub(super) upper: bool,
    /// Inside quoted speech or under a Fountain cue.
    pub(super) quoted: bool,
    pub(super) sentence: usize,
    /// First word of its sentence, or of a quoted passage or a parenthesis.
    pub(super) initial: bool,
}

impl Tok {
    /// The word without a possessive `'s`.
    pub(super) fn base(&self) -> &str {
        self.lower
            .strip_suffix("'s")
            .or_else(|| self.lower.strip_suffix("’s"))
            .unwrap_or(&self.lower)
    }

    pub(super) fn possessive(&self) -> bool {
        self.base().len() != self.lower.len()
    }

    /// A capitalised word that may be (part of) a name.
    pub(super) fn name_like(&self) -> bool {
        self.cap
            && self.text.chars().any(char::is_alphabetic)
            && !listed(STOP, self.base())
            && self.text.chars().count() != 1
    }

    pub(super) fn title(&self) -> bool {
        self.cap && listed(TITLES, self.base())
    }
}

/// Title case of a word written in capitals (`MARA` → `Mara`, `O'NEIL` → `O'neil`).
pub(super) fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut first = true;
    for c in word.chars() {
        if first {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        first = !c.is_alphanumeric();
        if matches!(c, '\'' | '’') {
            first = false;
        }
    }
    out
}

/// `text` with its first letter uppercase.
pub(super) fn capitalise(text: &str) -> String {
    let mut cs = text.chars();
    match cs.next() {
        Some(c) => c.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// A lowercase slug: letters and digits kept (any script), the rest as single hyphens.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// Lowercase words of `text` (letters and digits, inner apostrophes and hyphens kept).
pub fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    word_ranges(&chars, 0, chars.len())
        .into_iter()
        .map(|(a, b)| {
            chars
                .get(a..b)
                .unwrap_or(&[])
                .iter()
                .flat_map(|c| c.to_lowercase())
                .collect()
        })
        .collect()
}

/// Word spans in `chars[from..to]`.
pub(super) fn word_ranges(chars: &[char], from: usize, to: usize) -> Vec<(usize, usize)> {
    let at = |i: usize| chars.get(i).copied().unwrap_or(' ');
    let to = to.min(chars.len());
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        if is_word_char(at(i)) {
            let start = i;
            i += 1;
            while i < to
                && (is_word_char(at(i))
                    || (is_joiner(at(i)) && i + 1 < to && is_word_char(at(i + 1))))
            {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// The text normalised for comparing spoken lines: quotation marks dropped, curly
/// apostrophes straight, whitespace collapsed, trimmed.
pub fn normalise_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_any_quote_mark(c) {
            continue;
        }
        let c = match c {
            '’' | '‘' | '`' => '\'',
            c => c,
        };
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

pub(super) fn span(a: usize, b: usize) -> SourceSpan {
    SourceSpan {
        start: u32::try_from(a).unwrap_or(u32::MAX),
        end: u32::try_from(b).unwrap_or(u32::MAX),
    }
}

/// Whitespace collapsed, spaces before punctuation and orphan punctuation dropped.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        let only_punct = w.chars().all(|c| !c.is_alphanumeric());
        if only_punct {
            // `, Mara said.` after a quote was removed: keep a stop, drop the rest.
            let stop: String = w.chars().filter(|c| is_stop(*c)).collect();
            if !stop.is_empty() && !out.ends_with(|c: char| is_stop(c)) && !out.is_empty() {
                out.push_str(&stop);
            }
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    let out = out.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '(');
    capitalise(out.trim())
}

/// `text` cut to at most `max` characters at a word boundary, with `…` where it was cut: the
/// prompts both planners draw from the story (a person's description, a shot's words).
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) => cut.get(..i).unwrap_or(&cut).to_owned(),
        None => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ' ']))
}

/// The reading's text and words, for the analyses.
pub(super) struct View<'a> {
    pub(super) chars: &'a [char],
    pub(super) toks: &'a [Tok],
    pub(super) quoted: &'a [bool],
}

impl<'a> View<'a> {
    /// The lowercase words after the determiner at token `det`, in its sentence, at most
    /// `most` of them, up to the first that is capitalised, quoted, a stop word or (with
    /// `verb_ends`, after the first) verb-like, or that punctuation follows: a noun phrase
    /// (`the brass lantern`), the noun not yet chosen.
    pub(super) fn lower_phrase(&self, det: usize, most: usize, verb_ends: bool) -> Vec<&'a Tok> {
        let mut phrase: Vec<&Tok> = Vec::new();
        let Some(mut prev) = self.toks.get(det) else {
            return phrase;
        };
        let sentence = prev.sentence;
        for k in det + 1..det + 1 + most {
            let Some(w) = self.toks.get(k) else { break };
            if w.sentence != sentence
                || w.cap
                || w.quoted
                || !self.gap(prev, w).chars().all(char::is_whitespace)
                || listed(STOP, &w.lower)
                || verb_ends && verbish(&w.lower) && !phrase.is_empty()
            {
                break;
            }
            phrase.push(w);
            prev = w;
            // Stop at a word followed by punctuation.
            if (self.toks.get(k + 1))
                .is_none_or(|x| !self.gap(w, x).chars().all(char::is_whitespace))
            {
                break;
            }
        }
        phrase
    }

    pub(super) fn string(&self, a: usize, b: usize) -> String {
        self.chars.get(a..b.max(a)).unwrap_or(&[]).iter().collect()
    }

    pub(super) fn gap(&self, a: &Tok, b: &Tok) -> String {
        self.string(a.end, b.start)
    }

    /// The words from token `from` to the clause's end (punctuation), at most `max` words.
    pub(super) fn clause(&self, from: usize, max: usize) -> Option<String> {
        let first = self.toks.get(from)?;
        let mut last = first;
        for k in from + 1..from + max {
            let Some(t) = self.toks.get(k) else { break };
            if t.sentence != first.sentence || !self.gap(last, t).chars().all(char::is_whitespace) {
                break;
            }
            last = t;
        }
        let text = self.string(first.start, last.end);
        (!text.trim().is_empty()).then(|| text.trim().to_owned())
    }

    /// The span's text without quoted speech.
    pub(super) fn unquoted(&self, s: SourceSpan) -> String {
        let a = (s.start as usize).min(self.chars.len());
        let b = (s.end as usize).min(self.chars.len()).max(a);
        let text: String = (a..b)
            .filter(|i| !self.quoted.get(*i).copied().unwrap_or(false))
            .filter_map(|i| self.chars.get(i))
            .filter(|c| !is_any_quote_mark(**c))
            .collect();
        tidy(&text)
    }
}

impl Reader {
    /// The words of every sentence, in order, each with its sentence and whether it is
    /// quoted or opens its sentence.
    pub(super) fn tokens(&self) -> Vec<Tok> {
        let mut out = Vec::new();
        for (si, s) in self.sentences.iter().enumerate() {
            let (a, b) = (s.span.start as usize, s.span.end as usize);
            for (k, (ws, we)) in word_ranges(&self.chars, a, b).into_iter().enumerate() {
                let text = self.string(ws, we);
                let lower = text.to_lowercase();
                let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
                let cap = text.chars().next().is_some_and(char::is_uppercase);
                let upper = letters.len() > 1 && letters.iter().all(|c| c.is_uppercase());
                // First of the sentence, or right after an opening mark.
                let mut p = ws;
                while p > a && self.at(p - 1).is_whitespace() {
                    p -= 1;
                }
                let before = if p > a { self.at(p - 1) } else { ' ' };
                let initial = k == 0
                    || before == '('
                    || before == ':'
                    || is_opening_quote(before)
                    || (before == '"' && self.quoted.get(ws).copied().unwrap_or(false));
                out.push(Tok {
                    start: ws,
                    end: we,
                    text,
                    lower,
                    cap,
                    upper,
                    quoted: self.quoted.get(ws).copied().unwrap_or(false),
                    sentence: si,
                    initial,
                });
            }
        }
        out
    }

    pub(super) fn gap(&self, a: &Tok, b: &Tok) -> String {
        self.string(a.end, b.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_compare_without_quote_marks_or_spacing() {
        assert_eq!(normalise_line("  “It’s\n late”  "), "It's late");
        assert_eq!(slug("Dr. Hale-Smith"), "dr-hale-smith");
        assert_eq!(slug("Zoë 火"), "zoë-火");
    }
}
