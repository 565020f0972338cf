//! A cut, step by step: probe the clips (side by side) and plan the timeline; make the title
//! cards; decide smart or full; then either make the film smart ([`super::smart`]: the sound
//! and the join pieces side by side, the untouched GOPs read straight from the clips, checked
//! that the pieces join) or encode it all.

use std::path::{Path, PathBuf};

use studio_core::{Piece, CUT_FPS};

use futures::future::BoxFuture;
use futures::{StreamExt as _, TryStreamExt as _};

use super::encode::{encode, Src};
use super::facts::{clip_facts, ClipFacts};
use super::graph::{AudioPiece, Shape, RATE};
use super::smart::{parallel, smart, Smart};
use super::timeline::{to_frames, to_seconds, Part, Timeline};
use super::title::title_card;
use super::{CutJob, CutMode, CutProblem, CutReport};
use crate::error::MediaError;
use crate::ffmpeg::{Ffmpeg, ProbeInfo, VideoStream};
use crate::task::TaskCtx;

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

/// The cut planned: the clips' facts, the timeline in frames, the film's size, and why it
/// cannot be smart (None: it may be).
struct Plan {
    clips: Vec<ClipFacts>,
    first_video: VideoStream,
    timeline: Timeline,
    size: (u32, u32),
    full_because: Option<String>,
}

