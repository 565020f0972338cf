//! The writers' frame math and the files' shape. Reading the files back with OpenTimelineIO
//! is `tests/package.rs`.

use serde_json::Value;
use studio_core::{CutPlan, ShotCut, TitleCut, TitleStyle, Transition, TransitionKind, Trim};

use super::*;

fn shot(start: f64, end: f64, transition: Option<(TransitionKind, f64)>) -> ShotCut {
    ShotCut {
        trim: Some(Trim { start, end }),
        transition: transition.map(|(kind, seconds)| Transition { kind, seconds }),
        reframe: None,
    }
}

/// A title, three trimmed shots (a 1 s crossfade into the second, a 0.625 s = 15-frame dip into
/// the third) and the credits.
pub(crate) fn plan() -> CutPlan {
    CutPlan {
        shots: vec![
            shot(0.5, 3.5, None),
            shot(1.0, 4.0, Some((TransitionKind::Crossfade, 1.0))),
            shot(0.25, 3.0, Some((TransitionKind::DipToBlack, 0.625))),
        ],
        titles: vec![
            TitleCut {
                before: Some(0),
                text: "Opening".into(),
                seconds: 2.0,
                style: TitleStyle::Bold,
                credits: false,
            },
            TitleCut {
                before: None,
                text: "Starring\nMara & Lou".into(),
                seconds: 3.0,
                style: TitleStyle::Plain,
                credits: true,
            },
        ],
    }
}

const CLIPS: [f64; 3] = [4.0, 5.0, 4.0];

fn timeline() -> PackageTimeline {
    let scenes: Vec<String> = ["scene-1", "scene-2", "scene 3!"].map(String::from).into();
    let mut t =
        PackageTimeline::from_plan("The <Run> & back", &plan(), &CLIPS, &scenes, (1920, 1080))
            .unwrap();
    t.captions = Some("captions.srt".into());
    t.stems = vec![("dialogue".into(), "stems/dialogue.wav".into())];
    t
}

#[test]
fn items_follow_the_plans_pieces_and_media_names() {
    let t = timeline();
    let names: Vec<_> = t.items.iter().map(|i| i.name()).collect();
    assert_eq!(
        names,
        ["title-01", "scene-1", "scene-2", "scene 3!", "credits"]
    );
    let media: Vec<_> = t.items.iter().map(|i| i.media()).collect();
    assert_eq!(
        media,
        [
            "media/title-01.mp4",
            "media/01-scene-1.mp4",
            "media/02-scene-2.mp4",
            "media/03-scene-3.mp4",
            "media/credits.mp4"
        ]
    );
}

#[test]
fn the_layout_is_the_renders_spans_on_frames() {
    let t = timeline();
    let layout = t.layout().unwrap();
    let spans = plan().piece_spans(&CLIPS);
    assert_eq!(layout.items.len(), spans.len());
    for (placed, (_, span)) in layout.items.iter().zip(&spans) {
        assert_eq!(placed.rec_in, (span.start * 24.0).round() as i64);
        assert_eq!(placed.rec_out, (span.end * 24.0).round() as i64);
    }
    assert_eq!(layout.film_frames, 291, "12.125 s: {spans:?}");
    assert_eq!(
        (plan().film_seconds(&CLIPS) * 24.0).round() as i64,
        layout.film_frames
    );
    // The odd 15-frame dip: 7 before the cut point, 8 after.
    let dip = layout.items[3].incoming.unwrap();
    assert_eq!(
        (dip.kind, dip.frames, dip.before, dip.after),
        (TransitionKind::DipToBlack, 15, 7, 8)
    );
    assert_eq!(layout.items[2].outgoing, Some(dip));
    // Clip ranges between cut points: the trims less the transitions' halves.
    let cut: Vec<_> = layout.items.iter().map(|p| p.cut_src()).collect();
    assert_eq!(cut, [(0, 48), (12, 72), (36, 88), (13, 72), (0, 72)]);
    let rec: Vec<_> = layout.items.iter().map(|p| p.cut_rec()).collect();
    assert_eq!(
        rec,
        [(0, 48), (48, 108), (108, 160), (160, 219), (219, 291)]
    );
}

#[test]
fn a_transition_after_a_title_or_into_the_first_shot_is_a_cut() {
    let mut p = plan();
    p.shots[0].transition = Some(Transition {
        kind: TransitionKind::Crossfade,
        seconds: 1.0,
    });
    let scenes: Vec<String> = ["a", "b", "c"].map(String::from).into();
    let t = PackageTimeline::from_plan("x", &p, &CLIPS, &scenes, (1920, 1080)).unwrap();
    let layout = t.layout().unwrap();
    assert_eq!(layout.items[1].incoming, None);
    assert_eq!(layout.film_frames, 291);
}

