//! The sound pass of a film: the clips' own sound, voice-over dialogue, narration and music
//! mixed on the film's timeline (music ducked under the voices), normalised to −14 LUFS with
//! true peak ≤ −1 dBTP, captioned, and muxed beside the stitched video, whose stream is copied
//! packet for packet: no video frame is re-encoded (unless captions are burned in, the one
//! export that must redraw the picture).
//!
//! [`mix_film`] is the whole pass: [`plan`] places the lines, [`graph`] builds the ffmpeg graph
//! that makes the stems and the mix, [`loudness`] measures and normalises, [`captions`] writes
//! SRT and WebVTT. Every file is made in a scratch directory inside the output directory and
//! renamed into place only when all of them are whole, so a failed or cancelled mix leaves
//! nothing half-written.

mod captions;
mod graph;
mod loudness;
mod plan;

pub use captions::{srt, vtt, Cue};
pub use loudness::{loudness, Loudness, LIMIT_TRUE_PEAK, TARGET_LUFS, TARGET_TRUE_PEAK};
pub use plan::{GAP, LEAD_IN};

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::MediaError;
use crate::ffmpeg::{Ffmpeg, ProbeInfo};
use crate::task::TaskCtx;
use graph::{MixGraph, PlacedLine, PlacedMusic, OUTPUTS, RATE};

/// How far the shots' lengths may add up from the video's duration (seconds).
pub const DURATION_TOLERANCE: f64 = 0.1;
/// How far from [`TARGET_LUFS`] the result may measure before it is corrected (LU).
const LOUDNESS_TOLERANCE: f64 = 0.5;
/// How many times a result off target is corrected (each a new audio encode, the video copied).
const CORRECTIONS: usize = 3;

/// Which voice track a line is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TrackKind {
    Dialogue,
    Narration,
}

/// A line of the film: dialogue or narration in shot `shot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MixLine {
    /// Index into [`MixJob::shots`].
    pub shot: usize,
    pub track: TrackKind,
    /// The words, for the captions.
    pub text: String,
    /// The speaker's display name, shown as `Name: ` before dialogue captions.
    pub speaker: Option<String>,
    /// The spoken line (a WAV from the speech model). None: a native line, spoken in the clip
    /// by the video model, captioned over its whole shot.
    pub audio: Option<PathBuf>,
}

/// The music bed: `audio` under shots `from_shot..=to_shot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MixMusic {
    pub audio: PathBuf,
    pub from_shot: usize,
    /// Inclusive.
    pub to_shot: usize,
    /// Repeat the music to fill its span (else it plays once, then silence).
    pub looped: bool,
    /// Fade in at its start and out at its end (at most half its length each).
    pub fade_seconds: f64,
}

/// A track's level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gain {
    pub volume_db: f64,
    pub mute: bool,
}

impl Default for Gain {
    fn default() -> Self {
        Gain {
            volume_db: 0.0,
            mute: false,
        }
    }
}

/// Each track's level.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gains {
    /// The clips' own sound (effects, native dialogue).
    pub clips: Gain,
    pub dialogue: Gain,
    pub narration: Gain,
    pub music: Gain,
}

/// What to mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MixJob {
    /// The stitched film: its video, and the clips' own sound (it may have no audio at all).
    pub video: PathBuf,
    /// Each shot's length in seconds, in order; they add up to the film's length.
    pub shots: Vec<f64>,
    pub lines: Vec<MixLine>,
    pub music: Option<MixMusic>,
    pub gains: Gains,
    /// Draw the captions into the picture: the one choice that re-encodes the video.
    pub burn_captions: bool,
}

/// The four stems, each a 48 kHz stereo 16-bit WAV exactly as long as the film, at its mix
/// gain, before the loudness normalisation (one gain over the whole mix, plus a limiter on its
/// peaks when it needs one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StemPaths {
    pub dialogue: PathBuf,
    pub narration: PathBuf,
    /// The music after ducking: quieter under speech, as it is heard in the film.
    pub music: PathBuf,
    /// The clips' own sound.
    pub effects: PathBuf,
}

