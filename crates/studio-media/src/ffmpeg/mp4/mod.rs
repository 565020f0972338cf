//! [`PacketProbe`] read from an MP4's sample tables in this process, without starting ffprobe.
//!
//! A smart cut probes every clip before it can plan anything, and an ffprobe run costs about
//! 0.05 s of CPU just to load ffmpeg's libraries: ten clips were 0.5 s of a 4 s render. The
//! tables give the same facts for a few hundred microseconds. The answer must be ffprobe's
//! exactly (the cut's stream copies rely on where ffmpeg's demuxer puts each packet), so this
//! reads only the shapes it reproduces exactly: a progressive, unfragmented MP4 of H.264
//! (`avc1`) and AAC-LC tracks, each with at most one edit that trims only whole frames, and
//! [`read`] answers None for anything else, leaving it to ffprobe. `tests/native_probe.rs`
//! checks the answers against ffprobe's on clips of every shape the studio makes and on shapes
//! it must refuse.
//!
//! How ffmpeg's `mov` demuxer (`libavformat/mov.c`) places packets, which this follows:
//! - `mov_fix_index` applies the edit: frames shown before the edit's media time are kept but
//!   discarded; the first frame shown in it gets decoding time 0, except that a video track's
//!   times are then lowered by its smallest presentation time, so its first frame is shown at 0.
//! - `mov_find_next_sample` interleaves the tracks: of the tracks' next samples it takes the
//!   one earliest in the file among those within a second of the earliest-timed, else the
//!   earliest-timed.

mod codec;
mod tables;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::div_round;
use super::probe::{AudioStream, Packet, PacketProbe, ProbeInfo, VideoStream};
use tables::{Entry, Track};

/// A `moov` larger than this is not read here (a 60 s clip's is tens of kilobytes).
const MAX_MOOV: u64 = 32 << 20;

/// [`PacketProbe`] for `path` from its sample tables, as ffprobe would give it; None when the
/// file is not a shape read here exactly (or cannot be read), for ffprobe to answer.
pub fn read(path: &Path) -> Option<PacketProbe> {
    let (moov, len) = read_moov(path)?;
    let (movie_scale, movie_duration, tracks) = tables::parse_moov(&moov, len)?;
    assemble(movie_scale, movie_duration, &tracks)
}

/// The `moov` box's payload and the file's length. None if the file is fragmented (`moof`), has no `moov`, or its
/// boxes do not add up.
fn read_moov(path: &Path) -> Option<(Vec<u8>, u64)> {
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let mut at = 0u64;
    let mut moov = None;
    while at < len {
        let mut head = [0u8; 16];
        f.seek(SeekFrom::Start(at)).ok()?;
        f.read_exact(head.get_mut(..8)?).ok()?;
        let size32 = u64::from(u32::from_be_bytes(head.get(..4)?.try_into().ok()?));
        let kind: [u8; 4] = head.get(4..8)?.try_into().ok()?;
        let (size, header) = match size32 {
            0 => (len - at, 8),
            1 => {
                f.read_exact(head.get_mut(8..16)?).ok()?;
                (u64::from_be_bytes(head.get(8..16)?.try_into().ok()?), 16)
            }
            n => (n, 8),
        };
        if size < header || at.checked_add(size)? > len {
            return None;
        }
        match &kind {
            b"moof" | b"mfra" => return None,
            b"moov" if moov.is_none() && size - header <= MAX_MOOV => {
                let mut body = vec![0u8; usize::try_from(size - header).ok()?];
                f.seek(SeekFrom::Start(at + header)).ok()?;
                f.read_exact(&mut body).ok()?;
                moov = Some(body);
            }
            b"moov" => return None,
            _ => {}
        }
        at += size;
    }
    Some((moov?, len))
}

/// One packet of a track: decoding and presentation time in the track's timescale, whether it
/// is a keyframe, and where it starts in the file.
#[derive(Debug, Clone, Copy)]
struct Demuxed {
    dts: i64,
    pts: i64,
    key: bool,
    pos: u64,
}

/// `a * b / c` rounded to nearest, halves away from zero (ffmpeg's `av_rescale`).
fn rescale(a: i64, b: i64, c: i64) -> Option<i64> {
    if c <= 0 {
        return None;
    }
    i64::try_from(div_round(i128::from(a) * i128::from(b), i128::from(c))).ok()
}

