//! ffmpeg as a child process: argument arrays (never a shell), progress parsed from
//! `-progress pipe:1`, stderr kept for errors, killed at once on cancellation.
//!
//! Every input is a local file. ffmpeg reads a name like `http:x.mp4`, `concat:a|b`, `pipe:0` or
//! `subfile:…` as a protocol, and clip and image names can come from outside (a project, a
//! download): so [`Ffmpeg::run`] (the only place ffmpeg starts) passes every `-i` operand
//! through [`local_input`] and pins the input to `-protocol_whitelist file`; [`Ffmpeg::probe`]
//! does the same for ffprobe, and concat lists name their entries through [`local_input`] too.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::error::MediaError;
use crate::task::TaskCtx;

/// Lines of ffmpeg's stderr kept for error messages.
const STDERR_TAIL_LINES: usize = 20;

/// What ffmpeg prints when it could not write its output. ffmpeg 5.x can still exit with 0 after
/// these (a full disk met while muxing, during stream copy or at the trailer), leaving a truncated
/// file, so any of them fails the run whatever the exit status.
const WRITE_FAILURES: &[&str] = &[
    "No space left on device",
    "Error writing trailer",
    "Error closing file",
    "av_interleaved_write_frame()",
];

/// Where ffmpeg and ffprobe are. `STUDIO_FFMPEG` / `STUDIO_FFPROBE` override the PATH lookup.
#[derive(Debug, Clone)]
pub struct Ffmpeg {
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
}

impl Default for Ffmpeg {
    fn default() -> Self {
        Self::from_env()
    }
}

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

/// What [`Ffmpeg::animate`] makes: `image` panned for `seconds` at `size`, an optional
/// transparent `overlay` fixed on top, and an optional tone as its sound.
#[derive(Debug, Clone, Copy)]
pub struct StillClip<'a> {
    pub image: &'a Path,
    pub overlay: Option<&'a Path>,
    pub size: (u32, u32),
    pub seconds: u32,
    /// A sine tone of this frequency (Hz), as a 48 kHz stereo AAC track as long as the video;
    /// None: no audio track.
    pub tone_hz: Option<u32>,
    /// Written as the file's `comment` tag (what the clip was made from, for tests and for a
    /// creator inspecting a file).
    pub comment: Option<&'a str>,
}

/// How a stitch was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StitchMode {
    StreamCopy,
    Reencode,
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

/// Arguments that make ffmpeg's output depend only on its input (no encoder version strings, no
/// creation times), so the same project renders byte-identical files.
const BITEXACT: &[&str] = &[
    "-map_metadata",
    "-1",
    "-fflags",
    "+bitexact",
    "-flags",
    "+bitexact",
];

/// H.264 settings shared by every encode: yuv420p plays everywhere; one thread keeps output
/// identical across machines with different core counts.
const H264: &[&str] = &[
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-threads", "1",
];

/// AAC settings shared by every audio encode (ffmpeg's own encoder, deterministic under
/// `+bitexact`).
const AAC: &[&str] = &["-c:a", "aac", "-b:a", "128k"];

/// Audio made or normalised here: 48 kHz stereo, as Veo delivers it.
const SAMPLE_RATE: u32 = 48_000;
const LAYOUT: &str = "stereo";

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

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// The protocols an input may use: local files only (no network, no `concat:`, `subfile:`,
/// `pipe:`, `data:`; also for the entries a concat list names, which the demuxer opens with
/// its input's whitelist).
const INPUT_PROTOCOLS: &str = "file";

/// `path` as an ffmpeg or ffprobe input that can only be a local file: absolute (so it cannot
/// start with `-` and be read as an option) and behind the `file:` protocol (so a name like
/// `http:x.mp4` or `concat:a|b` selects no other protocol). Every input goes through here.
pub fn local_input(path: &Path) -> Result<OsString, MediaError> {
    let abs = std::path::absolute(path)
        .map_err(|e| MediaError::io(format!("the ffmpeg input {}", path.display()), e))?;
    let mut arg = OsString::from("file:");
    arg.push(abs);
    Ok(arg)
}