/// What [`mix_film`] made, all in its output directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MixReport {
    /// The film: the input's video stream copied, one AAC track (stereo, 48 kHz, 192 kb/s), and
    /// the captions as a soft `mov_text` subtitle track (language `eng`) when there are any.
    pub video: PathBuf,
    pub srt: PathBuf,
    pub vtt: PathBuf,
    pub stems: StemPaths,
    /// Measured on the result's audio track.
    pub loudness: Loudness,
    /// Where each job line starts, seconds from the film's start, in the job's order.
    pub line_starts: Vec<f64>,
}

/// Why a mix cannot be made as asked. Each names what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MixProblem {
    #[error("the film has no shots")]
    NoShots,
    #[error("shot {shot} is {seconds} s long: a shot must last a positive number of seconds")]
    BadShot { shot: usize, seconds: f64 },
    #[error("line {line} is in shot {shot}, but the film has {shots} shots")]
    LineOutOfRange {
        line: usize,
        shot: usize,
        shots: usize,
    },
    #[error("the music runs from shot {from} to shot {to}, but the film has {shots} shots")]
    MusicOutOfRange {
        from: usize,
        to: usize,
        shots: usize,
    },
    #[error("{what} {path} does not exist")]
    MissingInput { what: String, path: PathBuf },
    #[error("{what} {path} has no audio stream")]
    NoAudio { what: String, path: PathBuf },
    #[error("the video {path} has no video stream")]
    NoVideo { path: PathBuf },
    #[error(
        "the shots add up to {shots:.3} s but the video is {video:.3} s long (they must agree \
         within {DURATION_TOLERANCE} s)"
    )]
    DurationMismatch { shots: f64, video: f64 },
    #[error(
        "the voiced lines take {seconds:.2} s with their pauses, longer than the {film:.2} s \
         film: shorten or drop some lines"
    )]
    LinesDoNotFit { seconds: f64, film: f64 },
    #[error("the {what} is {value}: it must be a finite number")]
    NotANumber { what: String, value: f64 },
}

