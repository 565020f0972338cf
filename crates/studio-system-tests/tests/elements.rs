//! Locations and props through the studio's API: a project's place with no images renders
//! with two generated views (counted in the estimate), those views are kept in the library,
//! and another project using the library's place renders with them and generates none.
//! Real dev server, real worker, real ffmpeg, real files.

use std::process::Command;

use studio_api::Studio;
use studio_engine::names;
use studio_testkit::*;

/// The reference images an offline clip was made with (content digests, from its record).
fn clip_references(uri: &str) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format_tags=comment"])
        .args(["-of", "json"])
        .arg(file_path(uri))
        .output()
        .unwrap();
    let probe: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let comment = probe["format"]["tags"]["comment"].as_str().unwrap();
    serde_json::from_str::<serde_json::Value>(comment).unwrap()["references"].clone()
}

/// An artifact's content digest: the store names each `objects/<ab>/<sha256>.<ext>`, and the
/// offline clip's record names its references by the same digest.
fn digest(uri: &str) -> String {
    file_path(uri)
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("an artifact named by its digest")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rendered_place_is_kept_in_the_library_and_reused_by_another_project() {
    let env = Env::new("elements-api").await;
    let studio = studio_system_tests::api(&env, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("harbour.studio.json");
    let project = serde_json::json!({
        "version": 1,
        "character": {"id": "ava", "name": "Ava", "basePrompt": "a bush pilot"},
        "elements": [{"id": "harbour", "kind": "location", "name": "Harbour",
                      "prompt": "a fishing harbour at dawn"}],
        "scenarios": [{"id": "a", "prompt": "she waits on the quay", "durationSeconds": 4,
                       "location": "harbour"}],
        "quality": "standard", "aspectRatio": "16:9"
    });
    std::fs::write(&path, project.to_string()).unwrap();
    let project = Studio::load_project(&path).unwrap();
    assert_eq!(
        studio.estimate(&project).images,
        3 + 2,
        "the lead's angles and the place's two views"
    );

    let first = studio
        .render(&project, Some(&path), Some(env.job_id("first")))
        .await
        .unwrap();
    let id = first.record.id;
    let result = env.result(&id).await.unwrap();
    let records = activities(&env, &id).await;
    assert_eq!(count(&records, names::GENERATE_ELEMENT_IMAGES), 1);
    let views = &result.element_images[0].images;

    // Kept in the library with the views the render made, byte for byte.
    let kept = studio
        .save_rendered_element_to_library(&id, "harbour")
        .await
        .unwrap();
    assert_eq!(kept.element.name, "Harbour");
    assert_eq!(kept.element.model.as_deref(), Some("offline"));
    assert_eq!(kept.image_paths.len(), 2);
    for (stored, made) in kept.image_paths.iter().zip(views) {
        assert_eq!(
            std::fs::read(stored).unwrap(),
            std::fs::read(file_path(made)).unwrap()
        );
    }
    assert_eq!(
        studio
            .save_rendered_element_to_library(&id, "nowhere")
            .await
            .unwrap_err()
            .code,
        studio_api::ErrorCode::NotFound
    );

    // Another project uses the library's place: nothing to generate, its stored views sent.
    let mut other = project.clone();
    other.elements[0].prompt = "a drawing of some harbour".into();
    let other = studio
        .use_library_element(other, &kept.element.id, Some("harbour"))
        .unwrap();
    assert_eq!(studio.estimate(&other).images, 3, "no views to make");
    let second = studio
        .render(&other, Some(&path), Some(env.job_id("second")))
        .await
        .unwrap();
    let id2 = second.record.id;
    let r2 = env.result(&id2).await.unwrap();
    let records = activities(&env, &id2).await;
    assert_eq!(count(&records, names::GENERATE_ELEMENT_IMAGES), 0);
    assert!(r2.element_images.is_empty());
    let input = env.client.input(&id2).await.unwrap();
    let sent = &input.request.elements[0];
    assert_eq!(
        sent.library_id, None,
        "the render carries the images themselves"
    );
    assert_eq!(sent.reference_images.len(), 2);
    for (uri, stored) in sent.reference_images.iter().zip(&kept.image_paths) {
        assert_eq!(
            std::fs::read(file_path(uri)).unwrap(),
            std::fs::read(stored).unwrap()
        );
    }
    let wide = digest(&sent.reference_images[0]);
    let ava = digest(&r2.character_images[0]);
    let refs = clip_references(r2.segments[0].clip_url.as_deref().unwrap());
    assert_eq!(refs[0], ava.as_str(), "{refs}");
    assert_eq!(
        refs[1],
        wide.as_str(),
        "the library's wide after the face: {refs}"
    );
}
