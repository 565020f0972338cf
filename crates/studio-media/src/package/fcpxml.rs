//! The timeline as FCPXML, for Final Cut Pro and DaVinci Resolve.
//!
//! Version 1.8: the last whose `<asset>` carries its `src` itself (1.9 moved it into a
//! `<media-rep>` child), which is what OpenTimelineIO's `fcpx_xml` adapter reads a clip's media
//! from; Final Cut 10.4.1 and later and Resolve 16 and later import it.
//!
//! The spine is Final Cut's own layout: clips butt-join at their cut points (each clip's
//! `offset` is where the one before it ends) and a `<transition>` between two of them straddles
//! the cut, `offset = cut - before`, `duration = d`, taking its frames from the clips' media
//! beyond their ranges (see the OTIO writer for `before`/`after`). A crossfade is Final Cut's
//! Cross Dissolve, a dip to black its Fade To Color (black by default); both carry an Audio
//! Crossfade, as the render crossfades the sound. Title cards are their rendered clips. Stems
//! are audio clips connected to the first clip on lanes 1, 2, ...; the captions file has no
//! place in FCPXML 1.8 and sits beside it. Each asset names its file once, as `src` (1.8's
//! own attribute, which OTIO and Resolve read). The document is valid against Apple's 1.8 DTD
//! (`tests/package.rs`, `fcpxml_is_valid_against_apples_1_8_dtd`): 1.9's `<media-rep>` is not
//! in 1.8 (its `<asset>` holds only `bookmark?, metadata?`), so none is written.
//!
//! Times are `N/2400s` (Final Cut's own timebase for 24 fps: 100/2400 s a frame); the
//! sequence starts at 01:00:00:00 (`tcStart="3600s"`) and, as in Final Cut's exports, spine
//! offsets count from there.

use std::fmt::Write as _;

use studio_core::TransitionKind;

use super::model::{Fade, Layout, PackageTimeline, Placed};

/// Final Cut's Cross Dissolve.
pub const CROSS_DISSOLVE_UID: &str = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265";
/// Final Cut's Fade To Color (black unless told otherwise): the dip.
pub const FADE_TO_COLOR_UID: &str = "FxPlug:F779C565-486D-4633-8035-0374B4DB8F5C";
/// Final Cut's audio crossfade, under either.
pub const AUDIO_CROSSFADE_UID: &str = "FFAudioTransition";

/// `frames` at `fps` as an FCPXML time, in 1/(100·fps)-second units (`2400` ticks a second at
/// 24 fps, as Final Cut writes), or `0s`.
fn t(frames: i64, fps: i64) -> String {
    if frames == 0 {
        "0s".to_owned()
    } else if frames % fps == 0 {
        format!("{}s", frames / fps)
    } else {
        format!("{}/{}s", frames * 100, fps * 100)
    }
}

/// Text safe in an XML attribute or element.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) < 0x20 && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An asset's one child, an empty `<metadata/>` (1.8 allows `bookmark?, metadata?`): OTIO's
/// reader tests an asset element for truth (`if asset and asset.get("hasVideo")`, otio-fcpx-
/// xml-adapter 1.0.0 `_audio_only`), and an ElementTree element without children is false, so
/// a childless audio asset would be taken for video.
const ASSET_CHILD: &str = "            <metadata/>\n";

/// The format's name Final Cut knows for this frame size at 24 fps, if it has one.
fn format_name(width: u32, height: u32, fps: u32) -> Option<String> {
    let size = match (width, height) {
        (1920, 1080) => "1080".to_owned(),
        (1280, 720) => "720".to_owned(),
        (w, h) if (w, h) == (3840, 2160) || (w, h) == (1080, 1920) => format!("{w}x{h}"),
        _ => return None,
    };
    Some(format!("FFVideoFormat{size}p{fps}"))
}

fn transition_xml(out: &mut String, fade: &Fade, cut: i64, fps: i64) {
    let (name, effect, effect_name) = match fade.kind {
        TransitionKind::DipToBlack => ("Dip to Black", "r3", "Fade To Color"),
        _ => ("Cross Dissolve", "r2", "Cross Dissolve"),
    };
    let _ = write!(
        out,
        "                        <transition name=\"{name}\" offset=\"{}\" duration=\"{}\">\n\
         \x20                           <filter-video ref=\"{effect}\" name=\"{effect_name}\"/>\n\
         \x20                           <filter-audio ref=\"r4\" name=\"Audio Crossfade\"/>\n\
         \x20                       </transition>\n",
        t(cut - fade.before, fps),
        t(fade.frames, fps),
    );
}

