//! Extension through Vertex Veo on the mock (issue 32): the take is made once, with the clip
//! as `instances[0].video` and `durationSeconds` the seconds added, priced at the model's
//! per-second price at the resolution Veo extends at (720p); seconds the model does not add
//! fail the run before any clip activity is scheduled and before Google is asked.

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

/// Renders one 8 s scene at `quality` with `family`'s model pinned, then asks for its
/// extension by `seconds`; returns the env, the job, the extension's outcome.
async fn extended(
    mock: &MockGoogle,
    family: &str,
    quality: Quality,
    seconds: u32,
) -> (Env, String, Result<studio_core::VideoResult, String>) {
    let model = vertex_model(family);
    let env = google_env_with(family, mock, ProviderKind::Vertex, KEY, |g| {
        g.pinned_video_model = Some(model)
    })
    .await;
    let id = env.job_id("job");
    let prompt = format!("{family} taxis to the runway");
    env.start(&id, input(vec![scenario(&prompt, 8)], quality))
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

/// Extends `family`'s 8 s take made at `quality` by 7 s and checks it was made once, answered
/// with the whole 15 s clip and billed as 7 s at the family's 720p price (Veo extends at 720p
/// only, whatever the job's quality). Returns what the added seconds cost.
async fn extends_by_7_at_720p(mock: &MockGoogle, family: &str, quality: Quality) -> f64 {
    let (env, id, outcome) = extended(mock, family, quality, 7).await;
    let v2 = outcome.unwrap();
    let runs = activities(&env, &id).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 1, "{runs:?}");
    let model = vertex_model(family);
    let added = &v2.versions[1].usage;
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(
        (added[0].model.as_str(), added[0].quantity),
        (model.as_str(), 7)
    );
    assert_eq!(added[0].resolution.as_deref(), Some("720p"), "{family}");
    let per_second = Catalog::builtin()
        .unit_price(&model, true, Some("720p"))
        .unwrap();
    println!(
        "{family} extension: 7 s at ${per_second}/s = ${:.2}",
        7.0 * per_second
    );
    // On the wire: one extension submitted, answered with the whole clip (8 + 7 s).
    let stats = mock.stats();
    assert_eq!(
        stats.video_submissions.get(&format!("{family} lifts off")),
        Some(&1)
    );
    let clip = v2.segments[0].clip_url.as_deref().unwrap();
    let length = Ffmpeg::from_env()
        .probe(&file_path(clip))
        .await
        .unwrap()
        .duration;
    assert!((length - 15.0).abs() < 0.2, "{length}");
    7.0 * per_second
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn veo_and_lite_extend_a_take_on_vertex_at_their_720p_price() {
    let mock = mock().await;
    let veo = extends_by_7_at_720p(&mock, "veo", Quality::Standard).await;
    // Lite extends on Vertex too (Google's "Extend Veo videos" page), at its own price.
    let lite = extends_by_7_at_720p(&mock, "veo-lite", Quality::Standard).await;
    assert!(lite < veo, "Lite ${lite} vs Veo ${veo}");

    // Seconds the model does not add: the run fails naming the scene and the rule; no clip
    // activity, nothing asked of Google.
    let (env, id, outcome) = extended(&mock, "veo-lite", Quality::Standard, 8).await;
    let err = outcome.unwrap_err();
    assert!(
        err.contains("scene-1") && err.contains("extends a clip by 7 s"),
        "{err}"
    );
    let runs = activities(&env, &id).await;
    assert_eq!(count(&runs, names::GENERATE_VIDEO_SEGMENT), 0, "{runs:?}");
    assert_eq!(
        mock.stats().video_submissions.get("veo-lite lifts off"),
        Some(&1),
        "only the first extension reached Google"
    );
}

/// A high-quality job's take is made at 1080p, but Veo extends at 720p only: the added seconds
/// are reserved and recorded at the 720p price (Veo Fast's 1080p costs more).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_quality_take_is_extended_at_the_720p_price() {
    let mock = mock().await;
    let model = vertex_model("veo-fast");
    let price = |r: &str| {
        Catalog::builtin()
            .unit_price(&model, true, Some(r))
            .unwrap()
    };
    assert!(
        price("1080p") > price("720p"),
        "the test needs distinct prices"
    );
    let cost = extends_by_7_at_720p(&mock, "veo-fast", Quality::High).await;
    assert!((cost - 7.0 * price("720p")).abs() < 1e-9, "{cost}");
}
