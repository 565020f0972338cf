//! The package an export writes, read back by OpenTimelineIO: a title card, three trimmed shots
//! (a 1 s crossfade into the second, a 15-frame dip to black into the third) and the end
//! credits, written as `.otio`, FCPXML and a CMX 3600 EDL beside real media (tiny H.264 clips,
//! a WAV stem, an SRT), then loaded with OpenTimelineIO's own adapters by
//! `tests/otio_readback.py` under the project's `.venv/bin/python`. Each format must give the
//! same shots in order, the same in and out points (within a frame), the same transitions and
//! every media file present.
//!
//! The venv comes from `scripts/setup.sh` (`opentimelineio`, `opentimelineio-plugins`,
//! `otio-fcpx-xml-adapter`); without it this test fails, saying so: it never skips.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use studio_core::{CutPlan, ShotCut, TitleCut, TitleStyle, Transition, TransitionKind, Trim};
use studio_media::package::{write_package, PackageTimeline};

const FPS: f64 = 24.0;
/// Half a frame: what "within a frame" allows either side of a frame-snapped time.
const FRAME: f64 = 1.0 / FPS;
const CLIPS: [f64; 3] = [4.0, 5.0, 4.0];
/// Bound on each external program (ffmpeg, the read-back).
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The project's Python, where setup.sh installs OpenTimelineIO.
fn python() -> PathBuf {
    let python = repo_root().join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/setup.sh (it installs OpenTimelineIO and its adapters into \
         .venv for this test)",
        python.display()
    );
    python
}

