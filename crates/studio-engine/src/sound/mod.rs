//! The film's sound (engine 4 jobs): every voice-over line spoken by the speech model, the music
//! cue made or taken from the creator's file, then one mix laid under the finished picture.
//!
//! Lines and music are paid work like clips: each is an activity, content-addressed in the
//! artifact cache ([`crate::cache::speech_key`], [`crate::cache::music_key`]), so a line
//! already spoken in the same voice is never paid for again, and changing one line re-voices
//! that line only. Before anything is spoken, one local activity ([`SoundQuery`]) asks the cache
//! which lines and music it has and prices the rest at the catalog's list prices: history
//! records the answer, so the workflow decides what to schedule and what to reserve from
//! recorded values only. The mix ([`MixInput`]) re-encodes no video frame: it is redone from the
//! same picture whenever a line, the music or a volume changes.

mod activities;
pub mod cut;

use serde::{Deserialize, Serialize};
use studio_core::{Mix, MusicCue, Span, SpokenLine, Stems, Usage, Usd};

pub use activities::SoundActivities;

/// Input of `prepareSound` (a local activity): the lines to voice and the music to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoundQuery {
    /// The voice-over lines of the job, in its plan's order (native lines are not voiced).
    pub lines: Vec<SpokenLine>,
    /// The music to make from a prompt, if the job has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub music: Option<MusicInput>,
    /// Whether to ask the cache at all (the job's `useCache`); when not, everything is made.
    pub recall: bool,
}

/// What the cache has of a job's sound, and what the rest costs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoundHits {
    /// Per line of the query, in its order: the cache's audio, or None (to be spoken).
    pub lines: Vec<Option<AudioOutput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub music: Option<AudioOutput>,
    /// The list price of what is left to make (zero offline, or where the table has no price).
    #[serde(default)]
    pub cost: Usd,
}

/// Input of `speakLine`: one line in one voice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeakInput {
    pub line: SpokenLine,
    /// Take the cache's audio when it has it (the job's `useCache`).
    pub recall: bool,
}

/// A spoken line or a music cue: its audio (an artifact; the mix measures its length) and what
/// it cost (nothing when the cache had it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioOutput {
    pub audio_url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<Usage>,
    /// What `usage` cost at the catalog's list prices on the worker that made it, recorded so
    /// the job's spend never depends on a later release's price table.
    #[serde(default)]
    pub cost: Usd,
}

impl AudioOutput {
    /// Audio the cache had: nothing paid.
    pub fn cached(audio_url: String) -> Self {
        AudioOutput {
            audio_url,
            usage: Vec::new(),
            cost: Usd::ZERO,
        }
    }
}

/// Input of `makeMusic`: a cue from a prompt, as long as the span it lies under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MusicInput {
    pub prompt: String,
    pub seconds: f64,
    /// Take the cache's audio when it has it (the job's `useCache`); not part of its key.
    pub recall: bool,
}

/// One line as the mix takes it: the plan's line, its speaker's name (for captions) and its
/// audio (None for a native line: spoken in the clip, captioned over its shot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MixLineInput {
    pub line: SpokenLine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_url: Option<String>,
}

/// Input of `mixSound`: the finished picture, the clips it was stitched from (their lengths
/// place every line in its shot), the lines, the music and the volumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MixInput {
    pub video_url: String,
    pub clip_urls: Vec<String>,
    pub lines: Vec<MixLineInput>,
    /// The cue (its span and fades) and its audio, made or the creator's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub music: Option<(MusicCue, String)>,
    pub mix: Mix,
    /// Where the cut put each shot on the picture (engine 5 jobs with a cut): lines are
    /// placed by these instead of the clips' lengths end to end ([`cut::pieces`]). Absent
    /// otherwise, as in every earlier job's input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spans: Option<Vec<Span>>,
}

/// The mixed film, its captions and stems, and its measured loudness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MixOutput {
    pub video_url: String,
    pub captions_url: String,
    pub captions_vtt_url: String,
    pub stems: Stems,
    pub loudness_lufs: f64,
    pub true_peak_dbtp: f64,
}

/// What speaking `lines` (the voice-over ones) with `speech_model` and making a cue with
/// `music_model` is expected to use, by the catalog's rates: each line's words and style read,
/// its words said at the studio's natural pace. Nothing for a model the table does not know.
pub fn estimate_usage(
    lines: &[SpokenLine],
    speech_model: &str,
    music_model: Option<&str>,
) -> Vec<Usage> {
    let catalog = studio_catalog::Catalog::builtin();
    let mut usage = Vec::new();
    for line in lines.iter().filter(|l| !l.native) {
        let chars =
            line.text.chars().count() + line.style.as_deref().map_or(0, |s| s.chars().count());
        let seconds =
            line.text.split_whitespace().count() as f64 / studio_core::SPEECH_WORDS_PER_SECOND;
        if let Some(u) = catalog.speech_estimate(speech_model, chars, seconds) {
            Usage::merge(&mut usage, u);
        }
    }
    if let Some(model) = music_model {
        Usage::merge(&mut usage, studio_catalog::music_usage(model));
    }
    usage
}
