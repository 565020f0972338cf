//! The faithfulness check: a plan the offline planner makes passes it; each way of breaking
//! a plan by hand is reported, with the sentence or line concerned, in story order.

use studio_core::{
    Character, DialogueLine, Element, ElementKind, Project, SourceSpan, StoryFormat,
};
use studio_story::{check, plan_offline, InventedKind, PlanIssue, PlanRules};

mod common;

use common::{story, PROSE, SCRIPT};

fn planned(text: &str, format: StoryFormat) -> Project {
    let story = story(text, format);
    plan_offline(&story, &PlanRules::default()).into_project(story, &Project::new("Lead"))
}

/// The index of the shot that speaks `words`.
fn shot_speaking(p: &Project, words: &str) -> usize {
    p.scenarios
        .iter()
        .position(|s| s.dialogue.iter().any(|l| l.line.contains(words)))
        .unwrap_or_else(|| panic!("no shot speaks {words:?}"))
}

#[test]
fn offline_plans_pass_the_check_and_make_valid_projects() {
    for (text, format) in [(PROSE, StoryFormat::Plain), (SCRIPT, StoryFormat::Fountain)] {
        let project = planned(text, format);
        assert_eq!(check(&project), Vec::<PlanIssue>::new(), "{format:?}");
        // The project the plan makes loads as any other: speakers are characters, spans lie
        // in the story, elements are of the kind shots name them as.
        let problems = project.problems(std::path::Path::new("."));
        assert!(
            problems
                .iter()
                .all(|p| !format!("{p}").contains("scenarios")),
            "{problems:?}"
        );
    }
}

#[test]
fn a_project_without_a_story_has_nothing_to_check() {
    let mut project = planned(PROSE, StoryFormat::Plain);
    project.story = None;
    assert!(check(&project).is_empty());
}

