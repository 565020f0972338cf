//! The cut: how the shots' clips become the film. Trims, transitions, title cards and end
//! credits, and where a shot's picture sits in a frame of another shape (a delivery preset).
//!
//! A project keeps these on its scenes (`trim`, `transition`, `reframe`) and beside them
//! (`titles`, `credits`); a render gets them as one [`CutPlan`]. None of them is part of a
//! clip's making, so changing the cut never makes a shot again: it joins the same clips anew.
//!
//! Times are seconds as `f64`. The types are `Eq` by hand: every value is a finite number (JSON
//! has none other, and validation refuses those out of range), so equality is an equivalence.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::quality::ParseError;

/// The frame rate the cut snaps to and the clips are made at (Veo and Omni deliver 24 fps).
pub const CUT_FPS: u32 = 24;
/// The longest transition: longer ones eat the shots they join.
pub const MAX_TRANSITION_SECONDS: f64 = 3.0;
/// The shortest a trimmed shot may play: a shorter one is a flash, not a shot.
pub const MIN_SHOT_SECONDS: f64 = 0.5;
/// How long a title card or the credits may stay on screen.
pub const TITLE_SECONDS: std::ops::RangeInclusive<f64> = 1.0..=20.0;
/// The longest a title card's text may be, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Upper bound on title cards in a project.
pub const MAX_TITLES: usize = 20;

/// The part of a shot's clip the film plays, in seconds from the clip's start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Trim {
    #[serde(rename = "in")]
    pub start: f64,
    #[serde(rename = "out")]
    pub end: f64,
}

impl Eq for Trim {}

impl Trim {
    pub fn seconds(&self) -> f64 {
        self.end - self.start
    }
}

/// How one shot gives way to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum TransitionKind {
    #[default]
    #[serde(rename = "cut")]
    Cut,
    #[serde(rename = "crossfade")]
    Crossfade,
    /// The outgoing picture fades to black over the first half, the incoming one in from
    /// black over the second.
    #[serde(rename = "dip-to-black")]
    DipToBlack,
}

impl TransitionKind {
    pub const ALL: [TransitionKind; 3] = [Self::Cut, Self::Crossfade, Self::DipToBlack];

    pub fn name(self) -> &'static str {
        match self {
            Self::Cut => "cut",
            Self::Crossfade => "crossfade",
            Self::DipToBlack => "dip-to-black",
        }
    }
}

impl FromStr for TransitionKind {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| ParseError {
                what: "transition",
                value: s.to_owned(),
                expected: "cut, crossfade, dip-to-black",
            })
    }
}

/// The transition INTO a shot from the one before it. A crossfade or a dip of `seconds`
/// overlaps the end of the previous shot's trimmed part and the start of this one's (as an
/// editor's dissolve on media handles): the film is `seconds` shorter than its shots end to end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Transition {
    pub kind: TransitionKind,
    /// 0 for a cut.
    #[serde(default)]
    pub seconds: f64,
}

impl Eq for Transition {}

impl Transition {
    /// How much of the two shots this transition overlaps (0 for a cut).
    pub fn overlap(&self) -> f64 {
        match self.kind {
            TransitionKind::Cut => 0.0,
            _ => self.seconds,
        }
    }
}

/// How a title card's text is set: white on black in DejaVu Sans, Sans Bold or Serif.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum TitleStyle {
    #[default]
    Plain,
    Bold,
    Serif,
}

impl TitleStyle {
    pub fn is_plain(&self) -> bool {
        *self == TitleStyle::Plain
    }
}

/// A card of text between shots (or after the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TitleCard {
    pub text: String,
    pub seconds: f64,
    #[serde(default, skip_serializing_if = "TitleStyle::is_plain")]
    pub style: TitleStyle,
    /// The scene id it comes before; None: after the last shot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub before: Option<String>,
}

impl Eq for TitleCard {}

/// End credits, after every shot and title: the cast's names under a heading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Credits {
    pub seconds: f64,
    #[serde(default, skip_serializing_if = "TitleStyle::is_plain")]
    pub style: TitleStyle,
    /// The line above the names; None: "Starring".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub heading: Option<String>,
}

impl Eq for Credits {}

/// How a shot fills a frame of another shape than its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ReframeMode {
    /// A window of the frame's shape cut from the picture, placed by `x` and `y`.
    #[default]
    Crop,
    /// The whole picture, on a blurred fill of itself.
    Fit,
}

/// Where a shot's picture sits when delivered in another shape (see [`ExportPreset`]).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Reframe {
    #[serde(default)]
    pub mode: ReframeMode,
    /// Where the crop window sits across the picture: -1 left edge, 0 centred, 1 right edge.
    #[serde(default)]
    pub x: f64,
    /// Where the crop window sits down the picture: -1 top, 0 centred, 1 bottom.
    #[serde(default)]
    pub y: f64,
}

