//! What a line or a cue is expected to cost before it is made: its usage at a natural pace, to
//! price with the catalog's list prices (the same units the provider reports afterwards).

use studio_core::{Usage, UsageKind};

/// Audio tokens a speech model bills per second of speech it returns (Gemini counts audio at
/// 25 tokens a second; `../shared/google-2026-media.md`, Part A).
pub const AUDIO_TOKENS_PER_SECOND: f64 = 25.0;

/// How long `text` takes to say at the natural pace every estimate in the studio uses.
pub fn line_seconds(text: &str) -> f64 {
    let words = text.split_whitespace().count() as f64;
    words / studio_core::SPEECH_WORDS_PER_SECOND
}

/// The expected usage of speaking `text` with `model`: its characters read (a token per four)
/// and the seconds of audio returned.
pub fn line_usage(model: &str, text: &str) -> Vec<Usage> {
    let input = text.chars().count().div_ceil(4) as u32;
    let output = (line_seconds(text) * AUDIO_TOKENS_PER_SECOND).ceil() as u32;
    vec![
        usage(model, UsageKind::SpeechInputToken, input.max(1)),
        usage(model, UsageKind::SpeechOutputToken, output.max(1)),
    ]
}

/// A music cue is one clip or song, whatever its length (the mix loops or trims it).
pub fn music_usage(model: &str, _seconds: f64) -> Vec<Usage> {
    vec![usage(model, UsageKind::MusicClip, 1)]
}

fn usage(model: &str, kind: UsageKind, quantity: u32) -> Usage {
    Usage {
        model: model.to_owned(),
        kind,
        quantity,
        resolution: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_costs_its_characters_and_its_seconds_of_audio() {
        let u = line_usage("tts", "five words said out loud");
        assert_eq!(u[0].kind, UsageKind::SpeechInputToken);
        assert_eq!(u[0].quantity, 6); // 24 characters / 4
        assert_eq!(u[1].kind, UsageKind::SpeechOutputToken);
        assert_eq!(u[1].quantity, 50); // 5 words at 2.5/s = 2 s, 25 tokens a second
    }
}