async fn run(program: &Path, args: &[&str]) -> (bool, String, String) {
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{} could not start: {e}", program.display()));
    let out = tokio::time::timeout(TOOL_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{} took over {TOOL_TIMEOUT:?}", program.display()))
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A real `seconds`-long 24 fps H.264 clip with AAC sound.
async fn clip(out: &Path, seconds: f64) {
    let video = format!("testsrc2=size=160x90:rate=24:duration={seconds}");
    let audio = format!("sine=frequency=440:sample_rate=48000:duration={seconds}");
    let args = [
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        &video,
        "-f",
        "lavfi",
        "-i",
        &audio,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        out.to_str().unwrap(),
    ];
    let (ok, _, err) = run(Path::new("ffmpeg"), &args).await;
    assert!(ok, "ffmpeg: {err}");
}

fn shot(start: f64, end: f64, transition: Option<(TransitionKind, f64)>) -> ShotCut {
    ShotCut {
        trim: Some(Trim { start, end }),
        transition: transition.map(|(kind, seconds)| Transition { kind, seconds }),
        reframe: None,
    }
}

fn plan() -> CutPlan {
    let title = |before, text: &str, seconds, credits| TitleCut {
        before,
        text: text.into(),
        seconds,
        style: TitleStyle::Plain,
        credits,
    };
    CutPlan {
        shots: vec![
            shot(0.5, 3.5, None),
            shot(1.0, 4.0, Some((TransitionKind::Crossfade, 1.0))),
            shot(0.25, 3.0, Some((TransitionKind::DipToBlack, 0.625))),
        ],
        titles: vec![
            title(Some(0), "Opening", 2.0, false),
            title(None, "Starring\nMara", 3.0, true),
        ],
    }
}

/// A clip or a transition as read back, in the CMX convention for the EDL and OTIO's for the
/// others (`span` below makes them comparable).
#[derive(Debug, Clone)]
enum Seen {
    Clip {
        name: String,
        visible: (f64, f64),
        record: (f64, f64),
        media: Option<String>,
        exists: bool,
    },
    Fade {
        kind: TransitionKind,
        offsets: (f64, f64),
    },
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no number {key} in {v}"))
}

/// The read-back of one format as [`Seen`] items. The EDL's dip (a dissolve to a black
/// generator, then one from it) becomes one dip: the outgoing clip's out gains the second
/// half, the incoming clip's in and record start give back the first (see `package/edl.rs`).
fn seen(format: &str, doc: &Value) -> Vec<Seen> {
    let items = doc[format]["video"].as_array().expect("video items");
    let mut out: Vec<Seen> = Vec::new();
    let mut k = 0;
    while k < items.len() {
        let item = &items[k];
        match item["type"].as_str() {
            Some("clip") => out.push(Seen::Clip {
                name: item["name"].as_str().unwrap_or_default().to_owned(),
                visible: (f(item, "visible_in"), f(item, "visible_out")),
                record: (f(item, "record_in"), f(item, "record_out")),
                media: item["media"].as_str().map(str::to_owned),
                exists: item["exists"].as_bool() == Some(true),
            }),
            Some("transition") => {
                let black = items.get(k + 1).filter(|b| b["generator"] == "black");
                let second = items.get(k + 2).filter(|t| t["type"] == "transition");
                if let (Some(black), Some(second), "edl") = (black, second, format) {
                    let (first_half, second_half) =
                        (f(item, "out_offset"), f(second, "out_offset"));
                    assert!(
                        (f(black, "out") - f(black, "in") - first_half).abs() < 1e-9,
                        "{black}"
                    );
                    if let Some(Seen::Clip { visible, .. }) = out.last_mut() {
                        visible.1 += second_half;
                    }
                    out.push(Seen::Fade {
                        kind: TransitionKind::DipToBlack,
                        offsets: (0.0, first_half + second_half),
                    });
                    k += 3;
                    let next = items.get(k).expect("a clip after the dip");
                    let mut clip = seen_clip(next);
                    if let Seen::Clip {
                        visible, record, ..
                    } = &mut clip
                    {
                        visible.0 -= first_half;
                        record.0 -= first_half;
                    }
                    out.push(clip);
                } else {
                    let kind = match (format, item["kind"].as_str(), item["effect"].as_str()) {
                        ("otio", Some("crossfade"), _)
                            if item["transition_type"] == "SMPTE_Dissolve" =>
                        {
                            TransitionKind::Crossfade
                        }
                        ("otio", Some("dip-to-black"), _)
                            if item["transition_type"] == "Custom_Transition" =>
                        {
                            TransitionKind::DipToBlack
                        }
                        ("fcpxml", _, Some("Cross Dissolve")) => TransitionKind::Crossfade,
                        ("fcpxml", _, Some("Fade To Color")) => TransitionKind::DipToBlack,
                        ("edl", _, _) if item["transition_type"] == "SMPTE_Dissolve" => {
                            TransitionKind::Crossfade
                        }
                        _ => panic!("{format}: a transition of no known kind: {item}"),
                    };
                    out.push(Seen::Fade {
                        kind,
                        offsets: (f(item, "in_offset"), f(item, "out_offset")),
                    });
                }
            }
            // A gap moves what follows on the film: the spans below catch it.
            Some("gap") => {}
            other => panic!("{format}: unexpected {other:?} in the video track: {item}"),
        }
        k += 1;
    }
    out
}

fn seen_clip(item: &Value) -> Seen {
    Seen::Clip {
        name: item["name"].as_str().unwrap_or_default().to_owned(),
        visible: (f(item, "visible_in"), f(item, "visible_out")),
        record: (f(item, "record_in"), f(item, "record_out")),
        media: item["media"].as_str().map(str::to_owned),
        exists: item["exists"].as_bool() == Some(true),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= FRAME + 1e-6
}

async fn read_back(package: &Path) -> Value {
    let script = repo_root().join("crates/studio-media/tests/otio_readback.py");
    let (ok, stdout, stderr) = run(
        &python(),
        &[script.to_str().unwrap(), package.to_str().unwrap()],
    )
    .await;
    assert!(
        ok,
        "the read-back failed (run scripts/setup.sh if OpenTimelineIO is missing):\n{stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn every_format_reads_back_as_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("The Run package");
    let plan = plan();
    let scenes: Vec<String> = ["scene-1", "scene-2", "scene-3"].map(String::from).into();
    let mut timeline =
        PackageTimeline::from_plan("The Run", &plan, &CLIPS, &scenes, (1920, 1080)).unwrap();
    timeline.captions = Some("captions.srt".into());
    timeline.stems = vec![("dialogue".into(), "stems/dialogue.wav".into())];
    let film = plan.film_seconds(&CLIPS);
    assert_eq!(film, 12.125);

    // The caller's part: the media where the timeline names it.
    std::fs::create_dir_all(package.join("media")).unwrap();
    std::fs::create_dir_all(package.join("stems")).unwrap();
    for (k, item) in timeline.items.iter().enumerate() {
        let seconds = match item {
            studio_media::package::PackageItem::Shot { media_seconds, .. } => *media_seconds,
            studio_media::package::PackageItem::Title { seconds, .. } => *seconds,
        };
        clip(&package.join(item.media()), seconds).await;
        assert!(package.join(item.media()).is_file(), "item {k}");
    }
    let (ok, _, err) = run(
        Path::new("ffmpeg"),
        &[
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency=220:sample_rate=48000:duration={film}"),
            "-ac",
            "2",
            package.join("stems/dialogue.wav").to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{err}");
    std::fs::write(
        package.join("captions.srt"),
        "1\n00:00:02,500 --> 00:00:04,000\nGo.\n\n",
    )
    .unwrap();

    write_package(&package, &timeline).await.unwrap();
    let doc = read_back(&package).await;

    let names = ["title-01", "scene-1", "scene-2", "scene-3", "credits"];
    let trims = [(0.0, 2.0), (0.5, 3.5), (1.0, 4.0), (0.25, 3.0), (0.0, 3.0)];
    let media = [
        "media/title-01.mp4",
        "media/01-scene-1.mp4",
        "media/02-scene-2.mp4",
        "media/03-scene-3.mp4",
        "media/credits.mp4",
    ];
    let spans: Vec<(f64, f64)> = (plan.piece_spans(&CLIPS).iter())
        .map(|(_, s)| (s.start, s.end))
        .collect();
    // Transitions: (index of the clip they lead into, kind, seconds).
    let fades = [
        (2, TransitionKind::Crossfade, 1.0),
        (3, TransitionKind::DipToBlack, 0.625),
    ];
    for format in ["otio", "fcpxml", "edl"] {
        let items = seen(format, &doc);
        let clips: Vec<_> = (items.iter().enumerate())
            .filter_map(|(k, s)| match s {
                Seen::Clip { .. } => Some((k, s)),
                Seen::Fade { .. } => None,
            })
            .collect();
        let got: Vec<&str> = (clips.iter())
            .map(|(_, s)| match s {
                Seen::Clip { name, .. } => name.as_str(),
                Seen::Fade { .. } => "",
            })
            .collect();
        assert_eq!(got, names, "{format}: the pieces in order");
        let mut found_fades = Vec::new();
        for (c, (k, s)) in clips.iter().enumerate() {
            let Seen::Clip {
                visible,
                record,
                media: m,
                exists,
                ..
            } = s
            else {
                continue;
            };
            assert!(
                close(visible.0, trims[c].0) && close(visible.1, trims[c].1),
                "{format}: {}: in/out {visible:?}, the trim is {:?}",
                names[c],
                trims[c]
            );
            assert_eq!(
                m.as_deref(),
                Some(media[c]),
                "{format}: {}'s media",
                names[c]
            );
            assert!(exists, "{format}: {} is not in the package", media[c]);
            // Where it shows on the film: its cut points widened by its transitions' sides.
            let before = k.checked_sub(1).and_then(|p| items.get(p));
            let after = items.get(k + 1);
            let mut span = *record;
            if let Some(Seen::Fade { kind, offsets }) = before {
                span.0 -= offsets.0;
                found_fades.push((c, *kind, offsets.0 + offsets.1, *offsets));
            }
            if let Some(Seen::Fade { offsets, .. }) = after {
                span.1 += offsets.1;
            }
            assert!(
                close(span.0, spans[c].0) && close(span.1, spans[c].1),
                "{format}: {} shows at {span:?} on the film, the render's span is {:?}",
                names[c],
                spans[c]
            );
        }
        assert_eq!(
            found_fades.len(),
            fades.len(),
            "{format}: transitions {found_fades:?}"
        );
        for ((c, kind, seconds, offsets), (want_c, want_kind, want_seconds)) in
            found_fades.iter().zip(fades)
        {
            assert_eq!(
                (*c, *kind),
                (want_c, want_kind),
                "{format}: {found_fades:?}"
            );
            assert!(
                close(*seconds, want_seconds),
                "{format}: {kind:?} of {seconds} s"
            );
            if format != "edl" {
                // OTIO's and Final Cut's model: the cut in the middle (an odd frame after it).
                let before = (want_seconds * FPS / 2.0).floor() / FPS;
                assert!(
                    (offsets.0 - before).abs() < 1e-6
                        && (offsets.1 - (want_seconds - before)).abs() < 1e-6,
                    "{format}: {kind:?} offsets {offsets:?}"
                );
            }
        }
        let film_read = f(&doc[format], "film_seconds");
        assert!(
            close(film_read, film),
            "{format}: the film reads {film_read} s, not {film}"
        );
        if format != "edl" {
            let audio = doc[format]["audio"].as_array().unwrap();
            assert_eq!(audio.len(), 1, "{format}: the stem's track");
            let stem = &audio[0]["clips"][0];
            assert_eq!(stem["media"], "stems/dialogue.wav", "{format}");
            assert_eq!(stem["exists"], true, "{format}");
            assert!(
                close(f(stem, "out") - f(stem, "in"), film),
                "{format}: {stem}"
            );
        }
    }

    // The read-back does look at the files: one gone, every format says so.
    std::fs::remove_file(package.join("media/02-scene-2.mp4")).unwrap();
    let doc = read_back(&package).await;
    for format in ["otio", "fcpxml", "edl"] {
        let missing: Vec<_> = seen(format, &doc)
            .into_iter()
            .filter_map(|s| match s {
                Seen::Clip {
                    name,
                    exists: false,
                    ..
                } => Some(name),
                _ => None,
            })
            .collect();
        assert_eq!(missing, ["scene-2"], "{format}");
    }
}

/// Apple's FCPXML 1.8 DTD (vendored; where it comes from: `tests/data/README.md`).
fn fcpxml_dtd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/FCPXMLv1_8.dtd")
}

/// `xmllint --dtdvalid` over `xml`: (valid, what xmllint said). xmllint comes from
/// `libxml2-utils` (scripts/setup.sh); without it this test fails, saying so.
async fn dtd_check(dir: &Path, xml: &str) -> (bool, String) {
    let file = dir.join("timeline.fcpxml");
    std::fs::write(&file, xml).unwrap();
    let dtd = fcpxml_dtd();
    let xmllint = Path::new("xmllint");
    let child = tokio::process::Command::new(xmllint)
        .args(["--noout", "--nonet", "--dtdvalid"])
        .arg(&dtd)
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("xmllint could not start ({e}): run scripts/setup.sh"));
    let out = tokio::time::timeout(TOOL_TIMEOUT, child.wait_with_output())
        .await
        .expect("xmllint took too long")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The FCPXML we write is valid against Apple's own 1.8 DTD (what Final Cut checks an import
/// against): the cut with titles, both transition kinds, a stem and the credits, and a plain
/// cut of one shot. A document the DTD refuses (an element 1.8 does not have) fails the check,
/// so the check can fail.
#[tokio::test]
async fn fcpxml_is_valid_against_apples_1_8_dtd() {
    let dir = tempfile::tempdir().unwrap();
    let scenes: Vec<String> = ["scene-1", "scene-2", "scene-3"].map(String::from).into();
    let mut full =
        PackageTimeline::from_plan("The Run & Co", &plan(), &CLIPS, &scenes, (1920, 1080)).unwrap();
    full.stems = vec![
        ("dialogue".into(), "stems/dialogue.wav".into()),
        ("music".into(), "stems/music.wav".into()),
    ];
    let one = CutPlan {
        shots: vec![shot(0.0, 2.0, None)],
        titles: vec![],
    };
    let plain =
        PackageTimeline::from_plan("Plain", &one, &[2.0], &scenes[..1], (1080, 1920)).unwrap();
    for timeline in [&full, &plain] {
        let xml = studio_media::package::fcpxml(timeline).unwrap();
        let (valid, said) = dtd_check(dir.path(), &xml).await;
        assert!(
            valid,
            "{}: the DTD refuses it:\n{said}\n{xml}",
            timeline.name
        );
    }
    // The check itself can fail: 1.9's `<media-rep>` is not in 1.8.
    let xml = studio_media::package::fcpxml(&plain).unwrap();
    let broken = xml.replacen(
        "</resources>",
        "<media-rep kind=\"original-media\" src=\"x.mov\"/></resources>",
        1,
    );
    let (valid, said) = dtd_check(dir.path(), &broken).await;
    assert!(!valid, "the DTD took a 1.9 element:\n{broken}");
    assert!(said.contains("media-rep"), "{said}");
}
