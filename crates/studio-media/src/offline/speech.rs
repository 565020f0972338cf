//! Offline speech: real words spoken by espeak-ng (a Debian package `scripts/setup.sh`
//! installs), so voice-over, narration and captions are tested end to end with real sound and
//! no key.
//!
//! A voice name maps to an espeak-ng variant and pitch deterministically: the table's prebuilt
//! voices (models.toml) each get their own (variant, pitch) pair, so two characters with two
//! voices never sound alike; any other name (an extended or designed voice id) is hashed onto
//! the same grid. espeak-ng writes 22.05 kHz; ffmpeg resamples to the 24 kHz mono 16-bit WAV a
//! speech model answers with, so everything after the provider sees one format.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::digest;
use crate::error::{ErrorClass, MediaError};
use crate::ffmpeg::Ffmpeg;
use crate::provider::SpeechRequest;
use crate::task::TaskCtx;

/// Sample rate of the speech written (Google's speech models answer at 24 kHz).
pub const SPEECH_SAMPLE_RATE: u32 = 24_000;

/// espeak-ng's voice variants (female `f1`-`f5`, male `m1`-`m7`), as espeak-ng 1.51 ships them.
const VARIANTS: [&str; 12] = [
    "f1", "m1", "f2", "m2", "f3", "m3", "f4", "m4", "f5", "m5", "m6", "m7",
];

/// Pitches (espeak-ng's 0-99 scale) layered over the variants: 3 x 12 = 36 distinct voices.
const PITCHES: [u8; 3] = [50, 32, 68];

/// Words per minute of a neutral delivery, and how much a slow or a lively style moves it.
const SPEED_WPM: u16 = 160;
const SPEED_STEP: u16 = 25;

/// The espeak-ng program: `STUDIO_ESPEAK` overrides the PATH lookup of `espeak-ng`.
pub(crate) fn espeak_program() -> PathBuf {
    std::env::var_os("STUDIO_ESPEAK")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("espeak-ng"))
}

/// How espeak-ng says a voice: `en-us+<variant>`, a pitch and a speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EspeakVoice {
    pub variant: &'static str,
    /// 0-99.
    pub pitch: u8,
    /// Words per minute.
    pub speed: u16,
}

impl EspeakVoice {
    /// The voice for a speech-model voice name and style. The table's prebuilt voices take the
    /// grid's cells in the table's order (all distinct); other names are hashed onto it.
    pub fn of(voice: &str, style: Option<&str>) -> EspeakVoice {
        let voice = voice.trim();
        let cells = VARIANTS.len() * PITCHES.len();
        let cell = studio_catalog::Catalog::builtin()
            .speech_voice_index(voice)
            .unwrap_or_else(|| {
                let d = digest(&["offline voice", voice]);
                usize::from(u16::from_be_bytes([d[0], d[1]]))
            })
            % cells;
        EspeakVoice {
            variant: VARIANTS[cell % VARIANTS.len()],
            pitch: PITCHES[cell / VARIANTS.len()],
            speed: speed_of(style),
        }
    }

    fn args(&self) -> Vec<String> {
        vec![
            "-v".into(),
            format!("en-us+{}", self.variant),
            "-p".into(),
            self.pitch.to_string(),
            "-s".into(),
            self.speed.to_string(),
        ]
    }
}

/// A style that asks for a slow or a lively delivery moves the speed; anything else is neutral.
fn speed_of(style: Option<&str>) -> u16 {
    let style = style.unwrap_or_default().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| style.contains(w));
    if has(&["slow", "calm", "tired", "sad", "gentle", "soft"]) {
        SPEED_WPM - SPEED_STEP
    } else if has(&["fast", "excited", "urgent", "hurried", "lively", "cheerful"]) {
        SPEED_WPM + SPEED_STEP
    } else {
        SPEED_WPM
    }
}

