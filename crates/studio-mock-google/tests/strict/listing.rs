//! Model listings, paged as Google pages them, and Google's 404s for models that are not
//! listed or not served through the route asked.

use serde_json::json;
use studio_mock_google::{MockModel, MockOptions};

use crate::common::*;

#[tokio::test]
async fn the_gemini_api_lists_its_models_in_pages() {
    let m = Mock::start(options()).await;
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            Some(t) => format!("/v1beta/models?pageSize=50&pageToken={t}"),
            None => "/v1beta/models".to_owned(),
        };
        let a = m.gemini_get(&path).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let page = ids_of(&a.body, "models", "models/");
        assert!(page.len() <= 2, "the option's page size caps pageSize");
        ids.extend(page);
        pages += 1;
        match a.body["nextPageToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = MockOptions::default_gemini_models()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(pages, expected.len().div_ceil(2));
    assert!(!ids.iter().any(|i| i.starts_with("veo-")));

    let first = m.gemini_get("/v1beta/models?pageSize=1").await;
    let entry = &first.body["models"][0];
    assert_eq!(entry["name"], "models/gemini-3.5-flash");
    assert_eq!(entry["baseModelId"], "gemini-3.5-flash");
    assert_eq!(entry["version"], "001");
    assert!(entry["displayName"].is_string() && entry["description"].is_string());
    assert!(entry["inputTokenLimit"].is_u64() && entry["outputTokenLimit"].is_u64());
    assert_eq!(
        entry["supportedGenerationMethods"],
        json!([
            "generateContent",
            "countTokens",
            "createCachedContent",
            "batchGenerateContent"
        ])
    );
    let one = m.gemini_get("/v1beta/models/gemini-3-pro-image").await;
    assert_eq!(one.body["name"], "models/gemini-3-pro-image");

    m.gemini_get("/v1beta/models?pageToken=not-a-token")
        .await
        .error(400, "INVALID_ARGUMENT");
    m.gemini_get("/v1beta/models?pageSize=lots")
        .await
        .error(400, "INVALID_ARGUMENT");
    let no_key = m.send(m.http.get(m.url("/v1beta/models"))).await;
    no_key.error(403, "PERMISSION_DENIED");
    let bad_key = m.send(
        m.http
            .get(m.url("/v1beta/models"))
            .header("x-goog-api-key", "wrong"),
    );
    let bad_key = bad_key.await;
    bad_key.error(400, "INVALID_ARGUMENT");
    assert_eq!(
        bad_key.body["error"]["details"][0]["reason"],
        "API_KEY_INVALID"
    );
}

