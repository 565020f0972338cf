//! The ffmpeg filter graphs of the cut: a run of fragments joined (cut, crossfade, dip to
//! black) into one picture, the film's sound with the same joins, and a shot's picture
//! reframed to another frame shape.

use std::fmt::Write as _;

use studio_core::{Reframe, ReframeMode};

use super::timeline::{Blend, Fragment, Join};

/// The sound of the film: 48 kHz stereo, as every other track of the studio.
pub(crate) const RATE: u32 = 48_000;

/// How a fragment's picture is brought to the encode's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Shape {
    /// As it is (a smart render: the clips' own size).
    Own,
    /// Scaled to `size` whatever its shape (the same aspect, or a title card).
    Scale((u32, u32)),
    /// Reframed to `size` as `reframe` says (crop window or fit on a blurred fill).
    Reframe((u32, u32), Reframe),
}

/// One input of a video graph: fragment `fragment` comes from ffmpeg input `input`, whose first
/// decoded frame is frame `seek` of its source (the keyframe it was seeked to).
#[derive(Debug, Clone, Copy)]
pub(crate) struct VideoInput {
    pub input: usize,
    pub seek: u64,
    pub fragment: Fragment,
    pub shape: Shape,
    /// The source's picture size, for the crop window.
    pub size: (u32, u32),
}

/// The graph joining `inputs` in order into `[{out}]`, at `fps` (num/den): each fragment trimmed
/// to its frames, brought to one shape and rate, then joined to the one before by a concat (a
/// cut) or a blend over the last `join.frames` of what is joined so far (the first of them
/// still all the outgoing picture, the frame after them all the incoming one). Every chain goes
/// through `fps`, so every link has the time base 1/fps and every join falls on a whole frame.
pub(crate) fn video(inputs: &[VideoInput], fps: (u32, u32), out: &str) -> String {
    let (num, den) = fps;
    let mut g = String::new();
    for (k, v) in inputs.iter().enumerate() {
        let a = v.fragment.from - v.seek;
        let b = v.fragment.to - v.seek;
        let _ = write!(
            g,
            "[{i}:v:0]trim=start_frame={a}:end_frame={b},setpts=PTS-STARTPTS,",
            i = v.input
        );
        g.push_str(&shape(v.shape, v.size, &format!("f{k}")));
        let _ = write!(g, ",fps={num}/{den},format=yuv420p[f{k}];");
    }
    let mut current = "f0".to_owned();
    let mut length = inputs.first().map_or(0, |v| v.fragment.len());
    for (k, v) in inputs.iter().enumerate().skip(1) {
        let next = format!("j{k}");
        match v.fragment.join {
            Some(Join {
                blend: Blend::DipToBlack,
                frames,
            }) => {
                // The first half of the overlap fades the outgoing picture out, the second
                // fades the incoming one in: its middle frame is black.
                let half = frames / 2;
                let out_end = length - frames + half;
                let _ = write!(
                    g,
                    "[{current}]trim=end_frame={out_end},\
                     fade=t=out:start_frame={start}:nb_frames={half}[{current}o];\
                     [f{k}]trim=start_frame={half},setpts=PTS-STARTPTS,\
                     fade=t=in:start_frame=0:nb_frames={rest}[f{k}i];\
                     [{current}o][f{k}i]concat=n=2:v=1:a=0[{next}];",
                    start = length - frames,
                    rest = frames - half,
                );
                length = length + v.fragment.len() - frames;
            }
            Some(Join {
                blend: Blend::Crossfade,
                frames,
            }) => {
                // The overlap is the incoming picture laid over the outgoing one, its alpha
                // fading in from 0 (the first frame all the outgoing picture) a step a frame:
                // xfade's `fade` to within a level (PSNR over 50 dB), at less than half its cost
                // (overlay's blend is SIMD, xfade's float is not). Then the three spans in turn:
                // what came before, the blend, the rest of the incoming fragment.
                let offset = length - frames;
                let rest = v.fragment.len() - frames;
                length += rest;
                let mut spans = Vec::with_capacity(3);
                if offset > 0 {
                    let _ = write!(
                        g,
                        "[{current}]split[{current}h][{current}t];\
                         [{current}h]trim=end_frame={offset}[{current}a];\
                         [{current}t]trim=start_frame={offset},setpts=PTS-STARTPTS[{current}b];"
                    );
                    spans.push(format!("[{current}a]"));
                } else {
                    let _ = write!(g, "[{current}]null[{current}b];");
                }
                let incoming = if rest > 0 {
                    let _ = write!(
                        g,
                        "[f{k}]split[f{k}h][f{k}t];\
                         [f{k}t]trim=start_frame={frames},setpts=PTS-STARTPTS[f{k}r];\
                         [f{k}h]trim=end_frame={frames},"
                    );
                    true
                } else {
                    let _ = write!(g, "[f{k}]");
                    false
                };
                let _ = write!(
                    g,
                    "format=yuva420p,fade=t=in:start_frame=0:nb_frames={frames}:alpha=1[f{k}a];\
                     [{current}b][f{k}a]overlay=format=yuv420:eof_action=pass,\
                     format=yuv420p[x{k}];"
                );
                spans.push(format!("[x{k}]"));
                if incoming {
                    spans.push(format!("[f{k}r]"));
                }
                let _ = write!(
                    g,
                    "{}concat=n={}:v=1:a=0[{next}];",
                    spans.concat(),
                    spans.len()
                );
            }
            None => {
                let _ = write!(g, "[{current}][f{k}]concat=n=2:v=1:a=0[{next}];");
                length += v.fragment.len();
            }
        }
        current = next;
    }
    let _ = write!(g, "[{current}]null[{out}]");
    g
}

