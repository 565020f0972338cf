//! `generateContent` (Nano Banana) on both back ends: the image config rules, and answers shaped
//! like today's models give them (JPEG with interim "thought" images for the pro and numbered
//! families, a `thoughtSignature` on the final image, `usageMetadata` with image tokens).

use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use studio_catalog::Family;
use studio_core::AspectRatio;
use studio_media::{Angle, ImageRequest, MediaProvider, TaskCtx};

use crate::faults::Faults;
use crate::routes::{common_faults, google_error, invalid, refuse_unknown, Shared, Site};
use crate::rules::{self, image_from};
use crate::State;

/// The fields of a `generateContent` request (any model).
pub(crate) const TOP: &[&str] = &[
    "contents",
    "generationConfig",
    "safetySettings",
    "systemInstruction",
    "tools",
    "toolConfig",
    "cachedContent",
];
/// The fields of its `generationConfig` (Google's GenerationConfig, any model).
pub(crate) const GENERATION_CONFIG: &[&str] = &[
    "responseModalities",
    "imageConfig",
    "thinkingConfig",
    "temperature",
    "topP",
    "topK",
    "candidateCount",
    "maxOutputTokens",
    "seed",
    "stopSequences",
    "responseMimeType",
    "responseSchema",
    "responseJsonSchema",
    "presencePenalty",
    "frequencyPenalty",
    "responseLogprobs",
    "logprobs",
    "mediaResolution",
];
/// Image tokens of one 1K image.
const IMAGE_TOKENS: u32 = 1120;

/// A checked request.
struct Ask {
    prompt: String,
    aspect: AspectRatio,
    wants_image: bool,
}

/// Every rule of the request's fields, of the back end and (for an image model) of its family,
/// as Google's 400.
fn check(site: &Site, family: Option<&Family>, body: &Value) -> Result<Ask, Response> {
    refuse_unknown(body, TOP, "")?;
    let (prompt, images) = check_contents(site, &body["contents"])?;
    let config = &body["generationConfig"];
    refuse_unknown(config, GENERATION_CONFIG, "generation_config")?;
    crate::text::check_structured_output(config)?;
    let wants_image = wants_image(config)?;
    let image_config = &config["imageConfig"];
    let known: &[&str] = if site.is_gemini() {
        &["aspectRatio", "imageSize"]
    } else {
        &[
            "aspectRatio",
            "imageSize",
            "personGeneration",
            "prominentPeople",
            "imageOutputOptions",
        ]
    };
    refuse_unknown(image_config, known, "generation_config.image_config")?;
    let aspect = image_config["aspectRatio"].as_str();
    if let Some(family) = family {
        check_family_rules(family, image_config, images)?;
    }
    check_person_generation(image_config)?;
    Ok(Ask {
        prompt,
        aspect: aspect.and_then(|a| a.parse().ok()).unwrap_or_default(),
        wants_image,
    })
}

/// The prompt (the first text part) and the number of input images of `contents`.
pub(crate) fn check_contents(site: &Site, contents: &Value) -> Result<(String, usize), Response> {
    let contents = contents.as_array().cloned().unwrap_or_default();
    if contents.is_empty() {
        return Err(invalid(
            "* GenerateContentRequest.contents: contents is not specified\n",
        ));
    }
    let mut prompt = None;
    let mut images = 0usize;
    for (c, content) in contents.iter().enumerate() {
        refuse_unknown(content, &["role", "parts"], &format!("contents[{c}]"))?;
        let parts = content["parts"].as_array().cloned().unwrap_or_default();
        for (p, part) in parts.iter().enumerate() {
            let at = format!("contents[{c}].parts[{p}]");
            images += check_part(site, part, &at, &mut prompt)?;
        }
    }
    let Some(prompt) = prompt else {
        return Err(invalid("contents must include a text prompt."));
    };
    Ok((prompt, images))
}

/// One part's fields; its text becomes the prompt if none was found before; returns the images
/// it carries (inline data, decoded and checked, or on Vertex a `fileData`).
fn check_part(
    site: &Site,
    part: &Value,
    at: &str,
    prompt: &mut Option<String>,
) -> Result<usize, Response> {
    let mut known = vec!["text", "inlineData", "thought", "thoughtSignature"];
    if !site.is_gemini() {
        known.push("fileData");
    }
    refuse_unknown(part, &known, at)?;
    if let Some(t) = part["text"].as_str() {
        prompt.get_or_insert_with(|| t.to_owned());
    }
    let mut images = 0;
    if let Some(inline) = part.get("inlineData") {
        let at = format!("{at}.inlineData");
        refuse_unknown(inline, &["mimeType", "data"], &at)?;
        let Some(data) = inline["data"].as_str() else {
            return Err(invalid(format!("{at}.data is required.")));
        };
        image_from(data, inline["mimeType"].as_str(), &at, "data", "mimeType")?;
        images += 1;
    }
    if part.get("fileData").is_some() {
        images += 1;
    }
    Ok(images)
}