/// Mixes `job` into `out_dir` (created if missing): `film.mp4`, `captions.srt`,
/// `captions.vtt` and the stems `dialogue.wav`, `narration.wav`, `music.wav`, `effects.wav`.
///
/// The video stream is copied (`-c:v copy`): the result's video packets are the input's, byte
/// for byte. Only `burn_captions` re-encodes it, to draw the captions into the picture.
pub async fn mix_film(
    ffmpeg: &Ffmpeg,
    job: &MixJob,
    out_dir: &Path,
    task: &TaskCtx,
) -> Result<MixReport, MediaError> {
    check(job)?;
    exists(&job.video, "the video").await?;
    let video = ffmpeg.probe(&job.video).await?;
    let film = film_length(job, &video)?;
    let mut voiced = Vec::with_capacity(job.lines.len());
    for (i, line) in job.lines.iter().enumerate() {
        voiced.push(match &line.audio {
            Some(path) => Some(audio_length(ffmpeg, path, &format!("line {i}'s audio")).await?),
            None => None,
        });
    }
    let music_length = match &job.music {
        Some(m) => Some(audio_length(ffmpeg, &m.audio, "the music").await?),
        None => None,
    };
    let timeline = plan::place(&job.shots, film, &job.lines, &voiced)?;
    let cues = plan::cues(&job.lines, &timeline);
    tracing::info!(
        shots = job.shots.len(),
        lines = job.lines.len(),
        film,
        music = job.music.is_some(),
        "mixing the film's sound"
    );

    tokio::fs::create_dir_all(out_dir)
        .await
        .map_err(|e| MediaError::io(format!("create {}", out_dir.display()), e))?;
    let scratch = tempfile::Builder::new()
        .prefix(".mix-")
        .tempdir_in(out_dir)
        .map_err(|e| MediaError::io(format!("a scratch directory in {}", out_dir.display()), e))?;
    let work = scratch.path();
    let srt_text = srt(&cues);
    write(&work.join("captions.srt"), &srt_text).await?;
    write(&work.join("captions.vtt"), &vtt(&cues)).await?;

    // 1. The stems and the mix, in one run.
    let samples = (film * f64::from(RATE)).round() as u64;
    let mut args: Vec<OsString> = vec!["-i".into(), job.video.clone().into()];
    let mut lines = Vec::new();
    for (i, line) in job.lines.iter().enumerate() {
        if let Some(path) = &line.audio {
            lines.push(PlacedLine {
                track: line.track,
                input: 1 + lines.len(),
                start: to_samples(timeline.spans.get(i).map_or(0.0, |s| s.0)),
            });
            args.extend(["-i".into(), path.clone().into()]);
        }
    }
    let music = match (&job.music, music_length) {
        (Some(m), Some(length)) => {
            let start = timeline
                .shot_starts
                .get(m.from_shot)
                .copied()
                .unwrap_or(0.0);
            let end = timeline
                .shot_starts
                .get(m.to_shot)
                .zip(job.shots.get(m.to_shot))
                .map_or(film, |(s, l)| s + l)
                .min(film);
            let span = to_samples(end - start);
            let length = if m.looped {
                span
            } else {
                span.min(to_samples(length))
            };
            if m.looped {
                args.extend(["-stream_loop".into(), "-1".into()]);
            }
            args.extend(["-i".into(), m.audio.clone().into()]);
            Some(PlacedMusic {
                input: 1 + lines.len(),
                start: to_samples(start),
                length,
                fade: to_samples(m.fade_seconds.max(0.0)).min(length / 2),
            })
        }
        _ => None,
    };
    let graph = MixGraph {
        samples,
        clip_audio: video.has_audio(),
        lines,
        music,
        gains: &job.gains,
    }
    .build();
    tracing::debug!(%graph, "mix graph");
    args.extend(["-filter_complex".into(), graph.into()]);
    for name in OUTPUTS {
        let (codec, file) = match name {
            "mix" => ("pcm_f32le", "mix.wav".to_owned()),
            _ => ("pcm_s16le", format!("{name}.wav")),
        };
        args.extend(os(&["-map", &format!("[{name}]"), "-c:a", codec]));
        args.extend(os(crate::ffmpeg::BITEXACT));
        args.extend(os(&["-f", "wav"]));
        args.push(work.join(file).into());
    }
    let length = Duration::from_secs_f64(film);
    let (stage, forward) = stage_of(task, 0.0, 0.4);
    ffmpeg.run(args, Some(length), &stage).await?;
    drop(stage);
    let _ = forward.await;

    // 2. Loudness, then the film, checked and corrected until it is on target.
    let mix = work.join("mix.wav");
    let mut chain = loudness::normalising_chain(ffmpeg, &mix, task).await?;
    task.report(0.55);
    let out = work.join("film.mp4");
    let subtitles = (!cues.is_empty()).then(|| work.join("captions.srt"));
    let mut measured = None;
    for round in 0..=CORRECTIONS {
        let (stage, forward) = stage_of(task, 0.55, 0.95);
        mux(
            ffmpeg,
            job,
            &mix,
            &chain,
            subtitles.as_deref(),
            &out,
            length,
            &stage,
        )
        .await?;
        drop(stage);
        let _ = forward.await;
        let got = loudness(ffmpeg, &out, task).await?;
        tracing::info!(
            round,
            lufs = got.integrated_lufs,
            true_peak = got.true_peak_dbtp,
            "the mixed film's loudness"
        );
        measured = Some(got);
        if got.on_target(LOUDNESS_TOLERANCE) {
            break;
        }
        // Off target (the AAC encode overshot, or loudnorm could not be linear): a gain to the
        // target and a limiter lower each round.
        let gain = if got.integrated_lufs > -70.0 {
            TARGET_LUFS - got.integrated_lufs
        } else {
            0.0
        };
        let ceiling = LIMIT_TRUE_PEAK - 0.5 * round as f64;
        chain = format!(
            "{chain},volume={gain:.3}dB,{}",
            loudness::true_peak_limiter(ceiling)
        );
    }
    let loudness = measured.unwrap_or(Loudness {
        integrated_lufs: f64::NAN,
        true_peak_dbtp: f64::NAN,
    });
    if !loudness.on_target(1.0) {
        tracing::warn!(
            ?loudness,
            "the film's loudness stays off target after corrections"
        );
    }

    // 3. Everything whole: into place, the film last (its presence means the mix is done).
    let report = MixReport {
        video: out_dir.join("film.mp4"),
        srt: out_dir.join("captions.srt"),
        vtt: out_dir.join("captions.vtt"),
        stems: StemPaths {
            dialogue: out_dir.join("dialogue.wav"),
            narration: out_dir.join("narration.wav"),
            music: out_dir.join("music.wav"),
            effects: out_dir.join("effects.wav"),
        },
        loudness,
        line_starts: timeline.spans.iter().map(|s| s.0).collect(),
    };
    for name in [
        "dialogue.wav",
        "narration.wav",
        "music.wav",
        "effects.wav",
        "captions.srt",
        "captions.vtt",
        "film.mp4",
    ] {
        let to = out_dir.join(name);
        tokio::fs::rename(work.join(name), &to)
            .await
            .map_err(|e| MediaError::io(format!("move {} into place", to.display()), e))?;
    }
    task.report(1.0);
    Ok(report)
}

