//! The `moov` box's tracks and their sample tables, and each track's packets after its edit
//! (what ffmpeg's `mov_build_index` and `mov_fix_index` make of them). Every function answers
//! None for a shape it does not reproduce exactly.

use super::codec::{self, Aac, Avc};
use super::{rescale, Demuxed};

/// More samples than any clip has (a day at 240 frames a second is 20 million).
const MAX_SAMPLES: usize = 50_000_000;

/// One track's sample tables.
#[derive(Debug)]
pub(super) struct Track {
    pub timescale: u32,
    pub entry: Entry,
    /// (count, duration) runs of decoding-time steps.
    pub stts: Vec<(u32, u32)>,
    /// (count, offset) runs of presentation-time offsets, when the track has any.
    ctts: Option<Vec<(u32, i64)>>,
    /// 1-based numbers of the sync samples; None: every sample is one.
    stss: Option<Vec<u32>>,
    /// (first chunk, samples per chunk, sample description) runs.
    stsc: Vec<(u32, u32, u32)>,
    sizes: Vec<u32>,
    chunks: Vec<u64>,
    /// (segment duration in the movie's timescale, media time, rate) of each edit.
    edits: Vec<(u64, i64, (i16, i16))>,
    /// The file's length: a sample past it is a truncated file, for ffprobe to report.
    file_len: u64,
}

#[derive(Debug)]
pub(super) enum Entry {
    Video { avc: Avc, avcc: Vec<u8> },
    Audio(Aac),
}

/// Reads big-endian fields from a box payload.
struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = self.data.get(self.at..self.at + N)?.try_into().ok()?;
        self.at += N;
        Some(bytes)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take::<1>()?[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_be_bytes)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        (self.at + n <= self.data.len()).then(|| self.at += n)
    }

    /// A full box's version (its flags are skipped).
    fn version(&mut self) -> Option<u8> {
        let v = self.u8()?;
        self.skip(3)?;
        Some(v)
    }

    /// An entry count, refused when the payload cannot hold that many entries of `size` bytes
    /// (so a corrupt count cannot make a huge allocation).
    fn count(&mut self, size: usize) -> Option<usize> {
        let n = usize::try_from(self.u32()?).ok()?;
        (n.checked_mul(size)? <= self.data.len() - self.at).then_some(n)
    }
}

/// The child boxes of a payload, as (type, payload).
fn boxes(data: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let mut out = Vec::new();
    let mut c = Cursor::new(data);
    while c.at < data.len() {
        let start = c.at;
        let size32 = c.u32()?;
        let kind = c.take::<4>()?;
        let size = match size32 {
            0 => data.len() - start,
            1 => usize::try_from(c.u64()?).ok()?,
            n => usize::try_from(n).ok()?,
        };
        let body = data.get(c.at..start.checked_add(size)?)?;
        out.push((kind, body));
        c.at = start + size;
    }
    Some(out)
}

fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(data)?
        .into_iter()
        .find(|(k, _)| k == kind)
        .map(|(_, b)| b)
}

/// The movie's timescale and duration, and its tracks.
pub(super) fn parse_moov(moov: &[u8], file_len: u64) -> Option<(u32, u64, Vec<Track>)> {
    let mut scale = None;
    let mut tracks = Vec::new();
    for (kind, body) in boxes(moov)? {
        match &kind {
            b"mvhd" => scale = Some(timescale_and_duration(body)?),
            b"trak" => tracks.push(parse_trak(body, file_len)?),
            b"mvex" => return None,
            _ => {}
        }
    }
    let (scale, duration) = scale?;
    (scale > 0 && !tracks.is_empty()).then_some((scale, duration, tracks))
}

/// The timescale and duration of an `mvhd` or `mdhd` (the same fields, after the creation and
/// modification times: 32 or 64 bits by version).
fn timescale_and_duration(body: &[u8]) -> Option<(u32, u64)> {
    let mut c = Cursor::new(body);
    match c.version()? {
        1 => {
            c.skip(16)?;
            Some((c.u32()?, c.u64()?))
        }
        _ => {
            c.skip(8)?;
            Some((c.u32()?, u64::from(c.u32()?)))
        }
    }
}

