//! What a smart render must know of a clip beyond [`ProbeInfo`], all from one probe
//! ([`Ffmpeg::probe_packets`]: the MP4's tables, or ffprobe): how many frames it has, which are keyframes, its codec's
//! extradata (SPS/PPS, to tell whether a piece encoded here can be joined to its packets), and
//! where whole GOPs can be read straight from the file ([`Gops`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::timeline::Source;
use crate::error::MediaError;
use crate::ffmpeg::{div_round, Ffmpeg, PacketProbe, ProbeInfo};
use crate::task::TaskCtx;

/// A clip's facts for the cut.
#[derive(Debug, Clone)]
pub(crate) struct ClipFacts {
    pub path: PathBuf,
    pub probe: ProbeInfo,
    /// Frame rate as num/den (the stream's `r_frame_rate`).
    pub fps: (u32, u32),
    pub source: Source,
    /// A hash of the video codec's extradata (empty when the stream has none).
    pub extradata: String,
    pub gops: Gops,
}

/// One keyframe, as the concat demuxer and ffmpeg's `-ss` see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    /// Its presentation time in microseconds (what `inpoint` and `-ss` are written in), when
    /// seeking there lands on it: it is a clean cut (every frame shown before it is decoded
    /// before it) and its decoding delay is the stream's, so the demuxer's search by decoding
    /// time finds it.
    seek_us: Option<i64>,
    /// An `outpoint` (microseconds, compared with decoding times) that ends a read just before
    /// it: after the last packet decoded before it, at or before it. None when a packet of
    /// another stream with a later time comes first in the file (the concat demuxer would end
    /// the read early) or it is no clean cut.
    end_us: Option<i64>,
}

/// Where a clip's whole GOPs can be read straight from its file by the concat demuxer
/// (`inpoint`/`outpoint`), packet for packet, and where an encode may seek exactly: by frame
/// index (display order) of each keyframe. Empty when the clip's packets do not allow it (its
/// video is not its first stream, or it has packets without times).
#[derive(Debug, Clone, Default)]
pub(crate) struct Gops {
    keys: BTreeMap<u64, Key>,
    frames: u64,
    /// The file's start time (microseconds), which ffmpeg's `-ss` counts from.
    start_us: i64,
}

impl Gops {
    /// The concat `inpoint` and `outpoint` (None: to the file's end) reading frames
    /// `from..to` (whole GOPs) and nothing else; None when that cannot be done exactly.
    pub(crate) fn read(&self, from: u64, to: u64) -> Option<(i64, Option<i64>)> {
        let inpoint = self.keys.get(&from)?.seek_us?;
        let outpoint = match to == self.frames {
            true => None,
            false => Some(self.keys.get(&to)?.end_us?),
        };
        Some((inpoint, outpoint))
    }

    /// The `-ss` (seconds from the file's start) that lands exactly on keyframe `frame` when
    /// given with `-noaccurate_seek`: a quarter of a frame after it, so rounding cannot land on
    /// the one before. None when that cannot be relied on.
    pub(crate) fn seek(&self, frame: u64, fps: (u32, u32)) -> Option<f64> {
        let at = self.keys.get(&frame)?.seek_us?;
        let quarter = f64::from(fps.1) / f64::from(fps.0.max(1)) / 4.0;
        Some((at - self.start_us) as f64 / 1e6 + quarter)
    }
}

/// `ticks` of time base `num/den` in microseconds, rounded, and whether they convert back to
/// exactly `ticks` (as ffmpeg rescales them).
fn micros(ticks: i64, (num, den): (u32, u32)) -> (i64, bool) {
    let (num, den) = (i128::from(num.max(1)) * 1_000_000, i128::from(den.max(1)));
    let us = div_round(i128::from(ticks) * num, den);
    (us as i64, div_round(us * den, num) == i128::from(ticks))
}

/// Whether `ticks` in `tb` is at or after `us` microseconds (as the concat demuxer compares a
/// packet's decoding time with an `outpoint`).
fn at_or_after(ticks: i64, (num, den): (u32, u32), us: i64) -> bool {
    i128::from(ticks) * i128::from(num) * 1_000_000 >= i128::from(us) * i128::from(den)
}

