//! What ffprobe says about a file: its duration and its first video and audio streams, and
//! (for the cut) its packets, in one run and one parser.

use std::path::Path;
use std::process::Stdio;

use serde::Deserialize;
use tokio::process::Command;

use super::inputs::{local_input, INPUT_PROTOCOLS};
use super::Ffmpeg;
use crate::error::MediaError;

/// Stream facts needed to decide whether clips can be joined by stream copy.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeInfo {
    /// The container's duration in seconds (the longest stream).
    pub duration: f64,
    /// The first video stream.
    pub video: Option<VideoStream>,
    /// The first audio stream.
    pub audio: Option<AudioStream>,
}

impl ProbeInfo {
    pub fn has_audio(&self) -> bool {
        self.audio.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoStream {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub pix_fmt: String,
    pub frame_rate: String,
    pub profile: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioStream {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u32,
    /// As ffprobe names it ("stereo", "mono"); empty when the file does not say.
    pub channel_layout: String,
}

/// One packet as ffprobe lists it, in the order the demuxer reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// The index of its stream in the file.
    pub stream: usize,
    pub pts: Option<i64>,
    pub dts: Option<i64>,
    pub key: bool,
}

/// [`ProbeInfo`] and what a smart cut must know beyond it, from one ffprobe run: every
/// packet's times (demuxed, not decoded: fast), the streams' time bases and the video codec's
/// extradata hash.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketProbe {
    pub info: ProbeInfo,
    /// The index in the file of the first video stream.
    pub video_index: Option<usize>,
    /// The first video stream's frame rate as num/den (`r_frame_rate`; None if not a rate).
    pub frame_rate: Option<(u32, u32)>,
    /// Each stream's time base as num/den, by stream index ((0, 1) when unknown).
    pub time_bases: Vec<(u32, u32)>,
    /// `SHA256:` and the hash of the first video stream's extradata (its SPS and PPS for H.264;
    /// empty when it has none): two streams with the same one can follow each other in one
    /// track.
    pub video_extradata: String,
    /// Every packet of every stream, in the order the demuxer reads them.
    pub packets: Vec<Packet>,
    /// The file's start time in seconds (where ffmpeg's `-ss` counts from; 0 when unknown).
    pub start_seconds: f64,
}

/// `n / d` rounded to the nearest integer, halves away from zero (as ffmpeg's rescaling).
pub(crate) fn div_round(n: i128, d: i128) -> i128 {
    let half = d / 2;
    match n < 0 {
        true => (n - half) / d,
        false => (n + half) / d,
    }
}

/// `"24/1"` as (24, 1); None when it is not a positive ratio.
pub(crate) fn parse_rate(rate: &str) -> Option<(u32, u32)> {
    let (n, d) = rate.split_once('/').unwrap_or((rate, "1"));
    let (n, d) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    (n > 0 && d > 0).then_some((n, d))
}

#[derive(Deserialize)]
struct RawProbe {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
    #[serde(default)]
    packets: Vec<RawPacket>,
}

#[derive(Deserialize)]
struct RawStream {
    index: Option<usize>,
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    pix_fmt: Option<String>,
    r_frame_rate: Option<String>,
    time_base: Option<String>,
    profile: Option<String>,
    sample_rate: Option<String>,
    channels: Option<u32>,
    channel_layout: Option<String>,
    extradata_hash: Option<String>,
}

#[derive(Deserialize)]
struct RawFormat {
    duration: Option<String>,
    start_time: Option<String>,
}

#[derive(Deserialize)]
struct RawPacket {
    stream_index: Option<usize>,
    pts: Option<i64>,
    dts: Option<i64>,
    #[serde(default)]
    flags: String,
}

impl RawProbe {
    fn video(&self) -> Option<&RawStream> {
        (self.streams.iter()).find(|s| s.codec_type.as_deref() == Some("video"))
    }

