//! Audio as Google's speech and music models answer it: a whole RIFF WAV (Gemini 3.8 TTS, Lyria
//! 2), raw 16-bit PCM labelled `audio/L16;codec=pcm;rate=24000` (the legacy TTS previews and
//! streaming), or MP3 (Lyria 3). The client sniffs the bytes rather than trusting the label
//! (Google's own cookbook shows both shapes for the same model): `RIFF…WAVE` is a WAV, anything
//! else from a speech model is raw PCM and is wrapped into one. Pure, so it is fuzzed.

/// What a WAV's `fmt ` chunk says, and where its samples are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WavInfo {
    /// 1 = integer PCM (3 = float, 0xFFFE = extensible).
    pub format: u16,
    pub channels: u16,
    pub sample_rate: u32,
    pub bits: u16,
    /// Bytes of sample data (the `data` chunk, as far as the file holds it).
    pub data_len: usize,
}

impl WavInfo {
    /// The audio's length in seconds (0 for a header that makes no sense).
    pub fn seconds(&self) -> f64 {
        let frame = u64::from(self.channels) * u64::from(self.bits / 8);
        if frame == 0 || self.sample_rate == 0 {
            return 0.0;
        }
        (self.data_len as u64 / frame) as f64 / f64::from(self.sample_rate)
    }

    /// Whether the samples are the studio's speech format: 16-bit integer PCM, mono.
    pub fn is_mono_s16(&self) -> bool {
        matches!(self.format, 1 | 0xFFFE) && self.bits == 16 && self.channels == 1
    }
}

/// Whether `bytes` start like a WAV file.
pub(crate) fn is_wav(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE"
}

/// Whether `bytes` start like an MP3 (an ID3 tag, or an MPEG audio frame sync).
pub(crate) fn is_mp3(bytes: &[u8]) -> bool {
    bytes.starts_with(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Reads a WAV's format and the size of its samples; None if it is not a WAV with both a
/// `fmt ` and a `data` chunk. A `data` chunk longer than the file (a streamed WAV's
/// placeholder size) counts what is there.
pub(crate) fn wav_info(bytes: &[u8]) -> Option<WavInfo> {
    if !is_wav(bytes) {
        return None;
    }
    let mut at = 12usize;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    while at.checked_add(8)? <= bytes.len() {
        let id = bytes.get(at..at + 4)?;
        let len = u32_at(bytes, at + 4)? as usize;
        let body = at + 8;
        if id == b"fmt " {
            fmt = Some((
                u16_at(bytes, body)?,
                u16_at(bytes, body + 2)?,
                u32_at(bytes, body + 4)?,
                u16_at(bytes, body + 14)?,
            ));
        } else if id == b"data" {
            let (format, channels, sample_rate, bits) = fmt?;
            return Some(WavInfo {
                format,
                channels,
                sample_rate,
                bits,
                data_len: len.min(bytes.len() - body),
            });
        }
        at = body.checked_add(len)?.checked_add(len % 2)?;
    }
    None
}

/// Raw 16-bit little-endian PCM (`rate` Hz, `channels`) as a WAV file. An odd last byte (half a
/// sample) is dropped.
pub(crate) fn wrap_pcm(pcm: &[u8], rate: u32, channels: u16) -> Vec<u8> {
    let data = &pcm[..pcm.len() - pcm.len() % 2];
    let data_len = u32::try_from(data.len()).unwrap_or(u32::MAX - 36);
    let block = channels.saturating_mul(2);
    let mut out = Vec::with_capacity(44 + data.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    out.extend_from_slice(&block.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// The sample rate and channels a raw PCM MIME type names (`audio/L16;codec=pcm;rate=24000`,
/// `audio/l16; rate=24000; channels=1`); Google's speech defaults (24 kHz, mono) for what it
/// leaves out.
pub(crate) fn pcm_params(mime: Option<&str>) -> (u32, u16) {
    let mut rate = 24_000;
    let mut channels = 1;
    for param in mime.unwrap_or_default().split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "rate" => {
                if let Some(r) = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|r| (8_000..=192_000).contains(r))
                {
                    rate = r;
                }
            }
            "channels" => {
                if let Some(c) = v.trim().parse().ok().filter(|c| (1..=8).contains(c)) {
                    channels = c;
                }
            }
            _ => {}
        }
    }
    (rate, channels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_pcm_becomes_a_wav_of_the_right_length() {
        // One second of 24 kHz mono silence, plus a stray byte.
        let pcm = vec![0u8; 48_001];
        let wav = wrap_pcm(&pcm, 24_000, 1);
        let info = wav_info(&wav).unwrap();
        assert!(info.is_mono_s16());
        assert_eq!((info.sample_rate, info.data_len), (24_000, 48_000));
        assert_eq!(info.seconds(), 1.0);
        assert_eq!(wav.len(), 44 + 48_000);
        assert!(is_wav(&wav) && !is_wav(&pcm) && !is_mp3(&wav));
        assert!(is_mp3(b"ID3\x04rest") && is_mp3(&[0xFF, 0xFB, 0x90]));
    }

    #[test]
    fn pcm_parameters_come_from_the_mime_type() {
        assert_eq!(
            pcm_params(Some("audio/L16;codec=pcm;rate=24000")),
            (24_000, 1)
        );
        assert_eq!(
            pcm_params(Some("audio/l16; rate=16000; channels=2")),
            (16_000, 2)
        );
        assert_eq!(pcm_params(Some("audio/L16;rate=nonsense")), (24_000, 1));
        assert_eq!(pcm_params(None), (24_000, 1));
    }

    #[test]
    fn a_broken_wav_is_no_wav() {
        assert_eq!(wav_info(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(wav_info(b"RIFF\0\0\0\0WAVEdata\xff\xff\xff\xff"), None);
        let mut huge = wrap_pcm(&[0; 8], 24_000, 1);
        huge[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(wav_info(&huge).unwrap().data_len, 8);
    }
}
