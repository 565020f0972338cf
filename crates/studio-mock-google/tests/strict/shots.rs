//! Extension and last frames (media Part B §1-§3), as strict as Google: each refusal is the
//! 400 of its own rule and nothing is submitted; the documented shapes are accepted and
//! answered with the whole extended clip (input and continuation), or a clip that ends on
//! its last frame. Models are taken from the mock's own lists by their family in the table.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::Catalog;
use studio_mock_google::{MockModel, MockOptions};

use crate::common::*;

/// The mock's Vertex model of `family` (the table's family id).
fn vertex_model(family: &str) -> String {
    let c = Catalog::builtin();
    MockOptions::default_vertex_models()
        .into_iter()
        .find(|m| c.family_of(m).is_some_and(|f| f.id == family))
        .unwrap_or_else(|| panic!("no {family} model on the mock's Vertex list"))
}

/// The mock's Gemini API model of `family`.
fn gemini_model(family: &str) -> String {
    let c = Catalog::builtin();
    MockOptions::default_gemini_models()
        .into_iter()
        .map(|m| m.id)
        .find(|m| c.family_of(m).is_some_and(|f| f.id == family))
        .unwrap_or_else(|| panic!("no {family} model on the mock's Gemini API list"))
}

/// An H.264 MP4 of `seconds` (ffmpeg's test pattern, small and quick).
async fn mp4(dir: &Path, seconds: f64) -> Vec<u8> {
    let out = dir.join(format!("in-{seconds}.mp4"));
    let status = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=size=320x180:rate=24:duration={seconds}"))
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&out)
        .status()
        .await
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// The seconds an MP4 lasts (ffprobe).
async fn seconds_of(dir: &Path, bytes: &[u8]) -> f64 {
    let path = dir.join(format!("probe-{}.mp4", bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    let info = studio_media::Ffmpeg::from_env().probe(&path).await.unwrap();
    info.duration
}

fn extension(prompt: &str, video: &[u8], seconds: u32) -> Value {
    json!({
        "instances": [{"prompt": prompt,
                       "video": {"bytesBase64Encoded": b64(video), "mimeType": "video/mp4"}}],
        "parameters": {"durationSeconds": seconds, "sampleCount": 1, "generateAudio": true}
    })
}

/// Polls a Vertex operation until done; returns its first video's bytes.
async fn vertex_video(m: &Mock, model: &str, name: &str) -> Vec<u8> {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        let a = m
            .vertex_post(
                &format!("{VERTEX}/{model}:fetchPredictOperation"),
                &json!({"operationName": name}),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        if a.body["done"] == true {
            let data = a.body["response"]["videos"][0]["bytesBase64Encoded"]
                .as_str()
                .unwrap_or_else(|| panic!("{}", a.body));
            return base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("operation {name} never ended");
}

#[tokio::test]
async fn veo_extension_and_last_frames_are_refused_and_accepted_as_google_does() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mock::start(options()).await;
    let (veo, lite) = (vertex_model("veo"), vertex_model("veo-lite"));
    let path = |model: &str| format!("{VERTEX}/{model}:predictLongRunning");
    let input = mp4(dir.path(), 4.0).await;
    let ok = extension("she opens the door", &input, 7);

    let cases: Vec<(&str, Value, &str)> = vec![
        (
            &veo,
            changed(ok.clone(), |b| b["instances"][0]["image"] = png_image()),
            "video and image cannot be used together",
        ),
        (
            &veo,
            changed(ok.clone(), |b| {
                b["instances"][0]["referenceImages"] = json!([asset()])
            }),
            "referenceImages cannot be used together with video or lastFrame.",
        ),
        (
            &veo,
            changed(veo_body("ends"), |b| {
                let i = &mut b["instances"][0];
                i["lastFrame"] = png_image();
                i.as_object_mut().unwrap().remove("image");
            }),
            "lastFrame requires image (the first frame).",
        ),
        (
            &veo,
            changed(veo_body("ends"), |b| {
                let i = &mut b["instances"][0];
                i["lastFrame"] = png_image();
                i["referenceImages"] = json!([asset()]);
                i.as_object_mut().unwrap().remove("image");
                b["parameters"]["durationSeconds"] = json!(8);
            }),
            "referenceImages cannot be used together with video or lastFrame.",
        ),
        (
            &veo,
            changed(ok.clone(), |b| b["parameters"]["durationSeconds"] = json!(8)),
            "Unsupported output video duration 8 seconds, supported durations are [7] for feature video_extension.",
        ),
        (
            &veo,
            changed(ok.clone(), |b| b["parameters"]["resolution"] = json!("1080p")),
            "Unsupported output video resolution 1080p, supported resolutions are [720p] for feature video_extension.",
        ),
        (
            // A 16:9 clip said to be 9:16 (an absent aspectRatio means 16:9: js-genai#1176).
            &veo,
            changed(ok.clone(), |b| b["parameters"]["aspectRatio"] = json!("9:16")),
            "Aspect ratio of the input video must be 9:16, but got: 16:9",
        ),
        (
            &veo,
            changed(ok.clone(), |b| {
                b["instances"][0]["video"]["bytesBase64Encoded"] = json!(b64(&png()))
            }),
            "Unsupported input video: the video must be an MP4 (video/mp4) for video extension.",
        ),
        (
            &veo,
            changed(ok.clone(), |b| {
                b["instances"][0]["video"]["mimeType"] = json!("video/quicktime")
            }),
            "Unsupported input video: the video must be an MP4 (video/mp4) for video extension.",
        ),
    ];
    for (model, body, message) in &cases {
        let a = m.vertex_post(&path(model), body).await;
        a.error(400, "INVALID_ARGUMENT");
        assert!(a.message().starts_with(message), "{model}: {}", a.message());
    }
    // Out of the input range (1-30 s), and past 37 s in all.
    let long = mp4(dir.path(), 31.0).await;
    let a = m
        .vertex_post(&path(&veo), &extension("too long", &long, 7))
        .await;
    a.error(400, "INVALID_ARGUMENT");
    assert!(
        a.message()
            .starts_with("The input video must be 1 to 30 seconds long for video extension"),
        "{}",
        a.message()
    );
    let short = mp4(dir.path(), 0.25).await;
    let a = m
        .vertex_post(&path(&veo), &extension("too short", &short, 7))
        .await;
    a.error(400, "INVALID_ARGUMENT");
    assert!(a.message().contains("1 to 30 seconds"), "{}", a.message());
    assert!(
        m.mock.stats().video_submissions.is_empty(),
        "nothing refused was submitted: {:?}",
        m.mock.stats().video_submissions
    );

    // Accepted: the notebook's shape answers the whole clip, 4 + 7 s; 720p and the input's
    // own aspect ratio may be said outright.
    let ok = changed(ok, |b| {
        b["parameters"]["resolution"] = json!("720p");
        b["parameters"]["aspectRatio"] = json!("16:9");
    });
    let a = m.vertex_post(&path(&veo), &ok).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let name = a.body["name"].as_str().unwrap().to_owned();
    let whole = vertex_video(&m, &veo, &name).await;
    let length = seconds_of(dir.path(), &whole).await;
    assert!((length - 11.0).abs() < 0.2, "{length}");
    // Veo Lite extends on Vertex too, by the same 7 s (Google's "Extend Veo videos" page).
    let a = m
        .vertex_post(&path(&lite), &extension("she closes the door", &input, 7))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let name = a.body["name"].as_str().unwrap().to_owned();
    let whole = vertex_video(&m, &lite, &name).await;
    let length = seconds_of(dir.path(), &whole).await;
    assert!((length - 11.0).abs() < 0.2, "{length}");
    // A first and a last frame (no references) are accepted too.
    let ends = changed(veo_body("ends on a frame"), |b| {
        b["instances"][0]["lastFrame"] = png_image()
    });
    let a = m.vertex_post(&path(&lite), &ends).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(m.mock.stats().video_submissions.len(), 3);
}

/// Google serves extension per back end: Veo Lite extends on Vertex, but not on the Gemini API
/// (its copy: "Lite cannot extend"), which refuses an extension on a model without one with
/// "encodedVideo isn't supported by this model." The same Lite model, listed on both.
#[tokio::test]
async fn veo_lite_extends_on_vertex_but_not_on_the_gemini_api() {
    let dir = tempfile::tempdir().unwrap();
    let lite = vertex_model("veo-lite");
    let mut o = options();
    o.gemini_models
        .push(MockModel::new(&lite, &["predictLongRunning"]));
    let m = Mock::start(o).await;
    let input = mp4(dir.path(), 4.0).await;
    // The Gemini API's shape (`encodedVideo`, no `generateAudio`), otherwise the accepted one.
    let gemini = json!({
        "instances": [{"prompt": "she closes the door",
                       "video": {"encodedVideo": b64(&input), "encoding": "video/mp4"}}],
        "parameters": {"durationSeconds": 7, "sampleCount": 1}
    });
    let a = m
        .gemini_post(
            &format!("/v1beta/models/{lite}:predictLongRunning"),
            &gemini,
        )
        .await;
    a.error(400, "INVALID_ARGUMENT");
    assert_eq!(a.message(), "encodedVideo isn't supported by this model.");
    assert!(m.mock.stats().video_submissions.is_empty());
    // The same request on Vertex is accepted.
    let a = m
        .vertex_post(
            &format!("{VERTEX}/{lite}:predictLongRunning"),
            &extension("she closes the door", &input, 7),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(m.mock.stats().video_submissions.len(), 1);
}

fn omni_extend(model: &str, prompt: &str, video: &[u8], seconds: &str) -> Value {
    json!({
        "model": model,
        "input": [{"type": "user_input", "content": [
            {"type": "video", "data": b64(video), "mime_type": "video/mp4"},
            {"type": "text", "text": prompt}
        ]}],
        "response_format": {"type": "video", "resolution": "720p",
                            "duration": seconds, "delivery": "inline"},
        "generation_config": {"video_config": {"task": "extend"}},
        "background": false,
        "store": true
    })
}

#[tokio::test]
async fn omni_extends_by_3_to_10_seconds_and_last_frames_need_first_frames() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mock::start(options()).await;
    let omni = gemini_model("omni");
    let input = mp4(dir.path(), 4.0).await;
    let ok = omni_extend(&omni, "the car drives on", &input, "4s");
    let img = json!({"type": "image", "data": b64(&png()), "mime_type": "image/png"});
    let tagged = |text: &str, images: usize| {
        let mut content = vec![img.clone(); images];
        content.push(json!({"type": "text", "text": text}));
        json!({
            "model": omni,
            "input": [{"type": "user_input", "content": content}],
            "response_format": {"type": "video", "resolution": "720p", "duration": "4s"},
            "generation_config": {"video_config": {"task": "image_to_video"}},
            "background": false
        })
    };
    let cases = [
        (
            changed(ok.clone(), |b| {
                b["response_format"]["duration"] = json!("11s")
            }),
            "The value '11s' is not supported for 'response_format.duration' in an extend task.",
        ),
        (
            changed(ok.clone(), |b| {
                b["response_format"]["aspect_ratio"] = json!("16:9")
            }),
            "Aspect ratio cannot be set in response format for extend task.",
        ),
        (
            changed(ok.clone(), |b| {
                b["input"][0]["content"].as_array_mut().unwrap().remove(0);
            }),
            "Exactly one input video is required for extend task.",
        ),
        (
            changed(ok.clone(), |b| {
                b["input"][0]["content"][0]["mime_type"] = json!("video/webm")
            }),
            "Unsupported input video",
        ),
        (
            changed(ok.clone(), |b| {
                b["input"][0]["content"]
                    .as_array_mut()
                    .unwrap()
                    .insert(0, img.clone())
            }),
            "The extend task takes no input images.",
        ),
        (
            changed(ok.clone(), |b| {
                b["generation_config"]["video_config"]["task"] = json!("image_to_video")
            }),
            "The image_to_video task takes no input video.",
        ),
        (
            tagged("<LAST_FRAME> the sun sets", 2),
            "<LAST_FRAME> must be used with <FIRST_FRAME>",
        ),
        (
            tagged("<FIRST_FRAME> <LAST_FRAME> the sun sets", 1),
            "<FIRST_FRAME> <LAST_FRAME> take two input images",
        ),
    ];
    for (body, message) in &cases {
        let a = m.gemini_post("/v1beta/interactions", body).await;
        a.interaction_error(400, "invalid_argument");
        let got = a.body["error"]["message"].as_str().unwrap_or_default();
        assert!(got.starts_with(message), "{got}");
    }
    // 40 s in all: a 31 s clip takes at most 9 s more.
    let long = mp4(dir.path(), 31.0).await;
    let a = m
        .gemini_post(
            "/v1beta/interactions",
            &omni_extend(&omni, "on and on", &long, "10s"),
        )
        .await;
    a.interaction_error(400, "invalid_argument");
    let got = a.body["error"]["message"].as_str().unwrap_or_default();
    assert!(got.contains("at most 40 seconds"), "{got}");
    assert!(m.mock.stats().video_submissions.is_empty());

    // Accepted: the whole clip, 4 + 4 s; and a first and a last frame with their tags.
    let a = m.gemini_post("/v1beta/interactions", &ok).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "completed", "{}", a.body);
    let data = a.body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|s| s["type"] == "model_output")
        .and_then(|s| s["content"][0]["data"].as_str())
        .unwrap()
        .to_owned();
    let whole = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    let length = seconds_of(dir.path(), &whole).await;
    assert!((length - 8.0).abs() < 0.2, "{length}");
    let a = m
        .gemini_post(
            "/v1beta/interactions",
            &tagged("<FIRST_FRAME> <LAST_FRAME> the sun sets", 2),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(m.mock.stats().video_submissions.len(), 2);
}
