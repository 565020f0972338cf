//! The cut in frames: which frames of which source play where on the film, and, for a smart
//! render, which of them can be copied packet for packet and which must be re-encoded.
//!
//! Everything here is pure arithmetic on frame counts (no ffmpeg), so it is tested on its own.
//! Times in the plan are seconds; they are snapped to whole frames of the clips' rate once,
//! here, so the picture, the sound and the reported spans agree to the sample.

use studio_core::{
    CutPlan, Piece, Span, TransitionKind, MAX_TRANSITION_SECONDS, MIN_SHOT_SECONDS, TITLE_SECONDS,
};

use super::CutProblem;

/// How far past its clip's last frame a trim's out may be and still mean the clip's end
/// (seconds).
const TRIM_SLACK: f64 = 0.1;

/// How two pieces overlap at a join (a cut has no overlap and so no blend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blend {
    Crossfade,
    DipToBlack,
}

/// A blended join INTO a piece: `frames` of the previous piece's end overlap as many of this
/// piece's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Join {
    pub blend: Blend,
    pub frames: u64,
}

/// What a source is: its length in frames and where its keyframes are (frame indices in
/// display order, the first frame a keyframe). A title card made here has one at 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    pub frames: u64,
    pub keyframes: Vec<u64>,
}

/// One piece of the film: frames `start..end` of its source, and the join into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub piece: Piece,
    pub start: u64,
    pub end: u64,
    pub join: Option<Join>,
    /// Where the item starts on the film (the start of its incoming join), in frames.
    pub at: u64,
}

impl Item {
    pub(crate) fn len(&self) -> u64 {
        self.end - self.start
    }

    fn overlap(&self) -> u64 {
        self.join.map_or(0, |j| j.frames)
    }
}

/// The whole cut in frames of `fps` (a frame rate as num/den).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Timeline {
    pub fps: (u32, u32),
    pub items: Vec<Item>,
    /// The film's length in frames.
    pub frames: u64,
}

/// A run of the film made one way: copied from one source, or encoded from fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Frames `from..to` of item `item`'s source, copied packet for packet (`from` is a
    /// keyframe, `to` one or the source's end).
    Copy { item: usize, from: u64, to: u64 },
    /// Fragments decoded, joined (blended where they overlap) and encoded.
    Encode(Vec<Fragment>),
}

/// Frames `from..to` of item `item`'s source, joined to the fragment before it by `join`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fragment {
    pub item: usize,
    pub from: u64,
    pub to: u64,
    pub join: Option<Join>,
}

impl Fragment {
    pub(crate) fn len(&self) -> u64 {
        self.to - self.from
    }
}

/// Frames in `seconds` at `fps`, to the nearest frame.
pub(crate) fn to_frames(seconds: f64, (num, den): (u32, u32)) -> u64 {
    (seconds.max(0.0) * f64::from(num) / f64::from(den.max(1))).round() as u64
}

/// Seconds of `frames` at `fps`.
pub(crate) fn to_seconds(frames: u64, (num, den): (u32, u32)) -> f64 {
    frames as f64 * f64::from(den) / f64::from(num.max(1))
}

fn finite(what: String, value: f64) -> Result<f64, CutProblem> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(CutProblem::NotANumber { what, value })
    }
}

