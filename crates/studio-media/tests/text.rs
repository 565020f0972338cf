//! Asking a text model for JSON (`MediaProvider::generate_json`) against the loopback mock of
//! Google, on both back ends: the request carries the schema and the JSON MIME type, the model
//! is discovered from the listing (Vertex at `global`, with the user credentials' quota
//! project), thought parts are skipped, the usage is read (thinking billed as output) and
//! priced, every stop is an answer with its usage and a typed stop that says what to do (Google
//! bills it), and a 429 carries Google's delay.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use studio_catalog::Catalog;
use studio_core::UsageKind;
use studio_media::google::{Backend, GoogleConfig, GoogleProvider, GoogleSettings};
use studio_media::{ErrorClass, JsonRequest, MediaError, MediaProvider, TaskCtx, TextStop};
use studio_mock_google::{MockGoogle, MockOptions};

const KEY: &str = "text-test-key";

async fn mock() -> MockGoogle {
    MockGoogle::start(
        0,
        MockOptions {
            api_key: KEY.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// A provider of `backend` pointed at the mock: an API key, or user credentials (an
/// `authorized_user` file refreshed at the mock's `/token`, so calls need the quota project).
async fn provider(m: &MockGoogle, backend: Backend, dir: &Path) -> GoogleProvider {
    let mut s = GoogleSettings {
        base_url: Some(m.base_url()),
        stored_api_key: studio_secrets::StoredSecret::new(Some(KEY.into())),
        project: Some("studio-test".into()),
        location: Some("us-central1".into()),
        request_timeout_secs: 10,
        ..Default::default()
    };
    if backend == Backend::Vertex {
        let file = dir.join("adc.json");
        let adc = json!({
            "type": "authorized_user",
            "client_id": "id.apps.googleusercontent.com",
            "client_secret": "secret",
            "refresh_token": "1//refresh",
            "quota_project_id": "studio-test",
            "token_uri": format!("{}/token", m.base_url()),
        });
        std::fs::write(&file, adc.to_string()).unwrap();
        s.credentials_file = Some(file);
    }
    GoogleProvider::new(GoogleConfig::resolve(backend, &s).unwrap())
        .await
        .unwrap()
}

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {"shots": {"type": "array", "items": {"type": "object"}}},
        "required": ["shots"]
    })
}

/// A planning prompt: the story's sentences numbered `[1] …`; `mark` scripts the mock.
fn request(mark: &str, max_output_tokens: Option<u32>) -> JsonRequest {
    JsonRequest {
        model: None,
        prompt: format!(
            "Plan the story into shots.\n\n[1] Mara opens the bakery at dawn{mark}. [2] Tom \
             knocks on the glass.\n\n[3] \"We are closed,\" Mara said.\n"
        ),
        schema: schema(),
        max_output_tokens,
    }
}

/// The tokens of `kind` that `model` used, in `usage`.
fn used(usage: &[studio_core::Usage], model: &str, kind: UsageKind) -> u32 {
    usage
        .iter()
        .filter(|u| u.kind == kind && u.model == model)
        .map(|u| u.quantity)
        .sum()
}

fn tokens(chars: usize) -> u32 {
    u32::try_from(chars.div_ceil(4)).unwrap()
}