/// Writes the film: `job.video`'s video stream copied (or, with burned captions, re-encoded
/// with them drawn in), the mix through `chain` as one AAC track, and the captions as a soft
/// `mov_text` track.
#[allow(clippy::too_many_arguments)]
async fn mux(
    ffmpeg: &Ffmpeg,
    job: &MixJob,
    mix: &Path,
    chain: &str,
    subtitles: Option<&Path>,
    out: &Path,
    length: Duration,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let mut args: Vec<OsString> = vec!["-i".into(), job.video.clone().into()];
    args.extend(["-i".into(), mix.into()]);
    if let Some(srt) = subtitles {
        args.extend(["-i".into(), srt.into()]);
    }
    let mut graph = format!("[1:a:0]{chain}[a]");
    match subtitles.filter(|_| job.burn_captions) {
        Some(srt) => {
            graph.push_str(&format!(
                ";[0:v:0]subtitles=filename={}[v]",
                filter_path(srt)?
            ));
            args.extend(os(&["-filter_complex", &graph, "-map", "[v]"]));
            args.extend(os(crate::ffmpeg::H264));
        }
        None => args.extend(os(&[
            "-filter_complex",
            &graph,
            "-map",
            "0:v:0",
            "-c:v",
            "copy",
        ])),
    }
    args.extend(os(&[
        "-map", "[a]", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
    ]));
    if subtitles.is_some() {
        args.extend(os(&["-map", "2:s:0", "-c:s", "mov_text"]));
    }
    args.extend(os(&["-movflags", "+faststart"]));
    args.extend(os(crate::ffmpeg::BITEXACT));
    if subtitles.is_some() {
        // After `-map_metadata -1`, which would otherwise leave the track without a language.
        args.extend(os(&["-metadata:s:s:0", "language=eng"]));
    }
    args.extend(os(&["-f", "mp4"]));
    args.push(out.into());
    ffmpeg.run(args, Some(length), task).await
}

/// The checks that need no file: shots, line and music indices, numbers.
fn check(job: &MixJob) -> Result<(), MixProblem> {
    if job.shots.is_empty() {
        return Err(MixProblem::NoShots);
    }
    for (shot, &seconds) in job.shots.iter().enumerate() {
        if !(seconds.is_finite() && seconds > 0.0) {
            return Err(MixProblem::BadShot { shot, seconds });
        }
    }
    let shots = job.shots.len();
    for (line, l) in job.lines.iter().enumerate() {
        if l.shot >= shots {
            return Err(MixProblem::LineOutOfRange {
                line,
                shot: l.shot,
                shots,
            });
        }
    }
    if let Some(m) = &job.music {
        if m.from_shot > m.to_shot || m.to_shot >= shots {
            return Err(MixProblem::MusicOutOfRange {
                from: m.from_shot,
                to: m.to_shot,
                shots,
            });
        }
        finite("music fade", m.fade_seconds)?;
    }
    let g = &job.gains;
    for (what, gain) in [
        ("clips' volume", g.clips),
        ("dialogue volume", g.dialogue),
        ("narration volume", g.narration),
        ("music volume", g.music),
    ] {
        finite(what, gain.volume_db)?;
    }
    Ok(())
}

