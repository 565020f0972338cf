//! The model contract: the schema Google takes, the prompt with numbered sentences (and the
//! last answer's problems), and the answer read back into a plan, exactly or with a typed error.

use serde_json::{json, Value};
use studio_core::{CameraMove, Project, ShotSize, Story, StoryFormat};
use studio_story::model::{answer_of, parse_answer, prompt, response_schema, SHOT_FIELDS};
use studio_story::text::StoryText;
use studio_story::{check, plan_offline, InventedKind, PlanAnswerError, PlanIssue, PlanRules};

mod common;

use common::{story, PROSE, SCRIPT};

/// Google's supported subset of JSON Schema is the mock's rule, kept once there as Google's
/// stand-in (`studio_mock_google`'s `SCHEMA_KEYWORDS`): its strict test
/// `the_story_crates_prompt_and_schema_round_trip` sends this schema and is refused on any
/// other keyword, `$schema` included. (The mock depends on this crate, so this test cannot
/// read its list without a cycle.) Here: the menus and the fields are the answer's.
#[test]
fn the_schema_s_menus_and_fields_are_the_answer_s() {
    let schema = response_schema();
    // Enums are the serde names of the camera's menus.
    let shot = &schema["properties"]["shots"]["items"];
    let sizes: Vec<Value> = ShotSize::ALL.iter().map(|s| json!(s)).collect();
    let moves: Vec<Value> = CameraMove::ALL.iter().map(|m| json!(m)).collect();
    assert_eq!(shot["properties"]["shotSize"]["enum"], Value::Array(sizes));
    assert_eq!(
        shot["properties"]["cameraMove"]["enum"],
        Value::Array(moves)
    );
    assert_eq!(
        shot["properties"]["location"]["type"],
        json!(["string", "null"])
    );
    // Every field an answer has is in the schema, required and ordered, and nothing more.
    let plan = plan_offline(&story(PROSE, StoryFormat::Plain), &PlanRules::default());
    let answer = serde_json::to_value(answer_of(&plan, &story(PROSE, StoryFormat::Plain))).unwrap();
    let check_object = |schema: &Value, value: &Value| {
        let mut fields: Vec<&String> = value.as_object().unwrap().keys().collect();
        let mut props: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        fields.sort();
        props.sort();
        required.sort();
        assert_eq!(fields, props);
        assert_eq!(
            required,
            props.iter().map(|s| s.as_str()).collect::<Vec<_>>()
        );
        assert_eq!(
            schema["propertyOrdering"].as_array().unwrap().len(),
            props.len()
        );
    };
    check_object(&schema, &answer);
    check_object(shot, &answer["shots"][0]);
    check_object(
        &schema["properties"]["characters"]["items"],
        &answer["characters"][0],
    );
    let line = answer["shots"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| s["dialogue"].as_array().and_then(|d| d.first().cloned()))
        .unwrap();
    check_object(&shot["properties"]["dialogue"]["items"], &line);
}

#[test]
fn the_prompt_numbers_every_sentence_and_states_the_rules() {
    let s = story(PROSE, StoryFormat::Plain);
    let rules = PlanRules {
        durations: vec![4, 6, 8],
        max_shots: 12,
    };
    let p = prompt(&s, &rules, &[]);
    let st = StoryText::read(&s);
    for (i, sentence) in st.sentences.iter().enumerate() {
        let line = format!("[{}] {}\n", i + 1, st.slice(sentence.span));
        assert!(p.contains(&line), "missing {line:?}");
    }
    assert!(p.contains("one of 4, 6, 8"), "{p}");
    assert!(p.contains("At most 12 shots"), "{p}");
    assert!(
        p.contains("extreme-close-up") && p.contains("dolly-in"),
        "{p}"
    );
    // A blank line between paragraphs, none inside one.
    assert!(
        p.contains("[1] The Keeper's Last Night\n\n[2] Mara Voss"),
        "{p}"
    );
    assert!(p.contains("of the lighthouse.\n[3] She carried"), "{p}");
    assert!(!p.contains("previous answer"));
    // Fountain: the script's conventions are explained.
    let f = prompt(&story(SCRIPT, StoryFormat::Fountain), &rules, &[]);
    assert!(
        f.contains("Fountain") && f.contains("[1] INT. LIGHTHOUSE - LAMP ROOM - NIGHT"),
        "{f}"
    );
}

