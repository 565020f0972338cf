//! A delivery preset's frame shape from the mixed film: each shot's stretch of the film
//! cropped at its own window (or fitted on a blurred fill of itself), scaled only where the
//! film already has the preset's shape; the sound and captions copied.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use studio_core::{CutPlan, ExportPreset, Span};

use super::facts::clip_facts;
use super::graph::{shape, Shape};
use super::timeline::{to_frames, to_seconds};
use super::CutProblem;
use crate::error::MediaError;
use crate::ffmpeg::{Ffmpeg, BITEXACT, H264};
use crate::task::TaskCtx;

/// Whether two frame shapes are the same aspect (within 1 %, so 1920x1080 and 1280x720 are,
/// and 1080x1920 is not).
pub(super) fn same_aspect((w, h): (u32, u32), (tw, th): (u32, u32)) -> bool {
    let a = f64::from(w) / f64::from(h.max(1));
    let b = f64::from(tw) / f64::from(th.max(1));
    (a / b - 1.0).abs() < 0.01
}

/// A stretch of the film, frames `from..to`, and what shows there: shot `shot`, or (None) a
/// title card or anything else outside the shots.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stretch {
    from: u64,
    to: u64,
    shot: Option<usize>,
}

/// The film cut into stretches, one shape each: every shot from its span's start to the middle
/// of its outgoing transition (the window moves halfway through the blend), titles and gaps
/// between, covering `0..frames` exactly.
fn stretches(spans: &[Span], frames: u64, fps: (u32, u32)) -> Vec<Stretch> {
    let mut order: Vec<(usize, Span)> = spans.iter().copied().enumerate().collect();
    order.sort_by(|a, b| a.1.start.total_cmp(&b.1.start));
    let mut bounds: Vec<(f64, Option<usize>)> = Vec::new();
    let mut end_of_last: f64 = 0.0;
    for (k, &(shot, span)) in order.iter().enumerate() {
        let start = match k.checked_sub(1).and_then(|p| order.get(p)) {
            Some(&(_, prev)) if span.start < prev.end => (span.start + prev.end) / 2.0,
            _ => {
                if span.start > end_of_last {
                    bounds.push((end_of_last, None));
                }
                span.start
            }
        };
        bounds.push((start, Some(shot)));
        end_of_last = span.end;
    }
    bounds.push((end_of_last, None));
    let mut out: Vec<Stretch> = Vec::new();
    for (k, &(start, shot)) in bounds.iter().enumerate() {
        let from = to_frames(start, fps).min(frames);
        let to = bounds
            .get(k + 1)
            .map_or(frames, |&(next, _)| to_frames(next, fps).min(frames));
        let from = out.last().map_or(0, |s| s.to).max(from).min(to);
        if to > from {
            out.push(Stretch { from, to, shot });
        }
    }
    // The first stretch starts the film and the last ends it, whatever rounding did.
    if let Some(first) = out.first_mut() {
        first.from = 0;
    }
    if let Some(last) = out.last_mut() {
        last.to = frames;
    }
    if out.is_empty() && frames > 0 {
        out.push(Stretch {
            from: 0,
            to: frames,
            shot: None,
        });
    }
    out
}

