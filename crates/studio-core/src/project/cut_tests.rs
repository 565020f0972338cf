//! A project's cut: trims, transitions, reframes, end frames, title cards and credits read,
//! validated (each problem by its JSON path), written back the same, and turned into the
//! render's cut plan.

use super::*;
use crate::cut::{CutPlan, ShotCut, TitleCut, TitleStyle, Transition, TransitionKind, Trim};

fn load(v: &serde_json::Value, dir: &Path) -> Result<Project, ProjectError> {
    Project::from_json(&v.to_string(), dir)
}

/// Three 8 s scenes of Mara and Rex: `b` trimmed and crossfaded into, `c` dipped into and
/// reframed; a title before `b`, and credits.
fn cut_json() -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "character": {"id": "mara", "name": "Mara", "basePrompt": "a keeper", "referenceImages": []},
        "cast": [{"id": "rex", "name": "Rex", "basePrompt": "a boxer", "referenceImages": []}],
        "scenarios": [
            {"id": "a", "prompt": "Mara opens the door", "durationSeconds": 8,
             "endFrame": "nextShot"},
            {"id": "b", "prompt": "Rex waits", "durationSeconds": 8,
             "trim": {"in": 1.5, "out": 6.0}, "transition": {"kind": "crossfade", "seconds": 1.0}},
            {"id": "c", "prompt": "The sea", "durationSeconds": 8,
             "transition": {"kind": "dip-to-black", "seconds": 0.5},
             "reframe": {"mode": "crop", "x": -0.5}}
        ],
        "quality": "standard",
        "aspectRatio": "16:9",
        "titles": [{"text": "Later that night", "seconds": 2.0, "style": "serif", "before": "a"}],
        "credits": {"seconds": 4.0}
    })
}

fn problems_of(v: &serde_json::Value) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    match load(v, dir.path()) {
        Ok(_) => Vec::new(),
        Err(ProjectError::Invalid { problems, .. }) => problems
            .iter()
            .map(|p| (p.field().to_owned(), p.to_string()))
            .collect(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn the_cut_reads_writes_back_and_becomes_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let v = cut_json();
    let p = load(&v, dir.path()).unwrap();
    assert_eq!(
        p.scenarios[1].trim,
        Some(Trim {
            start: 1.5,
            end: 6.0
        })
    );
    let written = serde_json::to_value(&p).unwrap();
    assert_eq!(written["scenarios"][1]["trim"], v["scenarios"][1]["trim"]);
    assert_eq!(written["titles"], v["titles"]);
    assert_eq!(written["credits"], v["credits"]);
    assert_eq!(load(&written, dir.path()).unwrap(), p);

    let request = p.to_request(
        |_, c| c.for_render(vec![]),
        |_, e| e.for_render(vec![]),
        |_| String::new(),
        |_, p| p.to_owned(),
    );
    let plan = request.cut.expect("a cut");
    assert_eq!(
        plan,
        CutPlan {
            shots: vec![
                ShotCut::default(),
                ShotCut {
                    trim: p.scenarios[1].trim,
                    transition: Some(Transition {
                        kind: TransitionKind::Crossfade,
                        seconds: 1.0
                    }),
                    reframe: None,
                },
                ShotCut {
                    trim: None,
                    transition: p.scenarios[2].transition,
                    reframe: p.scenarios[2].reframe,
                },
            ],
            titles: vec![
                TitleCut {
                    before: Some(0),
                    text: "Later that night".into(),
                    seconds: 2.0,
                    style: TitleStyle::Serif,
                    credits: false,
                },
                TitleCut {
                    before: None,
                    text: "Starring\nMara\nRex".into(),
                    seconds: 4.0,
                    style: TitleStyle::Plain,
                    credits: true,
                },
            ],
        }
    );
    // The end frame travels with its scene (it is part of making the clip); the rest not.
    let wire = serde_json::to_value(&request.scenarios).unwrap();
    assert_eq!(wire[0]["endFrame"], "nextShot");
    assert!(wire[1].get("trim").is_none(), "{wire}");
    assert!(wire[2].get("reframe").is_none(), "{wire}");
    // 2 (title) + 8 + 4.5 - 1 + 8 - 0.5 + 4 (credits)
    assert_eq!(plan.film_seconds(&[8.0, 8.0, 8.0]), 25.0);
}

#[test]
fn a_project_without_a_cut_sends_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = cut_json();
    for s in v["scenarios"].as_array_mut().unwrap() {
        let s = s.as_object_mut().unwrap();
        for k in ["trim", "transition", "reframe", "endFrame"] {
            s.remove(k);
        }
    }
    v.as_object_mut().unwrap().remove("titles");
    v.as_object_mut().unwrap().remove("credits");
    let p = load(&v, dir.path()).unwrap();
    assert_eq!(p.cut_plan(), None);
    let written = serde_json::to_value(&p).unwrap();
    assert!(written.get("titles").is_none() && written.get("credits").is_none());
}

