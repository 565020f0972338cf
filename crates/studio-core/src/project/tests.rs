use super::*;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\0";

fn valid_json() -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "character": {"name": "Ava", "basePrompt": "a pilot", "referenceImages": []},
        "scenarios": [{"id": "a", "prompt": "takes off"}, {"prompt": "lands", "durationSeconds": 4}],
        "quality": "high",
        "aspectRatio": "9:16"
    })
}

fn load(v: &serde_json::Value, dir: &Path) -> Result<Project, ProjectError> {
    Project::from_json(&v.to_string(), dir)
}

#[test]
fn loads_a_valid_project_with_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let p = load(&valid_json(), dir.path()).unwrap();
    assert_eq!(p.scenarios[1].id, "scene-2");
    assert_eq!(p.scenarios[0].duration_seconds.get(), 8);
    assert_eq!(p.total_seconds(), 12);
    assert_eq!(p.aspect_ratio, AspectRatio::Portrait);
}

#[test]
fn a_one_character_project_keeps_the_seeds_shape() {
    let dir = tempfile::tempdir().unwrap();
    let p = load(&valid_json(), dir.path()).unwrap();
    let written = serde_json::to_value(&p).unwrap();
    assert!(written.get("cast").is_none(), "{written}");
    assert!(written["character"].get("id").is_none(), "{written}");
    assert!(written["scenarios"][0].get("cast").is_none(), "{written}");
    assert!(written["scenarios"][0]
        .get("continueFromPrevious")
        .is_none());
    let request = serde_json::to_value(p.to_request(
        |_, c| c.for_render(vec![]),
        |_, e| e.for_render(vec![]),
        |_| String::new(),
        |_, p| p.to_owned(),
    ))
    .unwrap();
    assert!(request.get("cast").is_none(), "{request}");
}

#[test]
fn a_cast_is_named_by_id_and_every_mistake_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = valid_json();
    v["character"]["id"] = "ava".into();
    v["cast"] = serde_json::json!([
        {"id": "rex", "name": "Rex", "basePrompt": "a boxer"},
        {"name": "Nameless", "basePrompt": "a ghost"},
        {"id": "rex", "name": "Rex again", "basePrompt": "", "referenceImages": ["gone.png"]}
    ]);
    v["scenarios"][0]["cast"] = serde_json::json!(["ava", "rex", "zed"]);
    v["scenarios"][0]["continueFromPrevious"] = true.into();
    let err = load(&v, dir.path()).unwrap_err();
    let fields: Vec<&str> = err.problems().iter().map(Problem::field).collect();
    assert_eq!(
        fields,
        [
            "cast[2].basePrompt",
            "cast[1].id",
            "cast[2].id",
            "scenarios[0].cast[2]",
            "scenarios[0].continueFromPrevious",
            "cast[2].referenceImages[0]",
        ],
        "{err}"
    );

    let mut v = valid_json();
    v["character"]["id"] = "ava".into();
    v["cast"] = serde_json::json!([{"id": "rex", "name": "Rex", "basePrompt": "a boxer"}]);
    v["scenarios"][0]["cast"] = serde_json::json!(["rex", "ava"]);
    v["scenarios"][1]["continueFromPrevious"] = true.into();
    let p = load(&v, dir.path()).unwrap();
    let request = p.to_request(
        |i, c| {
            let uris = if i == 1 {
                vec!["file:///r.png".into()]
            } else {
                vec![]
            };
            c.for_render(uris)
        },
        |_, e| e.for_render(vec![]),
        |_| String::new(),
        |_, p| p.to_owned(),
    );
    assert_eq!(request.cast[0].reference_images, ["file:///r.png"]);
    assert_eq!(request.scene_cast(&request.scenarios[0]), [1, 0]);
    assert_eq!(request.scene_cast(&request.scenarios[1]), [0], "the lead");
    assert!(request.scenarios[1].continue_from_previous);
    // Saved and loaded again, nothing is lost.
    let path = dir.path().join("p.studio.json");
    p.save(&path).unwrap();
    assert_eq!(Project::load(&path).unwrap(), p);

    let mut v = valid_json();
    v["cast"] = serde_json::json!((0..6)
        .map(|i| serde_json::json!({"id": format!("c{i}"), "basePrompt": "x"}))
        .collect::<Vec<_>>());
    let err = load(&v, dir.path()).unwrap_err();
    assert_eq!(err.problems()[0].field(), "cast", "{err}");
}