fn assemble(movie_scale: u32, movie_duration: u64, tracks: &[Track]) -> Option<PacketProbe> {
    let mut streams = Vec::new();
    let mut starts = Vec::new();
    for t in tracks {
        let (packets, start) = tables::demux(t, movie_scale)?;
        starts.push(rescale(start, 1_000_000, i64::from(t.timescale))?);
        streams.push(packets);
    }
    let video_index = (tracks.iter()).position(|t| matches!(t.entry, Entry::Video { .. }));
    let video = match video_index.and_then(|i| tracks.get(i)) {
        Some(t) => Some(video_facts(t)?),
        None => None,
    };
    let audio = tracks.iter().find_map(|t| match &t.entry {
        Entry::Audio(a) => Some(AudioStream {
            codec: "aac".into(),
            sample_rate: a.sample_rate,
            channels: a.channels,
            channel_layout: a.channel_layout.into(),
        }),
        Entry::Video { .. } => None,
    });
    let duration_us = rescale(
        i64::try_from(movie_duration).ok()?,
        1_000_000,
        i64::from(movie_scale),
    )?;
    let frame_rate = video.as_ref().map(|(_, rate, _)| *rate);
    let extradata = video.as_ref().map(|(_, _, hash)| hash.clone());
    Some(PacketProbe {
        info: ProbeInfo {
            duration: duration_us as f64 / 1e6,
            video: video.map(|(v, _, _)| v),
            audio,
        },
        video_index,
        frame_rate,
        time_bases: tracks.iter().map(|t| (1, t.timescale)).collect(),
        video_extradata: extradata.unwrap_or_default(),
        packets: interleave(tracks, &streams)?,
        start_seconds: starts.iter().min().map_or(0.0, |&us| us as f64 / 1e6),
    })
}

/// The video stream's facts, its frame rate and its extradata hash as ffprobe gives them.
fn video_facts(t: &Track) -> Option<(VideoStream, (u32, u32), String)> {
    let Entry::Video { avc, avcc } = &t.entry else {
        return None;
    };
    // mov.c sets r_frame_rate from the first duration when all (or all but the last) frames
    // have it; otherwise ffmpeg guesses it from the stream, which is not reproduced here.
    let first = match t.stts.as_slice() {
        [(_, d)] | [(_, d), (1, _)] => *d,
        _ => return None,
    };
    let rate = reduce(t.timescale, first)?;
    let hash = format!("SHA256:{}", hex::encode(Sha256::digest(avcc)));
    let stream = VideoStream {
        codec: "h264".into(),
        width: avc.width,
        height: avc.height,
        pix_fmt: avc.pix_fmt.into(),
        frame_rate: format!("{}/{}", rate.0, rate.1),
        profile: avc.profile.into(),
    };
    Some((stream, rate, hash))
}

fn reduce(n: u32, d: u32) -> Option<(u32, u32)> {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let g = gcd(n, d);
    (n > 0 && d > 0).then(|| (n / g, d / g))
}

/// The packets of every track in the order ffmpeg's `mov_find_next_sample` reads them.
fn interleave(tracks: &[Track], streams: &[Vec<Demuxed>]) -> Option<Vec<Packet>> {
    const SECOND: u64 = 1_000_000;
    let mut next = vec![0usize; streams.len()];
    let mut out = Vec::with_capacity(streams.iter().map(Vec::len).sum());
    loop {
        let mut best: Option<(usize, i64, u64)> = None;
        for (i, s) in streams.iter().enumerate() {
            let Some(p) = next.get(i).and_then(|&n| s.get(n)) else {
                continue;
            };
            let dts = rescale(p.dts, 1_000_000, i64::from(tracks.get(i)?.timescale))?;
            let take = match best {
                None => true,
                Some((_, best_dts, best_pos)) => {
                    let diff = best_dts.abs_diff(dts);
                    (diff <= SECOND && p.pos < best_pos) || (diff > SECOND && dts < best_dts)
                }
            };
            if take {
                best = Some((i, dts, p.pos));
            }
        }
        let Some((i, _, _)) = best else {
            return Some(out);
        };
        let n = next.get_mut(i)?;
        let p = streams.get(i)?.get(*n)?;
        *n += 1;
        out.push(Packet {
            stream: i,
            pts: Some(p.pts),
            dts: Some(p.dts),
            key: p.key,
        });
    }
}
