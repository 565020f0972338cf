//! Running a cut: probing the clips, choosing smart or full, encoding the pieces, cutting the
//! copied GOPs out of their clips, and muxing them with the film's sound.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use studio_core::{Piece, CUT_FPS};

use super::facts::{clip_facts, extradata, ClipFacts};
use super::graph::{self, AudioPiece, Shape, VideoInput, RATE};
use super::timeline::{to_frames, to_seconds, Fragment, Part, Source, Timeline};
use super::title::title_card;
use super::{CutJob, CutMode, CutProblem, CutReport};
use crate::error::MediaError;
use crate::ffmpeg::{local_input, Ffmpeg, ProbeInfo, VideoStream, BITEXACT, H264};
use crate::task::TaskCtx;

/// AAC as the stitch encodes it.
const AAC: &[&str] = &["-c:a", "aac", "-b:a", "128k"];

/// One source of the film's pieces: a shot's clip or a title card made here.
struct Src {
    path: PathBuf,
    source: Source,
    fps: (u32, u32),
    size: (u32, u32),
    audio: bool,
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn size_of(v: &VideoStream) -> (u32, u32) {
    (v.width, v.height)
}

/// Why `clips` cannot be cut smart (None: they can, as far as their streams say).
fn why_not_smart(clips: &[ClipFacts], size: Option<(u32, u32)>) -> Option<String> {
    let first = clips.first()?;
    let v0 = first.probe.video.as_ref()?;
    if size.is_some_and(|s| s != size_of(v0)) {
        return Some("a delivery size redraws every frame".into());
    }
    for (shot, c) in clips.iter().enumerate() {
        let v = c.probe.video.as_ref()?;
        if v.codec != "h264" {
            return Some(format!("shot {shot}'s clip is {}, not H.264", v.codec));
        }
        if v != v0 || c.fps != first.fps {
            return Some(format!(
                "shot {shot}'s clip ({}x{}, {}, {} fps) differs from shot 0's ({}x{}, {}, {} fps)",
                v.width,
                v.height,
                v.pix_fmt,
                v.frame_rate,
                v0.width,
                v0.height,
                v0.pix_fmt,
                v0.frame_rate
            ));
        }
        if c.extradata.is_empty() || c.extradata != first.extradata {
            return Some(format!(
                "shot {shot}'s clip was encoded with other settings than shot 0's"
            ));
        }
        if c.source.keyframes.first() != Some(&0) {
            return Some(format!("shot {shot}'s clip does not start on a keyframe"));
        }
    }
    None
}

/// A task for one stage of the cut, its progress forwarded to `task` as the part `from..to`.
fn stage(task: &TaskCtx, from: f32, to: f32) -> (TaskCtx, tokio::task::JoinHandle<()>) {
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

pub(super) async fn render(
    ff: &Ffmpeg,
    job: &CutJob,
    scratch: &Path,
    out: &Path,
    task: &TaskCtx,
    force_full: bool,
) -> Result<CutReport, MediaError> {
    if job.plan.shots.len() != job.clips.len() {
        return Err(CutProblem::ShotCount {
            plan: job.plan.shots.len(),
            clips: job.clips.len(),
        }
        .into());
    }
    let mut clips = Vec::with_capacity(job.clips.len());
    for (shot, path) in job.clips.iter().enumerate() {
        if !tokio::fs::metadata(path).await.is_ok_and(|m| m.is_file()) {
            return Err(CutProblem::MissingClip {
                shot,
                path: path.clone(),
            }
            .into());
        }
        let facts = clip_facts(ff, path).await?;
        if facts.probe.video.is_none() || facts.source.frames == 0 {
            return Err(CutProblem::NoVideo {
                shot,
                path: path.clone(),
            }
            .into());
        }
        clips.push(facts);
    }
    let Some(first) = clips.first() else {
        return Err(CutProblem::NoShots.into());
    };
    let v0 = first.probe.video.clone().unwrap_or(VideoStream {
        codec: String::new(),
        width: 1280,
        height: 720,
        pix_fmt: String::new(),
        frame_rate: String::new(),
        profile: String::new(),
    });
    let mut full_because = match force_full {
        true => Some("a full render was asked for".to_owned()),
        false => why_not_smart(&clips, job.size),
    };
    let fps = if full_because.is_none() {
        first.fps
    } else {
        (CUT_FPS, 1)
    };
    let frames: Vec<u64> = clips
        .iter()
        .map(|c| match c.fps == fps {
            true => c.source.frames,
            false => to_frames(to_seconds(c.source.frames, c.fps), fps),
        })
        .collect();
    let timeline = Timeline::build(&job.plan, &frames, fps)?;
    let size = job.size.unwrap_or(size_of(&v0));
    tracing::info!(
        shots = clips.len(),
        titles = job.plan.titles.len(),
        frames = timeline.frames,
        ?size,
        smart = full_because.is_none(),
        "cutting the film"
    );

    tokio::fs::create_dir_all(scratch)
        .await
        .map_err(|e| MediaError::io(format!("create {}", scratch.display()), e))?;
    let work = tempfile::Builder::new()
        .prefix(".cut-")
        .tempdir_in(scratch)
        .map_err(|e| MediaError::io(format!("a scratch directory in {}", scratch.display()), e))?;
    let work = work.path();

    // The sources: the clips, then the title cards, made at the film's size and rate.
    let mut srcs: Vec<Src> = clips
        .iter()
        .map(|c| Src {
            path: c.path.clone(),
            source: c.source.clone(),
            fps: c.fps,
            size: c.probe.video.as_ref().map_or(size, size_of),
            audio: c.probe.has_audio(),
        })
        .collect();
    let like = ProbeInfo {
        duration: first.probe.duration,
        video: Some(VideoStream {
            width: size.0,
            height: size.1,
            frame_rate: format!("{}/{}", fps.0, fps.1),
            ..v0.clone()
        }),
        audio: None,
    };
    let mut title_extradata = Vec::new();
    for (t, title) in job.plan.titles.iter().enumerate() {
        let path = work.join(format!("title{t}.mp4"));
        let (st, forward) = stage(task, 0.0, 0.05);
        let made = title_card(ff, title, &like, &path, &st).await;
        drop(st);
        let _ = forward.await;
        made?;
        let facts = clip_facts(ff, &path).await?;
        title_extradata.push(facts.extradata.clone());
        srcs.push(Src {
            path,
            source: facts.source,
            fps,
            size,
            audio: false,
        });
    }
    // Item k's source: a shot's clip, or title t's card after the clips.
    let src_of = |piece: Piece| match piece {
        Piece::Shot(i) => i,
        Piece::Title(t) => clips.len() + t,
    };
    let item_srcs: Vec<&Src> = timeline
        .items
        .iter()
        .filter_map(|it| srcs.get(src_of(it.piece)))
        .collect();

    // Smart only when a piece encoded here joins the clips' packets: same SPS and PPS.
    if full_because.is_none() {
        let probe = work.join("probe.mp4");
        let frag = Fragment {
            item: 0,
            from: 0,
            to: first.source.frames.min(2),
            join: None,
        };
        let s0 = Src {
            path: first.path.clone(),
            source: first.source.clone(),
            fps,
            size,
            audio: false,
        };
        encode(
            ff,
            &[frag],
            &[&s0],
            fps,
            &[Shape::Own],
            None,
            &probe,
            task,
            (0.05, 0.06),
        )
        .await?;
        let ours = extradata(ff, &probe).await?;
        if ours != first.extradata {
            full_because = Some(
                "the clips were not encoded with the studio's H.264 settings, so frames encoded \
                 here cannot follow their packets"
                    .into(),
            );
        } else if title_extradata.iter().any(|x| *x != ours) {
            full_because = Some("a title card's encoding differs from the clips'".into());
        }
    }
    let parts = match full_because {
        None => timeline.smart(&item_srcs.iter().map(|s| &s.source).collect::<Vec<_>>()),
        Some(_) => timeline.full(),
    };
    if full_because.is_none() && !parts.iter().any(|p| matches!(p, Part::Copy { .. })) {
        full_because = Some("no GOP of any clip is untouched by a join".into());
    }

    // The film's sound: every item's, joined as the picture is.
    let with_audio = srcs.iter().any(|s| s.audio);
    let spf = |frames: u64| {
        (frames as f64 * f64::from(RATE) * f64::from(fps.1) / f64::from(fps.0)).round() as u64
    };
    let audio_pieces: Vec<(Option<PathBuf>, AudioPiece)> = timeline
        .items
        .iter()
        .zip(&item_srcs)
        .map(|(it, src)| {
            (
                src.audio.then(|| src.path.clone()),
                AudioPiece {
                    input: None,
                    start: spf(it.start),
                    samples: spf(it.end) - spf(it.start),
                    join: it.join.map_or(0, |j| spf(j.frames)),
                },
            )
        })
        .collect();
    let audio = with_audio.then_some(audio_pieces.as_slice());

    let own_shapes = vec![Shape::Own; timeline.items.len()];
    let shape_of = |item: usize| -> Shape {
        let Some(it) = timeline.items.get(item) else {
            return Shape::Scale(size);
        };
        let src_size = item_srcs.get(item).map_or(size, |s| s.size);
        match (job.size, it.piece) {
            (Some(target), Piece::Shot(i)) if !same_aspect(src_size, target) => Shape::Reframe(
                target,
                job.plan
                    .shots
                    .get(i)
                    .and_then(|s| s.reframe)
                    .unwrap_or_default(),
            ),
            _ if src_size == size => Shape::Own,
            _ => Shape::Scale(size),
        }
    };

    let shapes: Vec<Shape> = (0..timeline.items.len()).map(shape_of).collect();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let film = tempfile::Builder::new()
        .prefix(".cut-")
        .suffix(".mp4")
        .tempfile_in(&parent)
        .map_err(|e| MediaError::io(format!("a temporary film in {}", parent.display()), e))?;

    let mut report = CutReport {
        duration: to_seconds(timeline.frames, fps),
        spans: timeline.spans(),
        copied_packets: 0,
        reencoded_frames: 0,
        mode: CutMode::Smart,
        full_because: None,
    };
    match &full_because {
        Some(why) => {
            tracing::info!(because = %why, "the cut is encoded whole");
            let frags = match timeline.full().into_iter().next() {
                Some(Part::Encode(f)) => f,
                _ => Vec::new(),
            };
            encode(
                ff,
                &frags,
                &item_srcs,
                fps,
                &shapes,
                audio,
                film.path(),
                task,
                (0.06, 1.0),
            )
            .await?;
            report.mode = CutMode::Full;
            report.reencoded_frames = timeline.frames;
            // A delivery size redraws every frame by design: that is no fallback to explain.
            report.full_because = full_because.filter(|_| job.size.is_none());
        }
        None => {
            let total: u64 = parts
                .iter()
                .map(|p| match p {
                    Part::Encode(f) => f.iter().map(Fragment::len).sum(),
                    Part::Copy { .. } => 0,
                })
                .sum::<u64>()
                .max(1);
            let mut entries = Vec::with_capacity(parts.len());
            let mut done = 0u64;
            let span = |d: u64| 0.06 + 0.8 * d as f32 / total as f32;
            for (n, part) in parts.iter().enumerate() {
                match part {
                    Part::Encode(frags) => {
                        let piece = work.join(format!("piece{n}.mp4"));
                        let len = encoded_len(frags);
                        let range = (
                            span(done),
                            span(done + frags.iter().map(Fragment::len).sum::<u64>()),
                        );
                        encode(
                            ff,
                            frags,
                            &item_srcs,
                            fps,
                            &own_shapes,
                            None,
                            &piece,
                            task,
                            range,
                        )
                        .await?;
                        done += frags.iter().map(Fragment::len).sum::<u64>();
                        report.reencoded_frames += len;
                        entries.push((piece, len));
                    }
                    Part::Copy { item, from, to } => {
                        let Some(src) = item_srcs.get(*item) else {
                            continue;
                        };
                        let gops = cut_gops(ff, src, *from, *to, work, n, task).await?;
                        report.copied_packets += to - from;
                        entries.push((gops, to - from));
                    }
                }
            }
            task.report(0.87);
            let list = work.join("cut.txt");
            mux(
                ff,
                &entries,
                fps,
                audio,
                &list,
                film.path(),
                task,
                report.duration,
            )
            .await?;
        }
    }
    film.persist(out)
        .map_err(|e| MediaError::io(format!("move the film to {}", out.display()), e.error))?;
    task.report(1.0);
    Ok(report)
}

/// Whether two frame shapes are the same aspect (within 1 %, so 1920x1080 and 1280x720 are,
/// and 1080x1920 is not).
pub(super) fn same_aspect((w, h): (u32, u32), (tw, th): (u32, u32)) -> bool {
    let a = f64::from(w) / f64::from(h.max(1));
    let b = f64::from(tw) / f64::from(th.max(1));
    (a / b - 1.0).abs() < 0.01
}

/// The frames a run of fragments encodes to: their lengths less the overlaps of their joins.
fn encoded_len(frags: &[Fragment]) -> u64 {
    frags
        .iter()
        .map(|f| f.len() - f.join.map_or(0, |j| j.frames))
        .sum()
}

/// Encodes `frags` (item k's source is `srcs[k]`) into `out` at `fps`, each brought to its
/// shape; with `audio`, the film's whole sound too (a full render in one run). Each fragment
/// is its own input, seeked to the keyframe at or before its first frame (half a frame early,
/// so the keyframe is kept whatever the rounding of its time), when its source has the film's
/// rate.
#[allow(clippy::too_many_arguments)]
async fn encode(
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
    let mut inputs = Vec::with_capacity(frags.len());
    for f in frags {
        let Some(src) = srcs.get(f.item) else {
            continue;
        };
        let seek = match src.fps == fps {
            true => src
                .source
                .keyframes
                .iter()
                .copied()
                .filter(|&key| key <= f.from)
                .max()
                .unwrap_or(0),
            false => 0,
        };
        if seek > 0 {
            let at = (seek as f64 - 0.5) * f64::from(fps.1) / f64::from(fps.0);
            args.extend(os(&["-ss", &format!("{at:.6}")]));
        }
        args.push("-i".into());
        args.push(local_input(&src.path)?);
        inputs.push(VideoInput {
            input: inputs.len(),
            seek,
            fragment: *f,
            shape: shapes.get(f.item).copied().unwrap_or(Shape::Own),
            size: src.size,
        });
    }
    let mut filter = graph::video(&inputs, fps);
    let mut pieces = Vec::new();
    if let Some(audio) = audio {
        let mut next = inputs.len();
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
        filter.push(';');
        filter.push_str(&graph::audio(&pieces));
    }
    tracing::debug!(%filter, "cut graph");
    args.extend(os(&["-filter_complex", &filter, "-map", "[v]"]));
    args.extend(os(&["-r", &format!("{}/{}", fps.0, fps.1)]));
    args.extend(os(H264));
    if audio.is_some() {
        args.extend(os(&["-map", "[a]"]));
        args.extend(os(AAC));
    } else {
        args.push("-an".into());
    }
    args.extend(os(&["-movflags", "+faststart"]));
    args.extend(os(BITEXACT));
    args.extend(os(&["-f", "mp4"]));
    args.push(out.into());
    let seconds = to_seconds(encoded_len(frags), fps);
    run_stage(ff, args, seconds, task, range).await
}

/// Frames `from..to` (whole GOPs) of `src`'s video, copied packet for packet into a file of
/// their own by the segment muxer, which splits at keyframes by frame number.
async fn cut_gops(
    ff: &Ffmpeg,
    src: &Src,
    from: u64,
    to: u64,
    work: &Path,
    n: usize,
    task: &TaskCtx,
) -> Result<PathBuf, MediaError> {
    if src.path.starts_with(work) && from == 0 && to == src.source.frames && !src.audio {
        // A title card made here: already a whole, video-only file.
        return Ok(src.path.clone());
    }
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

/// One line of a concat list: `path`, a local file, played for `seconds`.
fn concat_entry(path: &Path, seconds: f64) -> Result<String, MediaError> {
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
    Ok(format!(
        "file '{}'\nduration {seconds:.6}\n",
        text.replace('\'', r"'\''")
    ))
}

/// The film: `entries` (files of whole GOPs and encoded pieces, each `frames` long) joined by
/// the concat demuxer with their video copied, and the film's sound made from the sources.
#[allow(clippy::too_many_arguments)]
async fn mux(
    ff: &Ffmpeg,
    entries: &[(PathBuf, u64)],
    fps: (u32, u32),
    audio: Option<&[(Option<PathBuf>, AudioPiece)]>,
    list: &Path,
    out: &Path,
    task: &TaskCtx,
    seconds: f64,
) -> Result<(), MediaError> {
    let mut body = String::new();
    for (path, frames) in entries {
        body.push_str(&concat_entry(path, to_seconds(*frames, fps))?);
    }
    tokio::fs::write(list, body)
        .await
        .map_err(|e| MediaError::io("write the cut's concat list", e))?;
    // No `auto_convert`: it would put the SPS and PPS back into every keyframe (Annex B),
    // changing the copied packets; every piece shares the clips' extradata, checked before.
    let mut args = os(&["-f", "concat", "-safe", "0", "-auto_convert", "0", "-i"]);
    args.push(list.into());
    match audio {
        None => args.extend(os(&["-map", "0:v:0", "-c:v", "copy", "-an"])),
        Some(audio) => {
            let mut pieces = Vec::with_capacity(audio.len());
            let mut next = 1;
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
            let filter = graph::audio(&pieces);
            args.extend(os(&["-filter_complex", &filter]));
            args.extend(os(&["-map", "0:v:0", "-c:v", "copy", "-map", "[a]"]));
            args.extend(os(AAC));
        }
    }
    args.extend(os(&["-movflags", "+faststart"]));
    args.extend(os(BITEXACT));
    args.extend(os(&["-f", "mp4"]));
    args.push(out.into());
    run_stage(ff, args, seconds, task, (0.87, 1.0)).await
}
