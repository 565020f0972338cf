//! Offline music: a synthesised bed, so a film's music track is real sound without a key.
//!
//! A slow pad of chords (three voices and a bass, sine tones) in a key and progression chosen
//! from the prompt, crossfaded chord into chord by two layers whose sin² envelopes always sum
//! to one (no clicks, steady level), detuned a little between the ears for width, softened by a
//! low-pass and a short echo, faded in and out. ffmpeg's `aevalsrc` renders it: deterministic
//! from the prompt and the length, 48 kHz stereo 16-bit WAV, as long as asked.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::digest;
use crate::error::{ErrorClass, MediaError};
use crate::ffmpeg::Ffmpeg;
use crate::provider::MusicRequest;
use crate::task::TaskCtx;

/// The music bed's sample rate and layout: the mix's own.
pub const MUSIC_SAMPLE_RATE: u32 = 48_000;

/// The longest bed made offline (an hour; a film's music is laid in cues far shorter).
const MAX_SECONDS: f64 = 3600.0;

/// Progressions as scale degrees (semitones of each chord's root above the key, and whether
/// the chord is minor): bright ones for most prompts, darker ones when the prompt asks.
const BRIGHT: [[(i32, bool); 4]; 3] = [
    [(0, false), (7, false), (9, true), (5, false)], // I V vi IV
    [(0, false), (9, true), (5, false), (7, false)], // I vi IV V
    [(9, true), (5, false), (0, false), (7, false)], // vi IV I V
];
const DARK: [[(i32, bool); 4]; 2] = [
    [(0, true), (8, false), (3, false), (10, false)], // i VI III VII
    [(0, true), (5, true), (8, false), (7, false)],   // i iv VI V
];

/// How a bed sounds: its key (MIDI note of the bass root), progression and seconds per chord.
#[derive(Debug, Clone, PartialEq)]
pub struct Bed {
    pub root: i32,
    pub chords: [(i32, bool); 4],
    pub chord_seconds: f64,
}

impl Bed {
    /// The bed for a prompt: mood words pick a dark or bright progression and a slow or quick
    /// harmonic pace; the prompt's digest picks the key and which progression.
    pub fn of(prompt: &str) -> Bed {
        let p = prompt.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| p.contains(w));
        let d = digest(&["offline music", prompt]);
        let chords = if has(&[
            "sad",
            "dark",
            "tense",
            "melanchol",
            "ominous",
            "night",
            "grief",
        ]) {
            DARK[usize::from(d[1]) % DARK.len()]
        } else {
            BRIGHT[usize::from(d[1]) % BRIGHT.len()]
        };
        let chord_seconds = if has(&["fast", "upbeat", "action", "chase", "energetic"]) {
            2.0
        } else if has(&["slow", "calm", "ambient", "gentle", "quiet"]) {
            6.0
        } else {
            4.0
        };
        Bed {
            // A2 (45) to G#3 (56): a bass low enough to sit under speech.
            root: 45 + i32::from(d[0] % 12),
            chords,
            chord_seconds,
        }
    }

    /// The notes of chord `i` (MIDI): the bass root, and a triad an octave up.
    fn notes(&self, i: usize) -> [i32; 4] {
        let (degree, minor) = self.chords[i % self.chords.len()];
        let r = self.root + degree;
        [r, r + 12, r + 12 + if minor { 3 } else { 4 }, r + 19]
    }

    /// `aevalsrc`'s expression for one channel (`detune` scales every frequency).
    fn channel(&self, detune: f64) -> String {
        let l = self.chord_seconds;
        let n = self.chords.len();
        let chord = |i: usize| {
            let [bass, a, b, c] = self.notes(i);
            let sine = |m: i32, amp: f64| {
                let hz = 440.0 * 2f64.powf(f64::from(m - 69) / 12.0) * detune;
                format!("{amp}*sin(2*PI*{hz:.4}*t)")
            };
            format!(
                "{}+{}+{}+{}",
                sine(bass, 0.16),
                sine(a, 0.09),
                sine(b, 0.08),
                sine(c, 0.07)
            )
        };
        // Layer A changes chord on multiples of L, layer B half a chord earlier; their sin²
        // envelopes sum to one, so each chord swells in as the last one fades.
        // Nested `if`s: ffmpeg evaluates only the branch taken, so each sample computes one
        // chord per layer, not all of them (a quarter of the work).
        let layer = |offset: f64| {
            let index = format!("mod(floor((t+{offset})/{l}),{n})");
            let env = format!("pow(sin(PI*mod(t+{offset},{l})/{l}),2)");
            let mut pick = format!("({})", chord(n - 1));
            for i in (0..n - 1).rev() {
                pick = format!("if(eq({index},{i}),{},{pick})", chord(i));
            }
            format!("{env}*{pick}")
        };
        format!("{}+{}", layer(0.0), layer(l / 2.0))
    }

    /// The filter graph of a bed `seconds` long, ending in `[a]`.
    fn graph(&self, seconds: f64) -> String {
        let fade = (seconds / 4.0).min(2.0);
        let out_at = (seconds - fade).max(0.0);
        // aevalsrc makes whole frames of 1,024 samples and the echo rings on: trimmed to the
        // exact length.
        let samples = (seconds * f64::from(MUSIC_SAMPLE_RATE)).round() as u64;
        format!(
            "aevalsrc='{}|{}':s={MUSIC_SAMPLE_RATE}:d={seconds}:c=stereo,\
             lowpass=f=2600,aecho=0.8:0.6:90:0.25,atrim=end_sample={samples},\
             afade=t=in:d={fade},afade=t=out:st={out_at}:d={fade},\
             aformat=sample_fmts=s16:sample_rates={MUSIC_SAMPLE_RATE}:channel_layouts=stereo[a]",
            self.channel(1.0),
            self.channel(1.003)
        )
    }
}

