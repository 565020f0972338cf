//! What a package holds: the film's pieces in order (shots with their trims and incoming
//! transitions, title cards), each naming its media by a path relative to the package folder,
//! and the captions and stems beside them. Built from the render's [`CutPlan`].

use studio_core::{CutPlan, Piece, Transition, TransitionKind, Trim, CUT_FPS};

/// The folder inside a package that holds every clip and card the timelines name.
pub const MEDIA_DIR: &str = "media";

/// A film as the editor's timeline files describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageTimeline {
    /// The film's name: the OTIO timeline's, the FCPXML project's and the EDL's `TITLE:`.
    pub name: String,
    /// Frames per second of the clips and of every timecode written ([`CUT_FPS`]).
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    /// The film's pieces in order (those of [`CutPlan::pieces`]).
    pub items: Vec<PackageItem>,
    /// The captions file, relative to the package folder (`captions.srt`).
    pub captions: Option<String>,
    /// The sound stems as (name, path relative to the package folder), e.g.
    /// `("dialogue", "stems/dialogue.wav")`: each runs the whole film from its start.
    pub stems: Vec<(String, String)>,
}

/// One piece of the film.
#[derive(Debug, Clone, PartialEq)]
pub enum PackageItem {
    /// A shot: the `trim` part of its clip, which is `media_seconds` long.
    Shot {
        name: String,
        /// Relative to the package folder: `media/01-scene-1.mp4`.
        media: String,
        media_seconds: f64,
        trim: Trim,
        /// Into this shot from the piece before it; only counts after another shot (title
        /// cards always cut, as in the render).
        transition: Option<Transition>,
    },
    /// A title card (or the end credits): a rendered card the whole of which plays.
    Title {
        name: String,
        media: String,
        seconds: f64,
        text: String,
    },
}

impl PackageItem {
    pub fn name(&self) -> &str {
        match self {
            PackageItem::Shot { name, .. } | PackageItem::Title { name, .. } => name,
        }
    }

    /// The media file, relative to the package folder.
    pub fn media(&self) -> &str {
        match self {
            PackageItem::Shot { media, .. } | PackageItem::Title { media, .. } => media,
        }
    }
}

/// Why a timeline cannot be written as asked: the files would not read back as the film.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    #[error("the cut has {shots} shots but {clips} clip lengths and {names} names were given")]
    Mismatch {
        shots: usize,
        clips: usize,
        names: usize,
    },
    #[error("the frame rate must be a positive number of frames per second")]
    FrameRate,
    #[error(
        "{item}: the media path {path:?} must be relative to the package folder, without `..`"
    )]
    MediaPath { item: String, path: String },
    #[error("{item}: the part played ({start}..{end} s) is not inside its {media} s clip")]
    Trim {
        item: String,
        start: f64,
        end: f64,
        media: f64,
    },
    #[error(
        "{item}: its transitions ({frames} frames) are longer than the shot ({length} frames)"
    )]
    TransitionTooLong {
        item: String,
        frames: i64,
        length: i64,
    },
    #[error("the film has {events} EDL events; CMX 3600 numbers at most 999")]
    TooManyEvents { events: usize },
}

/// The media path a package gives shot `index` (0-based) of scene `scene`:
/// `media/01-scene-1.mp4`. Only letters, digits, `-` and `_` are kept from the scene's id,
/// so the path needs no quoting in any of the three formats.
pub fn shot_media_path(index: usize, scene: &str) -> String {
    format!("{MEDIA_DIR}/{:02}-{}.mp4", index + 1, slug(scene))
}

/// The media path of title card `index` (0-based) of the plan, or of the end credits.
pub fn title_media_path(index: usize, credits: bool) -> String {
    if credits {
        format!("{MEDIA_DIR}/credits.mp4")
    } else {
        format!("{MEDIA_DIR}/title-{:02}.mp4", index + 1)
    }
}

fn slug(s: &str) -> String {
    let kept: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let kept = kept.trim_matches('-');
    if kept.is_empty() {
        "shot".to_owned()
    } else {
        kept.to_owned()
    }
}

