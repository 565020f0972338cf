//! Captions as SubRip (SRT) and WebVTT text: the same cues, two timestamp styles.

use serde::{Deserialize, Serialize};

/// One caption: `text` shown from `start` to `end` (seconds from the film's start). Dialogue
/// reads `Name: words`; narration reads as its words alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cue {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// `cues` as an SRT file: numbered from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, a blank line after
/// each. Empty lines inside a cue's text are dropped (a blank line ends a cue in SRT).
pub fn srt(cues: &[Cue]) -> String {
    let mut out = String::new();
    for (i, cue) in cues.iter().enumerate() {
        let (start, end) = millis(cue);
        out.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            i + 1,
            stamp(start, ','),
            stamp(end, ','),
            lines(&cue.text).join("\n")
        ));
    }
    out
}

/// `cues` as a WebVTT file. The text is escaped as WebVTT requires (`&`, `<`, `>`), so a line
/// reading `a <b> c` or `-->` shows as written instead of becoming markup or a timing line.
pub fn vtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for (i, cue) in cues.iter().enumerate() {
        let (start, end) = millis(cue);
        let text: Vec<String> = lines(&cue.text)
            .iter()
            .map(|l| {
                l.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            })
            .collect();
        out.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            i + 1,
            stamp(start, '.'),
            stamp(end, '.'),
            text.join("\n")
        ));
    }
    out
}

/// The cue's times in whole milliseconds, the end at least 1 ms after the start (players drop
/// a cue that ends where it starts); negative or non-finite times read as 0.
fn millis(cue: &Cue) -> (u64, u64) {
    let ms = |s: f64| {
        if s.is_finite() && s > 0.0 {
            (s * 1000.0).round() as u64
        } else {
            0
        }
    };
    let start = ms(cue.start);
    (start, ms(cue.end).max(start + 1))
}

/// The non-blank lines of a cue's text, trimmed; a cue with none shows a single space so the
/// cue still parses.
fn lines(text: &str) -> Vec<String> {
    let out: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if out.is_empty() {
        vec![" ".to_owned()]
    } else {
        out
    }
}

/// `HH:MM:SS<sep>mmm`.
fn stamp(ms: u64, sep: char) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(start: f64, end: f64, text: &str) -> Cue {
        Cue {
            start,
            end,
            text: text.into(),
        }
    }

    #[test]
    fn srt_numbers_cues_with_comma_milliseconds() {
        let cues = [
            cue(0.25, 2.5004, "Mara: Someone is out there."),
            cue(3661.0, 3662.9996, "The tide turned.\n\nAt last."),
        ];
        assert_eq!(
            srt(&cues),
            "1\n00:00:00,250 --> 00:00:02,500\nMara: Someone is out there.\n\n\
             2\n01:01:01,000 --> 01:01:03,000\nThe tide turned.\nAt last.\n\n"
        );
    }

    #[test]
    fn vtt_has_its_header_dots_and_escapes_markup() {
        let cues = [cue(1.0, 1.0, "a <b> & c --> d")];
        assert_eq!(
            vtt(&cues),
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:01.001\na &lt;b&gt; &amp; c --&gt; d\n\n"
        );
        assert_eq!(vtt(&[]), "WEBVTT\n\n");
        assert_eq!(srt(&[]), "");
    }

    #[test]
    fn odd_times_and_empty_text_still_make_a_cue() {
        assert_eq!(
            srt(&[cue(f64::NAN, -1.0, "  ")]),
            "1\n00:00:00,000 --> 00:00:00,001\n \n\n"
        );
    }
}
