//! Loudness: measured with ffmpeg's `ebur128` (EBU R 128 / ITU-R BS.1770, true peak by
//! oversampling) and normalised in two passes (a measurement, then `loudnorm` applying it) to the
//! level streaming platforms play at: −14 LUFS integrated, true peak at most −1 dBTP.
//!
//! `ebur128` prints its findings in ffmpeg's log, which [`Ffmpeg::run`] does not keep, so the
//! measuring runs go through [`analyse`]: the same local-file-only input and kill-on-cancel
//! rules, a null output, and the log returned.

use std::path::Path;
use std::process::Stdio;

use serde::{Deserialize, Serialize};
use tokio::process::Command;

use crate::error::MediaError;
use crate::ffmpeg::{local_input, Ffmpeg};
use crate::task::TaskCtx;

/// The integrated loudness a finished film is normalised to (LUFS).
pub const TARGET_LUFS: f64 = -14.0;
/// The highest true peak a finished film may have (dBTP).
pub const TARGET_TRUE_PEAK: f64 = -1.0;
/// Where the limiter holds true peaks when the mix needs one, and the highest true peak a
/// linear gain may reach: a dB under [`TARGET_TRUE_PEAK`], because the AAC encode that follows
/// rings a few tenths of a dB over its input's peaks.
pub const LIMIT_TRUE_PEAK: f64 = -2.0;
/// How close the limited mix must come to [`TARGET_LUFS`] before `loudnorm` takes over (LU).
const LIMIT_TOLERANCE: f64 = 0.1;
/// How many times the gain before the limiter is corrected (limiting lowers the loudness a
/// little, so the gain is found by measuring; two rounds are usually enough).
const LIMIT_ROUNDS: usize = 4;
/// Below this the mix is silence (BS.1770's absolute gate): there is nothing to normalise.
const SILENCE_LUFS: f64 = -70.0;

/// What [`loudness`] measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Loudness {
    /// Integrated loudness, LUFS (−70 for silence, ebur128's floor).
    pub integrated_lufs: f64,
    /// The highest true peak of any channel, dBTP (−∞ for silence).
    pub true_peak_dbtp: f64,
}

impl Loudness {
    /// Whether this meets the delivery target: [`TARGET_LUFS`] ± `tolerance` and a true peak at
    /// most [`TARGET_TRUE_PEAK`]. Silence meets it (there is nothing to make louder).
    pub fn on_target(&self, tolerance: f64) -> bool {
        let silent = self.integrated_lufs <= SILENCE_LUFS;
        (silent || (self.integrated_lufs - TARGET_LUFS).abs() <= tolerance)
            && self.true_peak_dbtp <= TARGET_TRUE_PEAK
    }
}

/// The loudness of `path`'s first audio stream: ffmpeg's `ebur128` filter with `peak=true`.
pub async fn loudness(
    ffmpeg: &Ffmpeg,
    path: &Path,
    task: &TaskCtx,
) -> Result<Loudness, MediaError> {
    let m = measure(ffmpeg, path, "", task).await?;
    Ok(Loudness {
        integrated_lufs: m.i,
        true_peak_dbtp: m.tp,
    })
}

/// A first pass: what `loudnorm`'s second pass needs to know of its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measured {
    /// Integrated loudness, LUFS.
    pub i: f64,
    /// True peak, dBTP.
    pub tp: f64,
    /// Loudness range, LU.
    pub lra: f64,
    /// The integrated loudness's relative gate, LUFS.
    pub thresh: f64,
}