fn clip_xml(
    out: &mut String,
    placed: &Placed<'_>,
    asset: usize,
    start: i64,
    fps: i64,
    inner: &str,
) {
    let (src_in, src_out) = placed.cut_src();
    let (rec_in, _) = placed.cut_rec();
    let _ = write!(
        out,
        "                        <asset-clip ref=\"a{asset}\" name=\"{}\" offset=\"{}\" start=\"{}\" \
         duration=\"{}\" format=\"r1\" tcFormat=\"NDF\"",
        escape(placed.item.name()),
        t(start + rec_in, fps),
        t(src_in, fps),
        t(src_out - src_in, fps),
    );
    if inner.is_empty() {
        out.push_str("/>\n");
    } else {
        out.push_str(">\n");
        out.push_str(inner);
        out.push_str("                        </asset-clip>\n");
    }
}

/// The `.fcpxml` text of a laid-out timeline.
pub(crate) fn write(timeline: &PackageTimeline, layout: &Layout<'_>) -> String {
    let fps = layout.fps;
    let start = 3600 * fps;
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n");
    out.push_str("<fcpxml version=\"1.8\">\n    <resources>\n");
    let name_attr = format_name(timeline.width, timeline.height, timeline.fps)
        .map(|n| format!(" name=\"{n}\""))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "        <format id=\"r1\"{name_attr} frameDuration=\"{}\" width=\"{}\" height=\"{}\"/>",
        t(1, fps),
        timeline.width,
        timeline.height
    );
    let _ = writeln!(
        out,
        "        <effect id=\"r2\" name=\"Cross Dissolve\" uid=\"{CROSS_DISSOLVE_UID}\"/>\n\
         \x20       <effect id=\"r3\" name=\"Fade To Color\" uid=\"{FADE_TO_COLOR_UID}\"/>\n\
         \x20       <effect id=\"r4\" name=\"Audio Crossfade\" uid=\"{AUDIO_CROSSFADE_UID}\"/>"
    );
    // One asset per media file (a shot used twice shares it).
    let mut assets: Vec<&str> = Vec::new();
    let mut asset_of = Vec::with_capacity(layout.items.len());
    for placed in &layout.items {
        let media = placed.item.media();
        let index = match assets.iter().position(|m| *m == media) {
            Some(i) => i,
            None => {
                assets.push(media);
                let _ = writeln!(
                    out,
                    "        <asset id=\"a{}\" name=\"{}\" src=\"{src}\" start=\"0s\" duration=\"{}\" \
                     hasVideo=\"1\" format=\"r1\" hasAudio=\"1\" audioSources=\"1\" \
                     audioChannels=\"2\" audioRate=\"48000\">\n{}        </asset>",
                    assets.len(),
                    escape(placed.item.name()),
                    t(placed.media_frames, fps),
                    ASSET_CHILD,
                    src = escape(media),
                );
                assets.len() - 1
            }
        };
        asset_of.push(index + 1);
    }
    for (k, (name, path)) in timeline.stems.iter().enumerate() {
        let _ = writeln!(
            out,
            "        <asset id=\"s{}\" name=\"{}\" src=\"{src}\" start=\"0s\" duration=\"{}\" \
             hasVideo=\"0\" hasAudio=\"1\" audioSources=\"1\" audioChannels=\"2\" \
             audioRate=\"48000\">\n{}        </asset>",
            k + 1,
            escape(name),
            t(layout.film_frames, fps),
            ASSET_CHILD,
            src = escape(path),
        );
    }
    out.push_str("    </resources>\n");
    let name = escape(&timeline.name);
    let _ = write!(
        out,
        "    <library>\n        <event name=\"{name}\">\n            <project name=\"{name}\">\n\
         \x20               <sequence format=\"r1\" duration=\"{}\" tcStart=\"{}\" tcFormat=\"NDF\" \
         audioLayout=\"stereo\" audioRate=\"48k\">\n                    <spine>\n",
        t(layout.film_frames, fps),
        t(start, fps),
    );
    for (k, placed) in layout.items.iter().enumerate() {
        if let Some(fade) = &placed.incoming {
            transition_xml(&mut out, fade, start + placed.cut_rec().0, fps);
        }
        // The stems hang on the first clip, at the film's first frame: a connected clip's
        // offset is in its parent's own time, which starts at the parent's `start`. Lanes
        // above the storyline (1, 2, ...): Resolve is reported to refuse negative ones.
        let mut inner = String::new();
        if k == 0 {
            for (s, (name, _)) in timeline.stems.iter().enumerate() {
                let _ = writeln!(
                    inner,
                    "                            <asset-clip ref=\"s{}\" lane=\"{}\" name=\"{}\" \
                     offset=\"{}\" start=\"0s\" duration=\"{}\" tcFormat=\"NDF\"/>",
                    s + 1,
                    s + 1,
                    escape(name),
                    t(placed.cut_src().0, fps),
                    t(layout.film_frames, fps),
                );
            }
        }
        let asset = asset_of.get(k).copied().unwrap_or(1);
        clip_xml(&mut out, placed, asset, start, fps, &inner);
    }
    out.push_str(
        "                    </spine>\n                </sequence>\n            </project>\n        \
         </event>\n    </library>\n</fcpxml>\n",
    );
    out
}
