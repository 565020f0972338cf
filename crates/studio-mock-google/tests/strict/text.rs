//! Text models: listed like Google lists them, structured output refused as Google refuses it,
//! Vertex's location and quota project, 429s, and answers that plan the prompt's story.

use serde_json::{json, Value};
use studio_mock_google::MockOptions;

use crate::common::*;

const FLASH: &str = "/v1beta/models/gemini-3.8-flash:generateContent";

/// A story as planning prompts carry it: sentences numbered `[1] …`.
fn story_prompt(extra: &str) -> String {
    format!(
        "Plan this story into shots. Answer in the schema's JSON.\n\nStory:\n[1] Mara opens the \
         bakery at dawn. [2] Tom knocks on the glass{extra}.\n\n[3] \"We are closed,\" Mara \
         said.\n"
    )
}

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "shots": {"type": "array", "items": {
                "type": "object",
                "properties": {"firstSentence": {"type": "integer", "minimum": 1},
                               "lastSentence": {"type": "integer"},
                               "location": {"type": ["string", "null"]}},
                "required": ["firstSentence", "lastSentence"]}}
        },
        "required": ["shots"],
        "propertyOrdering": ["shots"]
    })
}

/// A 200 answer's text: its first candidate's parts, thoughts skipped, joined.
fn answer_text(a: &Answer) -> String {
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["thought"] != true)
        .map(|p| p["text"].as_str().unwrap())
        .collect()
}

fn text_body(prompt: &str) -> Value {
    json!({
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema()}
    })
}

/// Each way a structured-output request goes wrong is Google's 400 with its own message, and
/// nothing is answered (or counted as asked).
#[tokio::test]
async fn structured_output_is_refused_as_google_refuses_it() {
    let m = Mock::start(options()).await;
    let base = text_body(&story_prompt(""));
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "both schemas",
            changed(base.clone(), |b| {
                b["generationConfig"]["responseSchema"] = json!({"type": "OBJECT"})
            }),
            "response_schema and response_json_schema are mutually exclusive",
        ),
        (
            "a schema without the JSON MIME type",
            changed(base.clone(), |b| {
                b["generationConfig"].as_object_mut().unwrap().remove("responseMimeType");
            }),
            "response_mime_type must be application/json (or text/x.enum) when response_json_schema is set",
        ),
        (
            "a schema with text/plain",
            changed(base.clone(), |b| {
                b["generationConfig"]["responseMimeType"] = json!("text/plain")
            }),
            "response_mime_type must be application/json",
        ),
        (
            "an unsupported keyword",
            changed(base.clone(), |b| {
                b["generationConfig"]["responseJsonSchema"]["properties"]["shots"]["items"]
                    ["properties"]["location"]["pattern"] = json!("^[a-z]+$")
            }),
            "response_json_schema.properties.shots.items.properties.location: keyword \"pattern\" is not supported",
        ),
        (
            "$schema",
            changed(base.clone(), |b| {
                b["generationConfig"]["responseJsonSchema"]["$schema"] =
                    json!("https://json-schema.org/draft/2020-12/schema")
            }),
            "keyword \"$schema\" is not supported",
        ),
        (
            "not a JSON type",
            changed(base.clone(), |b| {
                b["generationConfig"]["responseJsonSchema"]["properties"]["shots"]["type"] =
                    json!("list")
            }),
            "type \"list\" is not a JSON Schema type",
        ),
        (
            "an unknown MIME type",
            changed(base.clone(), |b| {
                b["generationConfig"]["responseMimeType"] = json!("application/yaml")
            }),
            "allowed mimetypes are `text/plain`, `application/json` and `text/x.enum`",
        ),
        (
            "an image asked of a text model",
            changed(base.clone(), |b| {
                b["generationConfig"]["responseModalities"] = json!(["TEXT", "IMAGE"])
            }),
            "Model does not support the requested response modalities: image",
        ),
        (
            "a thinking level Google lacks",
            changed(base.clone(), |b| {
                b["generationConfig"]["thinkingConfig"] = json!({"thinkingLevel": "EXTREME"})
            }),
            "Invalid value at 'generation_config.thinking_config.thinking_level'",
        ),
        (
            "no contents",
            changed(base.clone(), |b| b["contents"] = json!([])),
            "* GenerateContentRequest.contents: contents is not specified",
        ),
    ];
    for (name, body, message) in &cases {
        let a = m.gemini_post(FLASH, body).await;
        a.error(400, "INVALID_ARGUMENT");
        assert!(a.message().contains(message), "{name}: {}", a.message());
    }
    // Unknown and wrong-case fields: Google's JSON parser's own words and a BadRequest detail.
    for (field, at) in [
        ("responseJsonSchemaa", "generation_config"),
        ("responseMIMEType", "generation_config"),
    ] {
        let body = changed(base.clone(), |b| b["generationConfig"][field] = json!("x"));
        let a = m.gemini_post(FLASH, &body).await;
        a.error(400, "INVALID_ARGUMENT");
        assert_eq!(
            a.message(),
            format!(
                "Invalid JSON payload received. Unknown name \"{field}\" at '{at}': Cannot find field."
            )
        );
        let violation = &a.body["error"]["details"][0];
        assert_eq!(
            violation["@type"],
            "type.googleapis.com/google.rpc.BadRequest"
        );
        assert_eq!(violation["fieldViolations"][0]["field"], at);
    }
    let stats = m.mock.stats();
    assert!(stats.text_requests.is_empty(), "{:?}", stats.text_requests);

    // The valid body is answered.
    let ok = m.gemini_post(FLASH, &base).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(m.mock.stats().text_requests.len(), 1);
}