impl Timeline {
    /// The cut of `plan` over sources of the given lengths (`shots[i]`: shot `i`'s clip, in
    /// frames of `fps`), checked: every error names the shot or title to fix.
    pub(crate) fn build(
        plan: &CutPlan,
        shots: &[u64],
        fps: (u32, u32),
    ) -> Result<Self, CutProblem> {
        if plan.shots.is_empty() {
            return Err(CutProblem::NoShots);
        }
        if plan.shots.len() != shots.len() {
            return Err(CutProblem::ShotCount {
                plan: plan.shots.len(),
                clips: shots.len(),
            });
        }
        let half_frame = to_seconds(1, fps) / 2.0;
        // A clip's length as its container says (what the window shows, what a trim's out is
        // dragged to) can pass its last frame by its sound's last AAC frame.
        let slack = half_frame.max(TRIM_SLACK);
        let mut ranges = Vec::with_capacity(shots.len());
        for (shot, (cut, &frames)) in plan.shots.iter().zip(shots).enumerate() {
            let clip_seconds = to_seconds(frames, fps);
            let (start, end) = match cut.trim {
                None => (0, frames),
                Some(t) => {
                    let s = finite(format!("shot {shot}'s trim in"), t.start)?;
                    let e = finite(format!("shot {shot}'s trim out"), t.end)?;
                    if s < 0.0 || e <= s || e > clip_seconds + slack {
                        return Err(CutProblem::TrimOutOfRange {
                            shot,
                            start: s,
                            end: e,
                            clip_seconds,
                        });
                    }
                    (to_frames(s, fps), to_frames(e, fps).min(frames))
                }
            };
            let seconds = to_seconds(end.saturating_sub(start), fps);
            if seconds + half_frame < MIN_SHOT_SECONDS {
                return Err(CutProblem::ShotTooShort { shot, seconds });
            }
            ranges.push((start, end));
        }
        for (title, t) in plan.titles.iter().enumerate() {
            let seconds = finite(format!("title {title}'s length"), t.seconds)?;
            if !TITLE_SECONDS.contains(&seconds) {
                return Err(CutProblem::TitleLength { title, seconds });
            }
        }

        let pieces = plan.pieces();
        let mut items: Vec<Item> = Vec::with_capacity(pieces.len());
        let mut at = 0u64;
        for (k, &piece) in pieces.iter().enumerate() {
            let (start, end) = match piece {
                Piece::Shot(i) => ranges.get(i).copied().unwrap_or((0, 0)),
                Piece::Title(t) => (
                    0,
                    to_frames(plan.titles.get(t).map_or(0.0, |t| t.seconds), fps),
                ),
            };
            let previous = k.checked_sub(1).and_then(|p| pieces.get(p).copied());
            let join = match (previous, piece) {
                (Some(Piece::Shot(before)), Piece::Shot(shot)) => {
                    join_into(plan, shot, before, &ranges, fps)?
                }
                _ => None,
            };
            let overlap = join.map_or(0, |j| j.frames);
            // Two joins may not overlap each other inside one shot.
            if let (Some(j), Some(prev)) = (join, items.last()) {
                if prev.overlap() + j.frames > prev.len() {
                    if let (Piece::Shot(before), Piece::Shot(shot)) = (prev.piece, piece) {
                        return Err(CutProblem::TransitionsOverlap {
                            shot: before,
                            incoming: to_seconds(prev.overlap(), fps),
                            outgoing: to_seconds(j.frames, fps),
                            seconds: to_seconds(prev.len(), fps),
                            next: shot,
                        });
                    }
                }
            }
            let item_at = at.saturating_sub(overlap);
            at = item_at + (end - start);
            items.push(Item {
                piece,
                start,
                end,
                join,
                at: item_at,
            });
        }
        Ok(Timeline {
            fps,
            items,
            frames: at,
        })
    }

    /// Where each SHOT shows on the film, in scenario order, in seconds (as
    /// [`CutPlan::spans`], snapped to frames).
    pub(crate) fn spans(&self) -> Vec<Span> {
        let mut spans: Vec<(usize, Span)> = self
            .items
            .iter()
            .filter_map(|it| match it.piece {
                Piece::Shot(i) => Some((
                    i,
                    Span {
                        start: to_seconds(it.at, self.fps),
                        end: to_seconds(it.at + it.len(), self.fps),
                    },
                )),
                Piece::Title(_) => None,
            })
            .collect();
        spans.sort_by_key(|(i, _)| *i);
        spans.into_iter().map(|(_, s)| s).collect()
    }

