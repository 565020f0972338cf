//! Screenplays in Fountain: a title page skipped, scene headings (which name the location),
//! transitions, and character cues with their parentheticals and dialogue. Each such line is
//! a sentence of its own so every word of a script is told by some shot; what is not one of
//! them reads as prose.

use super::sentences::{Line, Reader};
use super::tokens::title_case;
use super::{ParagraphKind, SentenceKind};

impl Reader {
    /// A Fountain title page: `Key: value` lines before the script.
    pub(super) fn title_page(&self, block: &[Line]) -> bool {
        let Some(first) = block.first() else {
            return false;
        };
        let (a, b) = self.trimmed(*first);
        let line = self.string(a, b);
        let Some((key, _)) = line.split_once(':') else {
            return false;
        };
        let key = key.trim().to_lowercase();
        matches!(
            key.as_str(),
            "title"
                | "credit"
                | "author"
                | "authors"
                | "source"
                | "draft date"
                | "date"
                | "contact"
                | "copyright"
                | "notes"
                | "revision"
        )
    }

    /// One block of a script (the lines between blank lines): a scene heading, a transition,
    /// a cue with its dialogue, or action, which reads as prose.
    pub(super) fn fountain_block(&mut self, block: &[Line]) {
        let mut rest: &[Line] = block;
        // Lines Fountain does not print: sections, synopses, notes, page breaks.
        while let Some((first, tail)) = rest.split_first() {
            let (a, b) = self.trimmed(*first);
            let line = self.string(a, b);
            if line.starts_with('#')
                || line.starts_with('=')
                || (line.starts_with("[[") && line.ends_with("]]"))
            {
                rest = tail;
            } else {
                break;
            }
        }
        let Some((first, tail)) = rest.split_first() else {
            return;
        };
        let (a, b) = self.trimmed(*first);
        let line = self.string(a, b);
        if let Some((place, words)) = heading(&line) {
            let p = self.push_paragraph(a, b, ParagraphKind::Heading);
            self.push_sentence(a, b, p, SentenceKind::Heading);
            let s = self.sentences.len().saturating_sub(1);
            self.headings.push((s, place, words));
            if !tail.is_empty() {
                self.fountain_block(tail);
            }
            return;
        }
        if tail.is_empty() && transition(&line) {
            let p = self.push_paragraph(a, b, ParagraphKind::Transition);
            self.push_sentence(a, b, p, SentenceKind::Transition);
            return;
        }
        if !tail.is_empty() {
            if let Some(name) = cue(&line) {
                self.dialogue_block(a, b, name, tail);
                return;
            }
        }
        if let Some(last) = rest.last() {
            let (_, z) = self.trimmed(*last);
            // Forced action (`!`) and centred text (`>…<`) read as prose.
            self.prose(a, z);
        }
    }

    fn dialogue_block(&mut self, a: usize, b: usize, name: String, lines: &[Line]) {
        let z = lines.last().map_or(b, |l| self.trimmed(*l).1);
        let p = self.push_paragraph(a, z, ParagraphKind::Dialogue);
        self.cues.push((p, name));
        self.push_sentence(a, b, p, SentenceKind::Cue);
        let mut run: Option<(usize, usize)> = None;
        for l in lines {
            let (s, e) = self.trimmed(*l);
            if s >= e {
                continue;
            }
            if self.at(s) == '(' {
                if let Some((rs, re)) = run.take() {
                    self.dialogue_run(rs, re, p);
                }
                self.push_sentence(s, e, p, SentenceKind::Parenthetical);
            } else {
                run = Some(match run {
                    Some((rs, _)) => (rs, e),
                    None => (s, e),
                });
            }
        }
        if let Some((rs, re)) = run {
            self.dialogue_run(rs, re, p);
        }
    }

    fn dialogue_run(&mut self, a: usize, b: usize, p: usize) {
        for (s, e) in self.sentence_ranges(a, b) {
            self.push_sentence(s, e, p, SentenceKind::Dialogue);
        }
        for i in a..b {
            if let Some(q) = self.quoted.get_mut(i) {
                *q = true;
            }
        }
        self.dialogue_runs.push((a, b, p));
    }
}

