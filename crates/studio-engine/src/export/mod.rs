//! Delivering a finished render (`exportFilm`): the mixed film at an export preset's size
//! (each shot reframed, cropped at the creator's offsets or fitted on a blurred fill, where its
//! aspect is not the preset's), and on request the editor's package beside it: the timeline as
//! OpenTimelineIO, FCPXML and CMX 3600 EDL naming the clips in `media/`, the title cards, the
//! captions and the stems.
//!
//! An export is durable work like a render: a 4K master of a long film takes minutes, so it
//! runs as a workflow whose two activities heartbeat (a dead worker's attempt is noticed and
//! retried, a cancellation reaches ffmpeg), whose progress is a query, and which a cancelled
//! workflow stops. Nothing is paid: every input is an artifact the render made, named in the
//! input, so the history records exactly what was delivered. The files stay in the artifact
//! store; the shell that asked copies them where the creator wants them
//! ([`ExportResult::files`]).

mod activities;

use serde::{Deserialize, Serialize};
use studio_core::{CutPlan, ExportPreset, Stems};

use crate::tuning::ExportTuning;

pub use activities::ExportActivities;

/// Input of `exportFilm`: which render, at which preset, with or without the package, and the
/// artifacts of that render it is made from (read by the client from the render's result and
/// request, so the workflow needs nothing but its input).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportInput {
    /// The render job whose result this delivers.
    pub job_id: String,
    /// Which of its versions.
    pub version: u32,
    pub preset: ExportPreset,
    /// Write the editor's package beside the film.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub package: bool,
    /// The name the delivered files take (the project's, as a file name).
    pub name: String,
    pub film: ExportFilm,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<ExportTuning>,
    /// Task queue for the long ffmpeg work when an operator split it off (None: this queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_queue: Option<String>,
}

/// What a finished render made, as the export needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFilm {
    /// The finished film (stitched or cut, enhanced, mixed).
    pub video_url: String,
    /// The take of each shot the film was made from, in the film's order.
    pub shots: Vec<ExportShot>,
    /// The render's cut (None: the shots end to end, untrimmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<CutPlan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captions_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stems: Option<Stems>,
}

/// One shot of the film: its scenario's id (names its media file) and its clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportShot {
    pub id: String,
    pub clip_url: String,
}

impl ExportFilm {
    /// The cut the film was made with: the render's, or every shot whole, end to end (a render
    /// without one, or made before cuts existed).
    pub fn plan(&self) -> CutPlan {
        self.cut.clone().unwrap_or_else(|| CutPlan {
            shots: vec![Default::default(); self.shots.len()],
            titles: Vec::new(),
        })
    }

    pub fn clip_urls(&self) -> Vec<String> {
        self.shots.iter().map(|s| s.clip_url.clone()).collect()
    }
}

/// Input of `renderExport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderExportInput {
    pub film: ExportFilm,
    pub preset: ExportPreset,
}

/// Input of `writePackage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageInput {
    pub name: String,
    pub film: ExportFilm,
    pub preset: ExportPreset,
}

/// One delivered file: where it goes, relative to the creator's folder (`media/01-a.mp4`,
/// `stems/music.wav`), and the artifact holding its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFile {
    pub path: String,
    pub url: String,
}

/// Result of `writePackage`: the package's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageOutput {
    pub files: Vec<ExportFile>,
}

/// Result of `exportFilm`: every file delivered, the film first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub job_id: String,
    pub preset: ExportPreset,
    pub files: Vec<ExportFile>,
}

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportStage {
    /// No worker has taken it yet.
    #[default]
    Waiting,
    Rendering,
    Packaging,
    Completed,
}

/// What `getProgress` answers for an export.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportProgress {
    pub stage: ExportStage,
    /// 0 to 100. Within a step the client refines it from the step's heartbeats.
    pub percentage: u8,
    pub current_step: String,
}

/// How much of an export each step is: the render is nearly all of it (every frame is
/// encoded); the package encodes a few seconds of title cards and writes text.
pub(crate) const RENDER_SHARE: (u8, u8) = (0, 90);
pub(crate) const PACKAGE_SHARE: (u8, u8) = (90, 100);

impl ExportProgress {
    /// The percentage `fraction` (0..1) of the way through `stage`'s share.
    pub fn within(stage: ExportStage, fraction: f64) -> u8 {
        let (from, to) = match stage {
            ExportStage::Waiting => return 0,
            ExportStage::Rendering => RENDER_SHARE,
            ExportStage::Packaging => PACKAGE_SHARE,
            ExportStage::Completed => return 100,
        };
        let f = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        from + (f * f64::from(to - from)).floor() as u8
    }
}

/// The file name a project's export takes: its name with anything but letters, digits, `-`
/// and `_` replaced, never empty or hidden.
pub fn file_stem(name: &str) -> String {
    let slug: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    let slug = slug.trim_matches('-').to_owned();
    if slug.is_empty() {
        "film".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_stay_within_their_step() {
        assert_eq!(ExportProgress::within(ExportStage::Rendering, 0.0), 0);
        assert_eq!(ExportProgress::within(ExportStage::Rendering, 0.5), 45);
        assert_eq!(ExportProgress::within(ExportStage::Rendering, 7.0), 90);
        assert_eq!(ExportProgress::within(ExportStage::Rendering, f64::NAN), 0);
        assert_eq!(ExportProgress::within(ExportStage::Packaging, 1.0), 100);
        assert_eq!(ExportProgress::within(ExportStage::Completed, 0.0), 100);
    }

    #[test]
    fn file_stems_are_plain_names() {
        assert_eq!(file_stem("The Lighthouse"), "The-Lighthouse");
        assert_eq!(file_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_stem(".hidden"), "hidden");
        assert_eq!(file_stem("   "), "film");
        assert_eq!(file_stem("Été à Paris"), "Été-à-Paris");
    }
}
