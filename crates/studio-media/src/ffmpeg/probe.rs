//! What ffprobe says about a file: its duration and its first video and audio streams.

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

#[derive(Deserialize)]
struct RawProbe {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize)]
struct RawStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    pix_fmt: Option<String>,
    r_frame_rate: Option<String>,
    profile: Option<String>,
    sample_rate: Option<String>,
    channels: Option<u32>,
    channel_layout: Option<String>,
}

#[derive(Deserialize)]
struct RawFormat {
    duration: Option<String>,
}

impl Ffmpeg {
    /// Reads duration and stream parameters with ffprobe.
    pub async fn probe(&self, path: &Path) -> Result<ProbeInfo, MediaError> {
        let mut cmd = Command::new(&self.ffprobe);
        crate::process::die_with_parent(cmd.as_std_mut());
        let out = cmd
            .args([
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_streams",
                "-show_format",
                "-protocol_whitelist",
                INPUT_PROTOCOLS,
            ])
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
        let raw: RawProbe = serde_json::from_slice(&out.stdout).map_err(|e| MediaError::Tool {
            program: "ffprobe".into(),
            status: "unreadable output".into(),
            stderr: e.to_string(),
        })?;
        let video = raw
            .streams
            .iter()
            .find(|s| s.codec_type.as_deref() == Some("video"))
            .map(|s| VideoStream {
                codec: s.codec_name.clone().unwrap_or_default(),
                width: s.width.unwrap_or(0),
                height: s.height.unwrap_or(0),
                pix_fmt: s.pix_fmt.clone().unwrap_or_default(),
                frame_rate: s.r_frame_rate.clone().unwrap_or_default(),
                profile: s.profile.clone().unwrap_or_default(),
            });
        Ok(ProbeInfo {
            duration: raw
                .format
                .and_then(|f| f.duration)
                .and_then(|d| d.parse().ok())
                .unwrap_or(0.0),
            audio: raw
                .streams
                .iter()
                .find(|s| s.codec_type.as_deref() == Some("audio"))
                .map(|s| AudioStream {
                    codec: s.codec_name.clone().unwrap_or_default(),
                    sample_rate: s
                        .sample_rate
                        .as_deref()
                        .and_then(|r| r.parse().ok())
                        .unwrap_or(0),
                    channels: s.channels.unwrap_or(0),
                    channel_layout: s.channel_layout.clone().unwrap_or_default(),
                }),
            video,
        })
    }
}