/// A Fountain scene heading: the location's name (`Lighthouse - Lamp Room`) and the
/// heading in words (`Interior, lighthouse - lamp room, night`).
fn heading(line: &str) -> Option<(String, String)> {
    let upper = line.to_uppercase();
    let forced = line.starts_with('.') && !line.starts_with("..");
    let prefixes = [
        ("INT./EXT.", "Interior and exterior"),
        ("INT/EXT.", "Interior and exterior"),
        ("INT/EXT", "Interior and exterior"),
        ("I/E.", "Interior and exterior"),
        ("I/E", "Interior and exterior"),
        ("INT.", "Interior"),
        ("EXT.", "Exterior"),
        ("EST.", "Exterior"),
        ("INT ", "Interior"),
        ("EXT ", "Exterior"),
    ];
    let (rest, kind) = if forced {
        (line.get(1..).unwrap_or(""), None)
    } else {
        let (p, kind) = prefixes.iter().find(|(p, _)| upper.starts_with(p))?;
        (line.get(p.len()..).unwrap_or(""), Some(*kind))
    };
    // A scene number (`#12#`) at the end is not the place.
    let rest = match rest.trim_end().strip_suffix('#') {
        Some(r) => r.rfind('#').and_then(|i| r.get(..i)).unwrap_or(r),
        None => rest,
    };
    let rest = rest.trim().trim_start_matches(['.', ' ']).trim();
    let mut parts: Vec<&str> = rest.split(" - ").map(str::trim).collect();
    let time = match parts.last() {
        Some(t) if parts.len() > 1 && time_of_day(t) => parts.pop(),
        _ => None,
    };
    let place = parts.join(" - ");
    if place.chars().filter(|c| c.is_alphanumeric()).count() == 0 {
        return None;
    }
    let name = if place.chars().any(char::is_lowercase) {
        place.clone()
    } else {
        place
            .split(' ')
            .map(title_case)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut words = Vec::new();
    if let Some(k) = kind {
        words.push(k.to_owned());
    }
    words.push(name.to_lowercase());
    if let Some(t) = time {
        words.push(t.to_lowercase());
    }
    Some((name, words.join(", ")))
}

fn time_of_day(t: &str) -> bool {
    let t = t.to_uppercase();
    [
        "DAY",
        "NIGHT",
        "MORNING",
        "EVENING",
        "AFTERNOON",
        "DAWN",
        "DUSK",
        "CONTINUOUS",
        "LATER",
        "MOMENTS LATER",
        "SAME",
        "SAME TIME",
        "SUNSET",
        "SUNRISE",
        "NOON",
        "MIDNIGHT",
        "LATE NIGHT",
        "EARLY MORNING",
    ]
    .contains(&t.as_str())
}

/// A Fountain transition: a line in capitals ending `TO:`, `FADE OUT.` and the like, or
/// forced with `>` (and not centred text, `>…<`).
fn transition(line: &str) -> bool {
    if line.starts_with('>') {
        return !line.ends_with('<');
    }
    let letters = line.chars().any(char::is_alphabetic);
    let caps = !line.chars().any(char::is_lowercase);
    letters
        && caps
        && (line.ends_with("TO:")
            || line == "FADE IN:"
            || line == "FADE OUT."
            || line == "FADE TO BLACK."
            || line == "THE END")
}

/// A Fountain character cue: a line in capitals (or forced with `@`), with an optional
/// extension (`(V.O.)`, `(CONT'D)`) and dual-dialogue caret: the name as written.
fn cue(line: &str) -> Option<String> {
    let forced = line.strip_prefix('@');
    let body = forced.unwrap_or(line).trim_end_matches('^').trim();
    let name = body.split('(').next().unwrap_or("").trim();
    if name.is_empty() || name.chars().count() > 40 || !name.chars().any(char::is_alphabetic) {
        return None;
    }
    if forced.is_none()
        && (name.chars().any(char::is_lowercase)
            || !name.chars().next().is_some_and(char::is_alphabetic)
            || name.ends_with(':')
            || name.ends_with('.') && !name.ends_with("JR.") && !name.ends_with("SR."))
    {
        return None;
    }
    Some(name.to_owned())
}
