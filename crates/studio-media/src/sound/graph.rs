//! The ffmpeg filter graph of a mix: four tracks laid on the film's timeline, each with its
//! gain, the music ducked under the voices, written as stems and summed into the mix.

use super::{Gain, Gains, TrackKind};

/// Every track is made at this rate and layout (the film's, as Veo delivers it).
pub const RATE: u32 = 48_000;

/// Ducking: the music is compressed whenever the voices (dialogue + narration) are over
/// −30 dBFS RMS, at 20:1, so under speech at a normal level it drops some 10–18 dB. Its attack
/// (20 ms) is quick enough not to mask a line's first syllable; its release (400 ms) lets the
/// music back in between lines without pumping on every word.
const DUCK: &str = "sidechaincompress=threshold=0.0316:ratio=20:attack=20:release=400";

/// A voiced line on the timeline: ffmpeg input `input`, starting at sample `start`.
#[derive(Debug, Clone, Copy)]
pub struct PlacedLine {
    pub track: TrackKind,
    pub input: usize,
    pub start: u64,
}

/// The music on the timeline: ffmpeg input `input` (looped by the input options when asked),
/// playing `length` samples from sample `start`, fading in and out over `fade` samples.
#[derive(Debug, Clone, Copy)]
pub struct PlacedMusic {
    pub input: usize,
    pub start: u64,
    pub length: u64,
    pub fade: u64,
}

/// What the graph is made from. Input 0 is the film; `clip_audio` says whether it has sound.
#[derive(Debug, Clone)]
pub struct MixGraph<'a> {
    /// The film's length in samples: every track is exactly this long.
    pub samples: u64,
    pub clip_audio: bool,
    pub lines: Vec<PlacedLine>,
    pub music: Option<PlacedMusic>,
    pub gains: &'a Gains,
}

/// The labels of the graph's outputs, in the order they are mapped.
pub const OUTPUTS: [&str; 5] = ["dialogue", "narration", "music", "effects", "mix"];

impl MixGraph<'_> {
    /// The `-filter_complex` text. Outputs: `[dialogue] [narration] [music] [effects]`, the
    /// stems, and `[mix]`, their sum (no normalising: the tracks add as they are).
    ///
    /// The music stem is the music *after* ducking (and after its gain), so it shows the music
    /// as it is heard in the film: quieter wherever someone speaks.
    pub fn build(&self) -> String {
        let n = self.samples;
        let fit = format!("apad=whole_len={n},atrim=end_sample={n}");
        let mut g = String::new();
        // Effects: the clips' own sound, or silence.
        if self.clip_audio {
            g.push_str(&format!("[0:a:0]{},{fit}", norm()));
        } else {
            g.push_str(&silence(n));
        }
        g.push_str(&format!(
            ",{},asplit=2[effects][fx_mix];",
            volume(&self.gains.clips)
        ));
        // The voices: each line delayed to its start, the lines of a track summed.
        for (kind, name, gain) in [
            (TrackKind::Dialogue, "dialogue", &self.gains.dialogue),
            (TrackKind::Narration, "narration", &self.gains.narration),
        ] {
            let lines: Vec<&PlacedLine> = self.lines.iter().filter(|l| l.track == kind).collect();
            for (k, l) in lines.iter().enumerate() {
                g.push_str(&format!("[{}:a:0]{}", l.input, norm()));
                if l.start > 0 {
                    g.push_str(&format!(",adelay=delays={}S:all=1", l.start));
                }
                g.push_str(&format!("[{name}{k}];"));
            }
            match lines.len() {
                0 => g.push_str(&silence(n)),
                1 => g.push_str(&format!("[{name}0]anull")),
                m => {
                    for k in 0..m {
                        g.push_str(&format!("[{name}{k}]"));
                    }
                    g.push_str(&format!("amix=inputs={m}:normalize=0:duration=longest"));
                }
            }
            g.push_str(&format!(
                ",{fit},{},asplit=3[{name}][{name}_key][{name}_mix];",
                volume(gain)
            ));
        }
        g.push_str("[dialogue_key][narration_key]amix=inputs=2:normalize=0[voices];");
        // The music: trimmed (or looped, by the input) to its span, faded, placed, ducked.
        match self.music {
            Some(m) => {
                g.push_str(&format!(
                    "[{}:a:0]{},atrim=end_sample={}",
                    m.input,
                    norm(),
                    m.length
                ));
                if m.fade > 0 {
                    g.push_str(&format!(
                        ",afade=t=in:ss=0:ns={f},afade=t=out:ss={s}:ns={f}",
                        f = m.fade,
                        s = m.length.saturating_sub(m.fade)
                    ));
                }
                if m.start > 0 {
                    g.push_str(&format!(",adelay=delays={}S:all=1", m.start));
                }
                g.push_str(&format!(",{fit}"));
            }
            None => g.push_str(&silence(n)),
        }
        g.push_str(&format!(
            ",{}[music_dry];[music_dry][voices]{DUCK},asplit=2[music][music_mix];",
            volume(&self.gains.music)
        ));
        g.push_str(
            "[fx_mix][dialogue_mix][narration_mix][music_mix]amix=inputs=4:normalize=0[mix]",
        );
        g
    }
}