impl PackageTimeline {
    /// The timeline of a render's cut. `clip_seconds[i]` is shot `i`'s clip's real length and
    /// `scenes[i]` its scene id (the shot's name); the items follow [`CutPlan::pieces`] one to
    /// one, so a caller copies piece `k`'s clip or card to `items[k].media()`. Captions and
    /// stems are the caller's to add.
    pub fn from_plan(
        name: &str,
        plan: &CutPlan,
        clip_seconds: &[f64],
        scenes: &[String],
        size: (u32, u32),
    ) -> Result<PackageTimeline, PackageError> {
        if clip_seconds.len() != plan.shots.len() || scenes.len() != plan.shots.len() {
            return Err(PackageError::Mismatch {
                shots: plan.shots.len(),
                clips: clip_seconds.len(),
                names: scenes.len(),
            });
        }
        let mut items = Vec::new();
        for piece in plan.pieces() {
            match piece {
                Piece::Shot(i) => {
                    let (Some(&media_seconds), Some(scene), Some(shot)) =
                        (clip_seconds.get(i), scenes.get(i), plan.shots.get(i))
                    else {
                        continue;
                    };
                    items.push(PackageItem::Shot {
                        name: scene.clone(),
                        media: shot_media_path(i, scene),
                        media_seconds,
                        trim: plan.trimmed(i, media_seconds),
                        transition: shot.transition,
                    });
                }
                Piece::Title(t) => {
                    let Some(title) = plan.titles.get(t) else {
                        continue;
                    };
                    items.push(PackageItem::Title {
                        name: if title.credits {
                            "credits".to_owned()
                        } else {
                            format!("title-{:02}", t + 1)
                        },
                        media: title_media_path(t, title.credits),
                        seconds: title.seconds,
                        text: title.text.clone(),
                    });
                }
            }
        }
        let timeline = PackageTimeline {
            name: name.to_owned(),
            fps: CUT_FPS,
            width: size.0,
            height: size.1,
            items,
            captions: None,
            stems: Vec::new(),
        };
        timeline.layout()?;
        Ok(timeline)
    }

    /// Every piece placed on frames, or why the timeline cannot be written.
    pub(crate) fn layout(&self) -> Result<Layout<'_>, PackageError> {
        Layout::new(self)
    }
}

/// A dissolve or a dip, in frames: `before` of it lies before the cut point (under the end of
/// the outgoing piece's part, on the incoming clip's media before its part), `after` of it
/// after the cut (on the outgoing clip's media after its part). `before + after == frames`;
/// an odd length puts the extra frame after the cut, as frames cannot be halved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fade {
    pub kind: TransitionKind,
    pub frames: i64,
    pub before: i64,
    pub after: i64,
}

/// One piece on the film's frames.
#[derive(Debug, Clone)]
pub(crate) struct Placed<'a> {
    pub item: &'a PackageItem,
    /// The clip's length.
    pub media_frames: i64,
    /// The part of the clip the film plays (the trim), `[src_in, src_out)`.
    pub src_in: i64,
    pub src_out: i64,
    /// Where that part shows on the film, from the start of its incoming transition to the end
    /// of its outgoing one (the render's spans).
    pub rec_in: i64,
    pub rec_out: i64,
    pub incoming: Option<Fade>,
    pub outgoing: Option<Fade>,
}

impl Placed<'_> {
    /// The clip's part between its cut points (OTIO's and FCPXML's clip range: the
    /// transitions take the rest from the media's handles).
    pub fn cut_src(&self) -> (i64, i64) {
        (
            self.src_in + self.incoming.map_or(0, |f| f.before),
            self.src_out - self.outgoing.map_or(0, |f| f.after),
        )
    }

    /// Where the part between the cut points shows on the film.
    pub fn cut_rec(&self) -> (i64, i64) {
        (
            self.rec_in + self.incoming.map_or(0, |f| f.before),
            self.rec_out - self.outgoing.map_or(0, |f| f.after),
        )
    }
}