/// Whether the answer may hold an image: `responseModalities` absent, or listing `IMAGE`.
fn wants_image(config: &Value) -> Result<bool, Response> {
    match config.get("responseModalities") {
        None | Some(Value::Null) => Ok(true),
        Some(Value::Array(m)) => Ok(m.iter().any(|x| x.as_str() == Some("IMAGE"))),
        Some(other) => Err(invalid(format!(
            "Invalid value at 'generation_config.response_modalities', {other}"
        ))),
    }
}

/// The image model's family rules: its aspect ratios, its image sizes, and how many input
/// images it takes.
fn check_family_rules(
    family: &Family,
    image_config: &Value,
    images: usize,
) -> Result<(), Response> {
    if let Some(a) = image_config["aspectRatio"].as_str() {
        let ratios = rules::image_aspect_ratios(family);
        if !ratios.iter().any(|r| r == a) {
            return Err(invalid(format!(
                "imageConfig.aspectRatio \"{a}\" is not supported by this model. Supported \
                 aspect ratios are {}.",
                rules::list(&ratios)
            )));
        }
    }
    if let Some(size) = image_config.get("imageSize").filter(|v| !v.is_null()) {
        let ok = size
            .as_str()
            .is_some_and(|s| family.image_sizes.iter().any(|x| x == s));
        if !ok {
            return Err(invalid(format!(
                "imageConfig.imageSize {size} is not supported by this model. Supported \
                 image sizes are {}.",
                rules::list(&family.image_sizes)
            )));
        }
    }
    let max = family.max_reference_images as usize;
    if images > max {
        return Err(invalid(format!(
            "At most {max} input images are supported; got {images}."
        )));
    }
    Ok(())
}

/// `imageConfig.personGeneration` (Vertex), one of Google's three values.
fn check_person_generation(image_config: &Value) -> Result<(), Response> {
    if let Some(p) = image_config
        .get("personGeneration")
        .filter(|v| !v.is_null())
    {
        let allowed = ["ALLOW_ALL", "ALLOW_ADULT", "ALLOW_NONE"];
        if !p.as_str().is_some_and(|p| allowed.contains(&p)) {
            return Err(invalid(format!(
                "imageConfig.personGeneration {p} is not supported. Allowed values are \
                 ALLOW_ALL, ALLOW_ADULT and ALLOW_NONE."
            )));
        }
    }
    Ok(())
}

fn usage(model: &str, image: bool, thoughts: u32) -> (Value, Value, Value) {
    let out = if image { IMAGE_TOKENS } else { 24 };
    let modality = if image { "IMAGE" } else { "TEXT" };
    (
        json!({
            "promptTokenCount": 12,
            "candidatesTokenCount": out,
            "thoughtsTokenCount": thoughts,
            "totalTokenCount": 12 + out + thoughts,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 12}],
            "candidatesTokensDetails": [{"modality": modality, "tokenCount": out}],
            "serviceTier": "standard"
        }),
        json!(model),
        json!(uuid::Uuid::new_v4().simple().to_string()),
    )
}

fn answer(model: &str, candidate: Value, image: bool, thoughts: u32) -> Response {
    let (usage, version, id) = usage(model, image, thoughts);
    Json(json!({
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": version,
        "responseId": id
    }))
    .into_response()
}