/// Writes `film` at `preset`'s size to `out` (through a temporary file beside it, renamed when
/// whole): each shot's span (`spans[i]`, as the render reported them) cropped at its
/// [`studio_core::Reframe`] window, centred by default, or fitted on a blurred fill; a film
/// already of the preset's shape is scaled only; title cards are scaled whole onto black. The
/// audio and any subtitle track are copied.
pub async fn reframe(
    ffmpeg: &Ffmpeg,
    film: &Path,
    plan: &CutPlan,
    spans: &[Span],
    preset: ExportPreset,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let facts = clip_facts(ffmpeg, film, task).await?;
    let Some(video) = facts.probe.video.as_ref() else {
        return Err(CutProblem::NoFilmVideo {
            path: film.to_owned(),
        }
        .into());
    };
    let own = (video.width, video.height);
    let target = preset.size();
    let fps = facts.fps;
    let frames = facts.source.frames;
    let shape_of = |shot: Option<usize>| match shot {
        Some(i) if !same_aspect(own, target) => Shape::Reframe(
            target,
            plan.shots
                .get(i)
                .and_then(|s| s.reframe)
                .unwrap_or_default(),
        ),
        _ => Shape::Scale(target),
    };
    // Neighbouring stretches of the same shape are one.
    let mut runs: Vec<(u64, u64, Shape)> = Vec::new();
    for s in stretches(spans, frames, fps) {
        let sh = shape_of(s.shot);
        match runs.last_mut() {
            Some(last) if last.2 == sh && last.1 == s.from => last.1 = s.to,
            _ => runs.push((s.from, s.to, sh)),
        }
    }
    let mut graph = String::new();
    match runs.as_slice() {
        [] | [_] => {
            let sh = runs.first().map_or(Shape::Scale(target), |r| r.2);
            let _ = write!(graph, "[0:v:0]{},format=yuv420p[v]", shape(sh, own, "r0"));
        }
        _ => {
            let _ = write!(graph, "[0:v:0]split={}", runs.len());
            for k in 0..runs.len() {
                let _ = write!(graph, "[s{k}]");
            }
            graph.push(';');
            for (k, (from, to, sh)) in runs.iter().enumerate() {
                let _ = write!(
                    graph,
                    "[s{k}]trim=start_frame={from}:end_frame={to},setpts=PTS-STARTPTS,{},\
                     format=yuv420p[r{k}];",
                    shape(*sh, own, &format!("r{k}"))
                );
            }
            for k in 0..runs.len() {
                let _ = write!(graph, "[r{k}]");
            }
            let _ = write!(graph, "concat=n={}:v=1:a=0[v]", runs.len());
        }
    }
    tracing::info!(
        preset = preset.name(),
        stretches = runs.len(),
        "reframing the film"
    );
    tracing::debug!(%graph, "reframe graph");

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".reframe-")
        .suffix(".mp4")
        .tempfile_in(&parent)
        .map_err(|e| MediaError::io(format!("a temporary film in {}", parent.display()), e))?;
    let mut args: Vec<OsString> = vec!["-i".into(), film.into()];
    let rate = format!("{}/{}", fps.0, fps.1);
    for a in [
        "-filter_complex",
        &graph,
        "-map",
        "[v]",
        "-map",
        "0:a?",
        "-c:a",
        "copy",
        "-map",
        "0:s?",
        "-c:s",
        "copy",
        "-r",
        &rate,
    ] {
        args.push(a.into());
    }
    args.extend(H264.iter().map(OsString::from));
    args.extend(["-movflags", "+faststart"].map(OsString::from));
    args.extend(BITEXACT.iter().map(OsString::from));
    args.extend(["-f", "mp4"].map(OsString::from));
    args.push(tmp.path().into());
    let seconds = to_seconds(frames, fps).max(0.001);
    ffmpeg
        .run(args, Some(Duration::from_secs_f64(seconds)), task)
        .await?;
    tmp.persist(out)
        .map_err(|e| MediaError::io(format!("move the film to {}", out.display()), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: f64, end: f64) -> Span {
        Span { start, end }
    }

    #[test]
    fn shots_switch_windows_halfway_through_a_blend_and_titles_stand_apart() {
        // A 2 s title, shot 0 (2..8), shot 1 crossfading in over 1 s (7..11), a 3 s title.
        let s = stretches(&[span(2.0, 8.0), span(7.0, 11.0)], 14 * 24, (24, 1));
        assert_eq!(
            s,
            vec![
                Stretch {
                    from: 0,
                    to: 48,
                    shot: None
                },
                Stretch {
                    from: 48,
                    to: 180,
                    shot: Some(0)
                },
                Stretch {
                    from: 180,
                    to: 264,
                    shot: Some(1)
                },
                Stretch {
                    from: 264,
                    to: 336,
                    shot: None
                },
            ]
        );
    }
}