#[test]
fn names_every_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let mut v = valid_json();
    v["version"] = 7.into();
    v["quality"] = "ultra".into();
    v["character"]["basePrompt"] = "  ".into();
    v["character"]["referenceImages"] = serde_json::json!(["gone.png", "notes.txt"]);
    v["scenarios"][1]["prompt"] = "".into();
    v["scenarios"][1]["durationSeconds"] = 61.into();
    let err = load(&v, dir.path()).unwrap_err();
    let fields: Vec<_> = err
        .problems()
        .iter()
        .map(|p| p.field().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "version",
            "quality",
            "character.basePrompt",
            "scenarios[1].prompt",
            "scenarios[1].durationSeconds",
            "character.referenceImages[0]",
            "character.referenceImages[1]",
        ]
    );
    let text = err.to_string();
    assert!(text.contains("unsupported project version 7"), "{text}");
    assert!(text.contains("\"ultra\""), "{text}");
    assert!(text.contains("does not exist"), "{text}");
    assert!(text.contains("not a PNG"), "{text}");
}

#[test]
fn rejects_no_scenarios_and_more_than_fifty() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = valid_json();
    v["scenarios"] = serde_json::json!([]);
    assert!(matches!(
        load(&v, dir.path()).unwrap_err().problems(),
        [Problem::NoScenarios { .. }]
    ));
    v["scenarios"] = (0..51)
        .map(|i| serde_json::json!({"prompt": format!("shot {i}")}))
        .collect();
    assert!(matches!(
        load(&v, dir.path()).unwrap_err().problems(),
        [Problem::TooManyScenarios { count: 51, .. }]
    ));
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let err = Project::from_json("{\n  \"version\": 1,\n  oops\n}", Path::new(".")).unwrap_err();
    assert!(matches!(err, ProjectError::Syntax { line: 3, .. }), "{err}");
    let err = Project::from_json("{\"scenarios\": 3}", Path::new(".")).unwrap_err();
    assert!(matches!(err, ProjectError::Syntax { .. }), "{err}");
}

#[test]
fn save_then_load_round_trips_with_relative_images() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ref with space é.png"), PNG_MAGIC).unwrap();
    let mut v = valid_json();
    v["character"]["referenceImages"] = serde_json::json!(["ref with space é.png"]);
    let p = load(&v, dir.path()).unwrap();
    let path = dir.path().join("p.studio.json");
    p.save(&path).unwrap();
    assert_eq!(Project::load(&path).unwrap(), p);
    assert!(p.problems(dir.path()).is_empty());
}

#[test]
fn hostile_and_odd_inputs_get_named_problems() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("my project ✈ 飛行");
    std::fs::create_dir(&dir).unwrap();
    let outside = root.path().join("secret.png");
    std::fs::write(&outside, PNG_MAGIC).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("link.png")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not an image").unwrap();
    std::fs::write(dir.join("ok ref ü.png"), PNG_MAGIC).unwrap();
    let mut v = valid_json();
    v["character"]["basePrompt"] = serde_json::json!("x".repeat(1_000_000));
    v["character"]["referenceImages"] = serde_json::json!([
        "link.png",
        "../secret.png",
        "notes.txt",
        "missing.png",
        "ok ref ü.png",
        outside.display().to_string()
    ]);
    let err = load(&v, &dir).unwrap_err();
    let problems = err.problems();
    let kinds: Vec<(&str, String)> = problems
        .iter()
        .map(|p| (p.field(), format!("{p}")))
        .collect();
    let has = |field: &str, text: &str| kinds.iter().any(|(f, m)| *f == field && m.contains(text));
    assert!(
        has("character.basePrompt", "1000000 characters"),
        "{kinds:?}"
    );
    assert!(
        has("character.referenceImages[0]", "outside the project folder"),
        "{kinds:?}"
    );
    assert!(
        has("character.referenceImages[1]", "outside the project folder"),
        "{kinds:?}"
    );
    assert!(
        has("character.referenceImages[2]", "not a PNG"),
        "{kinds:?}"
    );
    assert!(
        has("character.referenceImages[3]", "does not exist"),
        "{kinds:?}"
    );
    // Spaces and unicode inside the folder, and an explicit absolute path, are fine.
    assert_eq!(problems.len(), 5, "{kinds:?}");
}

