//! Single clips made from one input: the 4K upscale, a clip's last frame, and a still
//! animated into a clip (the offline provider's renders).

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::{os, Ffmpeg, AAC, BITEXACT, H264, LAYOUT, SAMPLE_RATE};
use crate::error::MediaError;
use crate::task::TaskCtx;

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

impl Ffmpeg {
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

    /// The first frame of `clip`, as a PNG at `out`: the frame a shot ending on the next shot
    /// must reach. Only one frame is decoded.
    pub async fn first_frame(
        &self,
        clip: &Path,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let mut args = os(&["-i"]);
        args.push(clip.into());
        args.extend(os(&[
            "-map",
            "0:v:0",
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "png",
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
