//! Planning an edited story again: unchanged shots kept (moved), hand-edited shots kept, only
//! the changed passages planned anew, every change listed.

use studio_core::{Project, Story, StoryFormat};
use studio_story::{check, plan_offline, replan, PlanRules, ShotChange};

const PROSE: &str = include_str!("fixtures/lighthouse.txt");

fn story(text: &str) -> Story {
    Story {
        text: text.into(),
        format: StoryFormat::Plain,
        accepted: Vec::new(),
    }
}

fn planned(text: &str) -> Project {
    let s = story(text);
    plan_offline(&s, &PlanRules::default()).into_project(s, &Project::new("Lead"))
}

fn again(old: &Project, text: &str) -> studio_story::Replan {
    let s = story(text);
    let fresh = plan_offline(&s, &PlanRules::default());
    replan(old, s, fresh)
}

/// The index of the shot whose words include `words`.
fn shot_telling(p: &Project, words: &str) -> usize {
    let text = &p.story.as_ref().unwrap().text;
    p.scenarios
        .iter()
        .position(|s| {
            s.source
                .is_some_and(|sp| studio_story::span_text(text, sp).contains(words))
        })
        .unwrap_or_else(|| panic!("no shot tells {words:?}"))
}

fn kind(c: &ShotChange) -> (&'static str, &str) {
    match c {
        ShotChange::Kept { id } => ("kept", id),
        ShotChange::KeptEdited { id, .. } => ("edited", id),
        ShotChange::Replanned { id, .. } => ("replanned", id),
        ShotChange::Added { id } => ("added", id),
        ShotChange::Removed { id } => ("removed", id),
    }
}

#[test]
fn an_edit_keeps_the_hand_edited_and_unchanged_shots_and_replans_only_the_changed_passage() {
    let mut old = planned(PROSE);
    let n = old.scenarios.len();
    // The creator rewrote the first shot's prompt by hand.
    old.scenarios[0].prompt = "Mara climbs, lantern swinging, storm outside".into();
    assert!(old.scenarios[0].edited_by_hand());
    // The story's Tom paragraph changes; everything after it moves.
    let edited = PROSE.replace(
        "\"It's only the ferry,\" he said.",
        "\"It's only the old night ferry,\" he said.",
    );
    let tom = shot_telling(&old, "only the ferry");
    let tom_id = old.scenarios[tom].id.clone();
    let r = again(&old, &edited);

    let kinds: Vec<(&str, &str)> = r.changes.iter().map(kind).collect();
    let replanned: Vec<&ShotChange> = r
        .changes
        .iter()
        .filter(|c| matches!(c, ShotChange::Replanned { .. }))
        .collect();
    assert_eq!(replanned.len(), 1, "{kinds:?}");
    let ShotChange::Replanned { id, replaces } = replanned[0] else {
        unreachable!()
    };
    assert_eq!(replaces, std::slice::from_ref(&tom_id));
    // The new shot's id collides with none: the next number.
    assert_eq!(id, &format!("shot-{}", n + 1));
    assert!(kinds.contains(&("edited", "shot-1")), "{kinds:?}");
    assert_eq!(
        r.changes
            .iter()
            .filter(|c| matches!(c, ShotChange::Kept { .. }))
            .count(),
        n - 2,
        "{kinds:?}"
    );
    assert!(r.changes.contains(&ShotChange::KeptEdited {
        id: "shot-1".into(),
        words_changed: false
    }));

    let p = &r.project;
    assert_eq!(p.story.as_ref().unwrap().text, edited);
    assert_eq!(p.scenarios.len(), n);
    // The hand edit survives; the kept shots moved with the text and are not "edited".
    assert_eq!(
        p.scenarios[0].prompt,
        "Mara climbs, lantern swinging, storm outside"
    );
    for s in &p.scenarios[1..] {
        assert!(!s.edited_by_hand(), "{}", s.id);
    }
    let last = p.scenarios.last().unwrap();
    let old_last = old.scenarios.last().unwrap();
    assert_eq!(last.id, old_last.id);
    assert_eq!(
        last.source.unwrap().start,
        old_last.source.unwrap().start + "old night ".chars().count() as u32
    );
    // The new shot speaks the new line, in story order, and the whole plan is faithful.
    let new = &p.scenarios[tom];
    assert_eq!(&new.id, id);
    assert!(new
        .dialogue
        .iter()
        .any(|l| l.line == "It's only the old night ferry"));
    let starts: Vec<u32> = p
        .scenarios
        .iter()
        .map(|s| s.source.unwrap().start)
        .collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
    assert_eq!(check(p), vec![]);
}

