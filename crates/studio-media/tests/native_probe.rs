//! The cut's probe read from MP4 sample tables in-process (`ffmpeg/mp4`) against ffprobe's own
//! answer, on real files made by real ffmpeg: for every shape it reads it must give exactly
//! what ffprobe gives (stream facts, time bases, extradata hash, every packet's times, flags
//! and order), it must read every shape the studio makes, and it must leave to ffprobe the
//! shapes it does not reproduce.

use std::path::{Path, PathBuf};
use std::process::Command;

use studio_media::ffmpeg::read_mp4_tables;
use studio_media::Ffmpeg;

/// What the native reader must do with a file.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Read it, exactly as ffprobe does.
    Native,
    /// Either read it exactly or leave it to ffprobe.
    Either,
    /// Leave it to ffprobe.
    Ffprobe,
}

const SHOT: &str = "testsrc2=size=320x180:rate=24:duration=3";
const TONE: &str = "sine=frequency=330:sample_rate=48000:duration=3";
/// The studio's own H.264 settings and output flags, as every clip it makes has them.
const OURS: &[&str] = studio_media::ffmpeg::H264;
const BITEXACT: &[&str] = studio_media::ffmpeg::BITEXACT;
const AAC: &[&str] = &["-c:a", "aac", "-b:a", "128k", "-ac", "2"];

fn lavfi(src: &str) -> Vec<String> {
    vec!["-f".into(), "lavfi".into(), "-i".into(), src.into()]
}

/// Makes `name` with ffmpeg from `args` (inputs and options); false when this ffmpeg cannot.
fn make(dir: &Path, name: &str, args: &[String]) -> Option<PathBuf> {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg runs");
    status.success().then_some(out)
}

fn args(parts: &[&[&str]]) -> Vec<String> {
    parts
        .iter()
        .flat_map(|p| p.iter().map(|s| s.to_string()))
        .collect()
}

/// (file name, ffmpeg arguments, what the reader must do).
fn corpus() -> Vec<(&'static str, Vec<String>, Expect)> {
    let av = || [lavfi(SHOT), lavfi(TONE)].concat();
    let v = || lavfi(SHOT);
    let with = |inputs: Vec<String>, rest: &[&[&str]]| [inputs, args(rest)].concat();
    use Expect::*;
    vec![
        // The studio's clips and the bench's: x264 with B-frames, AAC, moov first.
        (
            "ours.mp4",
            with(av(), &[OURS, AAC, &["-movflags", "+faststart"], BITEXACT]),
            Native,
        ),
        // The same with the moov at the end (ffmpeg's default).
        ("moov-last.mp4", with(av(), &[OURS, AAC]), Native),
        ("video-only.mp4", with(v(), &[OURS]), Native),
        (
            "portrait-mono-44k.mp4",
            with(
                [
                    lavfi("testsrc2=size=180x320:rate=24:duration=3"),
                    lavfi("sine=frequency=330:sample_rate=44100:duration=3"),
                ]
                .concat(),
                &[OURS, &["-c:a", "aac", "-ac", "1"]],
            ),
            Native,
        ),
        (
            "1080p-crop.mp4",
            with(lavfi("testsrc2=size=1920x1080:rate=24:duration=1"), &[OURS]),
            Native,
        ),
        (
            "no-bframes.mp4",
            with(av(), &[OURS, &["-bf", "0"], AAC]),
            Native,
        ),
        (
            "baseline.mp4",
            with(av(), &[OURS, &["-profile:v", "baseline"], AAC]),
            Native,
        ),
        (
            "main.mp4",
            with(av(), &[OURS, &["-profile:v", "main"], AAC]),
            Native,
        ),
        ("gop48.mp4", with(av(), &[OURS, &["-g", "48"], AAC]), Native),
        (
            "ntsc.mp4",
            with(
                lavfi("testsrc2=size=320x180:rate=30000/1001:duration=3"),
                &[OURS],
            ),
            Native,
        ),
        (
            "sound-longer.mp4",
            with(
                [
                    lavfi(SHOT),
                    lavfi("sine=frequency=330:sample_rate=48000:duration=4.3"),
                ]
                .concat(),
                &[OURS, AAC],
            ),
            Native,
        ),
        (
            "sound-first.mp4",
            with(av(), &[&["-map", "1:a", "-map", "0:v"], OURS, AAC]),
            Native,
        ),
        (
            "full-range.mp4",
            with(v(), &[OURS, &["-pix_fmt", "yuvj420p"]]),
            Either,
        ),
        (
            "no-edit-list.mp4",
            with(av(), &[OURS, AAC, &["-use_editlist", "0"]]),
            Either,
        ),
        (
            "copied-from-2.3s.mp4",
            with(
                [vec!["-ss".into(), "2.3".into()], vec!["-i".into()]].concat(),
                &[],
            ),
            Either,
        ),
        (
            "sound-delayed.mp4",
            with(
                [
                    lavfi(SHOT),
                    vec!["-itsoffset".into(), "0.5".into()],
                    lavfi(TONE),
                ]
                .concat(),
                &[OURS, AAC],
            ),
            Either,
        ),
        (
            "high10.mp4",
            with(v(), &[OURS, &["-pix_fmt", "yuv420p10le"]]),
            Either,
        ),
        ("quicktime.mov", with(av(), &[OURS, AAC]), Either),
        (
            "fragmented.mp4",
            with(
                av(),
                &[OURS, AAC, &["-movflags", "frag_keyframe+empty_moov"]],
            ),
            Ffprobe,
        ),
        ("mpeg4.mp4", with(av(), &[&["-c:v", "mpeg4"], AAC]), Ffprobe),
        (
            "aac-24k.mp4",
            with(
                [
                    lavfi(SHOT),
                    lavfi("sine=frequency=330:sample_rate=24000:duration=3"),
                ]
                .concat(),
                &[OURS, &["-c:a", "aac", "-ar", "24000"]],
            ),
            Ffprobe,
        ),
    ]
}