/// A file a newer studio wrote: fields this one does not know at every level.
fn newer_studios_file() -> serde_json::Value {
    let mut v = valid_json();
    v["soundtrack"] = serde_json::json!({"track": "theme.ogg", "gain": -3});
    v["character"]["id"] = "ava".into();
    v["character"]["gait"] = "alto".into();
    v["cast"] =
        serde_json::json!([{"id": "rex", "name": "Rex", "basePrompt": "a boxer", "pose": "guard"}]);
    v["scenarios"][0]["lens"] = serde_json::json!({"mm": 35});
    v["scenarios"][1]["grade"] = "teal".into();
    v
}

#[test]
fn a_save_keeps_the_fields_this_studio_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.studio.json");
    std::fs::write(&path, newer_studios_file().to_string()).unwrap();
    let file = ProjectFile::load(&path).unwrap();
    assert!(!file.unknown.is_empty());
    // The creator edits: a prompt, the scene order, the lead's name.
    let mut p = file.project.clone();
    p.scenarios[0].prompt = "takes off at dawn".into();
    p.scenarios.swap(0, 1);
    p.character.name = "Ava B.".into();
    ProjectFile::write(&path, &p, &file.unknown, Some(&file.fingerprint)).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let w: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        w["soundtrack"],
        serde_json::json!({"track": "theme.ogg", "gain": -3})
    );
    assert_eq!(w["character"]["gait"], "alto");
    assert_eq!(w["character"]["name"], "Ava B.");
    assert_eq!(w["cast"][0]["pose"], "guard");
    // Scenes keep their own fields wherever they move (by id; "scene-2" had none written).
    assert_eq!(w["scenarios"][0]["id"], "scene-2");
    assert_eq!(w["scenarios"][0]["grade"], "teal");
    assert_eq!(w["scenarios"][1]["lens"], serde_json::json!({"mm": 35}));
    assert_eq!(w["scenarios"][1]["prompt"], "takes off at dawn");
    assert!(w["scenarios"][1].get("grade").is_none(), "{w}");
    // The studio's order first, then what it does not know.
    assert!(
        text.trim_start().starts_with("{\n  \"version\": 1,"),
        "{text}"
    );
    assert!(
        text.find("\"soundtrack\"") > text.find("\"aspectRatio\""),
        "{text}"
    );
    // And it reads back the same.
    assert_eq!(ProjectFile::load(&path).unwrap().project, p);
}

