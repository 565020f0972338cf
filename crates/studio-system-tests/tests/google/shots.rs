//! Extension through Vertex Veo on the mock (issue 32): the take is made once, with the clip
//! as `instances[0].video` and `durationSeconds` the seconds added, priced at the model's
//! per-second price; a model that cannot extend (Lite) fails the run before any clip activity
//! is scheduled and before Google is asked.

use studio_catalog::Catalog;
use studio_engine::versions::{next_version, VersionChange};

use super::*;

/// The mock's Vertex model of the table's `family`.
fn vertex_model(family: &str) -> String {
    let c = Catalog::builtin();
    MockOptions::default_vertex_models()
        .into_iter()
        .find(|m| c.family_of(m).is_some_and(|f| f.id == family))
        .unwrap_or_else(|| panic!("no {family} model on the mock's Vertex list"))
}

/// Renders one 8 s scene with `family`'s model pinned, then asks for its extension by
/// `seconds`; returns the env, the job, the extension's outcome.
async fn extended(
    mock: &MockGoogle,
    family: &str,
    seconds: u32,
) -> (Env, String, Result<studio_core::VideoResult, String>) {
    let model = vertex_model(family);
    let env = google_env_with(family, mock, ProviderKind::Vertex, KEY, |g| {
        g.pinned_video_model = Some(model)
    })
    .await;
    let id = env.job_id("job");
    let prompt = format!("{family} taxis to the runway");
    env.start(&id, input(vec![scenario(&prompt, 8)], Quality::Standard))
        .await;
    env.result(&id).await.unwrap();
    let last = env.client.result(&id).await.unwrap();
    let previous = env.client.input(&id).await.unwrap();
    let change = VersionChange::Extend {
        scenario_id: "scene-1".into(),
        seconds,
        prompt: Some(format!("{family} lifts off")),
    };
    let next = next_version(previous, &last, change).unwrap();
    env.client.start_render(&id, next).await.unwrap();
    let outcome = env.result(&id).await.map_err(|e| e.to_string());
    (env, id, outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn veo_extends_a_take_on_vertex_at_its_price_and_lite_is_refused_before_paying() {
    let mock = mock().await;
    let (env, id, outcome) = extended(&mock, "veo", 7).await;
    let v2 = outcome.unwrap();
    let runs = activities(&env, &id).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 1, "{runs:?}");
    // Priced like a clip: 7 s at the model's 720p price from the table.
    let model = vertex_model("veo");
    let added = &v2.versions[1].usage;
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(
        (added[0].model.as_str(), added[0].quantity),
        (model.as_str(), 7)
    );
    assert_eq!(added[0].resolution.as_deref(), Some("720p"));
    let per_second = Catalog::builtin()
        .unit_price(&model, true, Some("720p"))
        .unwrap();
    println!(
        "extension: 7 s at ${per_second}/s = ${:.2}",
        7.0 * per_second
    );
    // On the wire: one extension submitted, answered with the whole clip (8 + 7 s).
    let stats = mock.stats();
    assert_eq!(stats.video_submissions.get("veo lifts off"), Some(&1));
    let clip = v2.segments[0].clip_url.as_deref().unwrap();
    let length = Ffmpeg::from_env()
        .probe(&file_path(clip))
        .await
        .unwrap()
        .duration;
    assert!((length - 15.0).abs() < 0.2, "{length}");

    // Veo Lite cannot extend: the run fails naming the scene and the rule; no clip activity,
    // nothing asked of Google.
    let (env, id, outcome) = extended(&mock, "veo-lite", 7).await;
    let err = outcome.unwrap_err();
    assert!(
        err.contains("scene-1") && err.contains("cannot extend"),
        "{err}"
    );
    let runs = activities(&env, &id).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 0, "{runs:?}");
    assert!(!mock
        .stats()
        .video_submissions
        .contains_key("veo-lite lifts off"));
}
