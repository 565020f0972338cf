//! From a story to a film (issue 30), offline: `studio plan` turns a story with three
//! characters in two places and quoted dialogue into a project that passes the faithfulness
//! check, and that project renders on a real dev server with the offline provider, each clip
//! asked with the exact prompt the window previews. Planning the edited story again keeps the
//! shot the creator changed by hand.

use studio_api::Studio;
use studio_core::{CameraMove, ElementKind, Project, ShotSize};
use studio_testkit::*;

const STORY: &str = "\
Mara climbed the spiral stairs of the lighthouse as the storm rolled in. The lamp above her \
flickered and died.

\"We have an hour before the ships come in,\" Mara said. Tomas looked up from the broken lens. \
\"Then we light it by hand,\" he answered.

At the harbour, Elin untied the last boat. Rain hammered the pier. Elin shouted, \"Mara, the \
tide is turning!\"

Mara ran down to the harbour with the oil can. Tomas followed her into the dark.
";

fn plan(env: &Env, dir: &std::path::Path, story: &str) -> std::process::Output {
    std::fs::write(dir.join("storm.txt"), story).unwrap();
    let out = env
        .studio()
        .args(["plan", "--planner", "offline"])
        .arg(dir.join("storm.txt"))
        .arg("-o")
        .arg(dir.join("storm.studio.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "studio plan failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn names(p: &Project) -> Vec<String> {
    p.characters().map(|(_, c)| c.name.to_lowercase()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_plans_offline_into_a_faithful_project_that_renders() {
    let env = Env::new("story").await;
    let dir = tempfile::tempdir().unwrap();
    let out = plan(&env, dir.path(), STORY);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("check: every sentence is told"), "{printed}");

    let path = dir.path().join("storm.studio.json");
    let project = Studio::load_project(&path).unwrap();
    assert_eq!(project.story.as_ref().unwrap().text, STORY, "the story is kept");
    assert!(Studio::check_plan(&project).is_empty());
    for who in ["mara", "tomas", "elin"] {
        assert!(names(&project).iter().any(|n| n.contains(who)), "{who}: {:?}", names(&project));
    }
    let places: Vec<String> = (project.elements.iter())
        .filter(|e| e.kind == ElementKind::Location)
        .map(|e| e.name.to_lowercase())
        .collect();
    for place in ["lighthouse", "harbour"] {
        assert!(places.iter().any(|p| p.contains(place)), "{place}: {places:?}");
    }
    // Every quoted line is spoken, verbatim, by the character the text gives it to.
    let spoken: Vec<(String, String)> = (project.scenarios.iter())
        .flat_map(|s| s.dialogue.iter())
        .map(|d| {
            let who = project.character_by_id(&d.speaker).unwrap().name.to_lowercase();
            (who, d.line.clone())
        })
        .collect();
    for (who, line) in [
        ("mara", "We have an hour before the ships come in,"),
        ("tomas", "Then we light it by hand,"),
        ("elin", "Mara, the tide is turning!"),
    ] {
        assert!(
            spoken
                .iter()
                .any(|(w, l)| w.contains(who) && l.trim_end_matches(',') == line.trim_end_matches(',')),
            "{who}: {line:?} not in {spoken:?}"
        );
    }

    // It renders, each clip asked with the prompt the window shows.
    let studio = studio_system_tests::api(&env, |_| {}).await;
    let started = studio.render(&project, Some(&path), None).await.unwrap();
    let id = started.record.id.clone();
    let input = env.client.input(&id).await.unwrap();
    for (sent, scene) in input.request.scenarios.iter().zip(&project.scenarios) {
        assert_eq!(sent.prompt, project.video_prompt(scene));
    }
    let result = env.result(&id).await.unwrap();
    let video = file_path(&result.video_url);
    let probe = studio_media::Ffmpeg::from_env().probe(&video).await.unwrap();
    let expected = project.total_seconds() as f64;
    assert!(
        (probe.duration - expected).abs() < 1.0,
        "{} s, expected {expected} s",
        probe.duration
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planning_an_edited_story_again_keeps_the_shot_changed_by_hand() {
    let env = Env::without_worker("replan").await;
    let dir = tempfile::tempdir().unwrap();
    plan(&env, dir.path(), STORY);
    let path = dir.path().join("storm.studio.json");
    let mut project = Studio::load_project(&path).unwrap();
    // The creator reframes the first shot by hand.
    let first = project.scenarios[0].clone();
    let camera = studio_core::Camera {
        shot: ShotSize::ExtremeCloseUp,
        movement: CameraMove::Handheld,
    };
    project.scenarios[0].camera = Some(camera);
    project.scenarios[0].prompt = "her hand on the cold rail".into();
    Studio::save_project(&path, &project, &Default::default()).unwrap();

    // The story's last paragraph is rewritten; planning again keeps the hand-made shot.
    let edited = STORY.replace(
        "Mara ran down to the harbour with the oil can. Tomas followed her into the dark.",
        "Mara ran down to the harbour with the oil can. The lamp blazed behind them.",
    );
    let out = plan(&env, dir.path(), &edited);
    let printed = String::from_utf8_lossy(&out.stdout);
    let again = Studio::load_project(&path).unwrap();
    assert_eq!(again.story.as_ref().unwrap().text, edited);
    let kept = again.scenarios.iter().find(|s| s.id == first.id).unwrap();
    assert_eq!(kept.camera, Some(camera), "{printed}");
    assert_eq!(kept.prompt, "her hand on the cold rail");
    assert!(Studio::check_plan(&again).is_empty(), "{:?}", Studio::check_plan(&again));
    assert!(printed.contains(&format!("kept {} (changed by hand", first.id)), "{printed}");
}