/// `args` with every `-i` operand made a [`local_input`] (one already behind `file:/` is kept)
/// and preceded by `-protocol_whitelist file`, whoever built them (this crate or a caller of
/// [`Ffmpeg::run`]). An input option given twice takes its last value, so a caller's own
/// whitelist cannot widen this one.
fn local_inputs(args: Vec<OsString>) -> Result<Vec<OsString>, MediaError> {
    let mut out = Vec::with_capacity(args.len() + 4);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg != "-i" {
            out.push(arg);
            continue;
        }
        let Some(input) = args.next() else {
            return Err(MediaError::Tool {
                program: "ffmpeg".into(),
                status: "not started".into(),
                stderr: "an -i option with no input after it".into(),
            });
        };
        // `file:/…` is already a local absolute file (a caller that made it itself); anything
        // else, `file:x` included, is a path to make one of.
        let input = if input.as_encoded_bytes().starts_with(b"file:/") {
            input
        } else {
            local_input(Path::new(&input))?
        };
        out.extend(os(&["-protocol_whitelist", INPUT_PROTOCOLS, "-i"]));
        out.push(input);
    }
    Ok(out)
}

/// One line of a concat demuxer list naming `clip` as a local file. A path with a line break
/// could add directives of its own to the list, so it is refused.
fn concat_entry(clip: &Path) -> Result<String, MediaError> {
    let input = local_input(clip)?;
    let text = input.to_str().ok_or_else(|| MediaError::Artifact {
        uri: clip.display().to_string(),
        message: "a clip to join must have a UTF-8 path".into(),
    })?;
    if text.contains(['\n', '\r']) {
        return Err(MediaError::Artifact {
            uri: clip.display().to_string(),
            message: "a clip to join cannot have a line break in its path".into(),
        });
    }
    Ok(format!("file '{}'\n", text.replace('\'', r"'\''")))
}