/// The keyframes of `p`'s video that reads and seeks can start or end at (see [`Key`]).
fn gops(p: &PacketProbe, frames: u64) -> Gops {
    let empty = Gops::default();
    let Some(v) = p.video_index else {
        return empty;
    };
    let tb = p.time_bases.get(v).copied().unwrap_or((0, 1));
    // Video packets in decoding order, each with its position in the file's packet order.
    let video: Vec<(usize, i64, i64, bool)> = (p.packets.iter().enumerate())
        .filter(|(_, k)| k.stream == v)
        .filter_map(|(pos, k)| Some((pos, k.pts?, k.dts?, k.key)))
        .collect();
    // The concat list matches streams by index with the pieces encoded here (video only).
    if v != 0 || tb.0 == 0 || video.len() as u64 != frames {
        return empty;
    }
    let mut order: Vec<usize> = (0..video.len()).collect();
    order.sort_by_key(|&d| video.get(d).map_or(0, |x| x.1));
    let mut display = vec![0u64; video.len()];
    for (f, &d) in order.iter().enumerate() {
        if let Some(slot) = display.get_mut(d) {
            *slot = f as u64;
        }
    }
    let delay = video.first().map_or(0, |x| x.1 - x.2);
    let mut keys = BTreeMap::new();
    // The latest frame shown among the packets decoded so far (None before the first).
    let mut latest: Option<u64> = None;
    for (d, &(pos, pts, dts, key)) in video.iter().enumerate() {
        let f = display.get(d).copied().unwrap_or(u64::MAX);
        // A clean cut: the frames decoded before it are exactly the frames shown before it.
        let clean = f == d as u64 && latest.map_or(d == 0, |l| l + 1 == f);
        if key && clean {
            let (us, exact) = micros(pts, tb);
            let seek_us = (exact && pts - dts == delay).then_some(us);
            let end_us = end_before(p, &video, d, pos, tb);
            keys.insert(f, Key { seek_us, end_us });
        }
        latest = Some(latest.map_or(f, |l| l.max(f)));
    }
    Gops {
        keys,
        frames,
        start_us: (p.start_seconds * 1e6).round() as i64,
    }
}

/// The `outpoint` ending a read just before the video packet decoded `d`-th (at file position
/// `pos`): halfway between its decoding time and the one before, if no packet of any stream
/// read before the last kept one is at or after it.
fn end_before(
    p: &PacketProbe,
    video: &[(usize, i64, i64, bool)],
    d: usize,
    pos: usize,
    tb: (u32, u32),
) -> Option<i64> {
    let &(last_pos, _, last_dts, _) = video.get(d.checked_sub(1)?)?;
    let dts = video.get(d)?.2;
    let (lo, _) = micros(last_dts, tb);
    let (hi, _) = micros(dts, tb);
    let out = lo + (hi - lo + 1) / 2;
    // The kept packet must be before it, the keyframe's at or after it.
    if at_or_after(last_dts, tb, out) || !at_or_after(dts, tb, out) || last_pos > pos {
        return None;
    }
    let early = (p.packets.iter().take(last_pos + 1)).any(|k| {
        let b = p.time_bases.get(k.stream).copied().unwrap_or((0, 1));
        k.dts.is_some_and(|t| b.0 > 0 && at_or_after(t, b, out))
    });
    (!early).then_some(out)
}