fn parse_trak(trak: &[u8], file_len: u64) -> Option<Track> {
    let mut edits = Vec::new();
    if let Some(elst) = child(trak, b"edts").and_then(|e| child(e, b"elst")) {
        let mut c = Cursor::new(elst);
        let v = c.version()?;
        for _ in 0..c.count(if v == 1 { 20 } else { 12 })? {
            let (d, t) = match v {
                1 => (c.u64()?, i64::from_be_bytes(c.take()?)),
                _ => (
                    u64::from(c.u32()?),
                    i64::from(i32::from_be_bytes(c.take()?)),
                ),
            };
            edits.push((d, t, (c.u16()? as i16, c.u16()? as i16)));
        }
    }
    let mdia = child(trak, b"mdia")?;
    let (timescale, _) = timescale_and_duration(child(mdia, b"mdhd")?)?;
    let mut c = Cursor::new(child(mdia, b"hdlr")?);
    c.skip(8)?;
    let handler = c.take::<4>()?;
    let minf = child(mdia, b"minf")?;
    self_contained(minf)?;
    let stbl = child(minf, b"stbl")?;
    let entry = sample_entry(child(stbl, b"stsd")?, &handler)?;
    let mut track = Track {
        timescale,
        entry,
        stts: Vec::new(),
        ctts: None,
        stss: None,
        stsc: Vec::new(),
        sizes: Vec::new(),
        chunks: Vec::new(),
        edits,
        file_len,
    };
    for (kind, body) in boxes(stbl)? {
        let mut c = Cursor::new(body);
        match &kind {
            b"stts" => {
                c.version()?;
                for _ in 0..c.count(8)? {
                    track.stts.push((c.u32()?, c.u32()?));
                }
            }
            b"ctts" => {
                c.version()?;
                let mut runs = Vec::new();
                for _ in 0..c.count(8)? {
                    // Version 0 offsets are unsigned, but ffmpeg reads both as signed.
                    runs.push((c.u32()?, i64::from(c.u32()? as i32)));
                }
                track.ctts = Some(runs);
            }
            b"stss" => {
                c.version()?;
                let n = c.count(4)?;
                // An empty table makes ffmpeg parse the stream for its keyframes.
                if n == 0 {
                    return None;
                }
                track.stss = Some((0..n).map(|_| c.u32()).collect::<Option<_>>()?);
            }
            b"stsc" => {
                c.version()?;
                for _ in 0..c.count(12)? {
                    track.stsc.push((c.u32()?, c.u32()?, c.u32()?));
                }
            }
            b"stsz" => {
                c.version()?;
                let size = c.u32()?;
                let n = usize::try_from(c.u32()?).ok()?;
                track.sizes = match size {
                    0 => {
                        let n = (n.checked_mul(4)? <= body.len() - c.at).then_some(n)?;
                        (0..n).map(|_| c.u32()).collect::<Option<_>>()?
                    }
                    // One size for all: the count is bounded by the other tables' later.
                    s => vec![s; (n <= MAX_SAMPLES).then_some(n)?],
                };
            }
            b"stco" => {
                c.version()?;
                let n = c.count(4)?;
                track.chunks = (0..n)
                    .map(|_| c.u32().map(u64::from))
                    .collect::<Option<_>>()?;
            }
            b"co64" => {
                c.version()?;
                let n = c.count(8)?;
                track.chunks = (0..n).map(|_| c.u64()).collect::<Option<_>>()?;
            }
            // Partial sync samples and compact sizes change what ffmpeg marks as keyframes or
            // how it reads sizes.
            b"stps" | b"stz2" => return None,
            // So do sample groups of random access points and sync samples; others (AAC's
            // `roll`, which ffmpeg writes) it ignores.
            b"sbgp" | b"sgpd" if matches!(body.get(4..8), Some(b"rap ") | Some(b"sync") | None) => {
                return None
            }
            _ => {}
        }
    }
    Some(track)
}