impl Eq for Reframe {}

/// The frame a shot ends on, for models that take a last frame with the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum EndFrame {
    /// The next shot's first frame: the join is seamless. The next shot is made first.
    NextShot,
    /// An image: in a project, a path relative to its folder; in a render's request, the
    /// image's artifact URI.
    Image(String),
}

/// Where a film is delivered: a frame size for a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ExportPreset {
    /// YouTube, 1920×1080.
    #[default]
    #[serde(rename = "youtube")]
    Youtube,
    /// YouTube in 4K, 3840×2160.
    #[serde(rename = "youtube-4k")]
    Youtube4k,
    /// Shorts, Reels and TikTok, 1080×1920.
    #[serde(rename = "shorts")]
    Shorts,
    /// 1080×1080.
    #[serde(rename = "square")]
    Square,
    /// 4:5, 1080×1350.
    #[serde(rename = "portrait")]
    Portrait,
}

impl ExportPreset {
    pub const ALL: [ExportPreset; 5] = [
        Self::Youtube,
        Self::Youtube4k,
        Self::Shorts,
        Self::Square,
        Self::Portrait,
    ];

    /// The name the CLI and the files use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Youtube => "youtube",
            Self::Youtube4k => "youtube-4k",
            Self::Shorts => "shorts",
            Self::Square => "square",
            Self::Portrait => "portrait",
        }
    }

    /// Width and height in pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            Self::Youtube => (1920, 1080),
            Self::Youtube4k => (3840, 2160),
            Self::Shorts => (1080, 1920),
            Self::Square => (1080, 1080),
            Self::Portrait => (1080, 1350),
        }
    }
}

impl FromStr for ExportPreset {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| ParseError {
                what: "preset",
                value: s.to_owned(),
                expected: "youtube, youtube-4k, shorts, square, portrait",
            })
    }
}

/// A render's cut: what the stitch does with the clips.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CutPlan {
    /// One per scenario, in the same order.
    pub shots: Vec<ShotCut>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<TitleCut>,
}

/// One shot's part in the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ShotCut {
    /// None: the whole clip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Trim))]
    pub trim: Option<Trim>,
    /// None: a cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Transition))]
    pub transition: Option<Transition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Reframe))]
    pub reframe: Option<Reframe>,
}

/// A title card as a render takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TitleCut {
    /// The scenario index it comes before; None: after the last shot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub before: Option<usize>,
    pub text: String,
    pub seconds: f64,
    #[serde(default, skip_serializing_if = "TitleStyle::is_plain")]
    pub style: TitleStyle,
    /// The end credits (made from the cast), not a card of the creator's.
    #[serde(default, skip_serializing_if = "crate::scenario::is_false")]
    pub credits: bool,
}

impl Eq for TitleCut {}

/// Where something shows on the film's timeline, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Span {
    pub start: f64,
    pub end: f64,
}

impl Eq for Span {}

/// One piece of the film in order: a shot (by scenario index) or a title card (by index into
/// [`CutPlan::titles`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    Shot(usize),
    Title(usize),
}

impl CutPlan {
    /// The film's pieces in order: each shot preceded by the titles placed before it (in the
    /// order written), then the titles placed at the end.
    pub fn pieces(&self) -> Vec<Piece> {
        let mut pieces = Vec::with_capacity(self.shots.len() + self.titles.len());
        for shot in 0..self.shots.len() {
            pieces.extend(
                (self.titles.iter().enumerate())
                    .filter(|(_, t)| t.before == Some(shot))
                    .map(|(i, _)| Piece::Title(i)),
            );
            pieces.push(Piece::Shot(shot));
        }
        pieces.extend(
            (self.titles.iter().enumerate())
                .filter(|(_, t)| t.before.is_none_or(|b| b >= self.shots.len()))
                .map(|(i, _)| Piece::Title(i)),
        );
        pieces
    }

    /// The part of shot `i`'s clip the film plays, given the clip's real length.
    pub fn trimmed(&self, i: usize, clip_seconds: f64) -> Trim {
        match self.shots.get(i).and_then(|s| s.trim) {
            Some(t) => Trim {
                start: t.start.min(clip_seconds),
                end: t.end.min(clip_seconds),
            },
            None => Trim {
                start: 0.0,
                end: clip_seconds,
            },
        }
    }

