//! The ffmpeg runs of a cut: encoding a run of fragments (a join piece, or the whole film),
//! the film's sound, cutting whole GOPs out of a clip by stream copy where they cannot be read
//! straight from it, and muxing the copied and encoded pieces with the sound.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::facts::Gops;
use super::graph::{self, AudioPiece, Shape, VideoInput};
use super::timeline::{to_seconds, Fragment, Source};
use crate::error::MediaError;
use crate::ffmpeg::{local_input, Ffmpeg, BITEXACT, H264};
use crate::task::TaskCtx;

/// AAC as the stitch encodes it.
const AAC: &[&str] = &["-c:a", "aac", "-b:a", "128k"];

/// One source of the film's pieces: a shot's clip or a title card made here.
pub(super) struct Src {
    pub path: PathBuf,
    pub source: Source,
    pub fps: (u32, u32),
    pub size: (u32, u32),
    pub audio: bool,
    /// Where its whole GOPs can be read and its keyframes sought exactly.
    pub gops: Gops,
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// A task for one stage of the cut, its progress forwarded to `task` as the part `from..to`.
pub(super) fn stage(task: &TaskCtx, from: f32, to: f32) -> (TaskCtx, tokio::task::JoinHandle<()>) {
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

/// Runs ffmpeg as the stage `from..to` of `task`.
async fn run_stage(
    ff: &Ffmpeg,
    args: Vec<OsString>,
    seconds: f64,
    task: &TaskCtx,
    (from, to): (f32, f32),
) -> Result<(), MediaError> {
    if task.is_cancelled() {
        return Err(MediaError::Cancelled);
    }
    let (st, forward) = stage(task, from, to);
    let result = ff
        .run(args, Some(Duration::from_secs_f64(seconds.max(0.001))), &st)
        .await;
    drop(st);
    let _ = forward.await;
    result
}

/// The frames a run of fragments encodes to: their lengths less the overlaps of their joins.
pub(super) fn encoded_len(frags: &[Fragment]) -> u64 {
    frags
        .iter()
        .map(|f| f.len() - f.join.map_or(0, |j| j.frames))
        .sum()
}

/// Adds one input per fragment of `frags` to `args` (ffmpeg inputs `first` onwards) and
/// returns the graph joining them into `[{out}]`, each brought to its shape. Each input is
/// seeked to the keyframe at or before its fragment's first frame when its source has the
/// film's rate: exactly onto it (`-noaccurate_seek`, nothing before it decoded) where the
/// clip's packets allow, else half a frame before it (the GOP before decoded and dropped).
/// `decoder` options go before each input.
#[allow(clippy::too_many_arguments)]
fn video_inputs(
    frags: &[Fragment],
    srcs: &[&Src],
    fps: (u32, u32),
    shapes: &[Shape],
    (first, out): (usize, &str),
    decoder: &[&str],
    args: &mut Vec<OsString>,
) -> Result<(String, usize), MediaError> {
    let mut inputs = Vec::with_capacity(frags.len());
    for f in frags {
        let Some(src) = srcs.get(f.item) else {
            continue;
        };
        args.extend(os(decoder));
        let seek = match src.fps == fps {
            true => (src.source.keyframes.iter().copied())
                .filter(|&key| key <= f.from)
                .max()
                .unwrap_or(0),
            false => 0,
        };
        match src.gops.seek(seek, fps) {
            _ if seek == 0 => {}
            Some(at) => args.extend(os(&["-ss", &format!("{at:.6}"), "-noaccurate_seek"])),
            None => {
                let at = (seek as f64 - 0.5) * f64::from(fps.1) / f64::from(fps.0);
                args.extend(os(&["-ss", &format!("{at:.6}")]));
            }
        }
        args.push("-i".into());
        args.push(local_input(&src.path)?);
        inputs.push(VideoInput {
            input: first + inputs.len(),
            seek,
            fragment: *f,
            shape: shapes.get(f.item).copied().unwrap_or(Shape::Own),
            size: src.size,
        });
    }
    Ok((graph::video(&inputs, fps, out), inputs.len()))
}

/// The studio's H.264 at `fps` (and the MP4 options) for the output `out`.
fn video_output(fps: (u32, u32), args: &mut Vec<OsString>) {
    args.extend(os(&["-r", &format!("{}/{}", fps.0, fps.1)]));
    args.extend(os(H264));
}

/// The MP4 options ending an output's arguments, and the output `out`.
fn mp4_output(out: &Path, args: &mut Vec<OsString>) {
    args.extend(os(&["-movflags", "+faststart"]));
    args.extend(os(BITEXACT));
    args.extend(os(&["-f", "mp4"]));
    args.push(out.into());
}

/// Encodes `frags` (item k's source is `srcs[k]`) into `out` at `fps`, each brought to its
/// shape (see [`video_inputs`]); with `audio`, the film's whole sound too (a full render in
/// one run).
#[allow(clippy::too_many_arguments)]
pub(super) async fn encode(
    ff: &Ffmpeg,
    frags: &[Fragment],
    srcs: &[&Src],
    fps: (u32, u32),
    shapes: &[Shape],
    audio: Option<&[(Option<PathBuf>, AudioPiece)]>,
    out: &Path,
    task: &TaskCtx,
    range: (f32, f32),
) -> Result<(), MediaError> {
    let mut args: Vec<OsString> = Vec::new();
    let (mut filter, inputs) = video_inputs(frags, srcs, fps, shapes, (0, "v"), &[], &mut args)?;
    if let Some(audio) = audio {
        filter.push(';');
        filter.push_str(&audio_inputs(audio, inputs, &mut args)?);
    }
    tracing::debug!(%filter, "cut graph");
    args.extend(os(&["-filter_complex", &filter, "-map", "[v]"]));
    video_output(fps, &mut args);
    if audio.is_some() {
        args.extend(os(&["-map", "[a]"]));
        args.extend(os(AAC));
    } else {
        args.push("-an".into());
    }
    mp4_output(out, &mut args);
    let seconds = to_seconds(encoded_len(frags), fps);
    run_stage(ff, args, seconds, task, range).await
}

/// Encodes each of `pieces` (its fragments, and the file to write) as [`encode`] does, all in
/// one ffmpeg run: a graph and an output per piece, encoded in turn by one process (one
/// start-up of ffmpeg, its libraries and decoders for them all instead of one each). Its
/// decoders run one thread each: a few frames each, while the other runs of the cut keep
/// every core busy, frame threads would only add their overhead.
pub(super) async fn encode_batch(
    ff: &Ffmpeg,
    pieces: &[(&[Fragment], PathBuf)],
    srcs: &[&Src],
    fps: (u32, u32),
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let shapes = vec![Shape::Own; srcs.len()];
    let mut args: Vec<OsString> = Vec::new();
    let mut graphs = Vec::with_capacity(pieces.len());
    let mut inputs = 0;
    for (k, (frags, _)) in pieces.iter().enumerate() {
        let out = format!("v{k}");
        let (graph, used) = video_inputs(
            frags,
            srcs,
            fps,
            &shapes,
            (inputs, &out),
            &["-threads", "1"],
            &mut args,
        )?;
        inputs += used;
        graphs.push(graph);
    }
    for (k, ((_, out), graph)) in pieces.iter().zip(&graphs).enumerate() {
        args.extend(os(&["-filter_complex", graph, "-map", &format!("[v{k}]")]));
        video_output(fps, &mut args);
        args.push("-an".into());
        mp4_output(out, &mut args);
    }
    let frames: u64 = pieces.iter().map(|(f, _)| encoded_len(f)).sum();
    run_stage(ff, args, to_seconds(frames, fps), task, (0.0, 1.0)).await
}

/// The inputs of the film's sound added to `args` (ffmpeg input `first` onwards, one per
/// piece with a source) and its graph into `[a]`.
fn audio_inputs(
    audio: &[(Option<PathBuf>, AudioPiece)],
    first: usize,
    args: &mut Vec<OsString>,
) -> Result<String, MediaError> {
    let mut pieces = Vec::with_capacity(audio.len());
    let mut next = first;
    for (path, piece) in audio {
        let input = match path {
            Some(p) => {
                args.push("-i".into());
                args.push(local_input(p)?);
                next += 1;
                Some(next - 1)
            }
            None => None,
        };
        pieces.push(AudioPiece { input, ..*piece });
    }
    Ok(graph::audio(&pieces))
}

/// The film's sound alone (`seconds` long) into `out` (AAC in MP4), for a smart render: made
/// while the pieces are encoded, so the film's last step only copies.
pub(super) async fn sound(
    ff: &Ffmpeg,
    audio: &[(Option<PathBuf>, AudioPiece)],
    out: &Path,
    task: &TaskCtx,
    seconds: f64,
) -> Result<(), MediaError> {
    let mut args = Vec::new();
    let filter = audio_inputs(audio, 0, &mut args)?;
    args.extend(os(&["-filter_complex", &filter, "-map", "[a]"]));
    args.extend(os(AAC));
    args.extend(os(BITEXACT));
    args.extend(os(&["-f", "mp4"]));
    args.push(out.into());
    run_stage(ff, args, seconds, task, (0.0, 1.0)).await
}

/// Frames `from..to` (whole GOPs) of `src`'s video, copied packet for packet into a file of
/// their own by the segment muxer, which splits at keyframes by frame number: for clips whose
/// GOPs cannot be read straight from the file (see [`Gops::read`]).
pub(super) async fn cut_gops(
    ff: &Ffmpeg,
    src: &Src,
    from: u64,
    to: u64,
    work: &Path,
    n: usize,
    task: &TaskCtx,
) -> Result<PathBuf, MediaError> {
    let splits: Vec<String> = [from, to]
        .into_iter()
        .filter(|&f| f > 0 && f < src.source.frames)
        .map(|f| f.to_string())
        .collect();
    let dir = work.join(format!("gops{n}"));
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| MediaError::io(format!("create {}", dir.display()), e))?;
    let pattern = dir.to_string_lossy().replace('%', "%%") + "/%d.mp4";
    let mut args = vec![OsString::from("-i"), local_input(&src.path)?];
    args.extend(os(&["-map", "0:v:0", "-c", "copy", "-f", "segment"]));
    if !splits.is_empty() {
        args.extend(os(&["-segment_frames", &splits.join(",")]));
    }
    args.extend(os(&["-reset_timestamps", "1", "-segment_format", "mp4"]));
    args.extend(os(BITEXACT));
    args.push(pattern.into());
    let seconds = to_seconds(src.source.frames, src.fps);
    run_stage(ff, args, seconds, task, (0.86, 0.86)).await?;
    let index = usize::from(from > 0);
    Ok(dir.join(format!("{index}.mp4")))
}

/// One entry of the film's concat list.
pub(super) enum Entry {
    /// A whole file: a piece encoded here, a title card, GOPs cut out by [`cut_gops`].
    Whole(PathBuf),
    /// Whole GOPs read straight from a clip: from `inpoint` (microseconds, a keyframe's time)
    /// to `outpoint` (microseconds, a decoding time; None: the clip's end).
    Read {
        path: PathBuf,
        inpoint: i64,
        outpoint: Option<i64>,
    },
}

/// `us` microseconds as seconds for a concat list, exactly.
fn micros_text(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    let us = us.unsigned_abs();
    format!("{sign}{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// One entry of a concat list, played for `seconds`.
fn concat_entry(entry: &Entry, seconds: f64) -> Result<String, MediaError> {
    let path = match entry {
        Entry::Whole(path) | Entry::Read { path, .. } => path,
    };
    let input = local_input(path)?;
    let text = input.to_str().ok_or_else(|| MediaError::Artifact {
        uri: path.display().to_string(),
        message: "a piece of the cut must have a UTF-8 path".into(),
    })?;
    if text.contains(['\n', '\r']) {
        return Err(MediaError::Artifact {
            uri: path.display().to_string(),
            message: "a piece of the cut cannot have a line break in its path".into(),
        });
    }
    let mut line = format!("file '{}'\n", text.replace('\'', r"'\''"));
    if let Entry::Read {
        inpoint, outpoint, ..
    } = entry
    {
        line.push_str(&format!("inpoint {}\n", micros_text(*inpoint)));
        if let Some(out) = outpoint {
            line.push_str(&format!("outpoint {}\n", micros_text(*out)));
        }
    }
    line.push_str(&format!("duration {seconds:.6}\n"));
    Ok(line)
}

/// The film: `entries` (each `frames` long) joined by the concat demuxer with their video
/// copied, and the film's sound (made beforehand: `sound`) copied beside it.
///
/// `-copyts`: the timestamps stay as the concat demuxer makes them. Without it ffmpeg would
/// shift the film by its inputs' start time, which a clip's AAC priming makes negative (the
/// picture would start 21 ms late and the sound lose its priming).
#[allow(clippy::too_many_arguments)]
pub(super) async fn mux(
    ff: &Ffmpeg,
    entries: &[(Entry, u64)],
    fps: (u32, u32),
    sound: Option<&Path>,
    list: &Path,
    out: &Path,
    task: &TaskCtx,
    seconds: f64,
) -> Result<(), MediaError> {
    let mut body = String::new();
    for (entry, frames) in entries {
        body.push_str(&concat_entry(entry, to_seconds(*frames, fps))?);
    }
    tokio::fs::write(list, body)
        .await
        .map_err(|e| MediaError::io("write the cut's concat list", e))?;
    // No `auto_convert`: it would put the SPS and PPS back into every keyframe (Annex B),
    // changing the copied packets; every piece shares the clips' extradata, checked before.
    let mut args = os(&[
        "-copyts",
        "-f",
        "concat",
        "-safe",
        "0",
        "-auto_convert",
        "0",
    ]);
    args.push("-i".into());
    args.push(list.into());
    match sound {
        None => args.extend(os(&["-map", "0:v:0", "-c:v", "copy", "-an"])),
        Some(sound) => {
            args.push("-i".into());
            args.push(local_input(sound)?);
            args.extend(os(&["-map", "0:v:0", "-map", "1:a:0", "-c", "copy"]));
        }
    }
    args.extend(os(&["-movflags", "+faststart"]));
    args.extend(os(BITEXACT));
    args.extend(os(&["-f", "mp4"]));
    args.push(out.into());
    run_stage(ff, args, seconds, task, (0.87, 1.0)).await
}
