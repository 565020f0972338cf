//! The film's sound from the command line: hear a voice before paying for shots.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use studio_api::studio::{VoiceSample, VoiceSampleRequest};
use studio_api::Studio;

use crate::output::Out;

/// `studio voice sample`: speaks the line once through the configured provider (offline:
/// espeak-ng) and prints where the WAV is (copied to `out` when given); the same voice, style
/// and line come from the artifact cache afterwards, paying nothing.
pub async fn voice_sample(
    studio: &Studio,
    out: Out,
    request: VoiceSampleRequest,
    copy_to: Option<PathBuf>,
) -> Result<()> {
    let mut sample = studio.voice_sample(&request).await?;
    if let Some(dest) = copy_to {
        copy(Path::new(&sample.path), &dest)?;
        sample.path = dest.display().to_string();
    }
    out.show(&sample, |s: &VoiceSample| {
        let how = if s.cached {
            "from the cache".to_owned()
        } else if !s.cost.unpriced_models.is_empty() {
            format!("no price for {}", s.cost.unpriced_models.join(", "))
        } else if s.cost.usd > 0.0 {
            format!("${:.4}", s.cost.usd)
        } else {
            "free".to_owned()
        };
        outln!("{}", s.path);
        out.note(format!("{:.1} s with {} ({how})", s.seconds, s.model));
    })
}

/// Copies the sample where the creator asked, through a temporary file beside it (a failed
/// copy leaves nothing half-written).
fn copy(from: &Path, to: &Path) -> Result<()> {
    let name = to
        .file_name()
        .with_context(|| format!("{} names no file", to.display()))?;
    let mut part_name = std::ffi::OsString::from(".");
    part_name.push(name);
    part_name.push(format!(".{}.part", std::process::id()));
    let part = to.with_file_name(part_name);
    let copied = std::fs::copy(from, &part)
        .with_context(|| format!("cannot copy the sample to {}", to.display()))
        .and_then(|_| {
            std::fs::rename(&part, to).with_context(|| format!("cannot write {}", to.display()))
        });
    if copied.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    copied
}
