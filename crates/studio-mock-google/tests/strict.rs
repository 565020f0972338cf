//! The mock is at least as strict as Google: paged listings, 404s for unlisted models, a 400
//! with its own message for each rule of the model table, 429s shaped like Google's (no
//! `Retry-After`), failing operations, Interactions, and a request log tests can read.

use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use studio_mock_google::{MockGoogle, MockModel, MockOptions, ACCESS_TOKEN, USER_ACCESS_TOKEN};

const KEY: &str = "strict-test-key";
const VERTEX: &str = "/v1/projects/p1/locations/us-central1/publishers/google/models";
const VERTEX_BETA: &str = "/v1beta1/projects/p1/locations/us-central1/publishers/google/models";
/// Where Vertex serves Gemini 3.x (Nano Banana, Omni).
const VERTEX_GLOBAL: &str = "/v1/projects/p1/locations/global/publishers/google/models";

fn options() -> MockOptions {
    MockOptions {
        api_key: KEY.into(),
        ..Default::default()
    }
}

/// Default lists, plus a Veo preview on the Gemini API (to check the Gemini API's Veo rules).
fn with_gemini_veo() -> MockOptions {
    let mut o = options();
    o.gemini_models.push(MockModel::new(
        "veo-3.1-generate-preview",
        &["predictLongRunning"],
    ));
    o.gemini_models.push(MockModel::new(
        "veo-3.1-fast-generate-preview",
        &["generateContent"],
    ));
    o
}

