//! The sound of a film: who speaks in which voice, the narrator, the music under it, and how
//! the tracks are mixed; and the plan of it a render takes ([`SoundPlan`]).
//!
//! A project holds the creator's choices ([`DialogueMode`], [`Voice`], [`Music`], [`Mix`]);
//! [`crate::Project::to_request`] turns them into a [`SoundPlan`], every line spoken in the
//! film in order with the voice that speaks it, so the engine decides nothing about voices and
//! a changed line changes that line's entry only (its speech is content-addressed by it).
//!
//! Every field is left out of the JSON when it holds its default, so project files, render
//! requests and results written before sound existed read and write to the byte as they did.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::scenario::is_false;

/// Words spoken a second at a natural pace (150 words a minute). The story planner sizes
/// shots by it, and the preflight flags lines a shot is too short to speak at it: one pace, so
/// a planned shot is never flagged for the planner's own words.
pub const SPEECH_WORDS_PER_SECOND: f64 = 2.5;

/// The 30 prebuilt voices of Google's speech models (Gemini TTS; Chirp 3 HD has the same
/// names), from `../shared/google-2026-media.md` Part A §1 "Voices" (checked 2026-12-06,
/// docs.cloud.google.com/text-to-speech/docs/chirp3-hd). They are voice names, not models: a
/// character without a chosen voice gets one of them by its place in the cast
/// ([`default_voice`]), so it speaks in the same voice in every shot and every render.
pub const PREBUILT_VOICES: [&str; 30] = [
    "Achernar",
    "Achird",
    "Algenib",
    "Algieba",
    "Alnilam",
    "Aoede",
    "Autonoe",
    "Callirrhoe",
    "Charon",
    "Despina",
    "Enceladus",
    "Erinome",
    "Fenrir",
    "Gacrux",
    "Iapetus",
    "Kore",
    "Laomedeia",
    "Leda",
    "Orus",
    "Pulcherrima",
    "Puck",
    "Rasalgethi",
    "Sadachbia",
    "Sadaltager",
    "Schedar",
    "Sulafat",
    "Umbriel",
    "Vindemiatrix",
    "Zephyr",
    "Zubenelgenubi",
];

/// The narrator's voice when the project names none: one of [`PREBUILT_VOICES`], a steady
/// low voice that no character of a cast of [`crate::MAX_CAST`] gets by default.
pub const NARRATOR_VOICE: &str = "Charon";

/// The quietest and loudest a track may be set, in dB of gain: below -60 dB a track is
/// inaudible (mute it instead), and above +12 dB the mix would clip before normalising.
pub const VOLUME_DB_RANGE: std::ops::RangeInclusive<f32> = -60.0..=12.0;

/// The longest music fade, in seconds: longer fades swallow a short film.
pub const MAX_FADE_SECONDS: f32 = 30.0;

/// The speech voice a character speaks in when it names none: picked from
/// [`PREBUILT_VOICES`] by its place among the project's characters (0 the lead, then the cast
/// in order), so the choice is the same in every render and needs no stored state.
pub fn default_voice(position: usize) -> &'static str {
    PREBUILT_VOICES[position % PREBUILT_VOICES.len()]
}

/// How a project's (or a shot's) dialogue is spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum DialogueMode {
    /// By the video model, in the clip (`Name says: line` in its prompt), lip-synced where
    /// the model makes audio. The default: what every project did before voices existed.
    #[default]
    Native,
    /// By the speech model, in the character's fixed voice, laid over a clip whose prompt asks
    /// for no speech: one consistent voice per character across shots.
    VoiceOver,
}

impl DialogueMode {
    pub fn is_native(&self) -> bool {
        *self == DialogueMode::Native
    }
}