    /// The film as one encode: every item whole.
    pub(crate) fn full(&self) -> Vec<Part> {
        vec![Part::Encode(
            self.items
                .iter()
                .enumerate()
                .map(|(item, it)| Fragment {
                    item,
                    from: it.start,
                    to: it.end,
                    join: it.join,
                })
                .collect(),
        )]
    }

    /// The film as copies and encodes: in each item, the whole GOPs no join touches are copied
    /// (from the first keyframe at or after the end of its incoming join to the last keyframe
    /// at or before the start of its outgoing one, or to the source's end); what is left around
    /// each join (and any item with no whole GOP to spare) is encoded.
    pub(crate) fn smart(&self, sources: &[&Source]) -> Vec<Part> {
        let mut parts = Vec::new();
        let mut run: Vec<Fragment> = Vec::new();
        for (item, it) in self.items.iter().enumerate() {
            let out = self.items.get(item + 1).map_or(0, Item::overlap);
            let window = sources
                .get(item)
                .and_then(|src| copy_window(src, it.start + it.overlap(), it.end - out));
            match window {
                Some((lo, hi)) => {
                    if lo > it.start {
                        run.push(Fragment {
                            item,
                            from: it.start,
                            to: lo,
                            join: it.join,
                        });
                    }
                    if !run.is_empty() {
                        parts.push(Part::Encode(std::mem::take(&mut run)));
                    }
                    parts.push(Part::Copy {
                        item,
                        from: lo,
                        to: hi,
                    });
                    if hi < it.end {
                        run.push(Fragment {
                            item,
                            from: hi,
                            to: it.end,
                            join: None,
                        });
                    }
                }
                None => run.push(Fragment {
                    item,
                    from: it.start,
                    to: it.end,
                    join: it.join,
                }),
            }
        }
        if !run.is_empty() {
            parts.push(Part::Encode(run));
        }
        parts
    }
}

/// The largest run of whole GOPs inside `from..to`: from the first keyframe at or after `from`
/// to the last keyframe (or the source's end) at or before `to`. None when there is none.
fn copy_window(src: &Source, from: u64, to: u64) -> Option<(u64, u64)> {
    let bounds = || src.keyframes.iter().copied().chain([src.frames]);
    let lo = bounds().filter(|&k| k >= from).min()?;
    let hi = bounds().filter(|&k| k <= to).max()?;
    (lo < hi).then_some((lo, hi))
}

