//! The Interactions API (Gemini Omni): snake_case on both back ends, its refusals in its own
//! error shape, the inline cap and files that are processing first.

use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use crate::common::*;

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

    // Omni 1.1 keeps its own limits: 10 s (it takes a first and a last frame too: media
    // Part B §2 names it).
    let mut older = two.clone();
    older["model"] = json!("gemini-omni-1.1-flash");
    older["response_format"]["duration"] = json!("12s");
    m.gemini_post("/v1beta/interactions", &older)
        .await
        .interaction_error(400, "invalid_argument");
}