/// The text model is found in the listing, asked with the schema and the JSON MIME type, and
/// answers JSON whose usage is read and priced, on both back ends.
#[tokio::test]
async fn the_request_carries_the_schema_and_the_usage_is_counted_on_both_back_ends() {
    for backend in [Backend::Gemini, Backend::Vertex] {
        let m = mock().await;
        let dir = tempfile::tempdir().unwrap();
        let p = provider(&m, backend, dir.path()).await;
        let task = TaskCtx::detached();
        let chosen = p.text_model(&task).await.unwrap();
        let family = Catalog::builtin().family_of(&chosen).unwrap();
        assert_eq!(family.role, studio_catalog::Role::Text, "{chosen}");
        // The newest Flash both back ends list (not an image model, not Flash-Lite).
        assert_eq!(chosen, "gemini-3.8-flash", "{backend:?}");

        let req = request("", Some(8192));
        let answer = p.generate_json(&req, &task).await.unwrap();
        assert_eq!(answer.model, chosen);
        let parsed: Value = serde_json::from_str(&answer.text).unwrap();
        assert!(parsed.is_object(), "{}", answer.text);
        assert!(
            !answer.text.contains("Reading the story"),
            "thought parts are not the answer: {}",
            answer.text
        );

        let stats = m.stats();
        let seen = stats.text_requests.last().unwrap();
        assert_eq!(seen.prompt, req.prompt);
        assert_eq!(
            seen.generation_config["responseMimeType"],
            "application/json"
        );
        assert_eq!(seen.generation_config["responseJsonSchema"], schema());
        assert_eq!(seen.generation_config["maxOutputTokens"], 8192);
        assert!(seen.generation_config.get("responseSchema").is_none());
        let call = stats
            .requests
            .iter()
            .find(|r| r.path.ends_with(":generateContent"))
            .unwrap();
        match backend {
            Backend::Gemini => assert_eq!(call.path, "/v1beta/models/gemini-3.8-flash:generateContent"),
            Backend::Vertex => assert_eq!(
                call.path,
                "/v1/projects/studio-test/locations/global/publishers/google/models/gemini-3.8-flash:generateContent"
            ),
        }

        // Input: the prompt's tokens; output: the answer's and the thinking's.
        let of = |kind| used(&answer.usage, &chosen, kind);
        assert_eq!(
            of(UsageKind::TextInputToken),
            tokens(req.prompt.chars().count())
        );
        let answer_tokens = tokens(answer.text.chars().count());
        assert!(
            of(UsageKind::TextOutputToken) > answer_tokens,
            "thinking is billed as output: {:?}",
            answer.usage
        );
        let catalog = Catalog::builtin();
        let usd: f64 = answer
            .usage
            .iter()
            .map(|u| catalog.usage_price(u).unwrap() * f64::from(u.quantity))
            .sum();
        assert!(usd > 0.0);
        // The estimate made before asking is of the same order as what was used.
        let estimate = catalog
            .text_estimate(&chosen, req.prompt.chars().count(), answer_tokens)
            .unwrap();
        assert_eq!(estimate.input_tokens, of(UsageKind::TextInputToken));
    }
}

/// A scripted stop: the prompt's mark, the answer's cap, the stop's class, what its message
/// says, the stop, and whether the model wrote anything (billed as output).
type StopCase = (
    &'static str,
    Option<u32>,
    ErrorClass,
    &'static str,
    TextStop,
    bool,
);