#[tokio::test]
async fn vertex_lists_publisher_models_in_pages() {
    let m = Mock::start(options()).await;
    let mut ids = Vec::new();
    let mut path = "/v1beta1/publishers/google/models?pageSize=100".to_owned();
    loop {
        let a = m.vertex_get(&path).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let models = a.body["publisherModels"].as_array().unwrap();
        assert!(models.len() <= 2);
        for e in models {
            assert_eq!(e["versionId"], "001");
            assert!(e["launchStage"].is_string());
        }
        ids.extend(ids_of(
            &a.body,
            "publisherModels",
            "publishers/google/models/",
        ));
        match a.body["nextPageToken"].as_str() {
            Some(t) => path = format!("/v1beta1/publishers/google/models?pageToken={t}"),
            None => break,
        }
    }
    assert_eq!(ids, MockOptions::default_vertex_models());
    // A Gemini API token is no Vertex token.
    let gemini = m.gemini_get("/v1beta/models").await;
    let t = gemini.body["nextPageToken"].as_str().unwrap();
    m.vertex_get(&format!("/v1beta1/publishers/google/models?pageToken={t}"))
        .await
        .error(400, "INVALID_ARGUMENT");
    let anonymous = m
        .send(m.http.get(m.url("/v1beta1/publishers/google/models")))
        .await;
    anonymous.error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn tests_can_replace_the_catalog_with_models_the_studio_has_never_seen() {
    let m = Mock::start(MockOptions {
        api_key: KEY.into(),
        gemini_models: vec![
            MockModel::new("gemini-nano-banana-3", &["generateContent"]),
            MockModel::new("gemini-omni-2.0-flash", &["generateContent"]),
        ],
        vertex_models: vec!["veo-4.0-generate-001".into()],
        page_size: 1000,
        ..Default::default()
    })
    .await;
    let list = m.gemini_get("/v1beta/models").await;
    assert_eq!(
        ids_of(&list.body, "models", "models/"),
        ["gemini-nano-banana-3", "gemini-omni-2.0-flash"]
    );
    assert!(list.body.get("nextPageToken").is_none(), "{}", list.body);
    let v = m
        .vertex_post(
            &format!("{VERTEX}/veo-4.0-generate-001:predictLongRunning"),
            &veo_body("a new model"),
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert!(v.body["name"]
        .as_str()
        .unwrap()
        .starts_with("projects/p1/locations/us-central1/publishers/google/models/veo-4.0-generate-001/operations/"));
    let img = m
        .gemini_post(
            "/v1beta/models/gemini-nano-banana-3:generateContent",
            &image_body("a pilot", json!({"aspectRatio": "1:8", "imageSize": "2K"})),
        )
        .await;
    assert_eq!(img.status, 200, "{}", img.body);
    let old = m
        .vertex_post(
            &format!("{VERTEX}/veo-3.1-generate-001:predictLongRunning"),
            &veo_body("an old model"),
        )
        .await;
    old.error(404, "NOT_FOUND");
}

#[tokio::test]
async fn unlisted_models_and_wrong_routes_are_404s_with_googles_messages() {
    let m = Mock::start(with_gemini_veo()).await;
    let a = m
        .gemini_post(
            "/v1beta/models/gemini-2.5-flash-image:generateContent",
            &image_body("x", json!({})),
        )
        .await;
    a.error(404, "NOT_FOUND");
    assert_eq!(
        a.message(),
        "models/gemini-2.5-flash-image is not found for API version v1beta, or is not \
         supported for generateContent. Call ListModels to see the list of available models \
         and their supported methods."
    );
    let a = m
        .vertex_post(
            &format!("{VERTEX}/veo-3.0-generate-001:predictLongRunning"),
            &veo_body("x"),
        )
        .await;
    a.error(404, "NOT_FOUND");
    assert_eq!(
        a.message(),
        "Publisher Model `projects/p1/locations/us-central1/publishers/google/models/\
         veo-3.0-generate-001` was not found or your project does not have access to it. \
         Please ensure you are using a valid model version. For more information, see: \
         https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions"
    );
    // Listed, but not through this route.
    let a = m
        .gemini_post(
            "/v1beta/models/gemini-3.1-flash-image:predictLongRunning",
            &veo_body("x"),
        )
        .await;
    a.error(404, "NOT_FOUND");
    assert!(
        a.message().contains("not supported for predictLongRunning"),
        "{}",
        a.message()
    );
    let a = m
        .vertex_post(
            &format!("{VERTEX_BETA}/veo-3.1-generate-001:generateContent"),
            &image_body("x", json!({})),
        )
        .await;
    a.error(404, "NOT_FOUND");
    // A Veo model whose listed methods lack predictLongRunning.
    let a = m
        .gemini_post(
            "/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning",
            &veo_body("x"),
        )
        .await;
    a.error(404, "NOT_FOUND");
    assert!(a.message().contains("predictLongRunning"));
    // Omni is video through Interactions, not generateContent, whatever its list says.
    m.gemini_post(
        "/v1beta/models/gemini-omni-1.2-flash:generateContent",
        &image_body("x", json!({})),
    )
    .await
    .error(404, "NOT_FOUND");
    // Veo is not on the Gemini API by default; Omni 1.1 is not on Vertex.
    let plain = Mock::start(options()).await;
    plain
        .gemini_post(
            "/v1beta/models/veo-3.1-generate-001:predictLongRunning",
            &veo_body("x"),
        )
        .await
        .error(404, "NOT_FOUND");
    let omni = json!({"model": "gemini-omni-1.1-flash", "input": "a cat",
                      "response_format": {"type": "video"}});
    let a = plain
        .vertex_post("/v1beta1/projects/p1/locations/global/interactions", &omni)
        .await;
    a.interaction_error(404, "not_found");
    assert!(a.message().contains("Publisher Model"), "{}", a.message());
    let a = plain
        .gemini_post(
            "/v1beta/interactions",
            &json!({"model": "gemini-omni-9-flash", "input": "a cat"}),
        )
        .await;
    a.interaction_error(404, "not_found");
    assert!(a
        .message()
        .starts_with("models/gemini-omni-9-flash is not found"));
    assert!(plain.mock.stats().video_submissions.is_empty());
    assert!(m.mock.stats().video_submissions.is_empty());
}
