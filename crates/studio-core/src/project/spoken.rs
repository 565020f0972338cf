//! What a project says aloud: how each scene's dialogue is spoken, the sound plan a render
//! carries (every line with its voice, and the music), and the preflight's lines too long for
//! their shot.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Project, Scenario};
use crate::sound::{
    default_voice, DialogueMode, LineKind, MusicCue, SoundPlan, SpokenLine, Voice, NARRATOR_VOICE,
    SPEECH_WORDS_PER_SECOND,
};

impl Project {
    /// How `scene`'s dialogue is spoken: as the scene says, else as the project does.
    pub fn dialogue_mode_of(&self, scene: &Scenario) -> DialogueMode {
        scene.dialogue_mode.unwrap_or(self.dialogue_mode)
    }

    /// The sound a render of this project makes: every line spoken in it, in scene order (a
    /// scene's narration, then its dialogue), each with the voice that speaks it, and the
    /// music (its file turned into an artifact URI by `music_file`) over the scenes it spans.
    /// None when nothing is spoken and there is no music: the render is then the clips' own
    /// sound, as every render was before sound existed (and its request is the same bytes).
    pub fn sound_plan(&self, music_file: impl FnOnce(&Path) -> String) -> Option<SoundPlan> {
        let spoken = |s: &Scenario| !s.dialogue.is_empty() || narration_of(s).is_some();
        if self.music.is_none() && !self.scenarios.iter().any(spoken) {
            return None;
        }
        let narrator = self.narrator.as_ref();
        let mut lines = Vec::new();
        for (i, scene) in self.scenarios.iter().enumerate() {
            if let Some(text) = narration_of(scene) {
                lines.push(SpokenLine {
                    scene: i,
                    kind: LineKind::Narration,
                    speaker: None,
                    voice: speech_voice(narrator).unwrap_or(NARRATOR_VOICE).to_owned(),
                    style: narrator.and_then(Voice::style).map(str::to_owned),
                    text: text.to_owned(),
                    native: false,
                });
            }
            let native = self.dialogue_mode_of(scene).is_native();
            for line in &scene.dialogue {
                let (position, voice) = self.speaker(&line.speaker);
                lines.push(SpokenLine {
                    scene: i,
                    kind: LineKind::Dialogue,
                    speaker: Some(line.speaker.clone()),
                    voice: speech_voice(voice)
                        .unwrap_or_else(|| default_voice(position))
                        .to_owned(),
                    style: voice.and_then(Voice::style).map(str::to_owned),
                    text: line.line.trim().to_owned(),
                    native,
                });
            }
        }
        let last = self.scenarios.len().saturating_sub(1);
        let index_of = |id: &Option<String>| {
            let id = id.as_ref()?;
            self.scenarios.iter().position(|s| s.id == *id)
        };
        let music = self.music.as_ref().map(|m| MusicCue {
            prompt: m.prompt.clone(),
            file: m.file.as_deref().map(music_file),
            from: index_of(&m.from).unwrap_or(0),
            to: index_of(&m.to).unwrap_or(last),
            looped: m.looped,
            fade_seconds: m.fade_seconds,
        });
        Some(SoundPlan {
            lines,
            music,
            mix: self.mix,
        })
    }

    /// The place among the characters (0 the lead, then the cast) of the one with `id`, and
    /// its voice; place 0 for an id no character has (validation refuses one).
    fn speaker(&self, id: &str) -> (usize, Option<&Voice>) {
        self.characters()
            .map(|(_, c)| c)
            .enumerate()
            .find(|(_, c)| c.id.as_deref() == Some(id))
            .map_or((0, None), |(i, c)| (i, c.voice.as_ref()))
    }

    /// The scenes whose spoken words (dialogue and narration) do not fit their length at a
    /// natural pace ([`SPEECH_WORDS_PER_SECOND`]), each with what it needs and the fix: the
    /// preflight shows them as warnings before a render is paid for.
    pub fn lines_too_long(&self) -> Vec<LineTiming> {
        self.scenarios
            .iter()
            .filter_map(|scene| {
                let texts: Vec<&str> = (narration_of(scene).into_iter())
                    .chain(scene.dialogue.iter().map(|l| l.line.as_str()))
                    .collect();
                let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
                let needed = words as f64 / SPEECH_WORDS_PER_SECOND;
                let available = scene.duration_seconds.get();
                (needed > f64::from(available)).then(|| LineTiming {
                    scene: scene.id.clone(),
                    // A hair under, so float noise (6.4 * 10 = 64.000…01) does not round up.
                    needed_seconds: (needed * 10.0 - 1e-9).ceil() / 10.0,
                    available_seconds: available,
                    fix: if texts.len() > 1 {
                        "split the shot".into()
                    } else {
                        "shorten the line".into()
                    },
                })
            })
            .collect()
    }
}

/// A scene's narration, trimmed, when it has words.
fn narration_of(scene: &Scenario) -> Option<&str> {
    (scene.narration.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty())
}

/// The speech voice `voice` names, when it names one.
fn speech_voice(voice: Option<&Voice>) -> Option<&str> {
    (voice?.speech.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A scene whose spoken words do not fit its length at a natural pace (see
/// [`Project::lines_too_long`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LineTiming {
    /// The scene's id.
    pub scene: String,
    /// Seconds its narration and dialogue take at [`SPEECH_WORDS_PER_SECOND`] (rounded up to
    /// a tenth).
    pub needed_seconds: f64,
    /// The scene's length.
    pub available_seconds: u32,
    /// What to do: "split the shot" (several lines) or "shorten the line" (one).
    pub fix: String,
}