#[test]
fn a_hand_edited_shot_whose_words_changed_is_kept_and_flagged() {
    let mut old = planned(PROSE);
    let i = shot_telling(&old, "Mara shook her head");
    old.scenarios[i].camera = Some(studio_core::Camera::default());
    let id = old.scenarios[i].id.clone();
    let edited = PROSE.replace("Mara shook her head.", "Mara shook her head slowly.");
    let r = again(&old, &edited);
    assert!(r.changes.contains(&ShotChange::KeptEdited {
        id: id.clone(),
        words_changed: true
    }));
    let kept = r.project.scenarios.iter().find(|s| s.id == id).unwrap();
    assert_eq!(kept.camera, Some(studio_core::Camera::default()));
    // Its span covers the changed words in the new text.
    let text = &r.project.story.as_ref().unwrap().text;
    let told = studio_story::span_text(text, kept.source.unwrap());
    assert!(told.contains("Mara shook her head slowly."), "{told:?}");
    assert!(!r
        .changes
        .iter()
        .any(|c| matches!(c, ShotChange::Replanned { .. } | ShotChange::Added { .. })));
}

#[test]
fn new_words_are_added_gone_words_removed_and_rewrapping_changes_nothing() {
    let old = planned(PROSE);
    // Rewrapped: line breaks and spaces are not words.
    let rewrapped = PROSE.replace(" climbed the spiral", "\nclimbed  the spiral");
    let r = again(&old, &rewrapped);
    assert!(
        r.changes
            .iter()
            .all(|c| matches!(c, ShotChange::Kept { .. })),
        "{:?}",
        r.changes
    );
    assert_eq!(check(&r.project), vec![]);

    // A new paragraph with a new character; the Jonah paragraph removed.
    let added = "Nell Harper ran along the pier, waving a red scarf.";
    let removed = "Jonah: \"Not without me.\"\n\n";
    let jonah = old.scenarios[shot_telling(&old, "Not without me")]
        .id
        .clone();
    let edited = PROSE
        .replace(
            "Tom stared at the black water.",
            &format!("{added}\n\nTom stared at the black water."),
        )
        .replace(removed, "");
    let r = again(&old, &edited);
    let kinds: Vec<(&str, &str)> = r.changes.iter().map(kind).collect();
    assert!(kinds.contains(&("removed", jonah.as_str())), "{kinds:?}");
    let added_ids: Vec<&str> = kinds
        .iter()
        .filter(|k| k.0 == "added")
        .map(|k| k.1)
        .collect();
    assert_eq!(added_ids.len(), 1, "{kinds:?}");
    let p = &r.project;
    let new_shot = p.scenarios.iter().find(|s| s.id == added_ids[0]).unwrap();
    let text = &p.story.as_ref().unwrap().text;
    assert_eq!(
        studio_story::span_text(text, new_shot.source.unwrap()),
        added
    );
    // The new character came with the shot that needs her; the old cast stays.
    let nell = p
        .cast
        .iter()
        .find(|c| c.name == "Nell Harper")
        .expect("Nell joins the cast");
    assert!(new_shot.cast.contains(nell.id.as_ref().unwrap()));
    assert!(p.cast.iter().any(|c| c.name == "Old Jonah"));
    assert_eq!(p.character.name, "Mara Voss");
    assert_eq!(check(p), vec![]);
    // Every old id is kept or listed as removed; every id is unique.
    let mut ids: Vec<&str> = p.scenarios.iter().map(|s| s.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), p.scenarios.len());
}

#[test]
fn planning_an_unchanged_story_again_keeps_everything() {
    let old = planned(PROSE);
    let r = again(&old, PROSE);
    assert!(r
        .changes
        .iter()
        .all(|c| matches!(c, ShotChange::Kept { .. })));
    assert_eq!(r.project, old);
}

#[test]
fn odd_edits_never_panic() {
    let old = planned(PROSE);
    for text in [
        "",
        "   ",
        "\"",
        "🙂",
        "Completely different words, nothing shared at all.",
    ] {
        let r = again(&old, text);
        assert!(!check(&r.project)
            .iter()
            .any(|i| matches!(i, studio_story::PlanIssue::OutOfOrder { .. })));
    }
    // A project with no story: every planned shot is fresh; the creator's own shots stay.
    let mut bare = Project::new("Lead");
    bare.scenarios.push(studio_core::Scenario {
        id: "mine".into(),
        prompt: "my shot".into(),
        ..Default::default()
    });
    let r = again(&bare, PROSE);
    assert!(r.changes.contains(&ShotChange::KeptEdited {
        id: "mine".into(),
        words_changed: false
    }));
    assert!(r
        .changes
        .iter()
        .any(|c| matches!(c, ShotChange::Added { .. })));
}
