//! Title cards and end credits: white text on black in DejaVu, encoded at the clips' own
//! settings (size, rate, pixel format, the studio's H.264), so a smart render can copy a card
//! between copied clips.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use studio_core::{TitleCut, TitleStyle};

use super::graph::escape_option;
use super::timeline::to_frames;
use crate::error::MediaError;
use crate::ffmpeg::{parse_rate, Ffmpeg, ProbeInfo, BITEXACT, H264};
use crate::task::TaskCtx;

/// Where distributions put DejaVu (Debian/Ubuntu `fonts-dejavu-core`, Fedora, Arch, macOS with
/// the fonts installed by hand).
const FONT_DIRS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu-serif-fonts",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
];

/// The font file of `style`, and the fontconfig name to ask for when no file is found.
fn font(style: TitleStyle) -> (&'static str, &'static str) {
    match style {
        TitleStyle::Plain => ("DejaVuSans.ttf", "DejaVu Sans"),
        TitleStyle::Bold => ("DejaVuSans-Bold.ttf", "DejaVu Sans:style=Bold"),
        TitleStyle::Serif => ("DejaVuSerif.ttf", "DejaVu Serif"),
    }
}

/// The drawtext option choosing `style`'s face: its file where one is found, else fontconfig.
fn font_option(style: TitleStyle) -> String {
    let (file, name) = font(style);
    match FONT_DIRS
        .iter()
        .map(|d| PathBuf::from(d).join(file))
        .find(|p| p.is_file())
    {
        Some(path) => format!("fontfile={}", escape_option(&path.to_string_lossy())),
        None => format!("font={}", escape_option(name)),
    }
}

/// The text's size in pixels: as large as a title reads (a tenth of the height; credits, with
/// more lines, smaller) while its longest line fits 90 % of the width and all lines 80 % of the
/// height.
fn font_size(lines: &[&str], (w, h): (u32, u32), credits: bool) -> u32 {
    let longest = lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (w, h) = (f64::from(w), f64::from(h));
    let base = if credits { h / 16.0 } else { h / 10.0 };
    // DejaVu Sans averages about 0.6 em per character; lines are 1.4 em apart.
    let by_width = 0.9 * w / (0.6 * longest);
    let by_height = 0.8 * h / (1.4 * lines.len().max(1) as f64);
    base.min(by_width).min(by_height).max(8.0).floor() as u32
}

/// Encodes `title` as a silent card at `like`'s size, frame rate and pixel format to `out`
/// (an MP4 with one H.264 stream, one keyframe at its start). Each line is centred on its own;
/// the text is read by drawtext from files beside `out` (never parsed as filter syntax or
/// expanded), removed afterwards.
pub async fn title_card(
    ffmpeg: &Ffmpeg,
    title: &TitleCut,
    like: &ProbeInfo,
    out: &Path,
    task: &TaskCtx,
) -> Result<(), MediaError> {
    let video = like.video.as_ref().ok_or_else(|| MediaError::Artifact {
        uri: out.display().to_string(),
        message: "a title card needs a video to match, and this one has no video stream".into(),
    })?;
    let (w, h) = (video.width.max(2) / 2 * 2, video.height.max(2) / 2 * 2);
    let fps = parse_rate(&video.frame_rate).unwrap_or((studio_core::CUT_FPS, 1));
    let frames = to_frames(title.seconds, fps).max(1);
    let text = title.text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let size = font_size(&lines, (w, h), title.credits);
    let spacing = f64::from(size) * 1.4;
    let top = (f64::from(h) - spacing * lines.len() as f64) / 2.0;
    let face = font_option(title.style);

    let mut files = Vec::new();
    let mut graph = format!(
        "color=c=black:s={w}x{h}:r={}/{},format=yuv420p",
        fps.0, fps.1
    );
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let file = out.with_extension(format!("line{i}.txt"));
        tokio::fs::write(&file, line)
            .await
            .map_err(|e| MediaError::io(format!("write {}", file.display()), e))?;
        let y = (top + spacing * i as f64 + (spacing - f64::from(size)) / 2.0).round();
        graph.push_str(&format!(
            ",drawtext={face}:textfile={}:expansion=none:fontcolor=white:fontsize={size}:\
             x=(w-text_w)/2:y={y}",
            escape_option(
                &std::path::absolute(&file)
                    .unwrap_or_else(|_| file.clone())
                    .to_string_lossy()
            ),
        ));
        files.push(file);
    }
    graph.push_str(",setsar=1[v]");
    let mut args: Vec<OsString> = ["-filter_complex", &graph, "-map", "[v]"]
        .iter()
        .map(OsString::from)
        .collect();
    args.extend(
        [
            "-frames:v".to_owned(),
            frames.to_string(),
            "-r".to_owned(),
            format!("{}/{}", fps.0, fps.1),
        ]
        .into_iter()
        .map(OsString::from),
    );
    args.extend(H264.iter().map(OsString::from));
    args.extend(["-an", "-movflags", "+faststart"].map(OsString::from));
    args.extend(BITEXACT.iter().map(OsString::from));
    args.extend(["-f", "mp4"].map(OsString::from));
    args.push(out.into());
    let expected = Duration::from_secs_f64(title.seconds.max(0.0));
    let result = ffmpeg.run(args, Some(expected), task).await;
    for file in files {
        let _ = tokio::fs::remove_file(file).await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fits_the_frame() {
        let size = font_size(&["The End"], (1280, 720), false);
        assert_eq!(size, 72);
        // A long line shrinks to fit the width.
        let long = "x".repeat(80);
        assert!(font_size(&[&long], (1280, 720), false) * 80 * 6 / 10 <= 1280 * 9 / 10 + 1);
        // Many lines shrink to fit the height.
        let many = vec!["Mara"; 20];
        assert!(font_size(&many, (1280, 720), true) * 20 * 14 / 10 <= 720 * 8 / 10 + 1);
    }
}
