//! What ffprobe reports of a clip's codecs, read from the sample entries' configuration: the
//! H.264 profile, picture size and pixel format from the `avcC`'s first SPS, and AAC's sample
//! rate and channels from the `esds`'s AudioSpecificConfig. Anything outside the shapes these
//! functions are sure to read as ffmpeg does gives None, and the caller asks ffprobe instead.

/// The facts ffprobe gives of an H.264 stream, as its decoder reads them from the SPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Avc {
    /// ffmpeg's profile name ("High", "Main", "Constrained Baseline"…).
    pub profile: &'static str,
    pub width: u32,
    pub height: u32,
    /// "yuv420p", or "yuvj420p" for a full-range stream (as ffmpeg's H.264 decoder names it).
    pub pix_fmt: &'static str,
}

/// The facts ffprobe gives of an AAC-LC stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Aac {
    pub sample_rate: u32,
    pub channels: u32,
    pub channel_layout: &'static str,
}

/// Reads bits most significant first, with Exp-Golomb codes (H.264 7.2, 9.1).
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    fn bit(&mut self) -> Option<u32> {
        let byte = self.data.get(self.at / 8)?;
        let b = (byte >> (7 - self.at % 8)) & 1;
        self.at += 1;
        Some(u32::from(b))
    }

    fn bits(&mut self, n: u32) -> Option<u32> {
        (0..n).try_fold(0u32, |acc, _| Some((acc << 1) | self.bit()?))
    }

    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        Some((1u32 << zeros) - 1 + self.bits(zeros)?)
    }

    fn se(&mut self) -> Option<i64> {
        let k = i64::from(self.ue()?);
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }
}