    /// How much piece `k` of `pieces` overlaps the one before it: a shot's incoming
    /// transition when the piece before it is a shot (titles always cut).
    fn overlap_before(&self, pieces: &[Piece], k: usize) -> f64 {
        match (k.checked_sub(1).map(|p| pieces[p]), pieces[k]) {
            (Some(Piece::Shot(_)), Piece::Shot(i)) => self
                .shots
                .get(i)
                .and_then(|s| s.transition)
                .map_or(0.0, |t| t.overlap()),
            _ => 0.0,
        }
    }

    /// Where each piece shows on the film, in [`Self::pieces`] order: from the start of its
    /// incoming transition to the end of its outgoing one. `clip_seconds[i]` is shot `i`'s
    /// clip's real length.
    pub fn piece_spans(&self, clip_seconds: &[f64]) -> Vec<(Piece, Span)> {
        let pieces = self.pieces();
        let mut spans = Vec::with_capacity(pieces.len());
        let mut at = 0.0_f64;
        for (k, piece) in pieces.iter().enumerate() {
            let length = match *piece {
                Piece::Shot(i) => self
                    .trimmed(i, clip_seconds.get(i).copied().unwrap_or(0.0))
                    .seconds(),
                Piece::Title(t) => self.titles[t].seconds,
            };
            let start = (at - self.overlap_before(&pieces, k)).max(0.0);
            let end = start + length;
            spans.push((*piece, Span { start, end }));
            at = end;
        }
        spans
    }

    /// Where each SHOT shows on the film, in scenario order (see [`Self::piece_spans`]).
    pub fn spans(&self, clip_seconds: &[f64]) -> Vec<Span> {
        let mut spans: Vec<(usize, Span)> = (self.piece_spans(clip_seconds).into_iter())
            .filter_map(|(p, s)| match p {
                Piece::Shot(i) => Some((i, s)),
                Piece::Title(_) => None,
            })
            .collect();
        spans.sort_by_key(|(i, _)| *i);
        spans.into_iter().map(|(_, s)| s).collect()
    }

    /// How long the film plays.
    pub fn film_seconds(&self, clip_seconds: &[f64]) -> f64 {
        (self.piece_spans(clip_seconds).iter())
            .map(|(_, s)| s.end)
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crossfade(seconds: f64) -> Option<Transition> {
        Some(Transition {
            kind: TransitionKind::Crossfade,
            seconds,
        })
    }

    #[test]
    fn a_crossfade_overlaps_and_titles_cut() {
        let plan = CutPlan {
            shots: vec![
                ShotCut::default(),
                ShotCut {
                    trim: Some(Trim {
                        start: 1.0,
                        end: 5.0,
                    }),
                    transition: crossfade(1.0),
                    reframe: None,
                },
                ShotCut {
                    transition: crossfade(0.5),
                    ..Default::default()
                },
            ],
            titles: vec![
                TitleCut {
                    before: Some(0),
                    text: "Opening".into(),
                    seconds: 2.0,
                    style: TitleStyle::Bold,
                    credits: false,
                },
                TitleCut {
                    before: None,
                    text: "Starring\nMara".into(),
                    seconds: 3.0,
                    style: TitleStyle::Plain,
                    credits: true,
                },
            ],
        };
        let clips = [6.0, 8.0, 6.0];
        assert_eq!(
            plan.pieces(),
            [
                Piece::Title(0),
                Piece::Shot(0),
                Piece::Shot(1),
                Piece::Shot(2),
                Piece::Title(1)
            ]
        );
        // 2 (title) + 6 + 4 - 1 + 6 - 0.5 + 3 (credits)
        assert_eq!(plan.film_seconds(&clips), 19.5);
        let spans = plan.spans(&clips);
        assert_eq!(
            spans[0],
            Span {
                start: 2.0,
                end: 8.0
            }
        );
        assert_eq!(
            spans[1],
            Span {
                start: 7.0,
                end: 11.0
            }
        );
        assert_eq!(
            spans[2],
            Span {
                start: 10.5,
                end: 16.5
            }
        );
    }

    #[test]
    fn names_round_trip() {
        for p in ExportPreset::ALL {
            assert_eq!(p.name().parse::<ExportPreset>(), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.name());
        }
        for k in TransitionKind::ALL {
            assert_eq!(k.name().parse::<TransitionKind>(), Ok(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
        assert!("tiktok".parse::<ExportPreset>().is_err());
        assert_eq!(
            serde_json::to_value(EndFrame::NextShot).unwrap(),
            "nextShot"
        );
        assert_eq!(
            serde_json::to_value(EndFrame::Image("end.png".into())).unwrap(),
            serde_json::json!({"image": "end.png"})
        );
        let trim: Trim = serde_json::from_str(r#"{"in": 0.5, "out": 3}"#).unwrap();
        assert_eq!(trim.seconds(), 2.5);
    }
}
