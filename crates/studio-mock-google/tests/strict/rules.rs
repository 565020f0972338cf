//! The rules of the model table, each refused with its own message, and the images a
//! thinking family answers with.

use base64::Engine;
use serde_json::{json, Value};

use crate::common::*;

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