/// The filters bringing a picture of `size` to `shape` (no leading or trailing comma). `tag`
/// names the fit's inner links, unique in the graph.
pub(crate) fn shape(shape: Shape, size: (u32, u32), tag: &str) -> String {
    match shape {
        Shape::Own => "setsar=1".to_owned(),
        Shape::Scale((w, h)) => format!(
            "scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2:\
             flags=lanczos,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1"
        ),
        Shape::Reframe(out, r) => match r.mode {
            ReframeMode::Crop => crop(size, out, r.x, r.y),
            ReframeMode::Fit => fit(out, tag),
        },
    }
}

/// The window of `out`'s shape inside a picture of `size`, placed by `x`, `y` in -1..=1 (0
/// centred), scaled to `out`.
pub(crate) fn crop((iw, ih): (u32, u32), (w, h): (u32, u32), x: f64, y: f64) -> String {
    let (iw64, ih64, w64, h64) = (u64::from(iw), u64::from(ih), u64::from(w), u64::from(h));
    // Wider than the target: full height, a narrower window; else full width, a lower one.
    let (cw, ch) = if iw64 * h64 > ih64 * w64 {
        ((ih64 * w64 / h64) / 2 * 2, ih64)
    } else {
        (iw64, (iw64 * h64 / w64) / 2 * 2)
    };
    let place = |room: u64, at: f64| {
        let at = if at.is_finite() {
            at.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        ((room as f64) * (1.0 + at) / 2.0).round() as u64
    };
    let cx = place(iw64.saturating_sub(cw), x);
    let cy = place(ih64.saturating_sub(ch), y);
    format!("crop={cw}:{ch}:{cx}:{cy},scale={w}:{h}:flags=lanczos,setsar=1")
}

/// The whole picture fitted inside `out`, on a blurred copy of itself filling the frame.
fn fit((w, h): (u32, u32), tag: &str) -> String {
    // The fill is blurred at a quarter of the size (as soft, and 16x less work).
    let (bw, bh) = ((w / 4).max(2) / 2 * 2, (h / 4).max(2) / 2 * 2);
    format!(
        "split=2[{tag}bg][{tag}fg];\
         [{tag}bg]scale={bw}:{bh}:force_original_aspect_ratio=increase,crop={bw}:{bh},\
         boxblur=luma_radius=10:luma_power=2,scale={w}:{h},setsar=1[{tag}fill];\
         [{tag}fg]scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2:\
         flags=lanczos,setsar=1[{tag}pic];\
         [{tag}fill][{tag}pic]overlay=(W-w)/2:(H-h)/2"
    )
}

/// One piece of the film's sound: `samples` samples from `start` of ffmpeg input `input`'s
/// first audio stream (None: silence, for a title card or a clip without sound), joined to the
/// piece before by an `acrossfade` of `join` samples (0: a cut).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AudioPiece {
    pub input: Option<usize>,
    pub start: u64,
    pub samples: u64,
    pub join: u64,
}

