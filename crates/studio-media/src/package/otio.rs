//! The timeline as OpenTimelineIO JSON (`.otio`), in the schema versions OpenTimelineIO 0.15
//! and later read (`Clip.2` with `media_references`).
//!
//! A transition of d frames sits between the two clips it joins, as OTIO models an editor's
//! dissolve: the outgoing clip's range ends `after` frames before the end of its trimmed part,
//! the incoming one's starts `before` frames after the start of its part, and the
//! `Transition` has `in_offset = before`, `out_offset = after` (d/2 each for an even d), so the
//! media each clip shows through the transition (OTIO's `visible_range`) is exactly its trim.
//! A crossfade is an `SMPTE_Dissolve`; a dip to black is a `Custom_Transition` named
//! "Dip to Black" with `metadata.smoketech.kind = "dip-to-black"`: OTIO has no dip of its own,
//! and this keeps the exact offsets and says what it is, where a black gap between two
//! dissolves would split one transition into three items.

use serde_json::{json, Value};
use studio_core::TransitionKind;

use super::model::{Fade, Layout, PackageItem, PackageTimeline};

/// The key of the studio's own notes in OTIO metadata.
pub const METADATA_KEY: &str = "smoketech";

fn time(frames: i64, fps: i64) -> Value {
    json!({"OTIO_SCHEMA": "RationalTime.1", "rate": fps as f64, "value": frames as f64})
}

fn range(start: i64, duration: i64, fps: i64) -> Value {
    json!({
        "OTIO_SCHEMA": "TimeRange.1",
        "duration": time(duration, fps),
        "start_time": time(start, fps),
    })
}

fn external(target: &str, frames: i64, fps: i64) -> Value {
    json!({
        "OTIO_SCHEMA": "ExternalReference.1",
        "metadata": {},
        "name": "",
        "available_range": range(0, frames, fps),
        "available_image_bounds": null,
        "target_url": target,
    })
}

fn clip(name: &str, source: (i64, i64), media: Value, fps: i64, metadata: Value) -> Value {
    json!({
        "OTIO_SCHEMA": "Clip.2",
        "metadata": metadata,
        "name": name,
        "source_range": range(source.0, source.1 - source.0, fps),
        "effects": [],
        "markers": [],
        "enabled": true,
        "media_references": {"DEFAULT_MEDIA": media},
        "active_media_reference_key": "DEFAULT_MEDIA",
    })
}

fn transition(fade: &Fade, fps: i64) -> Value {
    let (name, kind, otio_type) = match fade.kind {
        TransitionKind::DipToBlack => ("Dip to Black", "dip-to-black", "Custom_Transition"),
        _ => ("Cross Dissolve", "crossfade", "SMPTE_Dissolve"),
    };
    json!({
        "OTIO_SCHEMA": "Transition.1",
        "metadata": {METADATA_KEY: {"kind": kind, "seconds": fade.frames as f64 / fps as f64}},
        "name": name,
        "in_offset": time(fade.before, fps),
        "out_offset": time(fade.after, fps),
        "transition_type": otio_type,
    })
}

fn track(name: &str, kind: &str, children: Vec<Value>) -> Value {
    json!({
        "OTIO_SCHEMA": "Track.1",
        "metadata": {},
        "name": name,
        "source_range": null,
        "effects": [],
        "markers": [],
        "enabled": true,
        "children": children,
        "kind": kind,
    })
}

/// The `.otio` text of a laid-out timeline.
pub(crate) fn write(timeline: &PackageTimeline, layout: &Layout<'_>) -> String {
    let fps = layout.fps;
    let mut video = Vec::with_capacity(layout.items.len() * 2);
    for placed in &layout.items {
        if let Some(fade) = &placed.incoming {
            video.push(transition(fade, fps));
        }
        let metadata = match placed.item {
            PackageItem::Shot { .. } => json!({METADATA_KEY: {"kind": "shot"}}),
            PackageItem::Title { text, .. } => {
                json!({METADATA_KEY: {"kind": "title", "text": text}})
            }
        };
        video.push(clip(
            placed.item.name(),
            placed.cut_src(),
            external(placed.item.media(), placed.media_frames, fps),
            fps,
            metadata,
        ));
    }
    let mut tracks = vec![track("V1", "Video", video)];
    for (k, (name, path)) in timeline.stems.iter().enumerate() {
        let stem = clip(
            name,
            (0, layout.film_frames),
            external(path, layout.film_frames, fps),
            fps,
            json!({METADATA_KEY: {"kind": "stem"}}),
        );
        tracks.push(track(&format!("A{}", k + 1), "Audio", vec![stem]));
    }
    let doc = json!({
        "OTIO_SCHEMA": "Timeline.1",
        "metadata": {METADATA_KEY: {
            "fps": timeline.fps,
            "width": timeline.width,
            "height": timeline.height,
            "captions": timeline.captions,
            "stems": timeline.stems.iter()
                .map(|(n, p)| json!({"name": n, "path": p}))
                .collect::<Vec<_>>(),
        }},
        "name": timeline.name,
        // 01:00:00:00, where editors start a programme (the EDL's record timecode too).
        "global_start_time": time(3600 * fps, fps),
        "tracks": {
            "OTIO_SCHEMA": "Stack.1",
            "metadata": {},
            "name": "tracks",
            "source_range": null,
            "effects": [],
            "markers": [],
            "enabled": true,
            "children": tracks,
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