#[test]
fn a_deleted_scenes_or_characters_fields_do_not_come_back_on_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.studio.json");
    std::fs::write(&path, newer_studios_file().to_string()).unwrap();
    let file = ProjectFile::load(&path).unwrap();
    // The creator deletes scene "a" (a camera) and Rex (a pose); the save writes neither.
    let mut p = file.project.clone();
    let scene = p.scenarios.remove(0);
    let rex = p.cast.remove(0);
    let first = ProjectFile::write(&path, &p, &file.unknown, Some(&file.fingerprint)).unwrap();
    // Later a new scene and a new character get the same ids: they start clean.
    p.scenarios.push(Scenario {
        prompt: "a new scene".into(),
        ..scene
    });
    p.cast.push(Character {
        name: "Rex II".into(),
        base_prompt: "a dancer".into(),
        ..rex
    });
    let second = ProjectFile::write(&path, &p, &first.unknown, Some(&first.fingerprint)).unwrap();
    let w: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(w["scenarios"][1]["id"], "a");
    assert!(w["scenarios"][1].get("lens").is_none(), "{w}");
    assert_eq!(w["cast"][0]["id"], "rex");
    assert!(w["cast"][0].get("pose").is_none(), "{w}");
    // What stayed in the project kept its fields throughout.
    assert_eq!(w["scenarios"][0]["grade"], "teal");
    assert_eq!(w["character"]["gait"], "alto");
    assert_eq!(w["soundtrack"]["track"], "theme.ogg");
    assert_eq!(second.unknown.scenarios.len(), 1, "{:?}", second.unknown);
}

#[test]
fn the_leads_fields_stay_with_the_lead_when_its_id_goes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.studio.json");
    std::fs::write(&path, newer_studios_file().to_string()).unwrap();
    let file = ProjectFile::load(&path).unwrap();
    // Back to one character: the page drops the cast and the lead's id.
    let mut p = file.project.clone();
    let rex = p.cast.remove(0);
    p.character.id = None;
    let mut written = file;
    for _ in 0..2 {
        written =
            ProjectFile::write(&path, &p, &written.unknown, Some(&written.fingerprint)).unwrap();
        let w: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(w["character"]["gait"], "alto", "{w}");
        assert!(w["character"].get("id").is_none(), "{w}");
    }
    // A cast again: the lead gets an id (another one, even) and keeps its fields; Rex,
    // written once without his, has none.
    p.character.id = Some("ava-b".into());
    p.cast.push(rex);
    ProjectFile::write(&path, &p, &written.unknown, Some(&written.fingerprint)).unwrap();
    let w: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(w["character"]["gait"], "alto", "{w}");
    assert!(w["cast"][0].get("pose").is_none(), "{w}");
}

#[test]
fn the_written_shape_is_the_projects_own() {
    // With nothing unknown, a save writes exactly what `Project` serializes to (so a field
    // added to `Project` and not to `ProjectOut` shows here, as well as in `ProjectOut::new`).
    let dir = tempfile::tempdir().unwrap();
    let mut v = newer_studios_file();
    v["budget"] = 2.5.into();
    v["scenarios"][0]["negativePrompt"] = "rain".into();
    v["scenarios"][0]["cast"] = serde_json::json!(["rex"]);
    v["scenarios"][1]["continueFromPrevious"] = true.into();
    v["cast"][0]["libraryId"] = "lib1".into();
    let p = load(&v, dir.path()).unwrap();
    let ours = serde_json::to_vec_pretty(&ProjectOut::new(&p, &UnknownFields::default())).unwrap();
    assert_eq!(
        String::from_utf8(ours).unwrap(),
        serde_json::to_string_pretty(&p).unwrap()
    );
}

#[test]
fn a_newer_studios_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.studio.json");
    let p = load(&valid_json(), dir.path()).unwrap();
    let mut v = newer_studios_file();
    v["version"] = 2.into();
    let newer = v.to_string();
    std::fs::write(&path, &newer).unwrap();
    for result in [
        p.save(&path),
        ProjectFile::write(&path, &p, &UnknownFields::default(), None).map(drop),
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                ProjectError::NewerVersion {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("version 2") && text.contains("version 1"),
            "{text}"
        );
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), newer);
}