fn refused(message: String) -> MediaError {
    MediaError::Provider {
        provider: "offline".into(),
        class: ErrorClass::InvalidInput,
        message,
        retry_after: None,
    }
}

/// Writes a bed for `req` to `out`: a 48 kHz stereo 16-bit WAV exactly `req.seconds` long.
pub(crate) async fn make_bed(
    ffmpeg: &Ffmpeg,
    req: &MusicRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    if !(req.seconds.is_finite() && req.seconds > 0.0 && req.seconds <= MAX_SECONDS) {
        return Err(refused(format!(
            "music of {} s cannot be made: ask for more than 0 and at most {MAX_SECONDS} s",
            req.seconds
        )));
    }
    // Whole milliseconds: the same request always gives the same samples.
    let seconds = (req.seconds * 1000.0).round() / 1000.0;
    let graph = Bed::of(&req.prompt).graph(seconds);
    let mut args: Vec<OsString> = ["-filter_complex", &graph, "-map", "[a]"]
        .map(OsString::from)
        .to_vec();
    args.extend(
        [
            "-c:a",
            "pcm_s16le",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-flags",
            "+bitexact",
            "-f",
            "wav",
        ]
        .map(OsString::from),
    );
    args.push(out.into());
    ffmpeg
        .run(args, Some(Duration::from_secs_f64(seconds)), task)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_sets_the_mood_and_the_same_prompt_the_same_bed() {
        let bright = Bed::of("a warm morning in the bakery");
        assert_eq!(bright, Bed::of("a warm morning in the bakery"));
        assert!(BRIGHT.contains(&bright.chords));
        assert!(DARK.contains(&Bed::of("a tense night chase").chords));
        assert_eq!(Bed::of("a tense night chase").chord_seconds, 2.0);
        assert_eq!(Bed::of("calm sea").chord_seconds, 6.0);
        assert!((45..57).contains(&bright.root));
        // Chords are a bass and a triad above it.
        let [bass, a, _, c] = bright.notes(0);
        assert_eq!((a - bass, c - a), (12, 7));
    }
}
