//! The offline planner on real stories: who speaks, where, which words each shot tells; and
//! on odd inputs, that it never panics and still tells every sentence.

use studio_core::Project;
use studio_core::{CameraMove, ShotSize, Story, StoryFormat, MAX_STORY_CHARS};
use studio_story::text::StoryText;
use studio_story::{check, plan_offline, Plan, PlanIssue, PlanRules};

mod common;

use common::{story, PROSE, SCRIPT};

/// Every sentence lies inside the union of the shots' spans, spans follow one another.
fn assert_tells_every_sentence(story: &Story, plan: &Plan) {
    let st = StoryText::read(story);
    let spans: Vec<_> = plan.shots.iter().filter_map(|s| s.source).collect();
    assert_eq!(spans.len(), plan.shots.len(), "every shot has a source");
    for w in spans.windows(2) {
        assert!(
            w[0].end <= w[1].start,
            "spans in order, not overlapping: {w:?}"
        );
    }
    for s in &st.sentences {
        assert!(
            spans.iter().any(|sp| sp.contains(s.span)),
            "sentence {:?} told by no shot",
            st.slice(s.span)
        );
    }
    for shot in &plan.shots {
        assert_eq!(
            shot.planned.as_deref(),
            Some(shot.plan_fingerprint().as_str())
        );
        assert!(!shot.edited_by_hand());
        assert!(!shot.prompt.trim().is_empty(), "{} has a prompt", shot.id);
    }
}

/// The dialogue of the plan as (speaker id, line), in order.
fn lines(plan: &Plan) -> Vec<(String, String)> {
    plan.shots
        .iter()
        .flat_map(|s| {
            s.dialogue
                .iter()
                .map(|l| (l.speaker.clone(), l.line.clone()))
        })
        .collect()
}

#[test]
fn a_story_with_three_characters_in_two_places_plans_its_cast_places_and_lines() {
    let story = story(PROSE, StoryFormat::Plain);
    let plan = plan_offline(&story, &PlanRules::default());
    assert_tells_every_sentence(&story, &plan);

    let cast: Vec<(&str, Option<&str>)> = plan
        .characters
        .iter()
        .map(|c| (c.name.as_str(), c.id.as_deref()))
        .collect();
    assert_eq!(
        cast,
        [
            ("Mara Voss", Some("mara-voss")),
            ("Tom", Some("tom")),
            ("Old Jonah", Some("old-jonah"))
        ]
    );
    // The lead's prompt is what the text says of her, nothing more.
    assert_eq!(
        plan.characters[0].base_prompt,
        "Mara Voss, a lighthouse keeper with grey hair"
    );
    let places: Vec<&str> = plan.elements.iter().map(|e| e.id.as_str()).collect();
    assert!(
        places.contains(&"lighthouse") && places.contains(&"harbour"),
        "{places:?}"
    );
    assert!(places.contains(&"brass-lantern"), "{places:?}");

    let said = lines(&plan);
    let expect = [
        ("mara-voss", "Someone is out there"),
        ("mara-voss", "I saw a light on the water."),
        ("tom", "It's only the ferry"),
        ("tom", "It comes every night at nine."),
        ("mara-voss", "Not on a night like this."),
        ("old-jonah", "You're late"),
        ("old-jonah", "She went down an hour ago."),
        ("mara-voss", "Then we go out"),
        ("old-jonah", "Not without me."),
    ];
    let said: Vec<(&str, &str)> = said.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(said, expect);

    // The first shot is in the lighthouse, wide; the harbour's first shot is wide too.
    let first = &plan.shots[0];
    assert_eq!(first.location.as_deref(), Some("lighthouse"));
    assert_eq!(first.camera.map(|c| c.shot), Some(ShotSize::Wide));
    let harbour = plan
        .shots
        .iter()
        .find(|s| s.location.as_deref() == Some("harbour"))
        .expect("a shot in the harbour");
    assert_eq!(harbour.camera.map(|c| c.shot), Some(ShotSize::Wide));
    // Prompts show, they do not quote: no spoken words, no speech tags.
    for s in &plan.shots {
        assert!(!s.prompt.contains('"'), "{}: {}", s.id, s.prompt);
        assert!(!s.prompt.contains(" said"), "{}: {}", s.id, s.prompt);
    }
    // The story ends back at the lighthouse: the place change splits the last paragraph.
    assert_eq!(
        plan.shots.last().and_then(|s| s.location.as_deref()),
        Some("lighthouse")
    );
    assert!(plan.invented.is_empty());
}