#[test]
fn a_file_changed_on_disk_is_not_overwritten_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.studio.json");
    std::fs::write(&path, valid_json().to_string()).unwrap();
    let file = ProjectFile::load(&path).unwrap();
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    // Another program changes it: same length, and its time set back to what it was.
    let theirs = valid_json().to_string().replace("takes off", "TAKES OFF");
    std::fs::write(&path, &theirs).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(before)
        .unwrap();
    let mut ours = file.project.clone();
    ours.quality = Quality::Standard;
    let err = ProjectFile::write(&path, &ours, &file.unknown, Some(&file.fingerprint)).unwrap_err();
    assert!(matches!(err, ProjectError::Conflict { .. }), "{err}");
    assert!(
        err.to_string().contains("changed by another program"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        theirs,
        "nothing written"
    );

    // The creator chose Overwrite; the saves after it check against what was written.
    let written = ProjectFile::write(&path, &ours, &file.unknown, None).unwrap();
    assert_eq!(ProjectFile::load(&path).unwrap().project, ours);
    ours.quality = Quality::FourK;
    let again =
        ProjectFile::write(&path, &ours, &written.unknown, Some(&written.fingerprint)).unwrap();
    assert_eq!(
        again.fingerprint,
        ProjectFile::load(&path).unwrap().fingerprint
    );

    // A file removed since is written anew (nothing of it can be lost).
    std::fs::remove_file(&path).unwrap();
    ProjectFile::write(&path, &ours, &again.unknown, Some(&again.fingerprint)).unwrap();
    assert_eq!(ProjectFile::load(&path).unwrap().project, ours);
}

#[test]
fn load_names_the_file_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.studio.json");
    std::fs::write(&path, "{").unwrap();
    let err = Project::load(&path).unwrap_err();
    assert!(err.to_string().contains("bad.studio.json"), "{err}");
    let err = Project::load(&dir.path().join("missing.studio.json")).unwrap_err();
    assert!(matches!(err, ProjectError::Read { .. }));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const KEYS: &[&str] = &[
        "version",
        "character",
        "name",
        "basePrompt",
        "referenceImages",
        "scenarios",
        "id",
        "prompt",
        "negativePrompt",
        "durationSeconds",
        "quality",
        "aspectRatio",
        "voice",
        "speech",
        "description",
        "narrator",
        "narration",
        "dialogueMode",
        "music",
        "mix",
        "volumeDb",
        "fadeSeconds",
        "from",
        "to",
    ];

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop_oneof![
                ".{0,16}",
                Just("4k".to_owned()),
                Just("16:9".to_owned()),
                Just("../x.png".to_owned())
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec(
                    (
                        prop_oneof![
                            proptest::sample::select(KEYS).prop_map(str::to_owned),
                            ".{0,6}"
                        ],
                        inner
                    ),
                    0..8
                )
                .prop_map(|kvs| Value::Object(kvs.into_iter().collect())),
            ]
        })
    }

    fn check(result: Result<Project, ProjectError>) {
        if let Err(e) = result {
            let text = e.to_string();
            assert!(!text.is_empty());
            for p in e.problems() {
                assert!(!p.field().is_empty(), "{p}");
            }
            if matches!(e, ProjectError::Invalid { .. }) {
                assert!(!e.problems().is_empty(), "invalid without a named problem");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,256}") {
            check(Project::from_json(&text, Path::new(".")));
        }

        #[test]
        fn arbitrary_json_never_panics(v in json_value()) {
            check(Project::from_json(&v.to_string(), Path::new(".")));
        }

        #[test]
        fn mutated_valid_projects_never_panic(
            key in proptest::sample::select(KEYS),
            level in 0usize..3,
            v in json_value(),
        ) {
            // One field of an otherwise valid project replaced by anything.
            let mut p = valid_json();
            match level {
                0 => p[key] = v,
                1 => p["character"][key] = v,
                _ => p["scenarios"][0][key] = v,
            }
            check(Project::from_json(&p.to_string(), Path::new(".")));
        }
    }
}