    fn info(&self) -> ProbeInfo {
        let video = self.video().map(|s| VideoStream {
            codec: s.codec_name.clone().unwrap_or_default(),
            width: s.width.unwrap_or(0),
            height: s.height.unwrap_or(0),
            pix_fmt: s.pix_fmt.clone().unwrap_or_default(),
            frame_rate: s.r_frame_rate.clone().unwrap_or_default(),
            profile: s.profile.clone().unwrap_or_default(),
        });
        let audio = (self.streams.iter())
            .find(|s| s.codec_type.as_deref() == Some("audio"))
            .map(|s| AudioStream {
                codec: s.codec_name.clone().unwrap_or_default(),
                sample_rate: (s.sample_rate.as_deref())
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(0),
                channels: s.channels.unwrap_or(0),
                channel_layout: s.channel_layout.clone().unwrap_or_default(),
            });
        ProbeInfo {
            duration: (self.format.as_ref())
                .and_then(|f| f.duration.as_deref())
                .and_then(|d| d.parse().ok())
                .unwrap_or(0.0),
            video,
            audio,
        }
    }
}

/// The file's MP4 sample tables read in-process (`ffmpeg/mp4`, off the async threads); None
/// when they are not a shape read exactly, for ffprobe to answer instead.
async fn read_tables(path: &Path) -> Option<PacketProbe> {
    let file = path.to_owned();
    tokio::task::spawn_blocking(move || super::mp4::read(&file))
        .await
        .ok()
        .flatten()
}

impl Ffmpeg {
    /// Runs ffprobe on `path` with `args` (what to show) and reads its JSON.
    async fn ffprobe(&self, path: &Path, args: &[&str]) -> Result<RawProbe, MediaError> {
        let mut cmd = Command::new(&self.ffprobe);
        crate::process::die_with_parent(cmd.as_std_mut());
        let out = cmd
            .args(["-v", "error", "-print_format", "json"])
            .args(args)
            .args(["-protocol_whitelist", INPUT_PROTOCOLS])
            .arg(local_input(path)?)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|source| MediaError::ToolMissing {
                program: self.ffprobe.clone(),
                source,
            })?;
        if !out.status.success() {
            return Err(MediaError::Tool {
                program: "ffprobe".into(),
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        serde_json::from_slice(&out.stdout).map_err(|e| MediaError::Tool {
            program: "ffprobe".into(),
            status: "unreadable output".into(),
            stderr: e.to_string(),
        })
    }

    /// The file's duration and streams. Read from its MP4 sample tables in this process when
    /// it is a shape they are read exactly from (every clip the studio makes), otherwise by
    /// ffprobe ([`Ffmpeg::ffprobe_info`]). Why: the window asks the length of every clip of a
    /// film after each render (50 shots, 50 probes); an ffprobe run costs about 50 ms of CPU
    /// loading ffmpeg's libraries, and those runs, two at a time, took the cores a creator's
    /// first trims and scrubs after a render needed (cut.e2e.mjs, `cpu` in its figures).
    pub async fn probe(&self, path: &Path) -> Result<ProbeInfo, MediaError> {
        match read_tables(path).await {
            Some(p) => Ok(p.info),
            None => self.ffprobe_info(path).await,
        }
    }

    /// [`Ffmpeg::probe`] always asked of ffprobe.
    pub async fn ffprobe_info(&self, path: &Path) -> Result<ProbeInfo, MediaError> {
        let raw = self
            .ffprobe(path, &["-show_streams", "-show_format"])
            .await?;
        Ok(raw.info())
    }

    /// [`Ffmpeg::probe`] and every packet's times, the time bases and the video extradata's
    /// hash. Read from the file's MP4 sample tables in this process when it is a shape they
    /// are read exactly from (every clip the studio makes: see `ffmpeg/mp4`), otherwise by one
    /// ffprobe run ([`Ffmpeg::ffprobe_packets`]).
    pub async fn probe_packets(&self, path: &Path) -> Result<PacketProbe, MediaError> {
        match read_tables(path).await {
            Some(p) => Ok(p),
            None => self.ffprobe_packets(path).await,
        }
    }

    /// [`Ffmpeg::probe_packets`] always asked of ffprobe, in one run (packets are demuxed, not
    /// decoded). Killed if dropped.
    pub async fn ffprobe_packets(&self, path: &Path) -> Result<PacketProbe, MediaError> {
        let raw = self
            .ffprobe(
                path,
                &[
                    "-show_streams",
                    "-show_format",
                    "-show_data_hash",
                    "SHA256",
                    "-show_entries",
                    "packet=stream_index,pts,dts,flags",
                ],
            )
            .await?;
        let info = raw.info();
        let video = raw.video();
        let mut time_bases = Vec::new();
        for (n, s) in raw.streams.iter().enumerate() {
            let index = s.index.unwrap_or(n);
            if time_bases.len() <= index {
                time_bases.resize(index + 1, (0, 1));
            }
            if let Some(slot) = time_bases.get_mut(index) {
                *slot = (s.time_base.as_deref())
                    .and_then(parse_rate)
                    .unwrap_or((0, 1));
            }
        }
        Ok(PacketProbe {
            video_index: video.and_then(|s| s.index),
            frame_rate: video
                .and_then(|s| s.r_frame_rate.as_deref())
                .and_then(parse_rate),
            video_extradata: video
                .and_then(|s| s.extradata_hash.clone())
                .unwrap_or_default(),
            time_bases,
            packets: (raw.packets.iter())
                .filter_map(|p| {
                    Some(Packet {
                        stream: p.stream_index?,
                        pts: p.pts,
                        dts: p.dts,
                        key: p.flags.contains('K'),
                    })
                })
                .collect(),
            start_seconds: (raw.format.as_ref())
                .and_then(|f| f.start_time.as_deref())
                .and_then(|t| t.parse().ok())
                .filter(|t: &f64| t.is_finite())
                .unwrap_or(0.0),
            info,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rate;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("24/1"), Some((24, 1)));
        assert_eq!(parse_rate("30000/1001"), Some((30000, 1001)));
        assert_eq!(parse_rate("1/12288"), Some((1, 12288)));
        assert_eq!(parse_rate("0/0"), None);
        assert_eq!(parse_rate("x"), None);
    }
}