#[test]
fn a_fountain_script_plans_its_cues_and_sluglines() {
    let story = story(SCRIPT, StoryFormat::Fountain);
    let plan = plan_offline(&story, &PlanRules::default());
    assert_tells_every_sentence(&story, &plan);
    let names: Vec<&str> = plan.characters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Mara Voss", "Tom", "Jonah"]);
    assert_eq!(plan.characters[2].base_prompt, "Jonah, an old fisherman");
    assert_eq!(
        plan.characters[0].base_prompt,
        "Mara Voss, 60s, a keeper with grey hair"
    );
    let places: Vec<(&str, &str)> = plan
        .elements
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            ("lighthouse-lamp-room", "Lighthouse - Lamp Room"),
            ("harbour", "Harbour")
        ]
    );
    let said = lines(&plan);
    let said: Vec<(&str, &str)> = said.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        said,
        [
            (
                "mara-voss",
                "Someone is out there. I saw a light on the water."
            ),
            ("tom", "It's only the ferry. It comes every night at nine."),
            ("mara-voss", "Not on a night like this."),
            ("jonah", "You're late. She went down an hour ago."),
            ("mara-voss", "Then we go out."),
        ]
    );
    // The title page is no shot's words; the first shot opens on the slugline, wide.
    let first = &plan.shots[0];
    assert!(first.source.is_some_and(|s| s.start > 0));
    assert_eq!(first.location.as_deref(), Some("lighthouse-lamp-room"));
    assert_eq!(first.camera.map(|c| c.shot), Some(ShotSize::Wide));
    // A line spoken alone is a close-up.
    let tom = plan
        .shots
        .iter()
        .find(|s| s.dialogue.iter().any(|l| l.speaker == "tom"))
        .unwrap();
    assert_eq!(tom.camera.map(|c| c.shot), Some(ShotSize::CloseUp));
    assert_eq!(tom.camera.map(|c| c.movement), Some(CameraMove::Static));
}

#[test]
fn durations_hold_the_words_spoken_at_a_natural_pace() {
    // 20 words: 8 s + 1 s > 8, so the longest; 5 words: 3 s, the shortest (4).
    let long = "\"One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty,\" Mara said.";
    let short = "\"One two three four five,\" Tom said.";
    let text = format!("{long}\n\n{short}\n");
    let story = story(&text, StoryFormat::Plain);
    let plan = plan_offline(&story, &PlanRules::default());
    let d: Vec<u32> = plan
        .shots
        .iter()
        .map(|s| s.duration_seconds.get())
        .collect();
    assert_eq!(d, [8, 4]);
    let rules = PlanRules {
        durations: vec![5, 10],
        max_shots: 50,
    };
    let plan = plan_offline(&story, &rules);
    let d: Vec<u32> = plan
        .shots
        .iter()
        .map(|s| s.duration_seconds.get())
        .collect();
    // 10 words would need 5 s: 20 words 9 s → 10; 5 words 3 s → 5.
    assert_eq!(d, [10, 5]);
    // A model allowing any length: a shot with few or no words still lasts 4 s.
    let rules = PlanRules {
        durations: (1..=10).collect(),
        max_shots: 50,
    };
    let quiet = self::story(
        "Mara climbed the stairs.\n\n\"Go,\" Tom said.\n",
        StoryFormat::Plain,
    );
    let d: Vec<u32> = (plan_offline(&quiet, &rules).shots.iter())
        .map(|s| s.duration_seconds.get())
        .collect();
    assert_eq!(d, [4, 4]);
}

#[test]
fn long_dialogue_splits_into_shots_that_each_fit_the_longest_clip() {
    // Nine sentences of 8 words under one cue: 72 words, far more than 8 s holds (17).
    let speech: Vec<String> = (1..=9)
        .map(|i| format!("This is sentence number {i} of my speech."))
        .collect();
    let text = format!("INT. HALL - DAY\n\nMARA\n{}\n", speech.join(" "));
    let story = story(&text, StoryFormat::Fountain);
    let plan = plan_offline(&story, &PlanRules::default());
    assert_tells_every_sentence(&story, &plan);
    let spoken: Vec<usize> = plan
        .shots
        .iter()
        .map(|s| {
            s.dialogue
                .iter()
                .map(|l| l.line.split_whitespace().count())
                .sum()
        })
        .collect();
    assert!(plan.shots.len() >= 4, "{spoken:?}");
    assert!(spoken.iter().all(|w| *w <= 17), "{spoken:?}");
    assert_eq!(spoken.iter().sum::<usize>(), 72);
}