/// A planned project: its story, elements and each shot's words, camera, place, props and
/// dialogue read and write back unchanged, and become the prompt the render sends.
#[test]
fn a_planned_shot_keeps_its_fields_and_composes_the_prompt_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = valid_json();
    v["character"]["id"] = "mara".into();
    v["character"]["name"] = "Mara".into();
    v["story"] = serde_json::json!({"text": "Mara walked into the lighthouse. \"Who is there?\" she asked.", "format": "plain"});
    v["elements"] = serde_json::json!([
        {"id": "lighthouse", "kind": "location", "name": "The lighthouse", "prompt": "a white tower on black rocks."},
        {"id": "lamp", "kind": "prop", "name": "Lamp", "prompt": "a brass storm lamp"}
    ]);
    v["scenarios"][0]["source"] = serde_json::json!({"start": 0, "end": 59});
    v["scenarios"][0]["location"] = "lighthouse".into();
    v["scenarios"][0]["props"] = serde_json::json!(["lamp"]);
    v["scenarios"][0]["camera"] = serde_json::json!({"shot": "wide", "move": "dolly-in"});
    v["scenarios"][0]["dialogue"] =
        serde_json::json!([{"speaker": "mara", "line": "\"Who is there?\""}]);
    let p = load(&v, dir.path()).unwrap();
    let s = &p.scenarios[0];
    let prompt = p.video_prompt(s);
    assert_eq!(
        prompt,
        format!(
            "Wide shot, dolly in. {} Setting: The lighthouse: a white tower on black rocks. \
             Props: Lamp: a brass storm lamp. Mara says: Who is there?",
            super::sentence(&s.prompt)
        )
    );
    let request = p.to_request(
        |_, c| c.for_render(vec![]),
        |_, e| e.for_render(vec![]),
        |_| String::new(),
        |_, p| p.to_owned(),
    );
    assert_eq!(
        request.scenarios[0].prompt, prompt,
        "the render sends the preview's text"
    );
    assert_eq!(request.scenarios[0].location.as_deref(), Some("lighthouse"));
    assert_eq!(request.elements.len(), 2);
    assert_eq!(
        request.scenarios[1].prompt, p.scenarios[1].prompt,
        "an unplanned scene is sent as written"
    );
    let wire = serde_json::to_value(&request.scenarios[0]).unwrap();
    assert!(
        wire.get("camera").is_none()
            && wire.get("dialogue").is_none()
            && wire.get("source").is_none()
    );
    let path = dir.path().join("p.studio.json");
    p.save(&path).unwrap();
    assert_eq!(Project::load(&path).unwrap(), p);
}

#[test]
fn a_planned_shot_naming_what_the_project_lacks_is_refused_with_each_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = valid_json();
    v["story"] = serde_json::json!({"text": "Short.", "format": "fountain"});
    v["elements"] =
        serde_json::json!([{"id": "lamp", "kind": "prop", "name": "Lamp", "prompt": "a lamp"}]);
    v["scenarios"][0]["source"] = serde_json::json!({"start": 2, "end": 99});
    v["scenarios"][0]["location"] = "lamp".into();
    v["scenarios"][0]["props"] = serde_json::json!(["boat"]);
    v["scenarios"][0]["camera"] = serde_json::json!({"shot": "huge", "move": "static"});
    v["scenarios"][0]["dialogue"] = serde_json::json!([{"speaker": "nobody", "line": "hi"}]);
    let err = load(&v, dir.path()).unwrap_err();
    let ProjectError::Invalid { problems, .. } = err else {
        panic!("{err}")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field()).collect();
    for f in [
        "scenarios[0].source",
        "scenarios[0].location",
        "scenarios[0].props[0]",
        "scenarios[0].camera",
        "scenarios[0].dialogue[0].speaker",
    ] {
        assert!(fields.contains(&f), "{f} not in {problems:?}");
    }
}

#[test]
fn a_shot_changed_after_planning_is_known_as_edited_by_hand() {
    let mut s = Scenario {
        id: "s".into(),
        prompt: "a pier at dawn".into(),
        ..Default::default()
    };
    assert!(
        s.edited_by_hand(),
        "a shot no planner made is the creator's"
    );
    s.planned = Some(s.plan_fingerprint());
    assert!(!s.edited_by_hand());
    s.camera = Some(crate::Camera::default());
    assert!(s.edited_by_hand());
}
