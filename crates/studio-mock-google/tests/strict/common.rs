//! What the areas' tests share: a mock and a client of it, its answers, and valid request
//! bodies to change one field of.

use base64::Engine;
use serde_json::{json, Value};
use studio_mock_google::{MockGoogle, MockModel, MockOptions, ACCESS_TOKEN, USER_ACCESS_TOKEN};

pub const KEY: &str = "strict-test-key";
pub const VERTEX: &str = "/v1/projects/p1/locations/us-central1/publishers/google/models";
pub const VERTEX_BETA: &str = "/v1beta1/projects/p1/locations/us-central1/publishers/google/models";
/// Where Vertex serves Gemini 3.x (Nano Banana, Omni).
pub const VERTEX_GLOBAL: &str = "/v1/projects/p1/locations/global/publishers/google/models";

pub fn options() -> MockOptions {
    MockOptions {
        api_key: KEY.into(),
        ..Default::default()
    }
}

/// Default lists, plus a Veo preview on the Gemini API (to check the Gemini API's Veo rules).
pub fn with_gemini_veo() -> MockOptions {
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

pub struct Mock {
    pub mock: MockGoogle,
    pub http: reqwest::Client,
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
    /// A Google error with this HTTP status and canonical status.
    pub fn error(&self, code: u16, status: &str) -> &Self {
        assert_eq!(self.status, code, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        assert_eq!(self.body["error"]["status"], status, "{}", self.body);
        assert!(self.body["error"]["details"].is_array(), "{}", self.body);
        self
    }
    /// An Interactions API error: this HTTP status, a string `code`, a message, and nothing of
    /// google.rpc.Status.
    pub fn interaction_error(&self, http: u16, code: &str) -> &Self {
        assert_eq!(self.status, http, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        assert!(self.body["error"]["message"].is_string(), "{}", self.body);
        assert!(self.body["error"].get("status").is_none(), "{}", self.body);
        assert!(self.body["error"].get("details").is_none(), "{}", self.body);
        self
    }
}

impl Mock {
    pub async fn start(options: MockOptions) -> Mock {
        Mock {
            mock: MockGoogle::start(0, options).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.mock.base_url())
    }

    pub async fn gemini_get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path)).header("x-goog-api-key", KEY))
            .await
    }

    pub async fn gemini_post(&self, path: &str, body: &Value) -> Answer {
        let req = self.http.post(self.url(path)).header("x-goog-api-key", KEY);
        self.send(req.json(body)).await
    }

    pub async fn vertex_get(&self, path: &str) -> Answer {
        let req = self.http.get(self.url(path)).bearer_auth(ACCESS_TOKEN);
        self.send(req).await
    }

    pub async fn vertex_post(&self, path: &str, body: &Value) -> Answer {
        let req = self.http.post(self.url(path)).bearer_auth(ACCESS_TOKEN);
        self.send(req.json(body)).await
    }

    /// A Vertex POST with user credentials' token, with `quota_project` as
    /// `x-goog-user-project` when given.
    pub async fn vertex_user_post(
        &self,
        path: &str,
        body: &Value,
        quota_project: Option<&str>,
    ) -> Answer {
        let mut req = self
            .http
            .post(self.url(path))
            .bearer_auth(USER_ACCESS_TOKEN);
        if let Some(p) = quota_project {
            req = req.header("x-goog-user-project", p);
        }
        self.send(req.json(body)).await
    }
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 9, image::Rgb([40, 90, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 9, image::Rgb([200, 90, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

pub fn png_image() -> Value {
    json!({"bytesBase64Encoded": b64(&png()), "mimeType": "image/png"})
}

pub fn asset() -> Value {
    json!({"image": png_image(), "referenceType": "asset"})
}

/// A Veo request Vertex accepts: 4 s, 720p, 16:9, first frame, audio said.
pub fn veo_body(prompt: &str) -> Value {
    json!({
        "instances": [{"prompt": prompt, "image": png_image()}],
        "parameters": {"durationSeconds": 4, "resolution": "720p", "aspectRatio": "16:9",
                       "sampleCount": 1, "generateAudio": true}
    })
}

pub fn image_body(prompt: &str, image_config: Value) -> Value {
    json!({
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": image_config}
    })
}

pub fn ids_of(page: &Value, key: &str, prefix: &str) -> Vec<String> {
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

/// Applies `change` to a valid body's JSON.
pub fn changed(mut body: Value, change: impl FnOnce(&mut Value)) -> Value {
    change(&mut body);
    body
}

pub fn omni_text(prompt: &str, format: Value) -> Value {
    json!({
        "model": "gemini-omni-1.2-flash",
        "input": prompt,
        "response_format": format,
        "generation_config": {"video_config": {"task": "text_to_video"}},
        "background": true
    })
}