/// A character's (or the narrator's) voice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Voice {
    /// Accent, age, timbre ("a warm, low voice with a soft Scottish accent"): composed into
    /// native speech in the clip prompt, and sent as the speech model's style.
    pub description: String,
    /// The speech model's voice name, e.g. "Kore" (one of [`PREBUILT_VOICES`], or another
    /// voice id the model accepts). None: a default chosen per character ([`default_voice`])
    /// or, for the narrator, [`NARRATOR_VOICE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub speech: Option<String>,
}

impl Voice {
    /// The description, trimmed, when there is one.
    pub fn style(&self) -> Option<&str> {
        Some(self.description.trim()).filter(|d| !d.is_empty())
    }
}

/// One track of the mix: its gain and whether it is heard.
///
/// `Eq` by hand: the gain is always a finite number (JSON has no NaN, and a project's
/// validation refuses one out of range), so equality is an equivalence.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Track {
    /// Gain in dB, within [`VOLUME_DB_RANGE`]; 0 leaves the track as made.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub volume_db: f32,
    #[serde(default, skip_serializing_if = "is_false")]
    pub mute: bool,
}

impl Eq for Track {}

impl Track {
    pub fn is_default(&self) -> bool {
        *self == Track::default()
    }
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

/// The mix of a film: its four tracks and whether captions are burned into the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Mix {
    /// The clips' own sound: effects, ambience, and natively spoken dialogue.
    #[serde(default, skip_serializing_if = "Track::is_default")]
    pub clips: Track,
    /// Dialogue spoken by the speech model (voice-over).
    #[serde(default, skip_serializing_if = "Track::is_default")]
    pub dialogue: Track,
    #[serde(default, skip_serializing_if = "Track::is_default")]
    pub narration: Track,
    #[serde(default, skip_serializing_if = "Track::is_default")]
    pub music: Track,
    /// Burns the captions into the picture (an export choice: it re-encodes the video). The
    /// soft subtitle track and the SRT/WebVTT files are written either way.
    #[serde(default, skip_serializing_if = "is_false")]
    pub burn_captions: bool,
}

impl Mix {
    pub fn is_default(&self) -> bool {
        *self == Mix::default()
    }

    /// Each track with the JSON name of its field (for validation's paths).
    pub fn tracks(&self) -> [(&'static str, &Track); 4] {
        [
            ("clips", &self.clips),
            ("dialogue", &self.dialogue),
            ("narration", &self.narration),
            ("music", &self.music),
        ]
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn default_fade() -> f32 {
    2.0
}

fn is_default_fade(v: &f32) -> bool {
    *v == default_fade()
}

/// The music under a film: made by the music model from `prompt`, or a `file` the creator
/// owns (exactly one of the two).
///
/// `R` is what the file is, as for [`crate::Character`]: a path in a project (relative to its
/// folder, the default), an artifact URI in a render's request ([`MusicCue`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Music<R = PathBuf> {
    /// What the music model is asked for ("slow ambient piano, melancholic").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub prompt: Option<String>,
    /// An audio file of the creator's (relative to the project's folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = R))]
    pub file: Option<R>,
    /// The scene (id) the music starts with; None: the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub from: Option<String>,
    /// The scene (id) the music ends with, inclusive; None: the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub to: Option<String>,
    /// Loops music shorter than its span (else it ends early); longer music is trimmed.
    #[serde(rename = "loop", default = "yes", skip_serializing_if = "is_true")]
    pub looped: bool,
    /// Fade in and out, in seconds (0 to [`MAX_FADE_SECONDS`]).
    #[serde(default = "default_fade", skip_serializing_if = "is_default_fade")]
    pub fade_seconds: f32,
}

/// `Eq` by hand: the fade is always finite (see [`Track`]).
impl<R: Eq> Eq for Music<R> {}

impl<R> Default for Music<R> {
    fn default() -> Self {
        Music {
            prompt: None,
            file: None,
            from: None,
            to: None,
            looped: true,
            fade_seconds: default_fade(),
        }
    }
}

/// The sound of a render, as its request carries it ([`crate::VideoRequest::sound`]): every
/// line spoken in the film in order, the music, and the mix. `R` is what the music file is: an
/// artifact URI (media never travels in workflow payloads).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SoundPlan<R = String> {
    /// In scene order; in a scene, its narration first, then its dialogue.
    pub lines: Vec<SpokenLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = MusicCue<R>))]
    pub music: Option<MusicCue<R>>,
    #[serde(default, skip_serializing_if = "Mix::is_default")]
    pub mix: Mix,
}