impl Ffmpeg {
    pub fn from_env() -> Self {
        let pick = |var: &str, default: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(default))
        };
        Ffmpeg {
            ffmpeg: pick("STUDIO_FFMPEG", "ffmpeg"),
            ffprobe: pick("STUDIO_FFPROBE", "ffprobe"),
        }
    }

    /// When ffmpeg or ffprobe cannot be found, what to tell the creator (which is missing and
    /// how to get it); None when both are there. An AppImage carries no ffmpeg: this is how the
    /// studio says so at start-up instead of failing the first render.
    pub fn missing_tools(&self) -> Option<String> {
        let missing: Vec<String> = [&self.ffmpeg, &self.ffprobe]
            .into_iter()
            .filter(|p| !executable_exists(p))
            .map(|p| p.display().to_string())
            .collect();
        if missing.is_empty() {
            return None;
        }
        Some(format!(
            "{} not found: renders cannot be made or stitched. Install ffmpeg (Debian/Ubuntu: \
             sudo apt install ffmpeg; Fedora: sudo dnf install ffmpeg; Arch: sudo pacman -S \
             ffmpeg; macOS: brew install ffmpeg) or set STUDIO_FFMPEG and STUDIO_FFPROBE, then \
             restart the studio.",
            missing.join(" and ")
        ))
    }

    /// Runs ffmpeg with `args`, reporting progress against `expected` output duration.
    /// On cancellation the child is killed and `MediaError::Cancelled` returned.
    pub async fn run(
        &self,
        args: Vec<OsString>,
        expected: Option<Duration>,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let args = local_inputs(args)?;
        let mut cmd = Command::new(&self.ffmpeg);
        cmd.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
            .args(["-progress", "pipe:1", "-nostats"])
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        crate::process::die_with_parent(cmd.as_std_mut());
        tracing::debug!(program = %self.ffmpeg.display(), ?args, "running ffmpeg");
        let mut child = cmd.spawn().map_err(|source| MediaError::ToolMissing {
            program: self.ffmpeg.clone(),
            source,
        })?;

        let stdout = child.stdout.take().expect("stdout is piped");
        let progress_task = {
            let task = task.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let (Some(total), Some(us)) = (expected, line.strip_prefix("out_time_us=")) {
                        if let Ok(us) = us.trim().parse::<f64>() {
                            let frac = (us / 1e6) / total.as_secs_f64().max(0.001);
                            task.report(frac as f32);
                        }
                    }
                }
            })
        };
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let write_failed = Arc::new(AtomicBool::new(false));
        let stderr_task = {
            let stderr = child.stderr.take().expect("stderr is piped");
            let tail = tail.clone();
            let write_failed = write_failed.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if WRITE_FAILURES.iter().any(|w| line.contains(w)) {
                        write_failed.store(true, Ordering::Relaxed);
                    }
                    let mut t = tail.lock().expect("stderr tail lock");
                    if t.len() == STDERR_TAIL_LINES {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            })
        };

        let status = tokio::select! {
            status = child.wait() => status.map_err(|e| MediaError::io("wait for ffmpeg", e))?,
            _ = task.cancel.cancelled() => {
                let _ = child.kill().await;
                tracing::info!("ffmpeg killed on cancellation");
                return Err(MediaError::Cancelled);
            }
        };
        let _ = progress_task.await;
        let _ = stderr_task.await;
        if status.success() && !write_failed.load(Ordering::Relaxed) {
            task.report(1.0);
            Ok(())
        } else {
            let stderr = tail
                .lock()
                .expect("stderr tail lock")
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            Err(MediaError::Tool {
                program: "ffmpeg".into(),
                status: if status.success() {
                    format!("{status}, but the output could not be written")
                } else {
                    status.to_string()
                },
                stderr,
            })
        }
    }

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

    /// Upscales to `size` with the lanczos filter (the 4K enhance). The audio, if any, is copied.
    pub async fn upscale(
        &self,
        input: &Path,
        (w, h): (u32, u32),
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let duration = self.probe(input).await?.duration;
        let mut args = vec![OsString::from("-i"), input.into()];
        let vf = format!("scale={w}:{h}:flags=lanczos,setsar=1");
        args.extend(os(&["-map", "0:v:0", "-map", "0:a:0?"]));
        args.extend(os(&["-vf", &vf, "-c:a", "copy"]));
        args.extend(os(H264));
        args.extend(os(&["-movflags", "+faststart"]));
        args.extend(os(BITEXACT));
        args.extend(os(&["-f", "mp4"]));
        args.push(out.into());
        self.run(args, Some(Duration::from_secs_f64(duration)), task)
            .await
    }

    /// The last frame of `clip`, as a PNG at `out`: the first frame of a scene that continues
    /// from this one. Only the final half second is decoded (`-update` keeps the last frame).
    pub async fn last_frame(
        &self,
        clip: &Path,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let mut args = os(&["-sseof", "-0.5", "-i"]);
        args.push(clip.into());
        args.extend(os(&[
            "-map", "0:v:0", "-update", "1", "-f", "image2", "-c:v", "png",
        ]));
        args.push(out.into());
        self.run(args, None, task).await
    }

    /// Animates a still into a silent H.264 clip; see [`Ffmpeg::animate`].
    pub async fn animate_still(
        &self,
        image: &Path,
        overlay: Option<&Path>,
        size: (u32, u32),
        seconds: u32,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let clip = StillClip {
            image,
            overlay,
            size,
            seconds,
            tone_hz: None,
            comment: None,
        };
        self.animate(&clip, out, task).await
    }

    /// Animates a still into an H.264 clip: a slow pan across a slightly enlarged frame, so the
    /// clip moves (a real decoder test, not a still) while staying deterministic. An optional
    /// transparent overlay (a caption) stays fixed on top; an optional sine tone becomes an AAC
    /// track exactly as long as the video.
    pub async fn animate(
        &self,
        clip: &StillClip<'_>,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let StillClip {
            image,
            overlay,
            size: (w, h),
            seconds,
            tone_hz,
            comment,
        } = *clip;
        let (sw, sh) = (w * 6 / 5 / 2 * 2, h * 6 / 5 / 2 * 2);
        let pan = format!(
            "[0:v]scale={sw}:{sh},crop={w}:{h}:x='(iw-ow)*t/{seconds}':y='(ih-oh)*t/{seconds}',setsar=1"
        );
        let mut args = os(&["-loop", "1", "-framerate", "24", "-i"]);
        args.push(image.into());
        let mut filter = match overlay {
            Some(o) => {
                args.extend(os(&["-loop", "1", "-framerate", "24", "-i"]));
                args.push(o.into());
                format!("{pan}[bg];[bg][1:v]overlay=0:0,format=yuv420p[v]")
            }
            None => format!("{pan},format=yuv420p[v]"),
        };
        if let Some(hz) = tone_hz {
            filter.push_str(&format!(
                ";sine=frequency={hz}:sample_rate={SAMPLE_RATE}:duration={seconds},\
                 aformat=sample_fmts=fltp:channel_layouts={LAYOUT}[a]"
            ));
        }
        args.extend(os(&[
            "-t",
            &seconds.to_string(),
            "-filter_complex",
            &filter,
        ]));
        args.extend(os(&["-map", "[v]", "-r", "24"]));
        match tone_hz {
            Some(_) => {
                args.extend(os(&["-map", "[a]"]));
                args.extend(os(AAC));
            }
            None => args.push("-an".into()),
        }
        args.extend(os(H264));
        args.extend(os(&["-movflags", "+faststart"]));
        args.extend(os(BITEXACT));
        if let Some(c) = comment {
            args.extend(os(&["-metadata", &format!("comment={c}")]));
        }
        args.extend(os(&["-f", "mp4"]));
        args.push(out.into());
        self.run(args, Some(Duration::from_secs(seconds.into())), task)
            .await
    }
}

