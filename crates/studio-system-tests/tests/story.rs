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
    assert!(
        printed.contains("check: every sentence is told"),
        "{printed}"
    );

    let path = dir.path().join("storm.studio.json");
    let project = Studio::load_project(&path).unwrap();
    assert_eq!(
        project.story.as_ref().unwrap().text,
        STORY,
        "the story is kept"
    );
    assert!(Studio::check_plan(&project).is_empty());
    for who in ["mara", "tomas", "elin"] {
        assert!(
            names(&project).iter().any(|n| n.contains(who)),
            "{who}: {:?}",
            names(&project)
        );
    }
    let places: Vec<String> = (project.elements.iter())
        .filter(|e| e.kind == ElementKind::Location)
        .map(|e| e.name.to_lowercase())
        .collect();
    for place in ["lighthouse", "harbour"] {
        assert!(
            places.iter().any(|p| p.contains(place)),
            "{place}: {places:?}"
        );
    }
    // Every quoted line is spoken, verbatim, by the character the text gives it to.
    let spoken: Vec<(String, String)> = (project.scenarios.iter())
        .flat_map(|s| s.dialogue.iter())
        .map(|d| {
            let who = project
                .character_by_id(&d.speaker)
                .unwrap()
                .name
                .to_lowercase();
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
                .any(|(w, l)| w.contains(who)
                    && l.trim_end_matches(',') == line.trim_end_matches(',')),
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
    let probe = studio_media::Ffmpeg::from_env()
        .probe(&video)
        .await
        .unwrap();
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
    assert!(
        Studio::check_plan(&again).is_empty(),
        "{:?}",
        Studio::check_plan(&again)
    );
    assert!(
        printed.contains(&format!("kept {} (changed by hand", first.id)),
        "{printed}"
    );
}

/// The model planner from the one door, through the strict mock: the estimate names the
/// listed text model and prices two questions before anything is asked; the plan comes back
/// faithful, its cost counted, and its job in the studio's list with that spend; an amount
/// approved below a question's estimate pays for nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_text_model_plans_from_the_studio_with_its_cost_estimated_first_and_counted() {
    use studio_api::{PlanStoryRequest, PlannerChoice, PlannerUsed};
    use studio_core::{Story, StoryFormat};
    use studio_media::{Ffmpeg, ProviderKind};
    use studio_mock_google::{MockGoogle, MockOptions};

    const KEY: &str = "story-api-test-key";
    let mock = MockGoogle::start(
        0,
        MockOptions {
            api_key: KEY.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut env = Env::without_worker("storyapi").await;
    let key_file = env.data.path().join("gemini.key");
    std::fs::write(&key_file, KEY).unwrap();
    env.google = studio_media::google::GoogleSettings {
        base_url: Some(mock.base_url()),
        api_key_file: Some(key_file),
        request_timeout_secs: 8,
        models_cache_dir: Some(env.data.path().join("models")),
        ..Default::default()
    };
    env.worker = Some(env.spawn_worker(ProviderKind::Gemini, Ffmpeg::from_env()));
    let google = env.google.clone();
    let studio = studio_system_tests::api(&env, |s| {
        s.provider = Some(ProviderKind::Gemini);
        s.google = google;
    })
    .await;
    let story = Story {
        text: STORY.into(),
        format: StoryFormat::Plain,
        accepted: Vec::new(),
    };

    // Before the key's models are listed, the price is unknown: said, nothing asked.
    let err = studio
        .plan_estimate(&story, PlannerChoice::Auto)
        .unwrap_err();
    assert!(err.message.contains("studio doctor"), "{err:?}");
    studio_api::models::check_models(studio.settings(), true)
        .await
        .unwrap();
    let estimate = studio.plan_estimate(&story, PlannerChoice::Auto).unwrap();
    assert_eq!(estimate.planner, PlannerChoice::Model);
    let model = estimate.model.clone().unwrap();
    assert!(estimate.cost.usd > 0.0, "{estimate:?}");
    assert_eq!(
        mock.stats().text_requests.len(),
        0,
        "estimating asks nothing"
    );

    // Approved below one question's price: refused before asking, nothing paid.
    let refused = studio
        .plan_story(PlanStoryRequest {
            story: story.clone(),
            base: None,
            planner: PlannerChoice::Auto,
            use_library: false,
            approved_usd: Some(estimate.cost.usd / 100.0),
        })
        .await
        .unwrap_err();
    assert_eq!(mock.stats().text_requests.len(), 0, "{refused:?}");

    let outcome = studio
        .plan_story(PlanStoryRequest {
            story: story.clone(),
            base: None,
            planner: PlannerChoice::Auto,
            use_library: false,
            approved_usd: None,
        })
        .await
        .unwrap();
    let PlannerUsed::Model {
        model: used,
        job_id,
        asks,
    } = &outcome.planner
    else {
        panic!("{:?}", outcome.planner)
    };
    assert_eq!((used, *asks), (&model, 1));
    assert!(outcome.issues.is_empty(), "{:#?}", outcome.issues);
    assert!(outcome.problems.is_empty(), "{:#?}", outcome.problems);
    assert_eq!(outcome.project.story.as_ref().unwrap().text, STORY);
    assert!(
        outcome.cost.usd > 0.0 && outcome.cost.usd <= estimate.cost.usd,
        "{outcome:?}"
    );
    assert_eq!(mock.stats().text_requests.len(), 1);
    // The planning job is the studio's, its spend the plan's cost.
    let detail = studio.job_detail(job_id).await.unwrap();
    assert!(
        (detail.spent.usd - outcome.cost.usd).abs() < 1e-9,
        "{detail:?}"
    );
    let listed = studio.jobs(50).await.unwrap();
    assert!(listed.iter().any(|j| &j.record.id == job_id), "{listed:?}");
}
