//! Joining clips into one: stream copy when they share their parameters, a re-encode
//! otherwise, and the sound kept in sync either way.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::inputs::concat_entry;
use super::probe::ProbeInfo;
use super::{os, Ffmpeg, AAC, BITEXACT, H264, LAYOUT, SAMPLE_RATE};
use crate::error::MediaError;
use crate::task::TaskCtx;

/// How a stitch was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StitchMode {
    StreamCopy,
    Reencode,
}

/// The filter graph that turns every clip's audio into one track: each clip's own audio, or
/// silence where it has none, padded or cut to exactly the clip's duration (the offset at which
/// the next clip starts), then joined. Clip `i` is ffmpeg input `first_input + i`. The segments
/// are labelled `[a{i}]`; with `join`, they are concatenated into `[outa]`.
fn audio_graph(
    probes: &[ProbeInfo],
    first_input: usize,
    sample_rate: u32,
    layout: &str,
    join: bool,
) -> String {
    let mut graph = String::new();
    for (i, p) in probes.iter().enumerate() {
        let samples = (p.duration * f64::from(sample_rate)).round() as u64;
        if p.has_audio() {
            graph.push_str(&format!(
                "[{k}:a:0]asetpts=PTS-STARTPTS,aresample={sample_rate},\
                 aformat=sample_fmts=fltp:channel_layouts={layout},\
                 apad=whole_len={samples},atrim=end_sample={samples}[a{i}];",
                k = first_input + i
            ));
        } else {
            graph.push_str(&format!(
                "anullsrc=r={sample_rate}:cl={layout},atrim=end_sample={samples}[a{i}];"
            ));
        }
    }
    if join {
        for i in 0..probes.len() {
            graph.push_str(&format!("[a{i}]"));
        }
        graph.push_str(&format!("concat=n={}:v=0:a=1[outa]", probes.len()));
    }
    graph
}

impl Ffmpeg {
    /// Joins clips in order. Stream copy through the concat demuxer when every clip shares video
    /// parameters and audio parameters (or none has audio): fast and lossless for the video. A
    /// re-encode through the concat filter otherwise. Audio is kept whenever any clip has it:
    /// clips without audio contribute silence of their exact duration, so the sound stays in
    /// sync and no clip's sound is dropped.
    pub async fn stitch(
        &self,
        clips: &[PathBuf],
        out: &Path,
        task: &TaskCtx,
    ) -> Result<StitchMode, MediaError> {
        let mut probes = Vec::with_capacity(clips.len());
        for c in clips {
            probes.push(self.probe(c).await?);
        }
        let total = Duration::from_secs_f64(probes.iter().map(|p| p.duration).sum());
        let first = probes.first().ok_or_else(|| MediaError::Artifact {
            uri: out.display().to_string(),
            message: "nothing to stitch".into(),
        })?;
        let uniform = first.video.is_some()
            && probes
                .iter()
                .all(|p| p.video == first.video && p.audio == first.audio);
        if uniform {
            self.concat_copy_probed(clips, &probes, total, out, task)
                .await?;
            Ok(StitchMode::StreamCopy)
        } else {
            self.concat_reencode(clips, &probes, total, out, task)
                .await?;
            Ok(StitchMode::Reencode)
        }
    }

    /// Joins clips with the concat demuxer, copying the video stream (no decoding).
    ///
    /// When the clips carry audio, the audio alone is decoded per clip and re-encoded: AAC
    /// frames do not end where a clip ends and every AAC clip starts with encoder priming, so a
    /// stream copy of the audio gains some 20-30 ms at every join and drifts out of sync.
    pub async fn concat_copy(
        &self,
        clips: &[PathBuf],
        total: Duration,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let mut probes = Vec::with_capacity(clips.len());
        for c in clips {
            probes.push(self.probe(c).await?);
        }
        self.concat_copy_probed(clips, &probes, total, out, task)
            .await
    }

    async fn concat_copy_probed(
        &self,
        clips: &[PathBuf],
        probes: &[ProbeInfo],
        total: Duration,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let list = out.with_extension("concat.txt");
        let body = clips
            .iter()
            .map(|c| concat_entry(c))
            .collect::<Result<String, _>>()?;
        tokio::fs::write(&list, body)
            .await
            .map_err(|e| MediaError::io("write concat list", e))?;
        let audio = probes.iter().find_map(|p| p.audio.as_ref());
        let mut args = Vec::new();
        if audio.is_some() {
            // The demuxer would otherwise shift the video by the AAC priming of the first clip.
            args.push(OsString::from("-copyts"));
        }
        args.extend(os(&["-f", "concat", "-safe", "0", "-i"]));
        args.push(list.clone().into());
        match audio {
            None => args.extend(os(&["-c", "copy"])),
            Some(a) => {
                for c in clips {
                    args.push(OsString::from("-i"));
                    args.push(c.into());
                }
                let rate = if a.sample_rate > 0 {
                    a.sample_rate
                } else {
                    SAMPLE_RATE
                };
                let layout = match (a.channel_layout.as_str(), a.channels) {
                    ("", 1) => "mono",
                    ("", _) => LAYOUT,
                    (named, _) => named,
                };
                let graph = audio_graph(probes, 1, rate, layout, true);
                args.extend(os(&["-filter_complex", &graph]));
                args.extend(os(&["-map", "0:v:0", "-map", "[outa]", "-c:v", "copy"]));
                args.extend(os(AAC));
            }
        }
        args.extend(os(&["-movflags", "+faststart"]));
        args.extend(os(BITEXACT));
        args.extend(os(&["-f", "mp4"]));
        args.push(out.into());
        let result = self.run(args, Some(total), task).await;
        let _ = tokio::fs::remove_file(&list).await;
        result
    }

    /// Joins clips through the concat filter, re-encoding to the first clip's frame size. When
    /// any clip has audio the output has a 48 kHz stereo track, with silence for the clips
    /// without.
    pub async fn concat_reencode(
        &self,
        clips: &[PathBuf],
        probes: &[ProbeInfo],
        total: Duration,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let (w, h) = probes
            .first()
            .and_then(|p| p.video.as_ref())
            .map(|v| (v.width, v.height))
            .unwrap_or((1280, 720));
        let audio = probes.iter().any(ProbeInfo::has_audio);
        let mut args = Vec::new();
        for c in clips {
            args.push(OsString::from("-i"));
            args.push(c.into());
        }
        let mut filter = String::new();
        for i in 0..clips.len() {
            filter.push_str(&format!(
                "[{i}:v]scale={w}:{h}:force_original_aspect_ratio=decrease,\
                 pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=24,format=yuv420p[v{i}];"
            ));
        }
        if audio {
            filter.push_str(&audio_graph(probes, 0, SAMPLE_RATE, LAYOUT, false));
        }
        for i in 0..clips.len() {
            filter.push_str(&format!("[v{i}]"));
            if audio {
                filter.push_str(&format!("[a{i}]"));
            }
        }
        let a = u8::from(audio);
        filter.push_str(&format!("concat=n={}:v=1:a={a}[outv]", clips.len()));
        if audio {
            filter.push_str("[outa]");
        }
        args.extend(os(&["-filter_complex", &filter, "-map", "[outv]"]));
        if audio {
            args.extend(os(&["-map", "[outa]"]));
            args.extend(os(AAC));
        }
        args.extend(os(H264));
        args.extend(os(&["-movflags", "+faststart"]));
        args.extend(os(BITEXACT));
        args.extend(os(&["-f", "mp4"]));
        args.push(out.into());
        self.run(args, Some(total), task).await
    }
}