/// Any audio as the tracks' format: 48 kHz stereo float.
fn norm() -> String {
    format!("aresample={RATE},aformat=sample_fmts=fltp:channel_layouts=stereo")
}

/// `n` samples of stereo silence.
fn silence(n: u64) -> String {
    format!("anullsrc=r={RATE}:cl=stereo,aformat=sample_fmts=fltp,atrim=end_sample={n}")
}

/// A track's gain as a filter: muted is silence, whatever the volume.
fn volume(g: &Gain) -> String {
    if g.mute {
        "volume=0".into()
    } else {
        format!("volume={:.2}dB", g.volume_db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(music: Option<PlacedMusic>, lines: Vec<PlacedLine>, clip_audio: bool) -> String {
        MixGraph {
            samples: 480_000,
            clip_audio,
            lines,
            music,
            gains: &Gains::default(),
        }
        .build()
    }

    #[test]
    fn music_plays_its_span_faded_and_placed() {
        let g = graph(
            Some(PlacedMusic {
                input: 1,
                start: 96_000,
                length: 200_000,
                fade: 48_000,
            }),
            vec![],
            true,
        );
        assert!(
            g.contains(
                "[1:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,\
                 atrim=end_sample=200000,afade=t=in:ss=0:ns=48000,\
                 afade=t=out:ss=152000:ns=48000,adelay=delays=96000S:all=1,\
                 apad=whole_len=480000,atrim=end_sample=480000"
            ),
            "{g}"
        );
        assert!(g.contains("[music_dry][voices]sidechaincompress="), "{g}");
        assert!(g.starts_with("[0:a:0]"), "{g}");
    }

    #[test]
    fn missing_tracks_are_silence_of_the_film_length() {
        let g = graph(
            None,
            vec![
                PlacedLine {
                    track: TrackKind::Dialogue,
                    input: 1,
                    start: 0,
                },
                PlacedLine {
                    track: TrackKind::Dialogue,
                    input: 2,
                    start: 12_000,
                },
            ],
            false,
        );
        // No clip sound, no narration, no music: three silences, each cut to the film.
        assert_eq!(g.matches("anullsrc=r=48000:cl=stereo").count(), 3, "{g}");
        assert_eq!(g.matches("atrim=end_sample=480000").count(), 5, "{g}");
        assert!(
            g.contains("[dialogue0][dialogue1]amix=inputs=2:normalize=0"),
            "{g}"
        );
        assert!(g.contains("[2:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=delays=12000S:all=1[dialogue1]"), "{g}");
    }
}