#[test]
fn asked_again_the_prompt_lists_the_last_answer_s_problems_by_sentence_number() {
    let s = story(PROSE, StoryFormat::Plain);
    let mut project =
        plan_offline(&s, &PlanRules::default()).into_project(s.clone(), &Project::new("x"));
    project.scenarios.remove(0);
    let issues = check(&project);
    assert!(!issues.is_empty());
    let p = prompt(&s, &PlanRules::default(), &issues);
    assert!(p.contains("previous answer had these problems"), "{p}");
    assert!(
        p.contains("- Sentence [2] is in no shot: \"Mara Voss, a lighthouse keeper"),
        "{p}"
    );
    // The issues come after the story.
    assert!(p.find("[21]").unwrap() < p.find("previous answer").unwrap());
    let wrong = PlanIssue::WrongSpeaker {
        span: st_span(&s, "Someone is out there"),
        quote: "Someone is out there".into(),
        shot: "shot-2".into(),
        expected: "Mara Voss".into(),
        found: "Tom".into(),
    };
    let p = prompt(&s, &PlanRules::default(), &[wrong]);
    assert!(
        p.contains("In shot-2, the line \"Someone is out there\" of sentence [5] is given to Tom, but the story gives it to Mara Voss."),
        "{p}"
    );
}

fn st_span(s: &Story, words: &str) -> studio_core::SourceSpan {
    let st = StoryText::read(s);
    st.quotes.iter().find(|q| q.text == words).unwrap().span
}

#[test]
fn an_answer_reads_back_into_the_plan_it_was_made_from() {
    for (text, format) in [(PROSE, StoryFormat::Plain), (SCRIPT, StoryFormat::Fountain)] {
        let s = story(text, format);
        let rules = PlanRules::default();
        let plan = plan_offline(&s, &rules);
        let answer = answer_of(&plan, &s);
        let json = serde_json::to_string(&answer).unwrap();
        let back = parse_answer(&s, &rules, &json).unwrap();
        assert_eq!(back, plan, "{format:?}");
        assert_eq!(answer_of(&back, &s), answer);
    }
}

fn answer_json(s: &Story) -> Value {
    let plan = plan_offline(s, &PlanRules::default());
    serde_json::to_value(answer_of(&plan, s)).unwrap()
}

#[test]
fn bad_json_and_sentence_numbers_out_of_range_are_typed_errors() {
    let s = story(PROSE, StoryFormat::Plain);
    let rules = PlanRules::default();
    let count = StoryText::read(&s).sentences.len();
    for bad in [
        "",
        "not json",
        "null",
        "[]",
        "{}",
        "{\"shots\": 5}",
        "{\"characters\": [], \"shots\": [{}]}",
    ] {
        assert!(
            matches!(parse_answer(&s, &rules, bad), Err(PlanAnswerError::Json(_))),
            "{bad:?}"
        );
    }
    let base = answer_json(&s);
    let with = |shot: usize, first: Value, last: Value| {
        let mut v = base.clone();
        v["shots"][shot]["firstSentence"] = first;
        v["shots"][shot]["lastSentence"] = last;
        parse_answer(&s, &rules, &v.to_string())
    };
    assert_eq!(
        with(0, json!(0), json!(2)),
        Err(PlanAnswerError::BadSentences {
            shot: 1,
            first: 0,
            last: 2,
            count
        })
    );
    assert_eq!(
        with(2, json!(3), json!(count + 1)),
        Err(PlanAnswerError::BadSentences {
            shot: 3,
            first: 3,
            last: count as u32 + 1,
            count
        })
    );
    assert_eq!(
        with(1, json!(5), json!(4)),
        Err(PlanAnswerError::BadSentences {
            shot: 2,
            first: 5,
            last: 4,
            count
        })
    );
    for n in [json!(-1), json!(1.5), json!(u64::MAX), json!("3")] {
        assert!(
            matches!(with(0, n.clone(), json!(1)), Err(PlanAnswerError::Json(_))),
            "{n}"
        );
    }
    let mut many = base.clone();
    let shot = base["shots"][0].clone();
    many["shots"] = Value::Array(vec![shot; 51]);
    assert_eq!(
        parse_answer(&s, &rules, &many.to_string()),
        Err(PlanAnswerError::TooManyShots { count: 51, max: 50 })
    );
}