/// Whether `program` names an existing file: as a path, or found on PATH.
fn executable_exists(program: &std::path::Path) -> bool {
    if program.components().count() > 1 {
        return program.is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod missing_tests {
    use super::*;

    #[test]
    fn a_missing_tool_is_named_with_how_to_get_it() {
        assert_eq!(
            Ffmpeg::from_env().missing_tools(),
            None,
            "ffmpeg is installed here"
        );
        let f = Ffmpeg {
            ffmpeg: "/nonexistent/ffmpeg".into(),
            ffprobe: "no-such-ffprobe-here".into(),
        };
        let m = f.missing_tools().unwrap();
        assert!(
            m.starts_with("/nonexistent/ffmpeg and no-such-ffprobe-here not found"),
            "{m}"
        );
        assert!(m.contains("sudo apt install ffmpeg"), "{m}");
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn every_input_is_a_whitelisted_local_file() {
        let cwd = std::env::current_dir().unwrap();
        let args = os(&[
            "-loop",
            "1",
            "-i",
            "concat:a.mp4|b.mp4",
            "-i",
            "file:/already/local.png",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            "-list.txt",
            "-map",
            "0:v",
            "/out/x.mp4",
        ]);
        let file = |name: &str| format!("file:{}", cwd.join(name).display());
        assert_eq!(
            strings(local_inputs(args).unwrap()),
            [
                "-loop",
                "1",
                "-protocol_whitelist",
                "file",
                "-i",
                &file("concat:a.mp4|b.mp4"),
                "-protocol_whitelist",
                "file",
                "-i",
                "file:/already/local.png",
                "-f",
                "concat",
                "-safe",
                "0",
                "-protocol_whitelist",
                "file",
                "-i",
                &file("-list.txt"),
                "-map",
                "0:v",
                "/out/x.mp4",
            ]
        );
        assert!(local_inputs(os(&["-y", "-i"])).is_err());
    }

    #[test]
    fn concat_entries_are_quoted_local_files_on_one_line() {
        assert_eq!(
            concat_entry(Path::new("/clips/it's.mp4")).unwrap(),
            "file 'file:/clips/it'\\''s.mp4'\n"
        );
        assert!(concat_entry(Path::new("/clips/a\nfile 'http://x/y.mp4'")).is_err());
    }
}