/// The filter chain that takes the mix at `mix` to the target loudness, ending at 48 kHz.
///
/// Two passes: the first measures (integrated loudness, its gate, range, true peak); the second
/// is `loudnorm` given those values with `linear=true`, a single gain that keeps the mix's
/// dynamics. The first pass is `ebur128`, not `loudnorm`'s own measuring pass: the two measure
/// by the same BS.1770 rules, but `loudnorm` without measured values also runs its whole
/// dynamic processor at 192 kHz, five times slower (2.7 s against 0.5 s for a minute of
/// stereo) for numbers the second pass does not need. `loudnorm` can only be linear when the
/// gain leaves the true peak under its ceiling; with speech's sharp peaks it often cannot, and
/// then falls back to its dynamic mode, which lands a LU or more short of the target. So when
/// the gain would lift the peaks over [`LIMIT_TRUE_PEAK`], the chain first applies the gain
/// itself and holds the peaks with a limiter run at 4× the sample rate (so it catches the peaks
/// between samples, as true peak is measured), measuring again until the limited mix is at the
/// target: the first pass measures what the second is given, and `loudnorm`'s linear pass then
/// has nothing left but a fraction of a dB. Silence is left as it is.
pub(crate) async fn normalising_chain(
    ffmpeg: &Ffmpeg,
    mix: &Path,
    task: &TaskCtx,
) -> Result<String, MediaError> {
    let mut m = measure(ffmpeg, mix, "", task).await?;
    if !m.i.is_finite() || m.i <= SILENCE_LUFS {
        tracing::info!("the mix is silent: nothing to normalise");
        return Ok("anull".into());
    }
    let mut pre = String::new();
    let mut gain = TARGET_LUFS - m.i;
    if m.tp + gain > LIMIT_TRUE_PEAK {
        for round in 0..LIMIT_ROUNDS {
            pre = format!("volume={gain:.3}dB,{},", true_peak_limiter(LIMIT_TRUE_PEAK));
            m = measure(ffmpeg, mix, &pre, task).await?;
            tracing::debug!(round, gain, measured = m.i, "limited mix measured");
            if (TARGET_LUFS - m.i).abs() <= LIMIT_TOLERANCE || !m.i.is_finite() {
                break;
            }
            gain += TARGET_LUFS - m.i;
        }
    }
    Ok(format!("{pre}{},{AFTER_LOUDNORM}", second_pass(&m)))
}

/// What follows `loudnorm` (which works at 192 kHz): back to the mix's 48 kHz stereo. The format
/// is pinned first: ffmpeg 5.1 reconfigures the graph when `loudnorm`'s frames arrive, and a
/// resampler straight after it then loses the channel layout and fails ("Cannot select channel
/// layout for the link").
const AFTER_LOUDNORM: &str = "aformat=sample_fmts=fltp:channel_layouts=stereo,aresample=48000";

/// A limiter holding true peaks at `ceiling_dbtp`: the samples are upsampled 4× so the peaks
/// between them are limited too, then brought back to 48 kHz.
pub(crate) fn true_peak_limiter(ceiling_dbtp: f64) -> String {
    let limit = 10f64.powf(ceiling_dbtp / 20.0).clamp(0.0625, 1.0);
    format!(
        "aresample=192000,alimiter=limit={limit:.5}:attack=5:release=50:level=false,\
         aresample=48000"
    )
}

/// `loudnorm` applying `m`. Its target loudness range is raised to the measured one (up to the
/// filter's 50 LU), since a range over the target also forces the dynamic mode.
fn second_pass(m: &Measured) -> String {
    // loudnorm takes a range of 1-50 LU; a range it could not measure (NaN) is its default.
    let lra = if m.lra.is_finite() {
        m.lra.clamp(11.0, 50.0)
    } else {
        11.0
    };
    format!(
        "loudnorm=I={TARGET_LUFS}:TP={TARGET_TRUE_PEAK}:LRA={lra:.2}:measured_I={:.2}:\
         measured_TP={:.2}:measured_LRA={:.2}:measured_thresh={:.2}:linear=true",
        m.i.clamp(-99.0, 0.0),
        m.tp.clamp(-99.0, 99.0),
        m.lra.clamp(0.0, 99.0),
        m.thresh.clamp(-99.0, 0.0),
    )
}

/// The first pass: `ebur128` over what `pre` (a chain ending in a comma, or empty) makes of the
/// first audio stream of `path`.
async fn measure(
    ffmpeg: &Ffmpeg,
    path: &Path,
    pre: &str,
    task: &TaskCtx,
) -> Result<Measured, MediaError> {
    let filter = format!("{pre}ebur128=peak=true:framelog=verbose");
    let log = analyse(ffmpeg, path, &filter, task).await?;
    parse_ebur128(&log).ok_or_else(|| unreadable("ebur128", &log))
}

fn unreadable(filter: &str, log: &str) -> MediaError {
    MediaError::Tool {
        program: "ffmpeg".into(),
        status: format!("no {filter} measurement in its log"),
        stderr: tail(log),
    }
}

