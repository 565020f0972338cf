//! The one printer: results on stdout (text, or JSON under `--json`), messages on stderr,
//! progress as a bar on a terminal and as plain lines anywhere else (a log file, CI, a pipe).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use studio_api::{ApiError, Studio};
use studio_core::{Progress, SegmentStatus};

/// `println!` for results: a closed stdout (`studio --json result ID | head`) ends the CLI
/// quietly with success, as ripgrep does: the reader has what it wanted, which is no error
/// (`println!` would panic with a backtrace instead).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write_line(format_args!($($arg)*))
    };
}

/// Writes one line to stdout; see [`outln!`].
pub fn write_line(line: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = out
        .write_fmt(line)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            std::process::exit(1);
        }
    }
}

/// How this run prints.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON under `--json`, else as `text` writes it.
    pub fn show<T: serde::Serialize>(
        &self,
        value: &T,
        text: impl FnOnce(&T),
    ) -> anyhow::Result<()> {
        if self.json {
            outln!("{}", serde_json::to_string_pretty(value)?);
        } else {
            text(value);
        }
        Ok(())
    }

    /// Always JSON (progress and results are documents, not tables).
    pub fn json<T: serde::Serialize>(&self, value: &T) -> anyhow::Result<()> {
        outln!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }

    /// A message for the person at the terminal (never mixed into results).
    pub fn note(&self, message: impl std::fmt::Display) {
        eprintln!("{message}");
    }

    /// An error: `{"error": {code, message, problems}}` on stdout under `--json`, else a line
    /// on stderr with each problem under it.
    pub fn error(&self, e: &anyhow::Error) {
        match e.downcast_ref::<ApiError>() {
            Some(api) if self.json => {
                let doc = serde_json::json!({ "error": api });
                outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            }
            Some(api) => {
                eprintln!("error: {}", api.message);
                for p in &api.problems {
                    eprintln!("  - {}", p.message);
                }
            }
            None if self.json => {
                let doc = serde_json::json!({
                    "error": { "code": "usage", "message": format!("{e:#}"), "problems": [] }
                });
                outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            }
            None => eprintln!("error: {e:#}"),
        }
    }

    /// Shows a job's progress until it ends, then prints its video's local path.
    pub async fn watch_to_end(&self, studio: &Studio, id: &str) -> anyhow::Result<()> {
        let mut view = ProgressView::new();
        let result = studio
            .watch(id, Duration::from_millis(250), |p| view.update(p))
            .await;
        view.finish();
        let path = match &result {
            Ok(r) => Some(studio.fetch(&r.video_url).await),
            Err(_) => None,
        };
        studio.shutdown();
        let result = result?;
        let path = path.expect("a path for a result")?;
        if self.json {
            return self.json(&serde_json::json!({
                "id": id,
                "videoPath": path,
                "result": result,
            }));
        }
        outln!("{}", path.display());
        Ok(())
    }
}

/// `■■▶··`: one mark per scenario.
fn segment_strip(p: &Progress) -> String {
    p.segments
        .iter()
        .map(|s| match s.status {
            SegmentStatus::Pending => '·',
            SegmentStatus::Running => '▶',
            SegmentStatus::Done => '■',
            SegmentStatus::Failed => '✗',
        })
        .collect()
}

/// A progress bar on a terminal; elsewhere one plain line per change.
enum ProgressView {
    Bar(ProgressBar),
    Lines,
}

impl ProgressView {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return ProgressView::Lines;
        }
        let bar = ProgressBar::new(100);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30.cyan/blue} {pos:>3}% {prefix} {wide_msg}")
        {
            bar.set_style(style);
        }
        ProgressView::Bar(bar)
    }

    fn update(&mut self, p: &Progress) {
        let paused = if p.paused { " (paused)" } else { "" };
        match self {
            ProgressView::Bar(bar) => {
                bar.set_position(p.percentage.into());
                bar.set_prefix(segment_strip(p));
                bar.set_message(format!("{}{paused}", p.current_step));
            }
            ProgressView::Lines => eprintln!(
                "{:>3}% {} {}{paused}",
                p.percentage,
                segment_strip(p),
                p.current_step
            ),
        }
    }

    fn finish(&self) {
        if let ProgressView::Bar(bar) = self {
            bar.finish();
        }
    }
}