/// The NAL unit's payload without its emulation prevention bytes (`00 00 03` → `00 00`).
fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// The profiles whose SPS carries chroma format and bit depth (H.264 7.3.2.1.1).
const HIGH_PROFILES: &[u32] = &[100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

/// Reads an `avcC` payload's first SPS. None for anything but progressive 8-bit 4:2:0 in the
/// Baseline, Main, Extended and High profiles.
pub(super) fn avc(avcc: &[u8]) -> Option<Avc> {
    if avcc.first() != Some(&1) || avcc.len() < 8 || avcc.get(5)? & 0x1f == 0 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([*avcc.get(6)?, *avcc.get(7)?]));
    let sps = unescape(avcc.get(8..8 + len)?);
    if sps.first()? & 0x1f != 7 {
        return None;
    }
    let mut r = Bits::new(sps.get(1..)?);
    let profile_idc = r.bits(8)?;
    let constraints = r.bits(8)?;
    let _level = r.bits(8)?;
    r.ue()?;
    let (mut chroma, mut depth) = (1, 0);
    if HIGH_PROFILES.contains(&profile_idc) {
        chroma = r.ue()?;
        if chroma == 3 {
            r.bit()?;
        }
        depth = r.ue()?.max(r.ue()?);
        r.bit()?;
        if r.bit()? == 1 {
            for i in 0..if chroma == 3 { 12 } else { 8 } {
                if r.bit()? == 1 {
                    skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    if chroma != 1 || depth != 0 {
        return None;
    }
    r.ue()?;
    match r.ue()? {
        0 => {
            r.ue()?;
        }
        1 => {
            r.bit()?;
            r.se()?;
            r.se()?;
            for _ in 0..r.ue()? {
                r.se()?;
            }
        }
        2 => {}
        _ => return None,
    }
    r.ue()?;
    r.bit()?;
    let width_mbs = r.ue()? + 1;
    let height_units = r.ue()? + 1;
    if r.bit()? != 1 {
        return None; // interlaced: not a shape read here
    }
    r.bit()?;
    let (mut left, mut right, mut top, mut bottom) = (0, 0, 0, 0);
    if r.bit()? == 1 {
        (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
    }
    let mut full_range = false;
    if r.bit()? == 1 {
        if r.bit()? == 1 && r.bits(8)? == 255 {
            r.bits(32)?;
        }
        if r.bit()? == 1 {
            r.bit()?;
        }
        if r.bit()? == 1 {
            r.bits(3)?;
            full_range = r.bit()? == 1;
        }
    }
    // In u64: a corrupt SPS can give any 32-bit size.
    let size = |units: u32, a: u32, b: u32| {
        let crop = 2 * (u64::from(a) + u64::from(b));
        u32::try_from((u64::from(units) * 16).checked_sub(crop)?).ok()
    };
    let (width, height) = (
        size(width_mbs, left, right)?,
        size(height_units, top, bottom)?,
    );
    Some(Avc {
        profile: profile_name(profile_idc, constraints)?,
        width,
        height,
        pix_fmt: if full_range { "yuvj420p" } else { "yuv420p" },
    })
}

fn skip_scaling_list(r: &mut Bits<'_>, size: usize) -> Option<()> {
    let (mut last, mut next) = (8i64, 8i64);
    for _ in 0..size {
        if next != 0 {
            next = (last + r.se()? + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
}

/// ffmpeg's name for a profile (`libavcodec/profiles.c`), for the profiles read here.
fn profile_name(idc: u32, constraints: u32) -> Option<&'static str> {
    let set1 = constraints & 0x40 != 0;
    match idc {
        66 if set1 => Some("Constrained Baseline"),
        66 => Some("Baseline"),
        77 => Some("Main"),
        88 => Some("Extended"),
        100 => Some("High"),
        _ => None,
    }
}

/// The AudioSpecificConfig inside an `esds` payload (ISO 14496-1 descriptors 3 → 4 → 5), when
/// the decoder config says MPEG-4 audio.
pub(super) fn esds_config(esds: &[u8]) -> Option<&[u8]> {
    let mut at = 4; // version and flags
    let (tag, len, body) = descriptor(esds, &mut at)?;
    if tag != 3 || len < 3 {
        return None;
    }
    let mut at = body + 2; // ES_ID
    let flags = *esds.get(at)?;
    at += 1;
    if flags & 0x80 != 0 {
        at += 2;
    }
    if flags & 0x40 != 0 {
        at += 1 + usize::from(*esds.get(at)?);
    }
    if flags & 0x20 != 0 {
        at += 2;
    }
    let (tag, _, body) = descriptor(esds, &mut at)?;
    if tag != 4 || *esds.get(body)? != 0x40 {
        return None;
    }
    let mut at = body + 13;
    let (tag, len, body) = descriptor(esds, &mut at)?;
    (tag == 5).then(|| esds.get(body..body + len))?
}

/// A descriptor's tag, length and where its body starts; `at` moves past its header.
fn descriptor(data: &[u8], at: &mut usize) -> Option<(u8, usize, usize)> {
    let tag = *data.get(*at)?;
    *at += 1;
    let mut len = 0usize;
    for _ in 0..4 {
        let b = *data.get(*at)?;
        *at += 1;
        len = (len << 7) | usize::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((tag, len, *at));
        }
    }
    None
}

/// Reads an AudioSpecificConfig. None for anything but AAC-LC in mono or stereo at a rate from
/// the standard table of at least 32 kHz (below it a stream may carry implicit SBR, which
/// ffmpeg only finds by decoding).
pub(super) fn aac(asc: &[u8]) -> Option<Aac> {
    const RATES: [u32; 12] = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000,
    ];
    let mut r = Bits::new(asc);
    if r.bits(5)? != 2 {
        return None;
    }
    let sample_rate = *RATES.get(r.bits(4)? as usize)?;
    let channels = r.bits(4)?;
    let channel_layout = match channels {
        1 => "mono",
        2 => "stereo",
        _ => return None,
    };
    (sample_rate >= 32000).then_some(Aac {
        sample_rate,
        channels,
        channel_layout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_codes_read() {
        // 1 | 010 | 011 | 00100 | 00101 → ue 0, 1, 2, 3; se of 4 is -2.
        let mut r = Bits::new(&[0b1010_0110, 0b0100_0010, 0b1000_0000]);
        assert_eq!(r.ue(), Some(0));
        assert_eq!(r.ue(), Some(1));
        assert_eq!(r.ue(), Some(2));
        assert_eq!(r.ue(), Some(3));
        assert_eq!(r.se(), Some(-2));
    }

    #[test]
    fn emulation_prevention_is_removed() {
        assert_eq!(unescape(&[0, 0, 3, 1, 0, 0, 3]), vec![0, 0, 1, 0, 0]);
    }

    #[test]
    fn aac_lc_stereo_48k_reads_and_he_aac_does_not() {
        assert_eq!(
            aac(&[0x11, 0x90]),
            Some(Aac {
                sample_rate: 48000,
                channels: 2,
                channel_layout: "stereo"
            })
        );
        assert_eq!(aac(&[0x2b, 0x92]), None); // AOT 5 (SBR)
        assert_eq!(aac(&[0x13, 0x10]), None); // LC at 24 kHz: implicit SBR is possible
    }
}
