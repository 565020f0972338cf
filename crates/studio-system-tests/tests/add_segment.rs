//! `addSegment` with a project, on a job that is not running: the job it starts is the
//! project's render (the one conversion from a project to a workflow's input), plus the scene.

use studio_api::Studio;
use studio_core::Scenario;
use studio_testkit::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_add_segment_starts_takes_the_projects_reference_images() {
    // No worker: the job's input is all this test reads.
    let env = Env::without_worker("addstart").await;
    let studio = studio_system_tests::api(&env, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ava.png"), PNG).unwrap();
    std::fs::write(dir.path().join("rex.png"), PNG).unwrap();
    let path = dir.path().join("p.studio.json");
    let project = serde_json::json!({
        "version": 1,
        "character": {"id": "ava", "name": "Ava", "basePrompt": "a pilot",
                      "referenceImages": ["ava.png"]},
        "cast": [{"id": "rex", "name": "Rex", "basePrompt": "a boxer",
                  "referenceImages": ["rex.png"]}],
        "scenarios": [{"id": "a", "prompt": "takes off", "cast": ["rex"]}],
        "quality": "standard", "aspectRatio": "16:9", "budget": 3
    });
    std::fs::write(&path, project.to_string()).unwrap();
    let project = Studio::load_project(&path).unwrap();
    let id = env.job_id("job");

    studio
        .add_segment(&id, Scenario::new("lands"), Some((&project, &path)))
        .await
        .unwrap();

    let input = env.client.input(&id).await.unwrap();
    let request = &input.request;
    assert_eq!(request.character.id.as_deref(), Some("ava"));
    assert_eq!(request.cast[0].id.as_deref(), Some("rex"));
    for (who, c) in [("lead", &request.character), ("cast", &request.cast[0])] {
        assert_eq!(c.reference_images.len(), 1, "{who}: {request:?}");
        let copied = file_path(&c.reference_images[0]);
        assert_eq!(std::fs::read(&copied).unwrap(), PNG, "{who}: {copied:?}");
    }
    assert_eq!(input.budget.map(|b| b.dollars()), Some(3.0));
    assert_eq!(request.scenarios[0].id.as_deref(), Some("a"));
    assert_eq!(request.scenarios[0].cast, ["rex"]);
}
