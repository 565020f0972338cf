//! The cut: the shots' clips joined into the film as its [`CutPlan`] says: trimmed, joined by
//! cuts, crossfades and dips to black, with title cards and end credits between and after them.
//!
//! **Smart render.** A cut that joins clips of the same make ([`render_cut`] with no `size`)
//! copies every packet no join touches: in each clip, the whole GOPs between the end of its
//! incoming transition and the start of its outgoing one are copied byte for byte, and only the
//! GOPs a transition or a trim off a keyframe touches are decoded and encoded again, at the
//! clips' own settings, so the pieces follow each other in one stream. Whether they can is
//! checked, not assumed: a piece encoded here must have the clips' own codec extradata (SPS and
//! PPS); where it has not (clips from another encoder, clips of different makes), the whole cut
//! is encoded once ([`CutMode::Full`]) and the report says why. The sound is always made anew
//! (cheap): AAC frames do not end where a trim does and every AAC clip starts with encoder
//! priming (see the stitch).
//!
//! [`timeline`] does the arithmetic (frames, keyframes, what to copy), [`graph`] writes the
//! filter graphs, [`render`] takes the steps and [`encode`] runs ffmpeg for them, [`title`]
//! draws the cards and [`reframe`] makes a delivery preset's frame shape of the mixed film.

mod encode;
mod facts;
mod graph;
mod reframe;
mod render;
mod smart;
mod timeline;
mod title;

pub use reframe::reframe;
pub use title::title_card;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_core::{CutPlan, Span};

use crate::error::MediaError;
use crate::ffmpeg::Ffmpeg;
use crate::task::TaskCtx;

/// What to cut: one clip per shot of `plan`, in the plan's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CutJob {
    pub clips: Vec<PathBuf>,
    pub plan: CutPlan,
    /// None: the clips' own size (a smart render where the clips allow it). Some: a delivery
    /// preset's size, each shot reframed to it (its crop window or a fit), all encoded.
    pub size: Option<(u32, u32)>,
}

/// How a cut was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CutMode {
    /// Untouched GOPs copied, only the frames around joins encoded.
    Smart,
    /// Every frame decoded and encoded.
    Full,
}

/// What [`render_cut`] made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CutReport {
    /// The film's length in seconds (whole frames).
    pub duration: f64,
    /// Where each shot shows on the film, in the plan's order (as [`CutPlan::spans`], snapped
    /// to frames).
    pub spans: Vec<Span>,
    /// Video packets copied from the clips and title cards untouched.
    pub copied_packets: u64,
    /// Video frames decoded and encoded again.
    pub reencoded_frames: u64,
    pub mode: CutMode,
    /// Why a cut that could have been smart was encoded whole (None when smart, or when a
    /// size was asked for and so every frame had to be redrawn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_because: Option<String>,
}

/// Why a cut cannot be made as asked. Each names what to fix; retrying unchanged cannot help.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CutProblem {
    #[error("the cut has no shots")]
    NoShots,
    #[error("the cut plans {plan} shots but {clips} clips were given")]
    ShotCount { plan: usize, clips: usize },
    #[error("shot {shot}'s clip {path} does not exist")]
    MissingClip { shot: usize, path: PathBuf },
    #[error("shot {shot}'s clip {path} has no video stream")]
    NoVideo { shot: usize, path: PathBuf },
    #[error(
        "shot {shot} is trimmed to {start:.2}-{end:.2} s, but its clip is {clip_seconds:.2} s \
         long: the trim must lie inside the clip, its out after its in"
    )]
    TrimOutOfRange {
        shot: usize,
        start: f64,
        end: f64,
        clip_seconds: f64,
    },
    #[error(
        "shot {shot} plays {seconds:.2} s: a shot must play at least {} s",
        studio_core::MIN_SHOT_SECONDS
    )]
    ShotTooShort { shot: usize, seconds: f64 },
    #[error(
        "the transition into shot {shot} lasts {seconds} s: it must last 0 to {} s",
        studio_core::MAX_TRANSITION_SECONDS
    )]
    TransitionLength { shot: usize, seconds: f64 },
    #[error(
        "the transition into shot {shot} lasts {seconds:.2} s, longer than shot {neighbour} \
         ({neighbour_seconds:.2} s as trimmed)"
    )]
    TransitionLongerThanShot {
        shot: usize,
        seconds: f64,
        neighbour: usize,
        neighbour_seconds: f64,
    },
    #[error(
        "shot {shot} plays {seconds:.2} s, less than its transitions in ({incoming:.2} s) and \
         out to shot {next} ({outgoing:.2} s) together"
    )]
    TransitionsOverlap {
        shot: usize,
        incoming: f64,
        outgoing: f64,
        seconds: f64,
        next: usize,
    },
    #[error(
        "title {title} lasts {seconds} s: a title card lasts {} to {} s",
        studio_core::TITLE_SECONDS.start(),
        studio_core::TITLE_SECONDS.end()
    )]
    TitleLength { title: usize, seconds: f64 },
    #[error("the {what} is {value}: it must be a finite number")]
    NotANumber { what: String, value: f64 },
    #[error("the film {path} has no video stream to reframe")]
    NoFilmVideo { path: PathBuf },
}

/// Cuts `job.clips` into the film at `out` as `job.plan` says (see the module's notes).
/// Intermediate files go to a directory made inside `scratch` (removed at the end); the film
/// is written beside `out` and renamed onto it only when whole, so a failed or cancelled cut
/// leaves nothing at `out`. Progress goes to `task`; cancelling it kills the running ffmpeg.
pub async fn render_cut(
    ffmpeg: &Ffmpeg,
    job: &CutJob,
    scratch: &Path,
    out: &Path,
    task: &TaskCtx,
) -> Result<CutReport, MediaError> {
    render::render(ffmpeg, job, scratch, out, task, false).await
}

/// The same cut as [`render_cut`], every frame decoded and encoded (never smart): what a smart
/// render is measured against (the benchmark), and a way out should a player ever refuse a
/// smart join.
pub async fn render_cut_full(
    ffmpeg: &Ffmpeg,
    job: &CutJob,
    scratch: &Path,
    out: &Path,
    task: &TaskCtx,
) -> Result<CutReport, MediaError> {
    render::render(ffmpeg, job, scratch, out, task, true).await
}