/// Each way a model stops without a usable answer is still an answer (Google bills it): `Ok`,
/// with its usage read from `usageMetadata` and its typed stop, whose class says whether asking
/// again can help and whose message says what to do. Only what bills nothing is an error.
#[tokio::test]
async fn a_stopped_answer_is_an_answer_with_its_usage_and_its_stop() {
    let m = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let p = provider(&m, Backend::Gemini, dir.path()).await;
    let task = TaskCtx::detached();
    let model = "gemini-3.8-flash";

    let cases: [StopCase; 6] = [
        // A cap too small for the answer: cut off, the JSON incomplete.
        (
            "",
            Some(40),
            ErrorClass::InvalidInput,
            "40 output tokens",
            TextStop::MaxTokens { limit: Some(40) },
            true,
        ),
        (
            " [mock:safety]",
            None,
            ErrorClass::ContentPolicy,
            "reword",
            TextStop::Blocked {
                reason: "SAFETY".into(),
                detail: None,
            },
            false,
        ),
        (
            " [mock:finish=SAFETY]",
            None,
            ErrorClass::ContentPolicy,
            "reword",
            TextStop::Filtered {
                reason: "SAFETY".into(),
            },
            true,
        ),
        (
            " [mock:finish=RECITATION]",
            None,
            ErrorClass::Transient,
            "ask again",
            TextStop::Recitation,
            true,
        ),
        (
            " [mock:finish=OTHER]",
            None,
            ErrorClass::Transient,
            "asking again may work",
            TextStop::NoAnswer {
                reason: "finishReason OTHER".into(),
            },
            true,
        ),
        (
            " [mock:not-json]",
            None,
            ErrorClass::Transient,
            "not JSON",
            TextStop::NotJson("expected value at line 1 column 1".into()),
            true,
        ),
    ];
    for (mark, max, class, says, expected, wrote) in cases {
        let req = request(mark, max);
        let answer = p
            .generate_json(&req, &task)
            .await
            .unwrap_or_else(|e| panic!("{mark}: a billed answer is not an error: {e}"));
        assert_eq!(answer.model, model, "{mark}");
        let stop = answer
            .stop
            .clone()
            .unwrap_or_else(|| panic!("{mark}: no stop: {answer:?}"));
        assert_eq!(stop, expected, "{mark}");
        assert_eq!(stop.class(), class, "{mark}: {stop}");
        assert!(stop.to_string().contains(says), "{mark}: {stop}");
        // The usage is Google's usageMetadata: the prompt read, and what was written.
        let of = |kind| used(&answer.usage, model, kind);
        assert_eq!(
            of(UsageKind::TextInputToken),
            tokens(req.prompt.chars().count()),
            "{mark}: {:?}",
            answer.usage
        );
        assert_eq!(
            of(UsageKind::TextOutputToken) > 0,
            wrote,
            "{mark}: {:?}",
            answer.usage
        );
        // It round-trips as recorded (the stop left out when there is none).
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(
            serde_json::from_value::<studio_media::JsonAnswer>(json).unwrap(),
            answer
        );
    }
    // A natural answer has no stop, and one recorded before stops were kept still reads.
    let answer = p.generate_json(&request("", None), &task).await.unwrap();
    assert_eq!(answer.stop, None);
    let mut old = serde_json::to_value(&answer).unwrap();
    assert!(old.get("stop").is_none(), "{old}");
    old.as_object_mut().unwrap().remove("stop");
    assert_eq!(
        serde_json::from_value::<studio_media::JsonAnswer>(old).unwrap(),
        answer
    );

    // A request Google refuses (here a schema keyword it lacks) is permanent, with its message.
    let mut bad = request("", None);
    bad.schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    let e = p.generate_json(&bad, &task).await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::InvalidInput);
    assert!(e.to_string().contains("HTTP 400 INVALID_ARGUMENT"), "{e}");
    assert!(
        e.to_string()
            .contains("keyword \"$schema\" is not supported"),
        "{e}"
    );

    // A pinned model that is not a text model is refused before anything is sent.
    let mut pinned = request("", None);
    pinned.model = Some("gemini-3.1-flash-image".into());
    let before = m.stats().text_requests.len();
    let e = p.generate_json(&pinned, &task).await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::UnsupportedModel);
    assert_eq!(m.stats().text_requests.len(), before);
}

/// A 429 is retryable after the delay Google's RetryInfo names (the engine's retry policy
/// waits it out); a daily quota is not retried.
#[tokio::test]
async fn a_429_carries_googles_delay_and_a_daily_quota_is_final() {
    let m = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let p = provider(&m, Backend::Gemini, dir.path()).await;
    let task = TaskCtx::detached();
    let req = request(" [mock:429=0.3]", None);
    let e = p.generate_json(&req, &task).await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Transient);
    assert_eq!(e.retry_after(), Some(Duration::from_millis(300)));
    // As the retry policy does: wait what Google asked, then ask again.
    tokio::time::sleep(e.retry_after().unwrap()).await;
    let answer = p.generate_json(&req, &task).await.unwrap();
    assert!(serde_json::from_str::<Value>(&answer.text).is_ok());

    let e = p
        .generate_json(&request(" [mock:quota-day]", None), &task)
        .await
        .unwrap_err();
    assert_eq!(e.class(), ErrorClass::QuotaExceeded);
    assert!(!e.class().is_retryable());
}

/// The offline provider has no text model: it says so, typed, and the story is planned
/// in-process.
#[tokio::test]
async fn the_offline_provider_has_no_text_model() {
    let p = studio_media::offline::OfflineProvider::new(studio_media::Ffmpeg::from_env());
    let task = TaskCtx::detached();
    let e = p
        .generate_json(&request("", None), &task)
        .await
        .unwrap_err();
    assert!(matches!(e, MediaError::NoTextModel { .. }), "{e}");
    assert_eq!(e.class(), ErrorClass::UnsupportedModel);
    assert!(e.to_string().contains("plan offline"), "{e}");
    assert!(matches!(
        p.text_model(&task).await,
        Err(MediaError::NoTextModel { .. })
    ));
}