/// Step 1: every clip there and probed, the timeline built and checked.
async fn plan(
    ff: &Ffmpeg,
    job: &CutJob,
    force_full: bool,
    task: &TaskCtx,
) -> Result<Plan, MediaError> {
    if job.plan.shots.len() != job.clips.len() {
        return Err(CutProblem::ShotCount {
            plan: job.plan.shots.len(),
            clips: job.clips.len(),
        }
        .into());
    }
    for (shot, path) in job.clips.iter().enumerate() {
        if !tokio::fs::metadata(path).await.is_ok_and(|m| m.is_file()) {
            return Err(CutProblem::MissingClip {
                shot,
                path: path.clone(),
            }
            .into());
        }
    }
    // One probe per clip (read from its MP4 tables, or one ffprobe where they cannot be read
    // exactly). (Boxed first: a stream holding the closure would not be Send for every lifetime.)
    let probes: Vec<BoxFuture<'_, Result<ClipFacts, MediaError>>> = (job.clips.iter())
        .map(|path| Box::pin(clip_facts(ff, path, task)) as BoxFuture<'_, _>)
        .collect();
    // Two per core for the clips left to ffprobe: its time is mostly its start-up (loading
    // ffmpeg's libraries), 0.06 s of a 0.08 s probe; ten took 0.46 s two at a time, 0.40 s four.
    let clips: Vec<ClipFacts> = futures::stream::iter(probes)
        .buffered(2 * parallel())
        .try_collect()
        .await?;
    for (shot, facts) in clips.iter().enumerate() {
        if facts.probe.video.is_none() || facts.source.frames == 0 {
            return Err(CutProblem::NoVideo {
                shot,
                path: facts.path.clone(),
            }
            .into());
        }
    }
    let Some(first) = clips.first() else {
        return Err(CutProblem::NoShots.into());
    };
    let first_video = first.probe.video.clone().unwrap_or(VideoStream {
        codec: String::new(),
        width: 1280,
        height: 720,
        pix_fmt: String::new(),
        frame_rate: String::new(),
        profile: String::new(),
    });
    let full_because = match force_full {
        true => Some("a full render was asked for".to_owned()),
        false => why_not_smart(&clips, job.size),
    };
    // A smart cut keeps the clips' own rate; a full one makes the studio's.
    let fps = match full_because {
        None => first.fps,
        Some(_) => (CUT_FPS, 1),
    };
    let frames: Vec<u64> = (clips.iter())
        .map(|c| match c.fps == fps {
            true => c.source.frames,
            false => to_frames(to_seconds(c.source.frames, c.fps), fps),
        })
        .collect();
    let timeline = Timeline::build(&job.plan, &frames, fps)?;
    let size = job.size.unwrap_or(size_of(&first_video));
    Ok(Plan {
        clips,
        first_video,
        timeline,
        size,
        full_because,
    })
}

/// Step 2: the sources, the clips then the title cards (made at the film's size and rate in
/// `work`, side by side), with the cards' extradata hashes.
async fn sources(
    ff: &Ffmpeg,
    job: &CutJob,
    p: &Plan,
    work: &Path,
    task: &TaskCtx,
) -> Result<(Vec<Src>, Vec<String>), MediaError> {
    let fps = p.timeline.fps;
    let mut srcs: Vec<Src> = (p.clips.iter())
        .map(|c| Src {
            path: c.path.clone(),
            source: c.source.clone(),
            fps: c.fps,
            size: c.probe.video.as_ref().map_or(p.size, size_of),
            audio: c.probe.has_audio(),
            gops: c.gops.clone(),
        })
        .collect();
    let like = ProbeInfo {
        duration: 0.0,
        video: Some(VideoStream {
            width: p.size.0,
            height: p.size.1,
            frame_rate: format!("{}/{}", fps.0, fps.1),
            ..p.first_video.clone()
        }),
        audio: None,
    };
    let like = &like;
    type Card = Result<(PathBuf, ClipFacts), MediaError>;
    let mut cards: Vec<BoxFuture<'_, Card>> = Vec::with_capacity(job.plan.titles.len());
    for (t, title) in job.plan.titles.iter().enumerate() {
        cards.push(Box::pin(async move {
            let path = work.join(format!("title{t}.mp4"));
            let quiet = TaskCtx::new(task.cancel.clone(), None);
            title_card(ff, title, like, &path, &quiet).await?;
            let facts = clip_facts(ff, &path, task).await?;
            Ok((path, facts))
        }));
    }
    let cards: Vec<_> = futures::stream::iter(cards)
        .buffered(parallel())
        .try_collect()
        .await?;
    task.report(0.05);
    let mut extradata = Vec::with_capacity(cards.len());
    for (path, facts) in cards {
        extradata.push(facts.extradata);
        srcs.push(Src {
            path,
            source: facts.source,
            fps,
            size: p.size,
            audio: false,
            gops: facts.gops,
        });
    }
    Ok((srcs, extradata))
}

/// The film's sound: every item's part of its source's (None: silence), joined as the picture
/// is, in samples at [`RATE`].
fn audio_pieces(timeline: &Timeline, srcs: &[&Src]) -> Vec<(Option<PathBuf>, AudioPiece)> {
    let (num, den) = timeline.fps;
    let samples =
        |frames: u64| (frames as f64 * f64::from(RATE) * f64::from(den) / f64::from(num)).round();
    let samples = |frames: u64| samples(frames) as u64;
    (timeline.items.iter().zip(srcs))
        .map(|(it, src)| {
            (
                src.audio.then(|| src.path.clone()),
                AudioPiece {
                    input: None,
                    start: samples(it.start),
                    samples: samples(it.end) - samples(it.start),
                    join: it.join.map_or(0, |j| samples(j.frames)),
                },
            )
        })
        .collect()
}

/// Each item's shape in a full encode: reframed to a delivery size when its shape differs,
/// else as it is when it has the film's size, else scaled (letterboxed) to it.
fn shapes(job: &CutJob, p: &Plan, srcs: &[&Src]) -> Vec<Shape> {
    (p.timeline.items.iter().zip(srcs))
        .map(|(it, src)| match (job.size, it.piece) {
            (Some(target), Piece::Shot(i)) if !super::reframe::same_aspect(src.size, target) => {
                let r = job.plan.shots.get(i).and_then(|s| s.reframe);
                Shape::Reframe(target, r.unwrap_or_default())
            }
            _ if src.size == p.size => Shape::Own,
            _ => Shape::Scale(p.size),
        })
        .collect()
}

pub(super) async fn render(
    ff: &Ffmpeg,
    job: &CutJob,
    scratch: &Path,
    out: &Path,
    task: &TaskCtx,
    force_full: bool,
) -> Result<CutReport, MediaError> {
    let p = plan(ff, job, force_full, task).await?;
    let fps = p.timeline.fps;
    tracing::info!(
        shots = p.clips.len(),
        titles = job.plan.titles.len(),
        frames = p.timeline.frames,
        size = ?p.size,
        smart = p.full_because.is_none(),
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

    let (srcs, title_extradata) = sources(ff, job, &p, work, task).await?;
    // Item k's source: a shot's clip, or title t's card after the clips.
    let item_srcs: Vec<&Src> = (p.timeline.items.iter())
        .filter_map(|it| match it.piece {
            Piece::Shot(i) => srcs.get(i),
            Piece::Title(t) => srcs.get(p.clips.len() + t),
        })
        .collect();
    let mut full_because = p.full_because.clone();
    let extradata = p.clips.first().map_or("", |c| c.extradata.as_str());
    if full_because.is_none() && title_extradata.iter().any(|x| x != extradata) {
        full_because = Some("a title card's encoding differs from the clips'".into());
    }
    let parts = match full_because {
        None => (p.timeline).smart(&item_srcs.iter().map(|s| &s.source).collect::<Vec<_>>()),
        Some(_) => p.timeline.full(),
    };
    if full_because.is_none() && !parts.iter().any(|p| matches!(p, Part::Copy { .. })) {
        full_because = Some("no GOP of any clip is untouched by a join".into());
    }
    let audio_pieces = audio_pieces(&p.timeline, &item_srcs);
    let audio = srcs
        .iter()
        .any(|s| s.audio)
        .then_some(audio_pieces.as_slice());

    let parent = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let film = tempfile::Builder::new()
        .prefix(".cut-")
        .suffix(".mp4")
        .tempfile_in(&parent)
        .map_err(|e| MediaError::io(format!("a temporary film in {}", parent.display()), e))?;
    let mut report = CutReport {
        duration: to_seconds(p.timeline.frames, fps),
        spans: p.timeline.spans(),
        copied_packets: 0,
        reencoded_frames: 0,
        mode: CutMode::Smart,
        full_because: None,
    };
    if full_because.is_none() {
        let s = Smart {
            parts: &parts,
            srcs: &item_srcs,
            audio,
            fps,
            extradata,
            work,
        };
        full_because = smart(ff, &s, film.path(), &mut report, task).await?;
    }
    if let Some(why) = full_because {
        tracing::info!(because = %why, "the cut is encoded whole");
        let frags = match p.timeline.full().into_iter().next() {
            Some(Part::Encode(f)) => f,
            _ => Vec::new(),
        };
        let shapes = shapes(job, &p, &item_srcs);
        (report.copied_packets, report.reencoded_frames) = (0, p.timeline.frames);
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
        // A delivery size redraws every frame by design: that is no fallback to explain.
        report.full_because = job.size.is_none().then_some(why);
    }
    film.persist(out)
        .map_err(|e| MediaError::io(format!("move the film to {}", out.display()), e.error))?;
    task.report(1.0);
    Ok(report)
}
