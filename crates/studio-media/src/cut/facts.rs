//! What a smart render must know of a clip beyond [`ProbeInfo`]: how many frames it has, which
//! are keyframes, and its codec's extradata (SPS/PPS), to tell whether a piece encoded here can
//! be joined to its packets.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::Deserialize;
use tokio::process::Command;

use super::timeline::Source;
use crate::error::MediaError;
use crate::ffmpeg::{local_input, Ffmpeg, ProbeInfo};

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
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    packets: Vec<RawPacket>,
    #[serde(default)]
    streams: Vec<RawStream>,
}

#[derive(Deserialize)]
struct RawPacket {
    pts: Option<i64>,
    #[serde(default)]
    flags: String,
}

#[derive(Deserialize)]
struct RawStream {
    r_frame_rate: Option<String>,
    extradata_hash: Option<String>,
}

/// `"24/1"` as (24, 1); None when it is not a positive rate.
pub(crate) fn parse_rate(rate: &str) -> Option<(u32, u32)> {
    let (n, d) = rate.split_once('/').unwrap_or((rate, "1"));
    let (n, d) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    (n > 0 && d > 0).then_some((n, d))
}

/// Runs ffprobe on `path`'s first video stream with `args`, returning its JSON.
async fn ffprobe_json(ff: &Ffmpeg, path: &Path, args: &[&str]) -> Result<Raw, MediaError> {
    let mut cmd = Command::new(&ff.ffprobe);
    crate::process::die_with_parent(cmd.as_std_mut());
    let out = cmd
        .args(["-v", "error", "-of", "json", "-select_streams", "v:0"])
        .args(args)
        .args(["-protocol_whitelist", "file"])
        .arg(local_input(path)?)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|source| MediaError::ToolMissing {
            program: ff.ffprobe.clone(),
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

/// The hash of `path`'s video extradata: two streams with the same one share their SPS and
/// PPS, so their packets can follow each other in one MP4 track.
pub(crate) async fn extradata(ff: &Ffmpeg, path: &Path) -> Result<String, MediaError> {
    let raw = ffprobe_json(
        ff,
        path,
        &[
            "-show_data_hash",
            "SHA256",
            "-show_entries",
            "stream=extradata_hash",
        ],
    )
    .await?;
    Ok(raw
        .streams
        .first()
        .and_then(|s| s.extradata_hash.clone())
        .unwrap_or_default())
}

/// Probes `path` for the cut: stream facts, every video packet (demuxed, not decoded: fast)
/// for the frame count and the keyframes, and the extradata's hash.
pub(crate) async fn clip_facts(ff: &Ffmpeg, path: &Path) -> Result<ClipFacts, MediaError> {
    let probe = ff.probe(path).await?;
    let raw = ffprobe_json(
        ff,
        path,
        &[
            "-show_data_hash",
            "SHA256",
            "-show_entries",
            "packet=pts,flags:stream=r_frame_rate,extradata_hash",
        ],
    )
    .await?;
    let stream = raw.streams.first();
    let fps = stream
        .and_then(|s| s.r_frame_rate.as_deref())
        .and_then(parse_rate)
        .unwrap_or((studio_core::CUT_FPS, 1));
    let mut packets: Vec<(i64, bool)> = raw
        .packets
        .iter()
        .filter_map(|p| p.pts.map(|pts| (pts, p.flags.contains('K'))))
        .collect();
    packets.sort_by_key(|(pts, _)| *pts);
    let keyframes = packets
        .iter()
        .enumerate()
        .filter(|(_, (_, key))| *key)
        .map(|(i, _)| i as u64)
        .collect();
    Ok(ClipFacts {
        path: path.to_owned(),
        probe,
        fps,
        source: Source {
            frames: packets.len() as u64,
            keyframes,
        },
        extradata: stream
            .and_then(|s| s.extradata_hash.clone())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_rate;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("24/1"), Some((24, 1)));
        assert_eq!(parse_rate("30000/1001"), Some((30000, 1001)));
        assert_eq!(parse_rate("0/0"), None);
        assert_eq!(parse_rate("x"), None);
    }
}