#[test]
fn otio_offsets_and_ranges() {
    let text = otio(&timeline()).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["OTIO_SCHEMA"], "Timeline.1");
    assert_eq!(doc["name"], "The <Run> & back");
    let tracks = doc["tracks"]["children"].as_array().unwrap();
    assert_eq!(tracks.len(), 2, "video and one stem");
    let v = tracks[0]["children"].as_array().unwrap();
    let schemas: Vec<_> = v
        .iter()
        .map(|c| c["OTIO_SCHEMA"].as_str().unwrap())
        .collect();
    assert_eq!(
        schemas,
        [
            "Clip.2",
            "Clip.2",
            "Transition.1",
            "Clip.2",
            "Transition.1",
            "Clip.2",
            "Clip.2"
        ]
    );
    let value = |v: &Value| v["value"].as_f64().unwrap();
    assert_eq!(value(&v[2]["in_offset"]), 12.0);
    assert_eq!(value(&v[2]["out_offset"]), 12.0);
    assert_eq!(v[2]["transition_type"], "SMPTE_Dissolve");
    assert_eq!(value(&v[4]["in_offset"]), 7.0);
    assert_eq!(value(&v[4]["out_offset"]), 8.0);
    assert_eq!(v[4]["transition_type"], "Custom_Transition");
    assert_eq!(v[4]["metadata"]["smoketech"]["kind"], "dip-to-black");
    let shot2 = &v[3];
    assert_eq!(value(&shot2["source_range"]["start_time"]), 36.0);
    assert_eq!(value(&shot2["source_range"]["duration"]), 52.0);
    let media = &shot2["media_references"]["DEFAULT_MEDIA"];
    assert_eq!(media["target_url"], "media/02-scene-2.mp4");
    assert_eq!(value(&media["available_range"]["duration"]), 120.0);
    assert_eq!(
        v[6]["metadata"]["smoketech"]["text"],
        "Starring\nMara & Lou"
    );
    let stem = &tracks[1]["children"][0];
    assert_eq!(tracks[1]["kind"], "Audio");
    assert_eq!(
        stem["media_references"]["DEFAULT_MEDIA"]["target_url"],
        "stems/dialogue.wav"
    );
    assert_eq!(value(&stem["source_range"]["duration"]), 291.0);
    assert_eq!(doc["metadata"]["smoketech"]["captions"], "captions.srt");
}

#[test]
fn fcpxml_spine_butt_joins_with_transitions_across_the_cuts() {
    let text = fcpxml(&timeline()).unwrap();
    assert!(text.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n<fcpxml version=\"1.8\">"
    ));
    assert!(text.contains("<format id=\"r1\" name=\"FFVideoFormat1080p24\" frameDuration=\"100/2400s\" width=\"1920\" height=\"1080\"/>"));
    assert!(
        text.contains("<event name=\"The &lt;Run&gt; &amp; back\">"),
        "{text}"
    );
    assert!(text.contains("src=\"media/03-scene-3.mp4\" start=\"0s\" duration=\"4s\""));
    assert!(
        text.contains("src=\"stems/dialogue.wav\" start=\"0s\""),
        "{text}"
    );
    // 1.8 has no `<media-rep>` (1.9's): Apple's DTD refuses it (tests/package.rs).
    assert!(!text.contains("media-rep"), "{text}");
    // Shot 2 starts at its cut point 108 frames in (01:00:04:12) from 36 frames into its clip;
    // the crossfade straddles the cut, 12 frames each side.
    assert!(text.contains("<asset-clip ref=\"a3\" name=\"scene-2\" offset=\"8650800/2400s\" start=\"3600/2400s\" duration=\"5200/2400s\""), "{text}");
    assert!(text.contains("<transition name=\"Cross Dissolve\" offset=\"3604s\" duration=\"1s\">"));
    // The dip: 7 frames before the cut at 160, 8 after.
    assert!(text.contains(
        "<transition name=\"Dip to Black\" offset=\"8655300/2400s\" duration=\"1500/2400s\">"
    ));
    assert!(text.contains("<filter-video ref=\"r3\" name=\"Fade To Color\"/>"));
    assert!(text.contains("<sequence format=\"r1\" duration=\"29100/2400s\" tcStart=\"3600s\""));
    // The stem hangs on the first clip at the film's start (the parent's own start, 0s).
    assert!(text.contains("<asset-clip ref=\"s1\" lane=\"1\" name=\"dialogue\" offset=\"0s\" start=\"0s\" duration=\"29100/2400s\""));
    assert_eq!(text.matches("<asset-clip ").count(), 6);
    assert_eq!(text.matches("<transition ").count(), 2);
}

