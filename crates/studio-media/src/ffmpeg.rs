//! ffmpeg as a child process: argument arrays (never a shell), progress parsed from
//! `-progress pipe:1`, stderr kept for errors, killed at once on cancellation.
//!
//! Every input is a local file. ffmpeg reads a name like `http:x.mp4`, `concat:a|b`, `pipe:0` or
//! `subfile:…` as a protocol, and clip and image names can come from outside (a project, a
//! download): so [`Ffmpeg::run`] (the only place ffmpeg starts) passes every `-i` operand
//! through [`local_input`] and pins the input to `-protocol_whitelist file`; [`Ffmpeg::probe`]
//! does the same for ffprobe, and concat lists name their entries through [`local_input`] too.

mod clips;
mod inputs;
mod mp4;
mod probe;
mod stitch;

pub use clips::StillClip;
pub use inputs::local_input;
use inputs::local_inputs;
pub use mp4::read as read_mp4_tables;
pub(crate) use probe::{div_round, parse_rate};
pub use probe::{AudioStream, Packet, PacketProbe, ProbeInfo, VideoStream};
pub use stitch::StitchMode;

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};
use tokio::task::JoinHandle;

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

/// Arguments that make ffmpeg's output depend only on its input (no encoder version strings, no
/// creation times), so the same project renders byte-identical files.
pub const BITEXACT: &[&str] = &[
    "-map_metadata",
    "-1",
    "-fflags",
    "+bitexact",
    "-flags",
    "+bitexact",
];

/// H.264 settings shared by every encode: yuv420p plays everywhere; one thread keeps output
/// identical across machines with different core counts; a keyframe at least every second
/// (`-g` is [`studio_core::CUT_FPS`], the studio's frame rate) so the cut's smart render
/// re-encodes only the second around a join, not a whole clip (x264's default, 250 frames,
/// makes a 6 s clip one GOP).
pub const H264: &[&str] = &[
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-threads", "1",
    "-g", "24",
];

/// AAC settings shared by every audio encode (ffmpeg's own encoder, deterministic under
/// `+bitexact`).
const AAC: &[&str] = &["-c:a", "aac", "-b:a", "128k"];

/// Audio made or normalised here: 48 kHz stereo, as Veo delivers it.
const SAMPLE_RATE: u32 = 48_000;
const LAYOUT: &str = "stereo";

/// `args` as the owned strings a [`Command`] takes.
fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
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
    ///
    /// The child's stdout (progress) and stderr (errors) are read by tasks of their own while
    /// this waits for the child or the cancellation, whichever comes first.
    pub async fn run(
        &self,
        args: Vec<OsString>,
        expected: Option<Duration>,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let args = local_inputs(args)?;
        let mut child = self.spawn(&args)?;
        let progress = watch_progress(
            child.stdout.take().expect("stdout is piped"),
            expected,
            task.clone(),
        );
        let stderr = watch_stderr(child.stderr.take().expect("stderr is piped"));
        let status = tokio::select! {
            status = child.wait() => status.map_err(|e| MediaError::io("wait for ffmpeg", e))?,
            _ = task.cancel.cancelled() => {
                let _ = child.kill().await;
                tracing::info!("ffmpeg killed on cancellation");
                return Err(MediaError::Cancelled);
            }
        };
        let _ = progress.await;
        // A reader that panicked has kept nothing: the status alone then decides.
        let stderr = stderr.await.unwrap_or_default();
        outcome(status, &stderr)?;
        task.report(1.0);
        Ok(())
    }

    /// Starts ffmpeg quiet but for errors, with machine-readable progress on stdout, no
    /// stdin, and killed with the studio (on drop, and by the kernel if the studio dies).
    fn spawn(&self, args: &[OsString]) -> Result<Child, MediaError> {
        let mut cmd = Command::new(&self.ffmpeg);
        cmd.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
            .args(["-progress", "pipe:1", "-nostats"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        crate::process::die_with_parent(cmd.as_std_mut());
        tracing::debug!(program = %self.ffmpeg.display(), ?args, "running ffmpeg");
        cmd.spawn().map_err(|source| MediaError::ToolMissing {
            program: self.ffmpeg.clone(),
            source,
        })
    }
}

/// Reads `-progress pipe:1` until ffmpeg closes it, reporting each `out_time_us` as a
/// fraction of `expected` (nothing is reported when the length is not known).
fn watch_progress(
    stdout: ChildStdout,
    expected: Option<Duration>,
    task: TaskCtx,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(frac) = progress_fraction(&line, expected) {
                task.report(frac);
            }
        }
    })
}

/// The fraction of `expected` done by a progress line, if it is an `out_time_us=` line.
fn progress_fraction(line: &str, expected: Option<Duration>) -> Option<f32> {
    let total = expected?;
    let us = line
        .strip_prefix("out_time_us=")?
        .trim()
        .parse::<f64>()
        .ok()?;
    Some(((us / 1e6) / total.as_secs_f64().max(0.001)) as f32)
}

/// What ffmpeg said on stderr: its last [`STDERR_TAIL_LINES`] lines, for the error, and
/// whether any line said the output could not be written ([`WRITE_FAILURES`]).
#[derive(Debug, Default)]
struct Stderr {
    tail: VecDeque<String>,
    write_failed: bool,
}

impl Stderr {
    fn push(&mut self, line: String) {
        if WRITE_FAILURES.iter().any(|w| line.contains(w)) {
            self.write_failed = true;
        }
        if self.tail.len() == STDERR_TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line);
    }
}

/// Reads ffmpeg's stderr until it closes; the task's result is what was said.
fn watch_stderr(stderr: ChildStderr) -> JoinHandle<Stderr> {
    tokio::spawn(async move {
        let mut said = Stderr::default();
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            said.push(line);
        }
        said
    })
}

/// A run succeeded when ffmpeg exited with 0 and never said it could not write; otherwise
/// the error carries the status and the tail of stderr.
fn outcome(status: ExitStatus, stderr: &Stderr) -> Result<(), MediaError> {
    if status.success() && !stderr.write_failed {
        return Ok(());
    }
    Err(MediaError::Tool {
        program: "ffmpeg".into(),
        status: if status.success() {
            format!("{status}, but the output could not be written")
        } else {
            status.to_string()
        },
        stderr: Vec::from(stderr.tail.clone()).join("\n"),
    })
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
mod run_tests {
    use super::*;

    #[test]
    fn progress_lines_are_fractions_of_the_expected_length() {
        let ten = Some(Duration::from_secs(10));
        assert_eq!(progress_fraction("out_time_us=2500000", ten), Some(0.25));
        assert_eq!(progress_fraction("out_time_us=N/A", ten), None);
        assert_eq!(progress_fraction("frame=12", ten), None);
        assert_eq!(progress_fraction("out_time_us=2500000", None), None);
    }

    #[test]
    fn stderr_keeps_its_last_lines_and_any_write_failure() {
        let mut said = Stderr::default();
        for i in 0..30 {
            said.push(format!("line {i}"));
        }
        assert_eq!(said.tail.len(), STDERR_TAIL_LINES);
        assert_eq!(said.tail.front().map(String::as_str), Some("line 10"));
        assert!(!said.write_failed);
        said.push("[out#0/mp4] Error writing trailer: No space left on device".into());
        assert!(said.write_failed);
        assert_eq!(said.tail.len(), STDERR_TAIL_LINES);
    }
}