fn finite(what: &str, value: f64) -> Result<(), MixProblem> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(MixProblem::NotANumber {
            what: what.into(),
            value,
        })
    }
}

/// The film's length: the video's, once the shots are known to add up to it.
fn film_length(job: &MixJob, video: &ProbeInfo) -> Result<f64, MixProblem> {
    if video.video.is_none() {
        return Err(MixProblem::NoVideo {
            path: job.video.clone(),
        });
    }
    let shots: f64 = job.shots.iter().sum();
    if (shots - video.duration).abs() > DURATION_TOLERANCE {
        return Err(MixProblem::DurationMismatch {
            shots,
            video: video.duration,
        });
    }
    Ok(video.duration)
}

/// The length of the audio at `path` (seconds); `what` names it in errors.
async fn audio_length(ffmpeg: &Ffmpeg, path: &Path, what: &str) -> Result<f64, MediaError> {
    exists(path, what).await?;
    let probe = ffmpeg.probe(path).await?;
    if !probe.has_audio() {
        return Err(MixProblem::NoAudio {
            what: what.into(),
            path: path.to_owned(),
        }
        .into());
    }
    Ok(probe.duration)
}

async fn exists(path: &Path, what: &str) -> Result<(), MixProblem> {
    match tokio::fs::metadata(path).await {
        Ok(m) if m.is_file() => Ok(()),
        _ => Err(MixProblem::MissingInput {
            what: what.into(),
            path: path.to_owned(),
        }),
    }
}

fn to_samples(seconds: f64) -> u64 {
    (seconds.max(0.0) * f64::from(RATE)).round() as u64
}

async fn write(path: &Path, text: &str) -> Result<(), MediaError> {
    tokio::fs::write(path, text)
        .await
        .map_err(|e| MediaError::io(format!("write {}", path.display()), e))
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// `path` as the value of a filter option inside a filter graph: escaped once for the option
/// (`\ ' :`) and once more for the graph (`\ ' [ ] , ;`), as ffmpeg's filtergraph syntax
/// requires, so any directory name reads as a name.
fn filter_path(path: &Path) -> Result<String, MediaError> {
    let abs = std::path::absolute(path)
        .map_err(|e| MediaError::io(format!("the captions {}", path.display()), e))?;
    let text = abs.to_str().ok_or_else(|| MediaError::Artifact {
        uri: abs.display().to_string(),
        message: "captions to burn in need a UTF-8 path".into(),
    })?;
    let escape = |s: &str, special: &[char]| {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if special.contains(&c) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    };
    let option = escape(text, &['\\', '\'', ':']);
    Ok(escape(&option, &['\\', '\'', '[', ']', ',', ';']))
}

/// A task for one stage of the pass, whose progress is forwarded to `task` as the part
/// `from..to` of the whole. The forwarder ends when the stage's task is dropped.
fn stage_of(task: &TaskCtx, from: f32, to: f32) -> (TaskCtx, tokio::task::JoinHandle<()>) {
    let stage = TaskCtx::new(task.cancel.clone(), None);
    let mut rx = stage.subscribe();
    let task = task.clone();
    let forward = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let f = rx.borrow().fraction;
            task.report(from + (to - from) * f);
        }
    });
    (stage, forward)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_paths_survive_graph_syntax() {
        assert_eq!(
            filter_path(Path::new("/a b/it's:[x],y;z/c.srt")).unwrap(),
            r"/a b/it\\\'s\\:\[x\]\,y\;z/c.srt"
        );
    }
}
