//! The timeline as a CMX 3600 EDL: one video track, non-drop-frame timecode at the clips' 24
//! fps, the record side starting at 01:00:00:00.
//!
//! CMX puts a dissolve wholly after its edit point: the outgoing event ends where the dissolve
//! starts and the incoming event (a `C` line at the outgoing clip's source out, then the
//! incoming clip's `D nnn` line) starts there with the incoming clip's trim in; the outgoing
//! clip runs on under the dissolve from its source out. So every event's source range is its
//! trim less the outgoing transition, and the media both clips show is exactly their trims.
//!
//! A dip to black is the CMX idiom every editor renders as one: a dissolve to black (`BL`)
//! over the first half, then a dissolve from black to the incoming clip over the second. The
//! incoming clip's event starts half-way, at its trim in plus that half (the frames under
//! black are not listed): read back, the outgoing clip's out is its trim's out less the
//! second half and the incoming one's in its trim's in plus the first half.
//!
//! Comments, as OpenTimelineIO's `cmx_3600` reader takes them: `* FROM CLIP NAME:` names the
//! clip (`* TO CLIP NAME:` the incoming one of a dissolve), `* FROM CLIP:` is the media file of
//! a plain event and `* OTIO REFERENCE TO:` that of a dissolve's incoming clip (the reader
//! takes `FROM CLIP` as the media of the event's clip, which in a dissolve is the incoming
//! one), and `* SOURCE FILE:` repeats the file for Resolve and Premiere. Reel names are the
//! media files' names cut to CMX's 8 characters.

use std::collections::HashMap;
use std::fmt::Write as _;

use studio_core::TransitionKind;

use super::model::{Layout, PackageError, PackageTimeline, Placed};

/// CMX 3600 event numbers run 001..999.
const MAX_EVENTS: usize = 999;

/// `frames` as non-drop-frame timecode.
pub(crate) fn timecode(frames: i64, fps: i64) -> String {
    let f = frames.max(0);
    let (ff, s) = (f % fps, f / fps);
    format!("{:02}:{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60, ff)
}

/// Reel names: the media file's stem, letters and digits only, at most 8 characters, unique
/// per media file (`R001`... when two would collide), never `BL` (black) or `AX`.
fn reels(layout: &Layout<'_>) -> Vec<String> {
    let mut by_media: HashMap<&str, String> = HashMap::new();
    let mut taken: Vec<String> = vec!["BL".into(), "BLACK".into(), "AX".into(), "BARS".into()];
    let mut out = Vec::with_capacity(layout.items.len());
    for (k, placed) in layout.items.iter().enumerate() {
        let media = placed.item.media();
        if let Some(reel) = by_media.get(media) {
            out.push(reel.clone());
            continue;
        }
        let stem = std::path::Path::new(media)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut reel: String = (stem.chars())
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .take(8)
            .collect();
        if reel.is_empty() || taken.contains(&reel) {
            reel = format!("R{:03}", k + 1);
        }
        taken.push(reel.clone());
        by_media.insert(media, reel.clone());
        out.push(reel);
    }
    out
}

struct Line<'r> {
    reel: &'r str,
    dissolve: Option<i64>,
    src: (i64, i64),
    rec: (i64, i64),
}

impl Line<'_> {
    fn write(&self, out: &mut String, event: usize, fps: i64, origin: i64) {
        let edit = match self.dissolve {
            Some(frames) => format!("D {frames:03}"),
            None => "C    ".to_owned(),
        };
        let _ = writeln!(
            out,
            "{event:03}  {:<8} V     {edit}    {} {} {} {}",
            self.reel,
            timecode(self.src.0, fps),
            timecode(self.src.1, fps),
            timecode(origin + self.rec.0, fps),
            timecode(origin + self.rec.1, fps),
        );
    }
}

/// A clip name on one comment line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `.edl` text of a laid-out timeline, or why CMX 3600 cannot hold it.
pub(crate) fn write(
    timeline: &PackageTimeline,
    layout: &Layout<'_>,
) -> Result<String, PackageError> {
    let fps = layout.fps;
    let origin = 3600 * fps;
    let reels = reels(layout);
    let mut out = String::new();
    let _ = writeln!(out, "TITLE: {}", one_line(&timeline.name));
    out.push_str("FCM: NON-DROP FRAME\n\n");
    let mut event = 0_usize;
    let mut prev: Option<(&Placed<'_>, &str)> = None;
    for (placed, reel) in layout.items.iter().zip(&reels) {
        // The event's source: the trim, less the outgoing transition (CMX starts a dissolve at
        // the outgoing event's end).
        let out_frames = placed.outgoing.map_or(0, |f| f.frames);
        let mut src = (placed.src_in, placed.src_out - out_frames);
        let mut rec = (placed.rec_in, placed.rec_out - out_frames);
        let name = one_line(placed.item.name());
        let media = placed.item.media();
        match (placed.incoming, prev) {
            (Some(fade), Some((from, from_reel))) => {
                let from_name = one_line(from.item.name());
                let from_out = from.src_out - fade.frames;
                let mut dissolve = fade.frames;
                if fade.kind == TransitionKind::DipToBlack && fade.before > 0 {
                    // Fade to black over the first half...
                    event += 1;
                    let at = placed.rec_in;
                    let cut = Line {
                        reel: from_reel,
                        dissolve: None,
                        src: (from_out, from_out),
                        rec: (at, at),
                    };
                    cut.write(&mut out, event, fps, origin);
                    let black = Line {
                        reel: "BL",
                        dissolve: Some(fade.before),
                        src: (0, fade.before),
                        rec: (at, at + fade.before),
                    };
                    black.write(&mut out, event, fps, origin);
                    let _ = writeln!(out, "* FROM CLIP NAME:  {from_name}");
                    let _ = writeln!(out, "* TO CLIP NAME:  BLACK");
                    out.push('\n');
                    // ...then in from black over the second, the clip from half-way.
                    src.0 += fade.before;
                    rec.0 += fade.before;
                    dissolve = fade.after;
                }
                event += 1;
                let (cut_reel, cut_src) = match fade.kind {
                    TransitionKind::DipToBlack => ("BL", (0, 0)),
                    _ => (from_reel, (from_out, from_out)),
                };
                let cut = Line {
                    reel: cut_reel,
                    dissolve: None,
                    src: cut_src,
                    rec: (rec.0, rec.0),
                };
                cut.write(&mut out, event, fps, origin);
                let incoming = Line {
                    reel,
                    dissolve: Some(dissolve),
                    src,
                    rec,
                };
                incoming.write(&mut out, event, fps, origin);
                let from_label = match fade.kind {
                    TransitionKind::DipToBlack => "BLACK".to_owned(),
                    _ => from_name,
                };
                let _ = writeln!(out, "* FROM CLIP NAME:  {from_label}");
                let _ = writeln!(out, "* TO CLIP NAME:  {name}");
                let _ = writeln!(out, "* OTIO REFERENCE TO: {media}");
                let _ = writeln!(out, "* SOURCE FILE: {media}");
            }
            _ => {
                event += 1;
                let line = Line {
                    reel,
                    dissolve: None,
                    src,
                    rec,
                };
                line.write(&mut out, event, fps, origin);
                let _ = writeln!(out, "* FROM CLIP NAME:  {name}");
                let _ = writeln!(out, "* FROM CLIP: {media}");
                let _ = writeln!(out, "* SOURCE FILE: {media}");
            }
        }
        out.push('\n');
        prev = Some((placed, reel.as_str()));
    }
    if event > MAX_EVENTS {
        return Err(PackageError::TooManyEvents { events: event });
    }
    Ok(out)
}