/// The whole film on frames.
#[derive(Debug, Clone)]
pub(crate) struct Layout<'a> {
    pub fps: i64,
    pub items: Vec<Placed<'a>>,
    pub film_frames: i64,
}

/// Seconds to the nearest frame (the cut snaps to frames).
pub(crate) fn to_frames(seconds: f64, fps: i64) -> i64 {
    if seconds.is_finite() {
        (seconds * fps as f64).round() as i64
    } else {
        0
    }
}

fn relative_and_inside(path: &str) -> bool {
    let p = std::path::Path::new(path);
    !path.is_empty()
        && !path.contains('\\')
        && p.is_relative()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

impl<'a> Layout<'a> {
    fn new(timeline: &'a PackageTimeline) -> Result<Layout<'a>, PackageError> {
        if timeline.fps == 0 {
            return Err(PackageError::FrameRate);
        }
        let fps = i64::from(timeline.fps);
        for (name, path) in (timeline.items.iter().map(|i| (i.name(), i.media())))
            .chain(timeline.stems.iter().map(|(n, p)| (n.as_str(), p.as_str())))
            .chain(timeline.captions.iter().map(|c| ("captions", c.as_str())))
        {
            if !relative_and_inside(path) {
                return Err(PackageError::MediaPath {
                    item: name.to_owned(),
                    path: path.to_owned(),
                });
            }
        }
        let mut items: Vec<Placed<'a>> = Vec::with_capacity(timeline.items.len());
        let mut at = 0_i64;
        for item in &timeline.items {
            let (media_frames, src_in, src_out, fade) = match item {
                PackageItem::Shot {
                    name,
                    media_seconds,
                    trim,
                    transition,
                    ..
                } => {
                    let media_frames = to_frames(*media_seconds, fps);
                    let (src_in, src_out) = (to_frames(trim.start, fps), to_frames(trim.end, fps));
                    if !(0 <= src_in && src_in < src_out && src_out <= media_frames) {
                        return Err(PackageError::Trim {
                            item: name.clone(),
                            start: trim.start,
                            end: trim.end,
                            media: *media_seconds,
                        });
                    }
                    let after_shot =
                        matches!(items.last().map(|p| p.item), Some(PackageItem::Shot { .. }));
                    let fade = transition
                        .filter(|t| after_shot && t.kind != TransitionKind::Cut)
                        .map(|t| to_frames(t.overlap(), fps))
                        .filter(|&frames| frames > 0)
                        .zip(*transition)
                        .map(|(frames, t)| Fade {
                            kind: t.kind,
                            frames,
                            before: frames / 2,
                            after: frames - frames / 2,
                        });
                    (media_frames, src_in, src_out, fade)
                }
                PackageItem::Title { name, seconds, .. } => {
                    let frames = to_frames(*seconds, fps);
                    if frames < 1 {
                        return Err(PackageError::Trim {
                            item: name.clone(),
                            start: 0.0,
                            end: *seconds,
                            media: *seconds,
                        });
                    }
                    (frames, 0, frames, None)
                }
            };
            let rec_in = at - fade.map_or(0, |f| f.frames);
            if let (Some(f), Some(prev)) = (fade, items.last_mut()) {
                prev.outgoing = Some(f);
            }
            let rec_out = rec_in + (src_out - src_in);
            items.push(Placed {
                item,
                media_frames,
                src_in,
                src_out,
                rec_in,
                rec_out,
                incoming: fade,
                outgoing: None,
            });
            at = rec_out;
        }
        // A piece must hold both of its transitions whole (the EDL lists the incoming dissolve
        // and the outgoing one's start inside it).
        for p in &items {
            let frames = p.incoming.map_or(0, |f| f.frames) + p.outgoing.map_or(0, |f| f.frames);
            let length = p.src_out - p.src_in;
            if frames > length {
                return Err(PackageError::TransitionTooLong {
                    item: p.item.name().to_owned(),
                    frames,
                    length,
                });
            }
        }
        Ok(Layout {
            fps,
            items,
            film_frames: at,
        })
    }
}