/// The blended join into shot `shot` from shot `before` (None for a cut or a transition that
/// rounds to no frame), checked against both shots' trimmed lengths.
fn join_into(
    plan: &CutPlan,
    shot: usize,
    before: usize,
    ranges: &[(u64, u64)],
    fps: (u32, u32),
) -> Result<Option<Join>, CutProblem> {
    let Some(t) = plan.shots.get(shot).and_then(|s| s.transition) else {
        return Ok(None);
    };
    let blend = match t.kind {
        TransitionKind::Cut => return Ok(None),
        TransitionKind::Crossfade => Blend::Crossfade,
        TransitionKind::DipToBlack => Blend::DipToBlack,
    };
    let seconds = finite(format!("shot {shot}'s transition"), t.seconds)?;
    if !(0.0..=MAX_TRANSITION_SECONDS).contains(&seconds) {
        return Err(CutProblem::TransitionLength { shot, seconds });
    }
    let frames = to_frames(seconds, fps);
    if frames == 0 {
        return Ok(None);
    }
    for neighbour in [before, shot] {
        let (s, e) = ranges.get(neighbour).copied().unwrap_or((0, 0));
        if frames > e - s {
            return Err(CutProblem::TransitionLongerThanShot {
                shot,
                seconds,
                neighbour,
                neighbour_seconds: to_seconds(e - s, fps),
            });
        }
    }
    Ok(Some(Join { blend, frames }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_core::{ShotCut, TitleCut, TitleStyle, Transition, Trim};

    const FPS: (u32, u32) = (24, 1);

    fn shot(trim: Option<(f64, f64)>, t: Option<(TransitionKind, f64)>) -> ShotCut {
        ShotCut {
            trim: trim.map(|(start, end)| Trim { start, end }),
            transition: t.map(|(kind, seconds)| Transition { kind, seconds }),
            reframe: None,
        }
    }

    fn gops(frames: u64, every: u64) -> Source {
        Source {
            frames,
            keyframes: (0..frames).step_by(every as usize).collect(),
        }
    }

    #[test]
    fn crossfades_overlap_and_titles_cut() {
        let plan = CutPlan {
            shots: vec![
                shot(None, None),
                shot(Some((1.0, 5.0)), Some((TransitionKind::Crossfade, 1.0))),
                shot(None, Some((TransitionKind::DipToBlack, 0.5))),
            ],
            titles: vec![TitleCut {
                before: Some(0),
                text: "Opening".into(),
                seconds: 2.0,
                style: TitleStyle::Bold,
                credits: false,
            }],
        };
        let t = Timeline::build(&plan, &[144, 192, 144], FPS).unwrap();
        // 2 + 6 + 4 - 1 + 6 - 0.5
        assert_eq!(t.frames, 48 + 144 + 96 - 24 + 144 - 12);
        assert_eq!(t.spans(), plan.spans(&[6.0, 8.0, 6.0]));
        assert_eq!(t.items[2].start, 24);
        assert_eq!(t.items[2].end, 120);
    }

    #[test]
    fn smart_copies_whole_gops_and_encodes_around_joins() {
        let plan = CutPlan {
            shots: vec![
                shot(None, None),
                shot(None, Some((TransitionKind::Crossfade, 1.0))),
                shot(Some((0.5, 6.0)), None),
            ],
            titles: vec![],
        };
        let t = Timeline::build(&plan, &[144, 144, 144], FPS).unwrap();
        let src = gops(144, 24);
        let parts = t.smart(&[&src, &src, &src]);
        let join = Some(Join {
            blend: Blend::Crossfade,
            frames: 24,
        });
        assert_eq!(
            parts,
            vec![
                Part::Copy {
                    item: 0,
                    from: 0,
                    to: 120
                },
                Part::Encode(vec![
                    Fragment {
                        item: 0,
                        from: 120,
                        to: 144,
                        join: None
                    },
                    Fragment {
                        item: 1,
                        from: 0,
                        to: 24,
                        join
                    },
                ]),
                Part::Copy {
                    item: 1,
                    from: 24,
                    to: 144
                },
                // A cut on a frame that is no keyframe: only that GOP's rest is encoded.
                Part::Encode(vec![Fragment {
                    item: 2,
                    from: 12,
                    to: 24,
                    join: None
                }]),
                Part::Copy {
                    item: 2,
                    from: 24,
                    to: 144
                },
            ]
        );
        // Clips of one GOP have nothing to copy around a join: all encoded, in one run.
        let one = gops(144, 1000);
        let parts = t.smart(&[&one, &one, &one]);
        assert_eq!(parts, t.full());
    }

    #[test]
    fn bad_cuts_name_what_to_fix() {
        let plan = CutPlan {
            shots: vec![shot(None, None), shot(Some((1.0, 7.5)), None)],
            titles: vec![],
        };
        assert_eq!(
            Timeline::build(&plan, &[144, 144], FPS),
            Err(CutProblem::TrimOutOfRange {
                shot: 1,
                start: 1.0,
                end: 7.5,
                clip_seconds: 6.0
            })
        );
        let plan = CutPlan {
            shots: vec![
                shot(Some((0.0, 1.0)), None),
                shot(None, Some((TransitionKind::Crossfade, 2.0))),
            ],
            titles: vec![],
        };
        assert!(matches!(
            Timeline::build(&plan, &[144, 144], FPS),
            Err(CutProblem::TransitionLongerThanShot {
                shot: 1,
                neighbour: 0,
                ..
            })
        ));
        assert_eq!(
            Timeline::build(&plan, &[144], FPS),
            Err(CutProblem::ShotCount { plan: 2, clips: 1 })
        );
    }
}