pub(crate) async fn generate_content(
    state: &Shared,
    site: &Site,
    model: &str,
    family: Option<&Family>,
    body: &Value,
) -> Response {
    let ask = match check(site, family, body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let prompt = ask.prompt.clone();
    *state
        .stats
        .lock()
        .expect("lock")
        .image_requests
        .entry(prompt.clone())
        .or_default() += 1;
    let faults = Faults::parse(&prompt);
    // One scripted 429 per character, whichever of its three angles asks first: the angles are
    // requested together, so a per-angle 429 would depend on which requests the first failure
    // cancelled.
    let character = Angle::ALL
        .iter()
        .find_map(|a| prompt.strip_suffix(&format!(", {}", a.phrase())))
        .unwrap_or(&prompt);
    if let Some(r) = common_faults(state, &format!("image:{character}"), model, &faults).await {
        return r;
    }
    if let Some(r) = scripted_answer(model, &faults) {
        return r;
    }
    let Some(family) = family.filter(|_| ask.wants_image) else {
        // A text model (or no IMAGE modality asked): words only.
        let text = json!({"content": {"role": "model", "parts": [{"text": "I can only describe it: a character, as asked."}]},
                          "finishReason": "STOP", "index": 0});
        return answer(model, text, false, 0);
    };
    let png = match draw_png(state, model, &prompt, angle_of(&prompt), ask.aspect).await {
        Ok(b) => b,
        Err(e) => {
            return google_error(
                500,
                "INTERNAL",
                &format!("mock could not draw: {e}"),
                json!([]),
            )
        }
    };
    image_answer(model, family, png).await
}

/// The answer the prompt's faults script instead of an image, if any: blocked for safety, or
/// a candidate with no image.
fn scripted_answer(model: &str, faults: &Faults) -> Option<Response> {
    if faults.safety {
        let (usage, version, _) = usage(model, false, 0);
        return Some(
            Json(json!({"promptFeedback": {"blockReason": "SAFETY"},
                        "usageMetadata": usage, "modelVersion": version}))
            .into_response(),
        );
    }
    if faults.no_image {
        return Some(answer(
            model,
            json!({"content": {}, "finishReason": "NO_IMAGE", "index": 0}),
            false,
            0,
        ));
    }
    None
}

/// The angle a character prompt asks for (its last words), front by default.
fn angle_of(prompt: &str) -> Angle {
    if prompt.ends_with(Angle::ThreeQuarter.phrase()) {
        Angle::ThreeQuarter
    } else if prompt.ends_with(Angle::Profile.phrase()) {
        Angle::Profile
    } else {
        Angle::Front
    }
}

/// The drawn character as the family gives it: a PNG, or (pro and numbered families) a JPEG
/// after a thought and an interim "thought" JPEG.
async fn image_answer(model: &str, family: &Family, png: Vec<u8>) -> Response {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let signature = b64(uuid::Uuid::new_v4().as_bytes());
    let thinks = matches!(
        family.id.as_str(),
        "nano-banana-pro" | "nano-banana-numbered"
    );
    if !thinks {
        let parts = json!([
            {"text": "Here is your character."},
            {"inlineData": {"mimeType": "image/png", "data": b64(&png)}, "thoughtSignature": signature}
        ]);
        let candidate = json!({"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0});
        return answer(model, candidate, true, 0);
    }
    let jpegs = tokio::task::spawn_blocking(move || to_jpegs(&png))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    let (full, interim) = match jpegs {
        Ok(j) => j,
        Err(e) => {
            return google_error(
                500,
                "INTERNAL",
                &format!("mock could not encode: {e}"),
                json!([]),
            )
        }
    };
    let parts = json!([
        {"text": "**Composing the character**\n\nI'll sketch the pose first, then refine the light.", "thought": true},
        {"inlineData": {"mimeType": "image/jpeg", "data": b64(&interim)}, "thought": true},
        {"inlineData": {"mimeType": "image/jpeg", "data": b64(&full)}, "thoughtSignature": signature}
    ]);
    let candidate =
        json!({"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0});
    answer(model, candidate, true, 258)
}

/// A PNG of the character from the offline provider.
pub(crate) async fn draw_png(
    state: &State,
    model: &str,
    prompt: &str,
    angle: Angle,
    aspect: AspectRatio,
) -> Result<Vec<u8>, String> {
    let out = state
        .work
        .path()
        .join(format!("{}.png", uuid::Uuid::new_v4().simple()));
    let req = ImageRequest {
        name: "mock".into(),
        prompt: prompt.to_owned(),
        angle,
        aspect_ratio: aspect,
        references: vec![],
        model: Some(model.to_owned()),
    };
    let drawn = state
        .offline
        .character_image(&req, &out, &TaskCtx::detached())
        .await
        .map_err(|e| e.to_string());
    let bytes = std::fs::read(&out).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&out);
    drawn?;
    bytes
}

/// `png` as a JPEG, and a small interim "thought" JPEG of it (decoded once, and the interim
/// kept tiny: many tests render at once on two cores).
fn to_jpegs(png: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let img = image::load_from_memory(png)
        .map_err(|e| e.to_string())?
        .to_rgb8();
    let (w, h) = img.dimensions();
    let small = image::imageops::resize(
        &img,
        (w / 8).max(1),
        (h / 8).max(1),
        image::imageops::FilterType::Nearest,
    );
    let encode = |img: &image::RgbImage, quality| {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(img)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(out)
    };
    Ok((encode(&img, 90)?, encode(&small, 60)?))
}