#[test]
fn shots_merge_down_to_the_most_the_rules_allow_and_stay_contiguous() {
    let text: String = (1..=30)
        .map(|i| format!("Mara walked to door number {i}.\n\n"))
        .collect();
    let story = story(&text, StoryFormat::Plain);
    let rules = PlanRules {
        durations: vec![4, 6, 8],
        max_shots: 7,
    };
    let plan = plan_offline(&story, &rules);
    assert_eq!(plan.shots.len(), 7);
    assert_tells_every_sentence(&story, &plan);
    let ids: Vec<&str> = plan.shots.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["shot-1", "shot-2", "shot-3", "shot-4", "shot-5", "shot-6", "shot-7"]
    );
}

#[test]
fn the_plan_is_deterministic() {
    let story = story(PROSE, StoryFormat::Plain);
    assert_eq!(
        plan_offline(&story, &PlanRules::default()),
        plan_offline(&story, &PlanRules::default())
    );
}

#[test]
fn odd_inputs_plan_without_a_panic_and_tell_every_sentence() {
    let mut inputs: Vec<String> = vec![
        String::new(),
        "   \n\t\n  ".into(),
        "\"\"\"\"\"\"".into(),
        "\"".into(),
        "“”„«»「」".into(),
        "\"Unterminated quote, said nobody.\n\nNext paragraph \"also open".into(),
        "Mara said, \"".into(),
        "🙂🙂🙂. 👩‍🚀 Mara waved! 火星に行く。彼女は笑った。".into(),
        "Zoë smiled. Ångström walked. e\u{301}\u{301}\u{301} combining marks.".into(),
        "Mara said.\r\n\r\n\"Hello,\" Tom said.\r\nHe left.\r\n".into(),
        "....!!!???…… . . .".into(),
        "Mr. Dr. St. J. R. R. e.g. i.e. etc.".into(),
        "INT.\n\nEXT. - NIGHT\n\nMARA\n\n(beat)\n\n@\n\n>\n\n.\n\n#Section\n\n= synopsis".into(),
        "\u{2028}\u{2029}\u{0}\u{feff}".into(),
        "A\nB\nC".into(),
        "(((((\n)))))".into(),
        ":\n\"".into(),
    ];
    // A story as long as a project keeps: 40,000 characters, dialogue and all.
    let unit =
        "Mara Voss walked into the lighthouse. \"We should go,\" she said. Tom followed her.\n\n";
    let mut big = String::new();
    while big.chars().count() + unit.chars().count() <= MAX_STORY_CHARS {
        big.push_str(unit);
    }
    inputs.push(big);
    inputs.push("x".repeat(MAX_STORY_CHARS));
    inputs.push("\"".repeat(1000));
    for text in &inputs {
        for format in [StoryFormat::Plain, StoryFormat::Fountain] {
            let story = story(text, format);
            let plan = plan_offline(&story, &PlanRules::default());
            assert!(plan.shots.len() <= 50);
            assert_tells_every_sentence(&story, &plan);
            // The check holds, but for lines in a story that names no one to speak them.
            let nobody = plan.characters.is_empty();
            let project = plan.into_project(story.clone(), &Project::new("Lead"));
            let issues: Vec<PlanIssue> = check(&project)
                .into_iter()
                .filter(|i| !(nobody && matches!(i, PlanIssue::LineMissing { .. })))
                .collect();
            assert!(issues.is_empty(), "{text:?}: {issues:?}");
            for rules in [
                PlanRules {
                    durations: vec![],
                    max_shots: 0,
                },
                PlanRules {
                    durations: vec![0, 61, 1000],
                    max_shots: 1,
                },
            ] {
                let plan = plan_offline(&story, &rules);
                assert!(plan.shots.len() <= 1);
                for s in &plan.shots {
                    assert!(studio_core::ClipSeconds::try_from(s.duration_seconds.get()).is_ok());
                }
            }
        }
    }
}