#[test]
fn every_cut_problem_is_named_by_its_path() {
    let cases: Vec<(&str, serde_json::Value, &str, &str)> = vec![
        (
            "/scenarios/1/trim",
            serde_json::json!({"in": 3, "out": 3.2}),
            "scenarios[1].trim.out",
            "at least",
        ),
        (
            "/scenarios/1/trim",
            serde_json::json!({"in": -1, "out": 3}),
            "scenarios[1].trim.in",
            "before the clip",
        ),
        (
            "/scenarios/1/trim",
            serde_json::json!({"in": 1}),
            "scenarios[1].trim",
            "out",
        ),
        (
            "/scenarios/1/transition",
            serde_json::json!({"kind": "wipe", "seconds": 1}),
            "scenarios[1].transition",
            "unknown variant",
        ),
        (
            "/scenarios/1/transition",
            serde_json::json!({"kind": "crossfade", "seconds": 4}),
            "scenarios[1].transition.seconds",
            "at most 3",
        ),
        (
            "/scenarios/1/transition",
            serde_json::json!({"kind": "cut", "seconds": 1}),
            "scenarios[1].transition.seconds",
            "no time",
        ),
        (
            "/scenarios/1/transition",
            serde_json::json!({"kind": "crossfade", "seconds": 2.5}),
            "scenarios[1].transition.seconds",
            "half of the shorter",
        ),
        (
            "/scenarios/0/transition",
            serde_json::json!({"kind": "crossfade", "seconds": 1}),
            "scenarios[0].transition",
            "first shot",
        ),
        (
            "/scenarios/2/reframe",
            serde_json::json!({"x": 1.5}),
            "scenarios[2].reframe.x",
            "outside the picture",
        ),
        (
            "/scenarios/2/endFrame",
            serde_json::json!("nextShot"),
            "scenarios[2].endFrame",
            "last shot",
        ),
        (
            "/scenarios/1/continueFromPrevious",
            serde_json::json!(true),
            "scenarios[0].endFrame",
            "starts from this one",
        ),
        (
            "/scenarios/0/endFrame",
            serde_json::json!({"image": " "}),
            "scenarios[0].endFrame.image",
            "missing",
        ),
        (
            "/titles/0/before",
            serde_json::json!("zz"),
            "titles[0].before",
            "no scene",
        ),
        (
            "/titles/0/text",
            serde_json::json!("  "),
            "titles[0].text",
            "empty",
        ),
        (
            "/titles/0/seconds",
            serde_json::json!(40),
            "titles[0].seconds",
            "1 to 20",
        ),
        (
            "/credits/seconds",
            serde_json::json!(0.2),
            "credits.seconds",
            "1 to 20",
        ),
    ];
    for (pointer, value, field, words) in cases {
        let mut v = cut_json();
        *v.pointer_mut(pointer.rsplit_once('/').unwrap().0)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .entry(pointer.rsplit_once('/').unwrap().1)
            .or_insert(serde_json::Value::Null) = value;
        let problems = problems_of(&v);
        assert!(
            problems
                .iter()
                .any(|(f, m)| f == field && m.contains(words)),
            "{pointer}: expected {field} ({words}) in {problems:?}"
        );
    }
}

#[test]
fn an_end_frame_image_is_checked_like_a_reference() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = cut_json();
    v["scenarios"][0]["endFrame"] = serde_json::json!({"image": "../outside.png"});
    let p = Project::from_json(&v.to_string(), dir.path());
    let Err(ProjectError::Invalid { problems, .. }) = p else {
        panic!("{p:?}")
    };
    assert!(
        problems.iter().any(|p| matches!(p, Problem::ReferenceOutsideProject { field, .. } if field == "scenarios[0].endFrame.image")),
        "{problems:?}"
    );
    v["scenarios"][0]["endFrame"] = serde_json::json!({"image": "end.png"});
    let p = Project::from_json(&v.to_string(), dir.path());
    let Err(ProjectError::Invalid { problems, .. }) = p else {
        panic!("{p:?}")
    };
    assert!(
        problems.iter().any(|p| matches!(p, Problem::ReferenceImageMissing { field, .. } if field == "scenarios[0].endFrame.image")),
        "{problems:?}"
    );
}