#[test]
fn a_sentence_no_shot_tells_is_uncovered() {
    let mut project = planned(PROSE, StoryFormat::Plain);
    // Shot 1 tells the title and the first paragraph; start it after the first sentence of
    // the paragraph ("Mara Voss, a lighthouse keeper … of the lighthouse.").
    let text = PROSE;
    let second = text.find("She carried").unwrap();
    let at = text[..second].chars().count() as u32;
    let shot = &mut project.scenarios[0];
    shot.source = shot.source.map(|s| SourceSpan {
        start: at,
        end: s.end,
    });
    let issues = check(&project);
    let uncovered: Vec<&str> = issues
        .iter()
        .filter_map(|i| match i {
            PlanIssue::Uncovered { sentence, .. } => Some(sentence.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        uncovered,
        [
            "The Keeper's Last Night",
            "Mara Voss, a lighthouse keeper with grey hair, climbed the spiral stairs of the lighthouse."
        ]
    );
    assert_eq!(issues.len(), 2, "{issues:?}");
}

#[test]
fn a_line_changed_or_dropped_is_missing() {
    let mut project = planned(PROSE, StoryFormat::Plain);
    let i = shot_speaking(&project, "only the ferry");
    let id = project.scenarios[i].id.clone();
    project.scenarios[i].dialogue[0].line = "It's just the ferry".into();
    let issues = check(&project);
    assert_eq!(
        issues,
        [PlanIssue::LineMissing {
            span: issues_span(&issues),
            quote: "It's only the ferry".into(),
            shot: Some(id),
        }]
    );
    // Whitespace and quotation marks are not words: a line written with curly quotes and a
    // line break is the same line.
    project.scenarios[i].dialogue[0].line = "“It’s only\n  the ferry”".into();
    assert!(check(&project).is_empty(), "{:?}", check(&project));
    // A whole shot gone: its sentences are told by none, its lines spoken in none.
    project.scenarios.remove(i);
    let issues = check(&project);
    assert!(issues.iter().any(|i| matches!(i, PlanIssue::LineMissing { shot: None, quote, .. } if quote == "It's only the ferry")));
    assert!(issues.iter().any(|i| matches!(i, PlanIssue::Uncovered { sentence, .. } if sentence.starts_with("Below her, Tom"))));
}

fn issues_span(issues: &[PlanIssue]) -> SourceSpan {
    match issues.first() {
        Some(PlanIssue::LineMissing { span, .. }) => *span,
        other => panic!("expected a missing line, found {other:?}"),
    }
}

#[test]
fn a_line_given_to_someone_else_has_the_wrong_speaker() {
    let mut project = planned(PROSE, StoryFormat::Plain);
    let i = shot_speaking(&project, "Someone is out there");
    let id = project.scenarios[i].id.clone();
    project.scenarios[i].dialogue[0].speaker = "tom".into();
    let issues = check(&project);
    assert!(
        matches!(
            issues.as_slice(),
            [PlanIssue::WrongSpeaker { quote, shot, expected, found, .. }]
                if quote == "Someone is out there" && *shot == id && expected == "Mara Voss" && found == "Tom"
        ),
        "{issues:?}"
    );
    // The same person under another id and a shorter name is the same speaker.
    project.cast.push(Character {
        id: Some("mara".into()),
        name: "Mara".into(),
        base_prompt: "Mara".into(),
        reference_images: vec![],
        library_id: None,
        voice: None,
    });
    project.scenarios[i].dialogue[0].speaker = "mara".into();
    assert!(check(&project).is_empty(), "{:?}", check(&project));
    // Fountain: the cue is the speaker.
    let mut script = planned(SCRIPT, StoryFormat::Fountain);
    let j = shot_speaking(&script, "only the ferry");
    script.scenarios[j].dialogue[0].speaker = "jonah".into();
    // Both sentences of his line (a quote is checked sentence by sentence).
    let issues = check(&script);
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert!(issues.iter().all(|i| matches!(i, PlanIssue::WrongSpeaker { expected, found, .. } if expected == "Tom" && found == "Jonah")), "{issues:?}");
}

#[test]
fn an_invented_character_or_place_is_flagged_until_accepted() {
    let mut project = planned(PROSE, StoryFormat::Plain);
    project.cast.push(Character {
        id: Some("captain-nemo".into()),
        name: "Captain Nemo".into(),
        base_prompt: "a bearded sea captain".into(),
        reference_images: vec![],
        library_id: None,
        voice: None,
    });
    project.elements.push(Element {
        id: "space-station".into(),
        kind: ElementKind::Location,
        name: "Space Station".into(),
        prompt: "a station in orbit".into(),
        reference_images: vec![],
        library_id: None,
    });
    let last = project.scenarios.len() - 1;
    project.scenarios[last].cast.push("captain-nemo".into());
    let issues = check(&project);
    assert_eq!(
        issues,
        [
            PlanIssue::Invented {
                id: "captain-nemo".into(),
                name: "Captain Nemo".into(),
                what: InventedKind::Character
            },
            PlanIssue::Invented {
                id: "space-station".into(),
                name: "Space Station".into(),
                what: InventedKind::Location
            },
        ]
    );
    // Accepted by the creator (by name or by id): no longer an issue.
    let story = project.story.as_mut().unwrap();
    story.accepted = vec!["captain nemo".into(), "space-station".into()];
    assert!(check(&project).is_empty(), "{:?}", check(&project));
    // A name the text writes in any case, or in part, is not invented.
    project.story.as_mut().unwrap().accepted.clear();
    project.cast.pop();
    project.elements.pop();
    project.scenarios[last].cast.pop();
    project.elements.push(Element {
        id: "pier".into(),
        kind: ElementKind::Location,
        name: "The Old PIER".into(),
        prompt: "the pier".into(),
        reference_images: vec![],
        library_id: None,
    });
    project.cast.push(Character {
        id: Some("jonah-2".into()),
        name: "JONAH the fisherman".into(),
        base_prompt: "x".into(),
        reference_images: vec![],
        library_id: None,
        voice: None,
    });
    assert!(check(&project).is_empty(), "{:?}", check(&project));
}

#[test]
fn shots_out_of_order_or_outside_the_story_are_reported_in_story_order() {
    let mut project = planned(PROSE, StoryFormat::Plain);
    project.scenarios.swap(1, 2);
    let moved = project.scenarios[2].id.clone();
    let len = PROSE.chars().count() as u32;
    project.scenarios[4].source = Some(SourceSpan {
        start: len - 2,
        end: len + 10,
    });
    let beyond = project.scenarios[4].id.clone();
    let issues = check(&project);
    let out_of_order: Vec<&str> = issues
        .iter()
        .filter_map(|i| match i {
            PlanIssue::OutOfOrder { shot, .. } => Some(shot.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(out_of_order, [moved.as_str(), beyond.as_str()]);
    // The shot outside the story tells nothing: its sentences are uncovered. Every issue is
    // in story order.
    assert!(issues
        .iter()
        .any(|i| matches!(i, PlanIssue::Uncovered { .. })));
    let at = |i: &PlanIssue| match i {
        PlanIssue::Uncovered { span, .. }
        | PlanIssue::LineMissing { span, .. }
        | PlanIssue::WrongSpeaker { span, .. } => span.start,
        PlanIssue::OutOfOrder { span, .. } => span.start.min(len),
        PlanIssue::Invented { .. } => u32::MAX,
    };
    let starts: Vec<u32> = issues.iter().map(at).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "{issues:?}");
}

#[test]
fn a_plan_from_another_planner_is_checked_the_same() {
    // A hand-written plan: one shot telling everything, the lines spoken verbatim.
    let text = "Mara opened the door. \"Who's there?\" she asked.\n\n\"Only me,\" Tom said.";
    let story = story(text, StoryFormat::Plain);
    let mut project = Project::new("Lead");
    project.character = Character {
        id: Some("mara".into()),
        name: "Mara".into(),
        base_prompt: "Mara".into(),
        reference_images: vec![],
        library_id: None,
        voice: None,
    };
    project.cast.push(Character {
        id: Some("tom".into()),
        name: "Tom".into(),
        base_prompt: "Tom".into(),
        reference_images: vec![],
        library_id: None,
        voice: None,
    });
    let mut shot = studio_core::Scenario {
        id: "a".into(),
        prompt: "Mara opens the door".into(),
        source: Some(SourceSpan {
            start: 0,
            end: text.chars().count() as u32,
        }),
        dialogue: vec![
            DialogueLine {
                speaker: "mara".into(),
                line: "Who's there?".into(),
            },
            DialogueLine {
                speaker: "tom".into(),
                line: "Only me".into(),
            },
        ],
        ..Default::default()
    };
    project.scenarios.push(shot.clone());
    project.story = Some(story);
    assert!(check(&project).is_empty(), "{:?}", check(&project));
    // The pronoun after the one person named in the paragraph is hers.
    shot.dialogue[0].speaker = "tom".into();
    project.scenarios[0] = shot;
    assert!(
        matches!(check(&project).as_slice(), [PlanIssue::WrongSpeaker { expected, .. }] if expected == "Mara")
    );
}