struct Mock {
    mock: MockGoogle,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
    /// A Google error with this HTTP status and canonical status.
    fn error(&self, code: u16, status: &str) -> &Self {
        assert_eq!(self.status, code, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        assert_eq!(self.body["error"]["status"], status, "{}", self.body);
        assert!(self.body["error"]["details"].is_array(), "{}", self.body);
        self
    }
    /// An Interactions API error: this HTTP status, a string `code`, a message, and nothing of
    /// google.rpc.Status.
    fn interaction_error(&self, http: u16, code: &str) -> &Self {
        assert_eq!(self.status, http, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        assert!(self.body["error"]["message"].is_string(), "{}", self.body);
        assert!(self.body["error"].get("status").is_none(), "{}", self.body);
        assert!(self.body["error"].get("details").is_none(), "{}", self.body);
        self
    }
}

impl Mock {
    async fn start(options: MockOptions) -> Mock {
        Mock {
            mock: MockGoogle::start(0, options).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            headers,
            body,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.mock.base_url())
    }

    async fn gemini_get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path)).header("x-goog-api-key", KEY))
            .await
    }

    async fn gemini_post(&self, path: &str, body: &Value) -> Answer {
        let req = self.http.post(self.url(path)).header("x-goog-api-key", KEY);
        self.send(req.json(body)).await
    }

    async fn vertex_get(&self, path: &str) -> Answer {
        let req = self.http.get(self.url(path)).bearer_auth(ACCESS_TOKEN);
        self.send(req).await
    }

    async fn vertex_post(&self, path: &str, body: &Value) -> Answer {
        let req = self.http.post(self.url(path)).bearer_auth(ACCESS_TOKEN);
        self.send(req.json(body)).await
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 9, image::Rgb([40, 90, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 9, image::Rgb([200, 90, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn png_image() -> Value {
    json!({"bytesBase64Encoded": b64(&png()), "mimeType": "image/png"})
}

fn asset() -> Value {
    json!({"image": png_image(), "referenceType": "asset"})
}

/// A Veo request Vertex accepts: 4 s, 720p, 16:9, first frame, audio said.
fn veo_body(prompt: &str) -> Value {
    json!({
        "instances": [{"prompt": prompt, "image": png_image()}],
        "parameters": {"durationSeconds": 4, "resolution": "720p", "aspectRatio": "16:9",
                       "sampleCount": 1, "generateAudio": true}
    })
}

fn image_body(prompt: &str, image_config: Value) -> Value {
    json!({
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": image_config}
    })
}

fn ids_of(page: &Value, key: &str, prefix: &str) -> Vec<String> {
    page[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["name"]
                .as_str()
                .unwrap()
                .strip_prefix(prefix)
                .unwrap()
                .to_owned()
        })
        .collect()
}

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
    assert_eq!(pages, 4);
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
        json!(["generateContent", "countTokens"])
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

/// Applies `change` to a valid body's JSON.
fn changed(mut body: Value, change: impl FnOnce(&mut Value)) -> Value {
    change(&mut body);
    body
}

#[tokio::test]
async fn each_rule_is_refused_with_its_own_message() {
    let m = Mock::start(with_gemini_veo()).await;
    let veo_path = format!("{VERTEX}/veo-3.1-generate-001:predictLongRunning");
    let lite_path = format!("{VERTEX}/veo-3.1-lite-generate-001:predictLongRunning");
    let (veo, lite) = (veo_path.as_str(), lite_path.as_str());
    let gemini_veo = "/v1beta/models/veo-3.1-generate-preview:predictLongRunning";
    let base = veo_body("a rule");
    let gemini_base = changed(base.clone(), |b| {
        b["parameters"]
            .as_object_mut()
            .unwrap()
            .remove("generateAudio");
    });
    let refs = |n: usize| {
        changed(base.clone(), |b| {
            b["instances"][0].as_object_mut().unwrap().remove("image");
            b["instances"][0]["referenceImages"] = json!(vec![asset(); n]);
            b["parameters"]["durationSeconds"] = json!(8);
        })
    };
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        ("duration", veo, changed(base.clone(), |b| b["parameters"]["durationSeconds"] = json!(5)),
         "The requested duration 5s is not supported. Duration must be one of [4, 6, 8]."),
        ("whole seconds", veo, changed(base.clone(), |b| b["parameters"]["durationSeconds"] = json!(4.5)),
         "Invalid value at 'parameters.duration_seconds' (TYPE_INT32), 4.5"),
        ("resolution", lite, changed(base.clone(), |b| {
            b["parameters"]["resolution"] = json!("4k");
            b["parameters"]["durationSeconds"] = json!(8);
         }),
         "The requested resolution 4k is not supported by this model. Resolution must be one of [720p, 1080p]."),
        ("resolution needs 8 s", veo, changed(base.clone(), |b| b["parameters"]["resolution"] = json!("1080p")),
         "The requested resolution 1080p is only supported for 8s videos."),
        ("aspect ratio", veo, changed(base.clone(), |b| b["parameters"]["aspectRatio"] = json!("1:1")),
         "The requested aspect ratio 1:1 is not supported. Aspect ratio must be one of [16:9, 9:16]."),
        ("too many references", veo, refs(4),
         "At most 3 reference images are supported; got 4."),
        ("no references on lite", lite, refs(1),
         "Reference images are not supported by this model."),
        ("references need 8 s", veo, changed(refs(2), |b| b["parameters"]["durationSeconds"] = json!(6)),
         "Reference images are only supported for 8s videos."),
        ("reference type", veo, changed(refs(1), |b| b["instances"][0]["referenceImages"][0]["referenceType"] = json!("style")),
         "Unsupported referenceType \"style\" for instances[0].referenceImages[0]. Only \"asset\" is supported."),
        ("reference bytes", veo, changed(refs(1), |b| b["instances"][0]["referenceImages"][0]["image"] = json!({"mimeType": "image/png"})),
         "instances[0].referenceImages[0].image must carry the image bytes (bytesBase64Encoded)."),
        ("image and references", veo, changed(refs(1), |b| b["instances"][0]["image"] = png_image()),
         "image and referenceImages cannot be used together."),
        ("mime type", veo, changed(base.clone(), |b| b["instances"][0]["image"] = json!({"bytesBase64Encoded": b64(&jpeg()), "mimeType": "image/png"})),
         "The mimeType \"image/png\" of instances[0].image does not match its bytes, which are image/jpeg."),
        ("unreadable image", veo, changed(base.clone(), |b| b["instances"][0]["image"] = json!({"bytesBase64Encoded": b64(b"GIF89a...."), "mimeType": "image/gif"})),
         "Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"),
        ("audio on vertex is a bool", veo, changed(base.clone(), |b| b["parameters"]["generateAudio"] = json!("yes")),
         "Invalid value at 'parameters.generate_audio' (TYPE_BOOL), \"yes\""),
        ("person generation value", veo, changed(base.clone(), |b| b["parameters"]["personGeneration"] = json!("allow_everyone")),
         "Unsupported personGeneration \"allow_everyone\". Allowed values are dont_allow, allow_adult and allow_all."),
        ("allow_adult from an image on the Gemini API", gemini_veo, changed(gemini_base.clone(), |b| b["parameters"]["personGeneration"] = json!("allow_adult")),
         "allow_adult for personGeneration is currently not supported."),
        ("vertex-only parameter", gemini_veo, base.clone(),
         "Invalid JSON payload received. Unknown name \"generateAudio\" at 'parameters': Cannot find field."),
        ("vertex-only seed", gemini_veo, changed(gemini_base.clone(), |b| b["parameters"]["seed"] = json!(7)),
         "Invalid JSON payload received. Unknown name \"seed\" at 'parameters': Cannot find field."),
    ];
    let mut seen = std::collections::HashSet::new();
    for (name, path, body, message) in &cases {
        let a = if path.starts_with("/v1beta/") {
            m.gemini_post(path, body).await
        } else {
            m.vertex_post(path, body).await
        };
        a.error(400, "INVALID_ARGUMENT");
        assert_eq!(a.message(), *message, "{name}");
        assert!(
            seen.insert(a.message().to_owned()),
            "{name}: message not distinct"
        );
    }
    // The unknown-field refusal carries Google's BadRequest detail.
    let a = m.gemini_post(gemini_veo, &base).await;
    let detail = &a.body["error"]["details"][0];
    assert_eq!(detail["@type"], "type.googleapis.com/google.rpc.BadRequest");
    assert_eq!(detail["fieldViolations"][0]["field"], "parameters");
    // The valid bodies pass: nothing was refused for the wrong reason.
    assert_eq!(m.vertex_post(veo, &base).await.status, 200);
    assert_eq!(m.vertex_post(veo, &refs(3)).await.status, 200);
    assert_eq!(m.gemini_post(gemini_veo, &gemini_base).await.status, 200);
    let a = m
        .gemini_post(
            gemini_veo,
            &changed(gemini_base.clone(), |b| {
                b["parameters"]["personGeneration"] = json!("allow_all")
            }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    // Only the accepted submissions count as paid.
    assert_eq!(m.mock.stats().video_submissions["a rule"], 4);

    // Images.
    let pro = "/v1beta/models/gemini-3-pro-image:generateContent";
    let flash = "/v1beta/models/gemini-3.1-flash-image:generateContent";
    let image_cases: Vec<(&str, Value, &str)> = vec![
        (pro, json!({"aspectRatio": "1:8"}),
         "imageConfig.aspectRatio \"1:8\" is not supported by this model. Supported aspect ratios are [1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9]."),
        (flash, json!({"aspectRatio": "7:3"}),
         "imageConfig.aspectRatio \"7:3\" is not supported by this model. Supported aspect ratios are [1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9, 1:4, 4:1, 1:8, 8:1]."),
        (pro, json!({"imageSize": "1k"}),
         "imageConfig.imageSize \"1k\" is not supported by this model. Supported image sizes are [1K, 2K, 4K]."),
        (pro, json!({"imageSize": "512"}),
         "imageConfig.imageSize \"512\" is not supported by this model. Supported image sizes are [1K, 2K, 4K]."),
        (flash, json!({"personGeneration": "ALLOW_ALL"}),
         "Invalid JSON payload received. Unknown name \"personGeneration\" at 'generation_config.image_config': Cannot find field."),
    ];
    for (path, config, message) in &image_cases {
        let a = m
            .gemini_post(path, &image_body("a face", config.clone()))
            .await;
        a.error(400, "INVALID_ARGUMENT");
        assert_eq!(a.message(), *message);
    }
    let ok = m
        .gemini_post(
            flash,
            &image_body("a face", json!({"aspectRatio": "1:8", "imageSize": "512"})),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let vertex_people = m
        .vertex_post(
            &format!("{VERTEX_GLOBAL}/gemini-3-pro-image:generateContent"),
            &image_body(
                "a face",
                json!({"personGeneration": "ALLOW_ADULT", "imageSize": "4K"}),
            ),
        )
        .await;
    assert_eq!(vertex_people.status, 200, "{}", vertex_people.body);
}

#[tokio::test]
async fn pro_images_come_as_jpeg_after_thoughts() {
    let m = Mock::start(options()).await;
    let a = m
        .gemini_post(
            "/v1beta/models/gemini-3-pro-image:generateContent",
            &image_body("a pilot, front view", json!({"aspectRatio": "16:9"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let parts = a.body["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap();
    let last = parts.last().unwrap();
    assert_eq!(last["inlineData"]["mimeType"], "image/jpeg");
    assert!(last.get("thought").is_none());
    assert!(last["thoughtSignature"].is_string());
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(last["inlineData"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF]);
    assert!(parts
        .iter()
        .any(|p| p["thought"] == true && p["inlineData"].is_object()));
    assert!(parts
        .iter()
        .any(|p| p["thought"] == true && p["text"].is_string()));
    let usage = &a.body["usageMetadata"];
    assert_eq!(
        usage["candidatesTokensDetails"],
        json!([{"modality": "IMAGE", "tokenCount": 1120}])
    );
    assert_eq!(a.body["modelVersion"], "gemini-3-pro-image");
}

#[tokio::test]
async fn a_429_is_googles_body_without_a_retry_after_header() {
    let m = Mock::start(options()).await;
    let path = "/v1beta/models/gemini-3.1-flash-image:generateContent";
    let prompt = "a pilot [mock:429]";
    let first = m.gemini_post(path, &image_body(prompt, json!({}))).await;
    first.error(429, "RESOURCE_EXHAUSTED");
    assert!(first.headers.get("retry-after").is_none());
    assert!(first
        .message()
        .starts_with("You exceeded your current quota"));
    assert!(
        first.message().ends_with("Please retry in 1.5s."),
        "{}",
        first.message()
    );
    let details = first.body["error"]["details"].as_array().unwrap();
    let types: Vec<&str> = details
        .iter()
        .map(|d| d["@type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "type.googleapis.com/google.rpc.QuotaFailure",
            "type.googleapis.com/google.rpc.Help",
            "type.googleapis.com/google.rpc.RetryInfo"
        ]
    );
    let v = &details[0]["violations"][0];
    assert_eq!(
        v["quotaMetric"],
        "generativelanguage.googleapis.com/generate_requests_per_model"
    );
    assert_eq!(v["quotaId"], "GenerateRequestsPerMinutePerProjectPerModel");
    assert_eq!(
        v["quotaDimensions"],
        json!({"location": "global", "model": "gemini-3.1-flash-image"})
    );
    assert!(details[1]["links"][0]["url"].is_string());
    assert_eq!(details[2]["retryDelay"], "1.5s");
    // Too soon: still exhausted.
    let again = m.gemini_post(path, &image_body(prompt, json!({}))).await;
    again.error(429, "RESOURCE_EXHAUSTED");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let ok = m.gemini_post(path, &image_body(prompt, json!({}))).await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    // The log shows when each came and what it got.
    let log: Vec<_> = m
        .mock
        .stats()
        .requests
        .into_iter()
        .filter(|r| r.prompt.as_deref() == Some(prompt))
        .collect();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    assert!(log[2].at_ms - log[0].at_ms >= 1500, "{log:?}");
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].path, path);
    assert_eq!(log[0].model.as_deref(), Some("gemini-3.1-flash-image"));

    let a = m
        .gemini_post(path, &image_body("b [mock:429=2.25]", json!({})))
        .await;
    a.error(429, "RESOURCE_EXHAUSTED");
    assert_eq!(a.body["error"]["details"][2]["retryDelay"], "2.25s");

    for _ in 0..2 {
        let day = m
            .gemini_post(path, &image_body("c [mock:quota-day]", json!({})))
            .await;
        day.error(429, "RESOURCE_EXHAUSTED");
        let d = &day.body["error"]["details"];
        assert_eq!(
            d[0]["violations"][0]["quotaId"],
            "GenerateRequestsPerDayPerProjectPerModel"
        );
        assert!(d[2]["retryDelay"].is_string());
        let free = m
            .gemini_post(path, &image_body("d [mock:free-tier]", json!({})))
            .await;
        free.error(429, "RESOURCE_EXHAUSTED");
        assert!(free.message().contains("limit: 0"), "{}", free.message());
        assert_eq!(
            free.body["error"]["details"][0]["violations"][0]["quotaId"],
            "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
        );
        assert!(free.headers.get("retry-after").is_none());
    }
}

async fn vertex_submit(m: &Mock, model: &str, prompt: &str) -> String {
    let path = format!("{VERTEX}/{model}:predictLongRunning");
    let a = m.vertex_post(&path, &veo_body(prompt)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["name"].as_str().unwrap().to_owned()
}

/// Polls a Vertex operation until it is done.
async fn vertex_done(m: &Mock, model: &str, name: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let a = m
            .vertex_post(
                &format!("{VERTEX}/{model}:fetchPredictOperation"),
                &json!({"operationName": name}),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        if a.body["done"] == true {
            return a.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("operation {name} never finished");
}

async fn gemini_done(m: &Mock, name: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let a = m.gemini_get(&format!("/v1beta/{name}")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        if a.body["done"] == true {
            return a.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("operation {name} never finished");
}

#[tokio::test]
async fn operations_fail_once_fail_always_or_finish_in_each_back_ends_shape() {
    let m = Mock::start(with_gemini_veo()).await;
    let model = "veo-3.1-fast-generate-001";
    let once = "flies [mock:op-error-once]";
    let first = vertex_done(&m, model, &vertex_submit(&m, model, once).await).await;
    assert_eq!(first["error"]["code"], 13, "{first}");
    let second = vertex_done(&m, model, &vertex_submit(&m, model, once).await).await;
    assert!(second.get("error").is_none(), "{second}");
    let video = &second["response"]["videos"][0];
    assert_eq!(video["mimeType"], "video/mp4");
    let mp4 = base64::engine::general_purpose::STANDARD
        .decode(video["bytesBase64Encoded"].as_str().unwrap())
        .unwrap();
    assert_eq!(&mp4[4..8], b"ftyp");
    assert_eq!(m.mock.stats().video_submissions[once], 2);

    let always = vertex_done(
        &m,
        model,
        &vertex_submit(&m, model, "x [mock:op-error]").await,
    )
    .await;
    assert_eq!(always["error"]["code"], 13);
    let invalid = vertex_done(
        &m,
        model,
        &vertex_submit(&m, model, "x [mock:op-invalid]").await,
    )
    .await;
    assert_eq!(invalid["error"]["code"], 3);
    let empty = vertex_done(
        &m,
        model,
        &vertex_submit(&m, model, "x [mock:no-video]").await,
    )
    .await;
    assert_eq!(empty["response"], json!({}));
    let gcs = vertex_done(
        &m,
        model,
        &vertex_submit(&m, model, "x [mock:gcs-key]").await,
    )
    .await;
    let uri = gcs["response"]["videos"][0]["videoGcsUri"]
        .as_str()
        .unwrap();
    let object = uri.strip_prefix("gs://mock-bucket/").unwrap();
    let got = m
        .http
        .get(m.url(&format!("/storage/v1/b/mock-bucket/o/{object}?alt=media")))
        .bearer_auth(ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(&got.bytes().await.unwrap()[4..8], b"ftyp");

    // The Gemini API: `encoding`, not `mimeType`; a file URI, or inline with [mock:inline].
    let gpath = "/v1beta/models/veo-3.1-generate-preview:predictLongRunning";
    let gbody = |p: &str| {
        changed(veo_body(p), |b| {
            b["parameters"]
                .as_object_mut()
                .unwrap()
                .remove("generateAudio");
        })
    };
    let name = m.gemini_post(gpath, &gbody("walks")).await.body["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(name.starts_with("models/veo-3.1-generate-preview/operations/"));
    let done = gemini_done(&m, &name).await;
    let v = &done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"];
    assert_eq!(v["encoding"], "video/mp4", "{done}");
    assert!(v.get("mimeType").is_none());
    let uri = v["uri"].as_str().unwrap();
    assert!(uri.contains("/v1beta/files/") && uri.ends_with(":download?alt=media"));
    let file = m
        .http
        .get(uri)
        .header("x-goog-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    let name = m
        .gemini_post(gpath, &gbody("runs [mock:inline]"))
        .await
        .body["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = gemini_done(&m, &name).await;
    let v = &done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"];
    assert!(
        v["encodedVideo"].is_string() && v.get("uri").is_none(),
        "{done}"
    );
    assert_eq!(v["encoding"], "video/mp4");

    // Polls are logged with the operation's prompt; no query strings in paths.
    let stats = m.mock.stats();
    assert!(stats.downloads >= 2);
    assert!(stats
        .requests
        .iter()
        .any(|r| r.path.ends_with(":fetchPredictOperation") && r.prompt.as_deref() == Some(once)));
    assert!(stats.requests.iter().all(|r| !r.path.contains('?')));
    assert!(stats.requests.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
}

#[tokio::test]
async fn interactions_speak_snake_case_on_both_back_ends() {
    let m = Mock::start(options()).await;
    let omni = |prompt: &str, format: Value| {
        json!({
            "model": "gemini-omni-1.2-flash",
            "input": [{"type": "user_input", "content": [
                {"type": "image", "data": b64(&png()), "mime_type": "image/png"},
                {"type": "text", "text": prompt}
            ]}],
            "response_format": format,
            "generation_config": {"video_config": {"task": "image_to_video"}},
            "background": true,
            "store": true
        })
    };
    let format = json!({"type": "video", "aspect_ratio": "9:16", "resolution": "720p",
                        "duration": "5s", "delivery": "inline"});
    let created = m
        .gemini_post(
            "/v1beta/interactions",
            &omni("dances [mock:polls=2]", format.clone()),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["status"], "in_progress");
    assert_eq!(created.body["object"], "interaction");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let mut done = Value::Null;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let a = m
            .gemini_get(&format!("/v1beta/interactions/{id}?stream=false"))
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        if a.body["status"] != "in_progress" {
            done = a.body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "completed", "{done}");
    let steps = done["steps"].as_array().unwrap();
    let output = steps.iter().rfind(|s| s["type"] == "model_output").unwrap();
    let video = output["content"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["type"] == "video")
        .unwrap();
    assert_eq!(video["mime_type"], "video/mp4");
    let mp4 = base64::engine::general_purpose::STANDARD
        .decode(video["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(&mp4[4..8], b"ftyp");
    assert_eq!(m.mock.stats().video_submissions["dances [mock:polls=2]"], 1);

    // Vertex, synchronous, delivered to Cloud Storage.
    let vertex = "/v1beta1/projects/p1/locations/global/interactions";
    let body = changed(
        omni(
            "jumps",
            json!([{"type": "video", "delivery": "uri", "gcs_uri": "gs://out/dir/",
                               "aspect_ratio": "16:9", "duration": "4s"}]),
        ),
        |b| b["background"] = json!(false),
    );
    let a = m.vertex_post(vertex, &body).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "completed");
    let uri = a.body["steps"][2]["content"][0]["uri"].as_str().unwrap();
    assert!(uri.starts_with("gs://out/dir/"), "{uri}");
    let got = m
        .vertex_get(&format!("{vertex}/{}", a.body["id"].as_str().unwrap()))
        .await;
    assert_eq!(got.body["status"], "completed");
    // Not fetchable from the other back end.
    m.gemini_get(&format!(
        "/v1beta/interactions/{}",
        a.body["id"].as_str().unwrap()
    ))
    .await
    .interaction_error(404, "not_found");

    // Refusals.
    let cases: Vec<(Value, &str)> = vec![
        (changed(omni("x", format.clone()), |b| {
            let f = b.as_object_mut().unwrap().remove("response_format").unwrap();
            b["responseFormat"] = f;
         }), "Invalid JSON payload received. Unknown name \"responseFormat\": Cannot find field."),
        (omni("x", json!({"type": "video", "aspectRatio": "16:9"})),
         "Invalid JSON payload received. Unknown name \"aspectRatio\" at 'response_format': Cannot find field."),
        (omni("x", json!({"type": "video", "duration": "16s"})),
         "The requested duration 16s is not supported. Duration must be one of [3s, 4s, 5s, 6s, 7s, 8s, 9s, 10s, 11s, 12s, 13s, 14s, 15s]."),
        (omni("x", json!({"type": "video", "duration": 8})),
         "Invalid value at 'response_format.duration' (TYPE_STRING), 8"),
        (omni("x", json!({"type": "video", "resolution": "8k"})),
         "The requested resolution 8k is not supported by this model. Resolution must be one of [360p, 720p, 1080p, 4k]."),
        (omni("x", json!({"type": "video", "aspect_ratio": "1:1"})),
         "The requested aspect ratio 1:1 is not supported. Aspect ratio must be one of [16:9, 9:16]."),
        (changed(omni("x", format.clone()), |b| {
            let img = json!({"type": "image", "data": b64(&png()), "mime_type": "image/png"});
            let mut content = vec![img; 15];
            content.push(json!({"type": "text", "text": "x"}));
            b["input"][0]["content"] = json!(content);
            b["generation_config"]["video_config"]["task"] = json!("reference_to_video");
         }), "At most 14 reference images are supported; got 15."),
        (changed(omni("x", format.clone()), |b| {
            let img = json!({"type": "image", "data": b64(&png()), "mime_type": "image/png"});
            b["input"][0]["content"] = json!([img.clone(), img.clone(), img, {"type": "text", "text": "x"}]);
         }), "The image_to_video task takes one or two input images (a first frame, and optionally a last frame); got 3."),
        (changed(omni("x", format.clone()), |b| b["input"][0]["content"][0]["mime_type"] = json!("image/jpeg")),
         "The mime_type \"image/jpeg\" of input.content[0] does not match its bytes, which are image/png."),
        (changed(omni("x", format.clone()), |b| b["store"] = json!(false)),
         "background interactions must be stored: store cannot be false when background is true."),
    ];
    for (body, message) in &cases {
        let a = m.gemini_post("/v1beta/interactions", body).await;
        a.interaction_error(400, "invalid_argument");
        assert_eq!(a.message(), *message);
    }

    // A failed interaction.
    let a = m
        .gemini_post(
            "/v1beta/interactions",
            &changed(omni("falls [mock:op-error]", format.clone()), |b| {
                b["background"] = json!(false)
            }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "failed");
    assert!(a.body["errors"][0]["message"].is_string());
    assert_eq!(a.body["steps"][1]["error"]["code"], 13);
    // A 429 in the Interactions shape says its wait in Retry-After (the SDK's Interactions
    // client honours it).
    let throttled = m
        .gemini_post("/v1beta/interactions", &omni("waits [mock:429]", format))
        .await;
    throttled.interaction_error(429, "resource_exhausted");
    assert_eq!(throttled.headers["retry-after"], "2");
}

/// Polls a Gemini API interaction until it ends. The mock makes a real clip with ffmpeg (a
/// 1080p one takes seconds, more on a loaded 2-core machine): bounded at a minute.
async fn gemini_interaction_done(m: &Mock, id: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let a = m
            .gemini_get(&format!("/v1beta/interactions/{id}?stream=false"))
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        if a.body["status"] != "in_progress" {
            return a.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("interaction {id} never ended");
}

fn omni_text(prompt: &str, format: Value) -> Value {
    json!({
        "model": "gemini-omni-1.2-flash",
        "input": prompt,
        "response_format": format,
        "generation_config": {"video_config": {"task": "text_to_video"}},
        "background": true
    })
}

/// Omni as served: a clip over the ~4 MB inline cap fails unless asked by URI; by URI on the
/// Gemini API it is a file that is PROCESSING first (its download refused until ACTIVE); two
/// images make a first-and-last-frame clip; 15 s is the longest.
#[tokio::test]
async fn omni_caps_inline_delivery_and_files_are_processing_first() {
    let m = Mock::start(options()).await;
    let big =
        json!({"type": "video", "resolution": "1080p", "duration": "8s", "delivery": "inline"});
    let a = m
        .gemini_post("/v1beta/interactions", &omni_text("too big", big))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let done = gemini_interaction_done(&m, a.body["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["errors"][0]["code"], "invalid_request", "{done}");
    assert!(done["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("inline delivery"));

    let by_uri =
        json!({"type": "video", "resolution": "1080p", "duration": "15s", "delivery": "uri"});
    let a = m
        .gemini_post(
            "/v1beta/interactions",
            &omni_text("by uri [mock:file-processing=2]", by_uri),
        )
        .await;
    let done = gemini_interaction_done(&m, a.body["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    let video = &done["steps"][2]["content"][0];
    assert!(video.get("data").is_none(), "{video}");
    let uri = video["uri"].as_str().unwrap();
    let path = uri.strip_prefix(&m.mock.base_url()).unwrap().to_owned();
    assert!(
        path.starts_with("/v1beta/files/") && !path.contains(':'),
        "{uri}"
    );
    m.gemini_get(&format!("{path}:download?alt=media"))
        .await
        .error(400, "FAILED_PRECONDITION");
    for expected in ["PROCESSING", "PROCESSING", "ACTIVE"] {
        let file = m.gemini_get(&path).await;
        assert_eq!(file.body["state"], expected, "{}", file.body);
    }
    let bytes = m.gemini_get(&format!("{path}:download?alt=media")).await;
    assert_eq!(bytes.status, 200);

    // First and last frame: two images; small clips inline.
    let img = json!({"type": "image", "data": b64(&png()), "mime_type": "image/png"});
    let two = json!({
        "model": "gemini-omni-1.2-flash",
        "input": [{"type": "user_input", "content": [img.clone(), img, {"type": "text", "text": "morphs"}]}],
        "response_format": {"type": "video", "resolution": "720p", "duration": "4s", "delivery": "inline"},
        "generation_config": {"video_config": {"task": "image_to_video"}},
        "background": true
    });
    let a = m.gemini_post("/v1beta/interactions", &two).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let done = gemini_interaction_done(&m, a.body["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(done["steps"][2]["content"][0]["data"].is_string());

    // Omni 1.1 keeps its own limits: one image, 10 s.
    let mut older = two.clone();
    older["model"] = json!("gemini-omni-1.1-flash");
    m.gemini_post("/v1beta/interactions", &older)
        .await
        .interaction_error(400, "invalid_argument");
}

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
    let path = m.url(&format!(
        "{VERTEX_GLOBAL}/gemini-3.1-flash-image:generateContent"
    ));
    let body = image_body("a face", json!({"imageSize": "1K"}));
    let refused = m
        .send(
            m.http
                .post(&path)
                .bearer_auth(USER_ACCESS_TOKEN)
                .json(&body),
        )
        .await;
    refused.error(403, "PERMISSION_DENIED");
    assert!(refused.message().contains("requires a quota project"));
    let ok = m
        .send(
            m.http
                .post(&path)
                .bearer_auth(USER_ACCESS_TOKEN)
                .header("x-goog-user-project", "p1")
                .json(&body),
        )
        .await;
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