/// Some(()) when every data reference is the file itself (ffmpeg opens other files for the
/// rest, and reads them in another order).
fn self_contained(minf: &[u8]) -> Option<()> {
    let Some(dref) = child(minf, b"dinf").and_then(|d| child(d, b"dref")) else {
        return Some(());
    };
    let entries = boxes(dref.get(8..)?)?;
    let local = |body: &[u8]| body.get(3).is_some_and(|f| f & 1 == 1);
    entries.iter().all(|(_, b)| local(b)).then_some(())
}

/// The track's only sample description: `avc1` for video, `mp4a` with AAC-LC for sound.
fn sample_entry(stsd: &[u8], handler: &[u8; 4]) -> Option<Entry> {
    let mut c = Cursor::new(stsd);
    c.version()?;
    if c.u32()? != 1 {
        return None;
    }
    let entries = boxes(stsd.get(c.at..)?)?;
    let [(kind, body)] = entries.as_slice() else {
        return None;
    };
    match (handler, kind) {
        (b"vide", b"avc1") => {
            let avcc = child(body.get(78..)?, b"avcC")?;
            Some(Entry::Video {
                avc: codec::avc(avcc)?,
                avcc: avcc.to_vec(),
            })
        }
        (b"soun", b"mp4a") => {
            // Version 0 only: QuickTime's versions 1 and 2 add fields before the children.
            if body.get(8..10)? != [0, 0] {
                return None;
            }
            let esds = child(body.get(28..)?, b"esds")?;
            codec::aac(codec::esds_config(esds)?).map(Entry::Audio)
        }
        _ => None,
    }
}

/// The track's packets in decoding order after its edit, with the presentation time its stream
/// starts at (what ffmpeg takes as the stream's start time), in the track's timescale.
pub(super) fn demux(t: &Track, movie_scale: u32) -> Option<(Vec<Demuxed>, i64)> {
    let samples = samples(t)?;
    let video = matches!(t.entry, Entry::Video { .. });
    if let Entry::Audio(a) = &t.entry {
        // Audio start times are corrected by the samples skipped (counted at the sample rate)
        // and PCM-like one-tick samples are read by chunk: neither is reproduced here.
        if a.sample_rate != t.timescale || t.ctts.is_some() || t.stts.iter().any(|r| r.1 == 1) {
            return None;
        }
    }
    let (edit_duration, media_time, rate) = match t.edits.as_slice() {
        [] => {
            let start = samples.first().map_or(0, |s| s.pts);
            return Some((samples, start));
        }
        [edit] => *edit,
        _ => return None,
    };
    if rate != (1, 0) || media_time < 0 || edit_duration == 0 {
        return None;
    }
    let duration = rescale(
        i64::try_from(edit_duration).ok()?,
        i64::from(t.timescale),
        i64::from(movie_scale),
    )?;
    let end = media_time.checked_add(duration)?;
    // mov.c starts the edit from a keyframe found by searching back from the media time (a
    // second earlier for sound, whose decoder needs the frames before): only a search that
    // lands on the first sample is reproduced.
    let first = samples.first()?;
    if video {
        let mut i = samples.iter().rposition(|s| s.dts <= media_time)?;
        while !(samples.get(i)?.key && samples.get(i)?.pts <= media_time) {
            i = i.checked_sub(1)?;
        }
        if i != 0 {
            return None;
        }
    } else if media_time > i64::from(t.timescale) || !first.key {
        return None;
    }
    let mut out: Vec<Demuxed> = Vec::with_capacity(samples.len());
    let mut steps = Vec::with_capacity(samples.len());
    let mut counter = 0i64;
    let mut started = false;
    let mut discarded_begin = 0usize;
    let mut key_after_edit = false;
    for (i, s) in samples.iter().enumerate() {
        let step = match samples.get(i + 1) {
            Some(next) => next.dts - s.dts,
            None => duration,
        };
        if s.pts < media_time || s.pts >= end {
            // A video frame outside the edit, or a sound frame straddling its start, is
            // handled in ways not reproduced here.
            if video || (s.pts < media_time && s.pts.saturating_add(step) > media_time) {
                return None;
            }
            if !started {
                discarded_begin += 1;
            }
        } else if !started {
            started = true;
            // The frames discarded before the edit end where the first one in it starts.
            let mut at = counter;
            for (d, step) in out.iter_mut().zip(&steps).rev() {
                at = at.saturating_sub(*step);
                d.dts = at;
                d.pts = at;
            }
        }
        out.push(Demuxed {
            dts: counter,
            pts: counter.saturating_add(s.pts - s.dts),
            key: s.key,
            pos: s.pos,
        });
        steps.push(step);
        if started {
            counter = counter.saturating_add(step);
        }
        if s.pts.saturating_add(step) >= end && (s.key || !video) {
            if t.ctts.is_some() && video && !key_after_edit {
                key_after_edit = true;
                continue;
            }
            break;
        }
    }
    let skipped = (steps.iter().take(discarded_begin)).fold(0i64, |a, s| a.saturating_add(*s));
    if video {
        // The smallest presentation time is moved to 0.
        let min = out.iter().map(|d| d.pts).min().unwrap_or(0);
        if min > 0 {
            for d in &mut out {
                d.dts = d.dts.saturating_sub(min);
                d.pts = d.pts.saturating_sub(min);
            }
        }
    }
    let first = out.first().map_or(0, |d| d.pts);
    let start = first.saturating_add(if video { 0 } else { skipped });
    Some((out, start))
}