/// The last lines of a log, for an error.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Runs `filter` over the first audio stream of `input` into ffmpeg's null muxer and returns
/// ffmpeg's log at info level (where `ebur128` and `loudnorm` print). The input is a local file
/// only (as for every ffmpeg run here); the child dies with the studio and is killed at once on
/// cancellation (dropping it kills it).
pub(crate) async fn analyse(
    ffmpeg: &Ffmpeg,
    input: &Path,
    filter: &str,
    task: &TaskCtx,
) -> Result<String, MediaError> {
    let mut cmd = Command::new(&ffmpeg.ffmpeg);
    cmd.args(["-nostdin", "-hide_banner", "-nostats", "-loglevel", "info"])
        .args(["-protocol_whitelist", "file", "-i"])
        .arg(local_input(input)?)
        .args(["-map", "0:a:0", "-af", filter, "-f", "null", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    crate::process::die_with_parent(cmd.as_std_mut());
    tracing::debug!(input = %input.display(), filter, "measuring with ffmpeg");
    let child = cmd.spawn().map_err(|source| MediaError::ToolMissing {
        program: ffmpeg.ffmpeg.clone(),
        source,
    })?;
    let out = tokio::select! {
        out = child.wait_with_output() => out.map_err(|e| MediaError::io("wait for ffmpeg", e))?,
        _ = task.cancel.cancelled() => {
            tracing::info!("ffmpeg (measuring) killed on cancellation");
            return Err(MediaError::Cancelled);
        }
    };
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(MediaError::Tool {
            program: "ffmpeg".into(),
            status: out.status.to_string(),
            stderr: tail(&log),
        });
    }
    Ok(log)
}

/// The first pass's values from `ebur128`'s summary (the last one in the log); `-inf` reads as
/// −∞ (a silent true peak):
///
/// ```text
///   Integrated loudness:
///     I:         -14.0 LUFS
///     Threshold: -24.3 LUFS
///   Loudness range:
///     LRA:         4.8 LU
///   ...
///   True peak:
///     Peak:       -1.2 dBFS
/// ```
fn parse_ebur128(log: &str) -> Option<Measured> {
    let summary = &log[log.rfind("Summary:")?..];
    let value = |from: &str, key: &str| -> Option<f64> {
        let rest = &summary[summary.find(from)?..];
        let line = rest.lines().find(|l| l.trim_start().starts_with(key))?;
        line.trim_start()
            .strip_prefix(key)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    Some(Measured {
        i: value("Integrated loudness:", "I:")?,
        thresh: value("Integrated loudness:", "Threshold:")?,
        lra: value("Loudness range:", "LRA:")?,
        tp: value("True peak:", "Peak:")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &str = "[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:   \
                           -20.0 LUFS\n    Threshold: -30.0 LUFS\n\n  Loudness range:\n    LRA: \
                           9.0 LU\n\n  True peak:\n    Peak:        0.5 dBFS\n\
                           [Parsed_ebur128_0 @ 0x2] Summary:\n\n  Integrated loudness:\n    I:   \
                           -14.1 LUFS\n    Threshold: -24.3 LUFS\n\n  Loudness range:\n    LRA: \
                           4.8 LU\n    Threshold: -34.5 LUFS\n    LRA low:   -19.0 LUFS\n\n  \
                           True peak:\n    Peak:       -1.2 dBFS\n";

    #[test]
    fn ebur128_summaries_are_read_from_the_last_one() {
        let m = parse_ebur128(SUMMARY).unwrap();
        assert_eq!((m.i, m.thresh, m.lra, m.tp), (-14.1, -24.3, 4.8, -1.2));
        let silent = parse_ebur128(
            "Summary:\n  Integrated loudness:\n    I: -70.0 LUFS\n    Threshold: -70.0 LUFS\n  \
             Loudness range:\n    LRA: 0.0 LU\n  True peak:\n    Peak: -inf dBFS\n",
        )
        .unwrap();
        assert_eq!(silent.tp, f64::NEG_INFINITY);
        let silent = Loudness {
            integrated_lufs: silent.i,
            true_peak_dbtp: silent.tp,
        };
        assert!(silent.on_target(1.0));
        assert_eq!(parse_ebur128("no summary here"), None);
    }

    #[test]
    fn the_second_pass_is_given_the_first_and_asked_to_be_linear() {
        let m = parse_ebur128(SUMMARY).unwrap();
        let pass = second_pass(&m);
        assert!(
            pass.contains(
                "measured_I=-14.10:measured_TP=-1.20:measured_LRA=4.80:measured_thresh=-24.30"
            ),
            "{pass}"
        );
        assert!(pass.contains(":LRA=11.00:"), "{pass}");
        assert!(pass.ends_with("linear=true"), "{pass}");
        let wide = second_pass(&Measured { lra: 25.0, ..m });
        assert!(
            wide.contains(":LRA=25.00:"),
            "a range over 11 LU is kept: {wide}"
        );
    }
}