#[test]
fn edl_events_dissolves_and_the_dip_through_black() {
    let text = edl(&timeline()).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let expected = [
        "TITLE: The <Run> & back",
        "FCM: NON-DROP FRAME",
        "001  TITLE01  V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00",
        "* FROM CLIP NAME:  title-01",
        "* FROM CLIP: media/title-01.mp4",
        "* SOURCE FILE: media/title-01.mp4",
        "002  01SCENE1 V     C        00:00:00:12 00:00:02:12 01:00:02:00 01:00:04:00",
        "* FROM CLIP NAME:  scene-1",
        "* FROM CLIP: media/01-scene-1.mp4",
        "* SOURCE FILE: media/01-scene-1.mp4",
        "003  01SCENE1 V     C        00:00:02:12 00:00:02:12 01:00:04:00 01:00:04:00",
        "003  02SCENE2 V     D 024    00:00:01:00 00:00:03:09 01:00:04:00 01:00:06:09",
        "* FROM CLIP NAME:  scene-1",
        "* TO CLIP NAME:  scene-2",
        "* OTIO REFERENCE TO: media/02-scene-2.mp4",
        "* SOURCE FILE: media/02-scene-2.mp4",
        "004  02SCENE2 V     C        00:00:03:09 00:00:03:09 01:00:06:09 01:00:06:09",
        "004  BL       V     D 007    00:00:00:00 00:00:00:07 01:00:06:09 01:00:06:16",
        "* FROM CLIP NAME:  scene-2",
        "* TO CLIP NAME:  BLACK",
        "005  BL       V     C        00:00:00:00 00:00:00:00 01:00:06:16 01:00:06:16",
        "005  03SCENE3 V     D 008    00:00:00:13 00:00:03:00 01:00:06:16 01:00:09:03",
        "* FROM CLIP NAME:  BLACK",
        "* TO CLIP NAME:  scene 3!",
        "* OTIO REFERENCE TO: media/03-scene-3.mp4",
        "* SOURCE FILE: media/03-scene-3.mp4",
        "006  CREDITS  V     C        00:00:00:00 00:00:03:00 01:00:09:03 01:00:12:03",
        "* FROM CLIP NAME:  credits",
        "* FROM CLIP: media/credits.mp4",
        "* SOURCE FILE: media/credits.mp4",
    ];
    assert_eq!(lines, expected, "{text}");
}

#[test]
fn timecode_is_non_drop_at_24() {
    assert_eq!(edl::timecode(0, 24), "00:00:00:00");
    assert_eq!(edl::timecode(86400 + 24 * 61 + 23, 24), "01:01:01:23");
}

#[test]
fn timelines_that_would_not_read_back_are_refused() {
    let scenes: Vec<String> = ["a", "b", "c"].map(String::from).into();
    assert!(matches!(
        PackageTimeline::from_plan("x", &plan(), &CLIPS[..2], &scenes, (1920, 1080)),
        Err(PackageError::Mismatch {
            shots: 3,
            clips: 2,
            names: 3
        })
    ));
    for bad in [
        "/etc/passwd",
        "../media/a.mp4",
        "media/../../a.mp4",
        "",
        "C:\\a.mp4",
    ] {
        let mut t = timeline();
        if let PackageItem::Shot { media, .. } = &mut t.items[1] {
            *media = bad.into();
        }
        assert!(
            matches!(otio(&t), Err(PackageError::MediaPath { .. })),
            "{bad:?}"
        );
    }
    let mut t = timeline();
    t.stems[0].1 = "/tmp/dialogue.wav".into();
    assert!(matches!(edl(&t), Err(PackageError::MediaPath { .. })));

    let mut t = timeline();
    if let PackageItem::Shot { trim, .. } = &mut t.items[2] {
        trim.end = 5.5;
    }
    assert!(matches!(fcpxml(&t), Err(PackageError::Trim { .. })));

    // Shot 2 plays 3 s: a 1 s crossfade in and a 2.5 s dip out do not fit in it.
    let mut t = timeline();
    if let PackageItem::Shot { transition, .. } = &mut t.items[3] {
        *transition = Some(Transition {
            kind: TransitionKind::DipToBlack,
            seconds: 2.5,
        });
    }
    assert!(matches!(
        render(&t),
        Err(PackageError::TransitionTooLong {
            frames: 84,
            length: 72,
            ..
        })
    ));
}

#[tokio::test]
async fn write_package_writes_the_three_files_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("package");
    let files = write_package(&out, &timeline()).await.unwrap();
    assert_eq!(files.otio, out.join("timeline.otio"));
    assert_eq!(
        std::fs::read_to_string(&files.edl).unwrap(),
        edl(&timeline()).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(&files.fcpxml).unwrap(),
        fcpxml(&timeline()).unwrap()
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["timeline.edl", "timeline.fcpxml", "timeline.otio"]);

    // An invalid timeline writes nothing, not even the files that would have been valid.
    let mut bad = timeline();
    bad.captions = Some("../captions.srt".into());
    let empty = dir.path().join("empty");
    let err = write_package(&empty, &bad).await.unwrap_err();
    assert!(matches!(
        err,
        crate::MediaError::Package(PackageError::MediaPath { .. })
    ));
    assert_eq!(err.class(), crate::ErrorClass::InvalidInput);
    assert!(!empty.exists());
}