/// The graph of the film's sound into `[a]`: each piece resampled to 48 kHz stereo, cut to its
/// samples exactly (padded with silence if the clip's sound is shorter), then joined.
pub(crate) fn audio(pieces: &[AudioPiece]) -> String {
    let mut g = String::new();
    for (k, p) in pieces.iter().enumerate() {
        let n = p.samples;
        match p.input {
            Some(i) => {
                let _ = write!(
                    g,
                    "[{i}:a:0]aresample={RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,\
                     atrim=start_sample={s}:end_sample={e},asetpts=PTS-STARTPTS,\
                     apad=whole_len={n},atrim=end_sample={n}[p{k}];",
                    s = p.start,
                    e = p.start + n,
                );
            }
            None => {
                let _ = write!(
                    g,
                    "anullsrc=r={RATE}:cl=stereo,atrim=end_sample={n},\
                     aformat=sample_fmts=fltp:channel_layouts=stereo[p{k}];"
                );
            }
        }
    }
    let mut current = "p0".to_owned();
    for (k, p) in pieces.iter().enumerate().skip(1) {
        let next = format!("q{k}");
        if p.join > 0 {
            let _ = write!(
                g,
                "[{current}][p{k}]acrossfade=ns={ns}:c1=tri:c2=tri[{next}];",
                ns = p.join
            );
        } else {
            let _ = write!(g, "[{current}][p{k}]concat=n=2:v=0:a=1[{next}];");
        }
        current = next;
    }
    let _ = write!(g, "[{current}]anull[a]");
    g
}

/// `text` as the value of a filter option inside a filter graph: escaped once for the option
/// (`\ ' :`) and once more for the graph (`\ ' [ ] , ;`), as ffmpeg's filtergraph syntax
/// requires.
pub(crate) fn escape_option(text: &str) -> String {
    let escape = |s: &str, special: &[char]| {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if special.contains(&c) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    };
    let option = escape(text, &['\\', '\'', ':']);
    escape(&option, &['\\', '\'', '[', ']', ',', ';'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_windows_move_with_the_offsets() {
        // 16:9 into 9:16: full height, a 405 px wide window.
        assert_eq!(
            crop((1280, 720), (1080, 1920), 0.0, 0.0),
            "crop=404:720:438:0,scale=1080:1920:flags=lanczos,setsar=1"
        );
        assert!(crop((1280, 720), (1080, 1920), -1.0, 0.0).starts_with("crop=404:720:0:0"));
        assert!(crop((1280, 720), (1080, 1920), 1.0, 0.0).starts_with("crop=404:720:876:0"));
        // 9:16 into 16:9: full width, the window moves down.
        assert!(crop((720, 1280), (1920, 1080), 0.0, 1.0).starts_with("crop=720:404:0:876"));
    }

    #[test]
    fn joins_are_whole_frames_from_the_end_of_what_is_joined() {
        let frag = |from, to, join| Fragment {
            item: 0,
            from,
            to,
            join,
        };
        let input = |input, fragment| VideoInput {
            input,
            seek: 0,
            fragment,
            shape: Shape::Own,
            size: (320, 180),
        };
        let join = Some(Join {
            blend: Blend::DipToBlack,
            frames: 12,
        });
        let g = video(
            &[
                input(0, frag(0, 48, None)),
                input(1, frag(0, 24, None)),
                input(2, frag(0, 48, join)),
            ],
            (24, 1),
            "v",
        );
        assert!(g.contains("[f0][f1]concat=n=2:v=1:a=0[j1]"), "{g}");
        // 72 frames so far: the dip fades them out over their last 6, the next in over 6.
        assert!(
            g.contains("[j1]trim=end_frame=66,fade=t=out:start_frame=60:nb_frames=6[j1o]"),
            "{g}"
        );
        assert!(
            g.contains("[f2]trim=start_frame=6,setpts=PTS-STARTPTS,fade=t=in:start_frame=0:nb_frames=6[f2i]"),
            "{g}"
        );
    }
}