/// Probes `path` for the cut (its MP4 tables, or one ffprobe run): stream facts, every packet (demuxed, not
/// decoded: fast) for the frame count, the keyframes and the direct reads, and the extradata's
/// hash. Cancelling `task` kills ffprobe.
pub(crate) async fn clip_facts(
    ff: &Ffmpeg,
    path: &Path,
    task: &TaskCtx,
) -> Result<ClipFacts, MediaError> {
    let p = tokio::select! {
        p = ff.probe_packets(path) => p?,
        _ = task.cancel.cancelled() => return Err(MediaError::Cancelled),
    };
    let v = p.video_index;
    let mut pts: Vec<i64> = (p.packets.iter())
        .filter(|k| Some(k.stream) == v)
        .filter_map(|k| k.pts)
        .collect();
    let mut keyed: Vec<(i64, bool)> = (p.packets.iter())
        .filter(|k| Some(k.stream) == v)
        .filter_map(|k| k.pts.map(|t| (t, k.key)))
        .collect();
    pts.sort_unstable();
    keyed.sort_by_key(|(t, _)| *t);
    let keyframes = (keyed.iter().enumerate())
        .filter(|(_, (_, key))| *key)
        .map(|(i, _)| i as u64)
        .collect();
    let frames = pts.len() as u64;
    Ok(ClipFacts {
        path: path.to_owned(),
        fps: p.frame_rate.unwrap_or((studio_core::CUT_FPS, 1)),
        source: Source { frames, keyframes },
        extradata: p.video_extradata.clone(),
        gops: gops(&p, frames),
        probe: p.info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffmpeg::Packet;

    #[test]
    fn micros_round_and_say_when_exact() {
        assert_eq!(micros(12288, (1, 12288)), (1_000_000, true));
        assert_eq!(micros(51200, (1, 12288)), (4_166_667, true));
        assert_eq!(micros(-1024, (1, 12288)), (-83_333, true));
        // A time base finer than a microsecond does not come back.
        assert!(!micros(1, (1, 10_000_000)).1);
    }

    /// x264-like packets (two B-frames after each P, keyframes every `gop`, decoding two
    /// frames ahead) with, if `audio`, an audio packet after each video packet, its time
    /// `lag` ticks (video time base) behind.
    fn probe(frames: i64, gop: i64, audio: Option<i64>) -> PacketProbe {
        let mut order = Vec::new();
        let mut f = 0;
        while f < frames {
            order.push(f);
            let end = ((f / gop) + 1) * gop;
            let mut next = f + 1;
            while next < end.min(frames) {
                let p = (next + 2).min(end.min(frames) - 1);
                order.push(p);
                for b in next..p {
                    order.push(b);
                }
                next = p + 1;
            }
            f = end;
        }
        let mut packets = Vec::new();
        for (d, &f) in order.iter().enumerate() {
            packets.push(Packet {
                stream: 0,
                pts: Some(f * 512),
                dts: Some((d as i64 - 2) * 512),
                key: f % gop == 0,
            });
            if let Some(lag) = audio {
                let t = (d as i64 - 2) * 512 - lag;
                packets.push(Packet {
                    stream: 1,
                    pts: Some(t * 4),
                    dts: Some(t * 4),
                    key: true,
                });
            }
        }
        PacketProbe {
            info: ProbeInfo {
                duration: 0.0,
                video: None,
                audio: None,
            },
            video_index: Some(0),
            frame_rate: Some((24, 1)),
            time_bases: vec![(1, 12288), (1, 49152)],
            video_extradata: String::new(),
            packets,
            start_seconds: 0.0,
        }
    }

    #[test]
    fn whole_gops_read_from_keyframe_to_keyframe() {
        let g = gops(&probe(144, 24, Some(0)), 144);
        // 1 s in; out between the decoding times of the last packet before frame 72 and its.
        let (inpoint, out) = g.read(24, 72).expect("a read");
        assert_eq!(inpoint, 1_000_000);
        let out = out.expect("an outpoint");
        assert!(out > (69 * 512) * 1_000_000 / 12288 && out <= (70 * 512) * 1_000_000 / 12288);
        assert_eq!(g.read(24, 144), Some((1_000_000, None)));
        assert_eq!(g.read(12, 72), None, "frame 12 is no keyframe");
        let s = g.seek(48, (24, 1)).expect("a seek");
        assert!((s - (2.0 + 1.0 / 96.0)).abs() < 1e-9, "{s}");
    }

    #[test]
    fn sound_stored_late_forbids_the_outpoint_it_would_hit() {
        // Each audio packet is stored two frames of time after the video it sits beside: the
        // audio at or past an outpoint comes before the last video packet to keep.
        let g = gops(&probe(144, 24, Some(-2 * 512)), 144);
        assert!(g.read(24, 72).is_none());
        assert_eq!(g.read(24, 144), Some((1_000_000, None)));
    }
}
