//! What a finished job made, read the way the tests check it: the video's size and length (by
//! ffprobe, not by the code under test), the captions' cues, the clips per scene and the
//! offline provider's usage lines.

use std::path::Path;

use studio_core::{Usage, UsageKind, VideoResult};
use studio_media::Ffmpeg;

use crate::file_path;

/// The video stream's size and the container's duration (seconds) of the file at `path`.
pub async fn size_and_seconds(path: &Path) -> ((u32, u32), f64) {
    let info = Ffmpeg::from_env()
        .probe(path)
        .await
        .unwrap_or_else(|e| panic!("probe {}: {e}", path.display()));
    let v = info
        .video
        .as_ref()
        .unwrap_or_else(|| panic!("no video stream in {}", path.display()));
    ((v.width, v.height), info.duration)
}

/// The duration (seconds) of the artifact at `uri` (a `file:` URI).
pub async fn seconds_of(uri: &str) -> f64 {
    let path = file_path(uri);
    Ffmpeg::from_env()
        .probe(&path)
        .await
        .unwrap_or_else(|e| panic!("probe {}: {e}", path.display()))
        .duration
}

/// A caption: start and end (seconds on the film) and its text.
pub type Cue = (f64, f64, String);

/// The cues of an SRT file's text, in order.
pub fn srt_cues(srt: &str) -> Vec<Cue> {
    let time = |t: &str| -> f64 {
        let (hms, ms) = t.trim().split_once(',').expect("an SRT time hh:mm:ss,mmm");
        let p: Vec<f64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2] + ms.parse::<f64>().unwrap() / 1000.0
    };
    srt.replace("\r\n", "\n")
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let mut lines = block.lines();
            lines.next(); // the cue's number
            let (a, b) = lines
                .next()
                .and_then(|l| l.split_once("-->"))
                .unwrap_or_else(|| panic!("no cue times in {block:?}"));
            (time(a), time(b), lines.collect::<Vec<_>>().join(" "))
        })
        .collect()
}

/// The text of a result's SRT captions.
pub fn captions(r: &VideoResult) -> String {
    let uri = r.captions_url.as_deref().expect("the result has captions");
    std::fs::read_to_string(file_path(uri)).expect("captions readable")
}

/// Each scene's current clip, in order: equal lists mean the same clips were used.
pub fn clip_urls(r: &VideoResult) -> Vec<Option<String>> {
    r.segments.iter().map(|s| s.clip_url.clone()).collect()
}

/// A usage line of the offline provider at standard quality (its 720p for video seconds).
pub fn offline_usage(kind: UsageKind, quantity: u32) -> Usage {
    Usage {
        model: "offline".into(),
        kind,
        quantity,
        resolution: (kind == UsageKind::VideoSecond).then(|| "720p".to_owned()),
    }
}