/// The track's samples in decoding order. None when its tables disagree on the count, a step
/// is not positive, an offset is negative (ffmpeg then shifts every time) or a chunk names
/// another sample description.
fn samples(t: &Track) -> Option<Vec<Demuxed>> {
    let n = t.sizes.len();
    let mut out = Vec::with_capacity(n);
    let mut dts = 0i64;
    for &(count, step) in &t.stts {
        if step == 0 && count > 0 {
            return None;
        }
        for _ in 0..count {
            if out.len() == n {
                return None;
            }
            out.push(Demuxed {
                dts,
                pts: dts,
                key: t.stss.is_none(),
                pos: 0,
            });
            dts = dts.checked_add(i64::from(step))?;
        }
    }
    if out.len() != n {
        return None;
    }
    if let Some(ctts) = &t.ctts {
        let mut it = out.iter_mut();
        for &(count, offset) in ctts {
            if offset < 0 {
                return None;
            }
            for _ in 0..count {
                let s = it.next()?;
                s.pts = s.pts.checked_add(offset)?;
            }
        }
        if it.next().is_some() {
            return None;
        }
    }
    for &k in t.stss.iter().flatten() {
        out.get_mut(usize::try_from(k).ok()?.checked_sub(1)?)?.key = true;
    }
    // Positions: chunk by chunk, each chunk's samples one after another.
    // The runs' first chunks ascend (else None), so one pass walks both tables: a search per
    // chunk would be quadratic on a crafted file.
    if !t.stsc.windows(2).all(|w| w[0].0 < w[1].0) {
        return None;
    }
    let mut sample = 0usize;
    let mut run = 0usize;
    for (c, &offset) in t.chunks.iter().enumerate() {
        let chunk = u32::try_from(c + 1).ok()?;
        while t.stsc.get(run + 1).is_some_and(|r| r.0 <= chunk) {
            run += 1;
        }
        let &(first, per_chunk, desc) = t.stsc.get(run)?;
        if first > chunk {
            return None;
        }
        if desc != 1 {
            return None;
        }
        let mut pos = offset;
        for _ in 0..per_chunk {
            let s = out.get_mut(sample)?;
            s.pos = pos;
            pos = pos.checked_add(u64::from(*t.sizes.get(sample)?))?;
            if pos > t.file_len {
                return None;
            }
            sample += 1;
        }
    }
    (sample == n).then_some(out)
}