/// The words to speak: the speech models' inline tags (`<laugh>`, `[sigh]`) dropped, since
/// espeak-ng would read them out, and white space collapsed.
pub fn spoken_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut closing: Option<char> = None;
    for c in text.chars() {
        match (closing, c) {
            (None, '<') => closing = Some('>'),
            (None, '[') => closing = Some(']'),
            (Some(end), c) if c == end => {
                closing = None;
                out.push(' ');
            }
            (Some(_), _) => {}
            (None, c) => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn refused(message: String) -> MediaError {
    MediaError::Provider {
        provider: "offline".into(),
        class: ErrorClass::InvalidInput,
        message,
        retry_after: None,
    }
}

/// Speaks `req` into `out` (24 kHz mono s16le WAV): espeak-ng into a scratch WAV beside `out`,
/// then ffmpeg's resample. Cancelling kills espeak-ng (and ffmpeg) at once.
pub(crate) async fn speak(
    ffmpeg: &Ffmpeg,
    espeak: &Path,
    req: &SpeechRequest,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let text = spoken_text(&req.text);
    if text.is_empty() {
        return Err(refused(format!(
            "there are no words to speak in {:?}",
            req.text
        )));
    }
    let voice = EspeakVoice::of(&req.voice, req.style.as_deref());
    let raw = out.with_extension("espeak.wav");
    let spoken = run_espeak(espeak, &voice, &text, &raw, task).await;
    let result = match spoken {
        Ok(()) => {
            let mut args: Vec<OsString> = vec!["-i".into(), raw.clone().into()];
            let rate = SPEECH_SAMPLE_RATE.to_string();
            args.extend(
                [
                    "-map",
                    "0:a:0",
                    "-ac",
                    "1",
                    "-ar",
                    &rate,
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
            ffmpeg.run(args, None, task).await
        }
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&raw).await;
    result
}

/// Runs espeak-ng on `text` (given on stdin, so no word can be read as an option), writing a
/// WAV to `wav`.
async fn run_espeak(
    program: &Path,
    voice: &EspeakVoice,
    text: &str,
    wav: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let mut cmd = Command::new(program);
    cmd.args(voice.args())
        .args(["-b", "1", "--stdin", "-w"])
        .arg(wav)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    crate::process::die_with_parent(cmd.as_std_mut());
    tracing::debug!(program = %program.display(), ?voice, "running espeak-ng");
    let mut child = cmd.spawn().map_err(|e| MediaError::Tool {
        program: program.display().to_string(),
        status: "not started".into(),
        stderr: format!(
            "{e}: install espeak-ng (Debian/Ubuntu: sudo apt install espeak-ng) or set \
             STUDIO_ESPEAK, to speak offline"
        ),
    })?;
    let mut stdin = child.stdin.take().ok_or_else(|| MediaError::Tool {
        program: "espeak-ng".into(),
        status: "no stdin".into(),
        stderr: String::new(),
    })?;
    let words = format!("{text}\n");
    let run = async {
        stdin
            .write_all(words.as_bytes())
            .await
            .map_err(|e| MediaError::io("write the words to espeak-ng", e))?;
        drop(stdin);
        child
            .wait_with_output()
            .await
            .map_err(|e| MediaError::io("wait for espeak-ng", e))
    };
    let output = tokio::select! {
        r = run => r?,
        _ = task.cancel.cancelled() => {
            tracing::info!("espeak-ng killed on cancellation");
            return Err(MediaError::Cancelled);
        }
    };
    if !output.status.success() {
        return Err(MediaError::Tool {
            program: "espeak-ng".into(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_prebuilt_voice_sounds_its_own_and_others_are_hashed_onto_the_grid() {
        let catalog = studio_catalog::Catalog::builtin();
        let voices = catalog.speech_voices();
        assert!(voices.len() >= 30, "{voices:?}");
        let settings: HashSet<(&str, u8)> = voices
            .iter()
            .map(|v| {
                let e = EspeakVoice::of(v, None);
                (e.variant, e.pitch)
            })
            .collect();
        assert_eq!(
            settings.len(),
            voices.len(),
            "two prebuilt voices sound alike"
        );
        // Deterministic, and an unknown id still gets a voice.
        assert_eq!(
            EspeakVoice::of("ext_custom_17", None),
            EspeakVoice::of("ext_custom_17", None)
        );
        assert!(VARIANTS.contains(&EspeakVoice::of("ext_custom_17", None).variant));
    }

    #[test]
    fn styles_move_the_speed_and_tags_are_not_read_out() {
        assert!(speed_of(Some("Calm and slow")) < speed_of(None));
        assert!(speed_of(Some("excited")) > speed_of(None));
        assert_eq!(
            spoken_text("Not too bad <laugh>, you? [sigh]  Fine."),
            "Not too bad , you? Fine."
        );
        assert_eq!(spoken_text("<whispers>"), "");
    }
}