#[tokio::test]
async fn the_tables_read_as_ffprobe_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let ff = Ffmpeg::from_env();
    let mut native = 0;
    for (name, mut args, expect) in corpus() {
        // The stream-copied clip is cut from the first one.
        if name == "copied-from-2.3s.mp4" {
            let src = dir.path().join("ours.mp4");
            args.push(src.to_str().unwrap().into());
            args.extend(["-c".into(), "copy".into()]);
        }
        let Some(file) = make(dir.path(), name, &args) else {
            assert_ne!(expect, Expect::Native, "ffmpeg could not make {name}");
            eprintln!("{name}: this ffmpeg cannot make it; skipped");
            continue;
        };
        let read = read_mp4_tables(&file);
        let probed = ff.ffprobe_packets(&file).await.unwrap();
        match (&read, expect) {
            (Some(r), Expect::Native | Expect::Either) => {
                assert_eq!(r.info, probed.info, "{name}: stream facts");
                assert_eq!(r.video_index, probed.video_index, "{name}: video index");
                assert_eq!(r.frame_rate, probed.frame_rate, "{name}: frame rate");
                assert_eq!(r.time_bases, probed.time_bases, "{name}: time bases");
                assert_eq!(
                    r.video_extradata, probed.video_extradata,
                    "{name}: extradata"
                );
                assert_eq!(r.start_seconds, probed.start_seconds, "{name}: start");
                assert_eq!(
                    r.packets.len(),
                    probed.packets.len(),
                    "{name}: packet count"
                );
                for (i, (a, b)) in r.packets.iter().zip(&probed.packets).enumerate() {
                    assert_eq!(a, b, "{name}: packet {i}");
                }
                native += 1;
            }
            (None, Expect::Ffprobe | Expect::Either) => {}
            (Some(_), Expect::Ffprobe) => panic!("{name} must be left to ffprobe"),
            (None, Expect::Native) => panic!("{name} must be read from its tables"),
        }
        // Whatever reads it, the cut's probe and the plain one answer as ffprobe does.
        assert_eq!(ff.probe_packets(&file).await.unwrap(), probed, "{name}");
        assert_eq!(
            ff.probe(&file).await.unwrap(),
            ff.ffprobe_info(&file).await.unwrap(),
            "{name}: probe"
        );
        eprintln!(
            "{name}: {}",
            if read.is_some() { "native" } else { "ffprobe" }
        );
    }
    assert!(native >= 12, "{native} files read natively");
}

/// The studio's clips are probed without running ffprobe at all (a film's 50 clips are probed
/// after each render); a file the tables do not read still goes to ffprobe.
#[tokio::test]
async fn the_studios_clips_are_probed_without_ffprobe() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make(
        dir.path(),
        "clip.mp4",
        &[lavfi(SHOT), lavfi(TONE), args(&[OURS, AAC, BITEXACT])].concat(),
    )
    .unwrap();
    let real = Ffmpeg::from_env();
    let expected = real.ffprobe_info(&clip).await.unwrap();
    let without = Ffmpeg {
        ffprobe: dir.path().join("no-ffprobe-here"),
        ..real.clone()
    };
    assert_eq!(without.probe(&clip).await.unwrap(), expected);
    assert!((expected.duration - 3.0).abs() < 0.05, "{expected:?}");
    // A sound file is not MP4: ffprobe reads it (here: is asked, and is missing).
    let wav = make(dir.path(), "tone.wav", &lavfi(TONE)).unwrap();
    assert!(real.probe(&wav).await.unwrap().audio.is_some());
    assert!(without.probe(&wav).await.is_err());
}

#[test]
fn broken_files_are_left_to_ffprobe() {
    let dir = tempfile::tempdir().unwrap();
    let good = make(
        dir.path(),
        "good.mp4",
        &[lavfi(SHOT), args(&[OURS, &["-movflags", "+faststart"]])].concat(),
    )
    .unwrap();
    let bytes = std::fs::read(&good).unwrap();
    assert!(read_mp4_tables(&good).is_some());
    // Cut anywhere before its media: None (ffprobe says what is wrong). Overwritten anywhere
    // in its tables: no panic, whatever the reader makes of it.
    let moov_end = bytes.windows(4).position(|w| w == b"mdat").unwrap();
    let bad = dir.path().join("bad.mp4");
    for cut in (8..moov_end).step_by(7) {
        std::fs::write(&bad, &bytes[..cut]).unwrap();
        assert!(read_mp4_tables(&bad).is_none(), "cut at {cut}");
        let mut zeroed = bytes.clone();
        zeroed[cut..cut + 4].fill(0xff);
        std::fs::write(&bad, &zeroed).unwrap();
        let _ = read_mp4_tables(&bad);
    }
    // Random bytes overwritten in the moov, a thousand times over: no panic, no overflow.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..1000 {
        let mut damaged = bytes.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = 8 + (seed as usize) % (moov_end - 8);
            damaged[at] = (seed >> 32) as u8;
        }
        std::fs::write(&bad, &damaged).unwrap();
        let _ = read_mp4_tables(&bad);
    }
    std::fs::write(&bad, b"not an mp4 at all").unwrap();
    assert!(read_mp4_tables(&bad).is_none());
    assert!(read_mp4_tables(&dir.path().join("missing.mp4")).is_none());
}
