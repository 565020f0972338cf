//! Scripted faults: Google's 429s, and operations that fail once, fail always or finish in
//! each back end's shape.

use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use studio_mock_google::ACCESS_TOKEN;

use crate::common::*;

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