/// What a spoken line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum LineKind {
    /// A character's line.
    Dialogue,
    /// The narrator's words over a shot.
    Narration,
}

/// One line of a render's sound, with the voice that speaks it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SpokenLine {
    /// The scene it is spoken in: an index into the request's `scenarios`.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub scene: usize,
    pub kind: LineKind,
    /// The speaking character's id; None for the narrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub speaker: Option<String>,
    /// The speech model's voice name.
    pub voice: String,
    /// The voice's description, the speech model's style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub style: Option<String>,
    pub text: String,
    /// Spoken in the clip by the video model (its prompt has it): captioned only, never voiced.
    #[serde(default, skip_serializing_if = "is_false")]
    pub native: bool,
}

/// The music of a render: [`Music`] with its file as an artifact URI and its span as scene
/// indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MusicCue<R = String> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = R))]
    pub file: Option<R>,
    /// The first scene under the music (an index into the request's `scenarios`).
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub from: usize,
    /// The last scene under the music, inclusive.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub to: usize,
    #[serde(rename = "loop")]
    pub looped: bool,
    pub fade_seconds: f32,
}

/// `Eq` by hand: the fade is always finite (see [`Track`]).
impl<R: Eq> Eq for MusicCue<R> {}

/// The film's audio stems, time-aligned with it (artifact URIs): for a creator who finishes
/// the sound elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Stems {
    pub dialogue: String,
    pub narration: String,
    pub music: String,
    pub effects: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_left_out() {
        assert_eq!(serde_json::to_string(&Mix::default()).unwrap(), "{}");
        assert_eq!(
            serde_json::to_string(&Music::<PathBuf>::default()).unwrap(),
            "{}"
        );
        let m: Music = serde_json::from_str("{}").unwrap();
        assert!(m.looped);
        assert_eq!(m.fade_seconds, 2.0);
        assert_eq!(
            serde_json::to_string(&DialogueMode::VoiceOver).unwrap(),
            "\"voiceOver\""
        );
    }

    #[test]
    fn music_and_mix_round_trip_with_their_json_names() {
        let m = Music::<PathBuf> {
            prompt: Some("piano".into()),
            from: Some("a".into()),
            looped: false,
            fade_seconds: 0.5,
            ..Default::default()
        };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"prompt": "piano", "from": "a", "loop": false, "fadeSeconds": 0.5})
        );
        assert_eq!(serde_json::from_value::<Music>(json).unwrap(), m);
        let mix = Mix {
            music: Track {
                volume_db: -6.0,
                mute: false,
            },
            dialogue: Track {
                volume_db: 0.0,
                mute: true,
            },
            burn_captions: true,
            ..Default::default()
        };
        let json = serde_json::to_value(mix).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"dialogue": {"mute": true}, "music": {"volumeDb": -6.0},
                               "burnCaptions": true})
        );
        assert_eq!(serde_json::from_value::<Mix>(json).unwrap(), mix);
    }

    #[test]
    fn every_character_of_a_full_cast_has_its_own_default_voice() {
        let voices: std::collections::HashSet<_> =
            (0..crate::MAX_CAST).map(default_voice).collect();
        assert_eq!(voices.len(), crate::MAX_CAST);
        assert!(!voices.contains(NARRATOR_VOICE));
        assert!(PREBUILT_VOICES.contains(&NARRATOR_VOICE));
        assert_eq!(default_voice(30), default_voice(0));
    }
}
