//! `studio export PROJECT --out DIR [--preset NAME] [--package]`: the project's latest finished
//! render delivered through `Studio::export`, its progress on stderr, Ctrl-C cancelling it.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use studio_api::studio::{ExportOptions, ExportStatus};
use studio_api::Studio;

use crate::output::Out;

pub async fn export(
    studio: &Studio,
    out: Out,
    path: &Path,
    out_dir: &Path,
    options: ExportOptions,
) -> Result<()> {
    let project = Studio::load_project(path)?;
    let mut view = ExportView::new();
    // Ctrl-C cancels the export (its ffmpeg killed, nothing written to the folder); the
    // operation then ends with `JobCancelled`, exit code 4.
    let interrupted = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler: never interrupted.
            std::future::pending::<()>().await;
        }
        eprintln!("cancelling the export…");
    };
    let done = studio
        .export(&project, path, out_dir, options, interrupted, |s| {
            view.update(s)
        })
        .await;
    view.finish();
    studio.shutdown();
    let done = done?;
    out.show(&done, |d| outln!("{}", d.video))
}

/// A bar on a terminal; elsewhere one plain line per change.
enum ExportView {
    Bar(ProgressBar),
    Lines,
}

impl ExportView {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return ExportView::Lines;
        }
        let bar = ProgressBar::new(100);
        if let Ok(style) = ProgressStyle::with_template("{bar:30.cyan/blue} {pos:>3}% {wide_msg}") {
            bar.set_style(style);
        }
        ExportView::Bar(bar)
    }

    fn update(&mut self, s: &ExportStatus) {
        match self {
            ExportView::Bar(bar) => {
                bar.set_position(s.percentage.into());
                bar.set_message(s.current_step.clone());
            }
            ExportView::Lines => eprintln!("{:>3}% {}", s.percentage, s.current_step),
        }
    }

    fn finish(&self) {
        if let ExportView::Bar(bar) = self {
            bar.finish();
        }
    }
}