#[test]
fn the_answer_s_ids_references_durations_and_inventions_are_made_sound() {
    let s = story(PROSE, StoryFormat::Plain);
    let rules = PlanRules::default();
    let mut v = answer_json(&s);
    // Durations snap to the nearest allowed (the longer of two as near).
    v["shots"][0]["durationSeconds"] = json!(5);
    v["shots"][1]["durationSeconds"] = json!(100);
    v["shots"][2]["durationSeconds"] = json!(0);
    // An invented character, used in a shot; a model id in capitals with spaces.
    v["characters"].as_array_mut().unwrap().push(json!({
        "id": "The Captain", "name": "Captain Nemo", "description": "", "invented": true
    }));
    v["shots"][3]["cast"] = json!(["The Captain", "nobody-at-all"]);
    // A line given to a speaker the answer never names.
    let i = v["shots"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["dialogue"].to_string().contains("only the ferry"))
        .unwrap();
    v["shots"][i]["dialogue"][0]["speaker"] = json!("ghost");
    let plan = parse_answer(&s, &rules, &v.to_string()).unwrap();
    let d: Vec<u32> = plan.shots[..3]
        .iter()
        .map(|s| s.duration_seconds.get())
        .collect();
    assert_eq!(d, [6, 8, 4]);
    assert_eq!(plan.invented, ["the-captain"]);
    let nemo = plan.characters.last().unwrap();
    assert_eq!(
        (nemo.id.as_deref(), nemo.base_prompt.as_str()),
        (Some("the-captain"), "Captain Nemo")
    );
    assert_eq!(plan.shots[3].cast, ["the-captain"]);
    assert!(plan
        .shots
        .iter()
        .all(|s| s.planned.as_deref() == Some(s.plan_fingerprint().as_str())));
    // The check shows what the answer got wrong; nothing was fixed silently.
    let project = plan.into_project(s.clone(), &Project::new("x"));
    let issues = check(&project);
    assert!(issues.iter().any(|i| matches!(i, PlanIssue::Invented { id, what: InventedKind::Character, .. } if id == "the-captain")), "{issues:?}");
    assert!(
        issues.iter().any(
            |i| matches!(i, PlanIssue::LineMissing { quote, .. } if quote == "It's only the ferry")
        ),
        "{issues:?}"
    );
}

#[test]
fn any_json_reads_without_a_panic() {
    let s = story(PROSE, StoryFormat::Plain);
    let base = answer_json(&s);
    let odd = [
        json!(null),
        json!(""),
        json!("🙂"),
        json!(-1),
        json!(1e300),
        json!([]),
        json!({}),
        json!([1, 2]),
        json!({"a": null}),
    ];
    for field in SHOT_FIELDS {
        for o in &odd {
            let mut v = base.clone();
            v["shots"][0][field] = o.clone();
            let _ = parse_answer(&s, &PlanRules::default(), &v.to_string());
        }
    }
    for field in ["characters", "locations", "props", "shots"] {
        for o in &odd {
            let mut v = base.clone();
            v[field] = o.clone();
            let _ = parse_answer(&s, &PlanRules::default(), &v.to_string());
        }
    }
    // Empty story: any sentence number is out of range.
    let empty = story("", StoryFormat::Plain);
    assert!(matches!(
        parse_answer(&empty, &PlanRules::default(), &base.to_string()),
        Err(PlanAnswerError::BadSentences { count: 0, .. })
    ));
}
