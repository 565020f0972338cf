//! Vertex: each family served at its own location, and user credentials that need a quota
//! project.

use serde_json::json;
use studio_mock_google::USER_ACCESS_TOKEN;

use crate::common::*;

/// Vertex serves Gemini 3.x only at `global` and Veo only in regions: anywhere else the model
/// is Google's 404, and nothing is paid.
#[tokio::test]
async fn vertex_serves_each_family_at_its_own_location() {
    let m = Mock::start(options()).await;
    let image = image_body("a face", json!({"imageSize": "1K"}));
    let a = m
        .vertex_post(
            &format!("{VERTEX}/gemini-3.1-flash-image:generateContent"),
            &image,
        )
        .await;
    a.error(404, "NOT_FOUND");
    assert!(a.message().starts_with(
        "Publisher Model `projects/p1/locations/us-central1/publishers/google/models/gemini-3.1-flash-image` was not found"
    ), "{}", a.message());
    let ok = m
        .vertex_post(
            &format!("{VERTEX_GLOBAL}/gemini-3.1-flash-image:generateContent"),
            &image,
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    m.vertex_post(
        &format!("{VERTEX_GLOBAL}/veo-3.1-generate-001:predictLongRunning"),
        &veo_body("x"),
    )
    .await
    .error(404, "NOT_FOUND");
    let omni = omni_text("a cat", json!({"type": "video", "duration": "4s"}));
    m.vertex_post(
        "/v1beta1/projects/p1/locations/us-central1/interactions",
        &omni,
    )
    .await
    .interaction_error(404, "not_found");
    let stats = m.mock.stats();
    assert!(stats.video_submissions.is_empty(), "{stats:?}");
    assert_eq!(stats.image_requests.values().sum::<u32>(), 1, "{stats:?}");
}

/// User credentials bill no project: Vertex takes their token only with `x-goog-user-project`
/// (Google's 403 otherwise). Veo's optional `generateAudio` may be left out, and the SDK's
/// upper-case `referenceType` is taken.
#[tokio::test]
async fn user_credentials_need_a_quota_project() {
    let m = Mock::start(options()).await;
    let token = m
        .send(m.http.post(m.url("/token")).form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "id.apps.googleusercontent.com"),
            ("client_secret", "secret"),
            ("refresh_token", "1//refresh"),
        ]))
        .await;
    assert_eq!(token.body["access_token"], USER_ACCESS_TOKEN);
    let path = format!("{VERTEX_GLOBAL}/gemini-3.1-flash-image:generateContent");
    let body = image_body("a face", json!({"imageSize": "1K"}));
    let refused = m.vertex_user_post(&path, &body, None).await;
    refused.error(403, "PERMISSION_DENIED");
    assert!(refused.message().contains("requires a quota project"));
    let ok = m.vertex_user_post(&path, &body, Some("p1")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    // Service accounts need no header.
    let sa = m
        .vertex_post(
            &format!("{VERTEX_GLOBAL}/gemini-3.1-flash-image:generateContent"),
            &body,
        )
        .await;
    assert_eq!(sa.status, 200, "{}", sa.body);

    let mut veo = veo_body("no audio flag");
    veo["parameters"]
        .as_object_mut()
        .unwrap()
        .remove("generateAudio");
    veo["instances"][0]["referenceImages"] =
        json!([{"image": png_image(), "referenceType": "ASSET"}]);
    veo["instances"][0].as_object_mut().unwrap().remove("image");
    veo["parameters"]["durationSeconds"] = json!(8);
    let a = m
        .vertex_post(
            &format!("{VERTEX}/veo-3.1-generate-001:predictLongRunning"),
            &veo,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}