/// The Gemini API lists its text models with the methods Google lists; a text answer is a
/// thinking model's (a thought part, then the JSON in text parts) with its usage.
#[tokio::test]
async fn text_models_are_listed_and_answer_with_thoughts_and_usage() {
    let m = Mock::start(MockOptions {
        page_size: 1000,
        ..options()
    })
    .await;
    let list = m.gemini_get("/v1beta/models").await;
    let entry = list.body["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "models/gemini-3.8-flash")
        .cloned()
        .unwrap();
    // Google's list for a text model (the listing's own test checks it whole).
    let methods = entry["supportedGenerationMethods"].as_array().unwrap();
    assert!(methods.contains(&json!("generateContent")), "{entry}");
    assert!(entry["thinking"].as_bool().unwrap());

    let prompt = story_prompt("");
    let a = m.gemini_post(FLASH, &text_body(&prompt)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let candidate = &a.body["candidates"][0];
    assert_eq!(candidate["finishReason"], "STOP");
    let parts = candidate["content"]["parts"].as_array().unwrap();
    assert_eq!(parts[0]["thought"], true);
    let text: String = parts
        .iter()
        .filter(|p| p["thought"] != true)
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert!(answer["shots"].is_array(), "{answer}");
    let usage = &a.body["usageMetadata"];
    let n = |k: &str| usage[k].as_u64().unwrap();
    assert_eq!(
        n("promptTokenCount"),
        prompt.chars().count().div_ceil(4) as u64
    );
    assert_eq!(
        n("candidatesTokenCount"),
        text.chars().count().div_ceil(4) as u64
    );
    assert!(n("thoughtsTokenCount") > 0);
    assert_eq!(
        n("totalTokenCount"),
        n("promptTokenCount") + n("candidatesTokenCount") + n("thoughtsTokenCount")
    );
    let seen = &m.mock.stats().text_requests[0];
    assert_eq!(seen.model, "gemini-3.8-flash");
    assert_eq!(seen.generation_config["responseJsonSchema"], schema());

    // A cap too small for the answer and its thinking cuts it short, as Google does.
    let capped = changed(text_body(&story_prompt(" twice")), |b| {
        b["generationConfig"]["maxOutputTokens"] = json!(40)
    });
    let a = m.gemini_post(FLASH, &capped).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["candidates"][0]["finishReason"], "MAX_TOKENS");
    let usage = &a.body["usageMetadata"];
    let out = usage["candidatesTokenCount"].as_u64().unwrap()
        + usage["thoughtsTokenCount"].as_u64().unwrap();
    assert!(out <= 40, "{usage}");

    // Scripted stops: a blocked prompt, a withheld answer.
    let blocked = m
        .gemini_post(FLASH, &text_body(&story_prompt(" [mock:safety]")))
        .await;
    assert_eq!(blocked.body["promptFeedback"]["blockReason"], "SAFETY");
    assert!(blocked.body.get("candidates").is_none());
    let recited = m
        .gemini_post(
            FLASH,
            &text_body(&story_prompt(" [mock:finish=RECITATION]")),
        )
        .await;
    assert_eq!(recited.body["candidates"][0]["finishReason"], "RECITATION");
    assert!(recited.body["candidates"][0]["content"]
        .get("parts")
        .is_none());
    // Each billed as Google bills them: the prompt's tokens (and any answer's) in usageMetadata.
    for (stopped, prompt) in [
        (&blocked, story_prompt(" [mock:safety]")),
        (&recited, story_prompt(" [mock:finish=RECITATION]")),
    ] {
        assert_eq!(
            stopped.body["usageMetadata"]["promptTokenCount"],
            prompt.chars().count().div_ceil(4) as u64,
            "{}",
            stopped.body
        );
    }
    // `not-json`: prose, ended naturally, billed.
    let prose = m
        .gemini_post(FLASH, &text_body(&story_prompt(" [mock:not-json]")))
        .await;
    assert_eq!(prose.body["candidates"][0]["finishReason"], "STOP");
    let text = answer_text(&prose);
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert!(prose.body["usageMetadata"]["candidatesTokenCount"].as_u64() > Some(0));
}

/// Vertex serves text models (Gemini 3.x) only at `global`: a regional path is Google's 404;
/// user credentials need the quota project header, as for images.
#[tokio::test]
async fn vertex_text_calls_go_to_global_with_a_quota_project() {
    let m = Mock::start(options()).await;
    let body = text_body(&story_prompt(""));
    let regional = m
        .vertex_post(&format!("{VERTEX}/gemini-3.8-flash:generateContent"), &body)
        .await;
    regional.error(404, "NOT_FOUND");
    assert!(
        regional.message().starts_with(
            "Publisher Model `projects/p1/locations/us-central1/publishers/google/models/gemini-3.8-flash` was not found"
        ),
        "{}",
        regional.message()
    );
    let path = format!("{VERTEX_GLOBAL}/gemini-3.8-flash:generateContent");
    let user = m.vertex_user_post(&path, &body, None).await;
    user.error(403, "PERMISSION_DENIED");
    assert!(user.message().contains("requires a quota project"));
    assert!(m.mock.stats().text_requests.is_empty());
    let ok = m.vertex_user_post(&path, &body, Some("p1")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    // Service accounts need no header.
    assert_eq!(m.vertex_post(&path, &body).await.status, 200);
}

/// A scripted 429 is Google's (RetryInfo, no Retry-After) and counted per story: a retry after
/// the delay is answered.
#[tokio::test]
async fn a_text_call_is_throttled_like_the_media_routes() {
    let m = Mock::start(options()).await;
    let body = text_body(&story_prompt(" [mock:429=0.2]"));
    let a = m.gemini_post(FLASH, &body).await;
    a.error(429, "RESOURCE_EXHAUSTED");
    assert!(a.headers.get("retry-after").is_none());
    let retry = a.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.RetryInfo")
        .cloned()
        .unwrap();
    assert_eq!(retry["retryDelay"], "0.2s");
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    let again = m.gemini_post(FLASH, &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
}

/// The answer plans the prompt's story: its shots tell every numbered sentence, in order. With
/// `drop-sentence`, the first answer for a story leaves the last sentence out of every shot (a
/// plan the faithfulness check refuses), and the next answer for the same story is whole.
#[tokio::test]
async fn drop_sentence_misses_the_last_sentence_once() {
    let m = Mock::start(options()).await;
    let told = |a: &Answer| -> Vec<(u64, u64)> {
        let text = answer_text(a);
        let answer: Value = serde_json::from_str(&text).unwrap();
        answer["shots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["firstSentence"].as_u64().unwrap(),
                    s["lastSentence"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let covers = |shots: &[(u64, u64)], n: u64| shots.iter().any(|(a, b)| *a <= n && n <= *b);

    let whole = told(&m.gemini_post(FLASH, &text_body(&story_prompt(""))).await);
    assert!((1..=3).all(|n| covers(&whole, n)), "{whole:?}");
    assert!(whole.iter().all(|(a, b)| a <= b && *b <= 3), "{whole:?}");

    let prompt = story_prompt(" [mock:drop-sentence]");
    let first = told(&m.gemini_post(FLASH, &text_body(&prompt)).await);
    assert!(!first.is_empty());
    assert!(
        !covers(&first, 3),
        "the last sentence is left out: {first:?}"
    );
    assert!(covers(&first, 1) && covers(&first, 2), "{first:?}");
    // Asked again (the re-ask lists the problems after the story): whole.
    let again = format!("{prompt}\nProblems of your last answer: sentence [3] is told by no shot.");
    let second = told(&m.gemini_post(FLASH, &text_body(&again)).await);
    assert!((1..=3).all(|n| covers(&second, n)), "{second:?}");
}

/// The planning contract end to end, prose and Fountain: the story crate's own prompt and
/// response schema pass the mock's checks (the schema stays in Google's supported subset), the
/// answer parses into a plan the faithfulness check passes; with `drop-sentence` the first
/// answer fails the check on the last sentence and the answer to the re-asked prompt (the
/// issues listed after the story) passes it.
#[tokio::test]
async fn the_story_crates_prompt_and_schema_round_trip() {
    use studio_core::{Project, Story, StoryFormat};
    use studio_story::{check, model, PlanIssue, PlanRules};

    let m = Mock::start(options()).await;
    let rules = PlanRules::default();
    let ask = |story: &Story, issues: &[PlanIssue]| {
        json!({
            "contents": [{"role": "user", "parts": [{"text": model::prompt(story, &rules, issues)}]}],
            "generationConfig": {"responseMimeType": "application/json",
                                 "responseJsonSchema": model::response_schema()}
        })
    };
    let plan_issues = |story: &Story, a: &Answer| {
        let text = answer_text(a);
        let plan = model::parse_answer(story, &rules, &text).unwrap();
        assert!(!plan.shots.is_empty());
        check(&plan.into_project(story.clone(), &Project::new("Lead")))
    };
    for (text, format) in [
        (
            include_str!("../../../studio-story/tests/fixtures/lighthouse.txt"),
            StoryFormat::Plain,
        ),
        (
            include_str!("../../../studio-story/tests/fixtures/lighthouse.fountain"),
            StoryFormat::Fountain,
        ),
    ] {
        let story = Story {
            text: text.to_owned(),
            format,
            accepted: Vec::new(),
        };
        let a = m.gemini_post(FLASH, &ask(&story, &[])).await;
        let issues = plan_issues(&story, &a);
        assert!(issues.is_empty(), "{format:?}: {issues:?}");
    }

    let story = Story {
        // The fault's marker in the story's first line (the title).
        text: include_str!("../../../studio-story/tests/fixtures/lighthouse.txt").replacen(
            "Night",
            "Night [mock:drop-sentence]",
            1,
        ),
        format: StoryFormat::Plain,
        accepted: Vec::new(),
    };
    let first = m.gemini_post(FLASH, &ask(&story, &[])).await;
    let issues = plan_issues(&story, &first);
    assert!(
        issues
            .iter()
            .any(|i| matches!(i, PlanIssue::Uncovered { sentence, .. } if sentence.contains("lamp kept turning"))),
        "{issues:?}"
    );
    let again = m.gemini_post(FLASH, &ask(&story, &issues)).await;
    let issues = plan_issues(&story, &again);
    assert!(issues.is_empty(), "{issues:?}");
}
