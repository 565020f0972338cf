//! Property tests of the response parsers: whatever bytes or JSON Google (or something in
//! between) sends back, each parser returns a classified error naming the provider and model,
//! and never panics.

use proptest::prelude::*;
use serde_json::Value;

use super::classify::{http_error, CallSite};
use super::images::decode_response;
use super::omni;
use super::text::decode_answer;
use super::veo::{is_mp4, outcome, parse_operation};
use crate::error::MediaError;

/// Keys the real answers use, so generated JSON reaches deep into the parsers.
const KEYS: &[&str] = &[
    "candidates",
    "content",
    "parts",
    "inlineData",
    "data",
    "mimeType",
    "finishReason",
    "promptFeedback",
    "blockReason",
    "done",
    "error",
    "code",
    "message",
    "status",
    "details",
    "reason",
    "response",
    "generateVideoResponse",
    "generatedSamples",
    "video",
    "uri",
    "videos",
    "bytesBase64Encoded",
    "gcsUri",
    "raiMediaFilteredCount",
    "raiMediaFilteredReasons",
    "name",
    "encodedVideo",
    "encoding",
    "videoGcsUri",
    "thought",
    "status",
    "steps",
    "type",
    "model_output",
    "errors",
    "mime_type",
    "text",
    "usageMetadata",
    "promptTokenCount",
    "candidatesTokenCount",
    "thoughtsTokenCount",
    "predictions",
    "speechMetadata",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
        // Valid base64 of random bytes, and of a tiny real PNG's prefix.
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| {
            use base64::Engine;
            Value::String(super::b64().encode(b))
        }),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(KEYS).prop_map(str::to_owned),
                        ".{0,8}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kvs| Value::Object(kvs.into_iter().collect())),
        ]
    })
}

fn site() -> CallSite {
    CallSite {
        provider: "gemini",
        model: "fuzz-model".into(),
    }
}

fn names_the_call(e: &MediaError) {
    if let MediaError::Provider { provider, .. } = e {
        assert!(
            provider.contains("gemini") && provider.contains("fuzz-model"),
            "{e}"
        );
    } else {
        panic!("not a provider error: {e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn image_answers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = decode_response(&site(), &body) {
            names_the_call(&e);
        }
    }

    #[test]
    fn image_json_answers_never_panic(v in json_value()) {
        let body = serde_json::to_vec(&v).unwrap();
        if let Err(e) = decode_response(&site(), &body) {
            names_the_call(&e);
        }
    }

    #[test]
    fn text_answers_never_panic(v in json_value(), raw in proptest::collection::vec(any::<u8>(), 0..256)) {
        let req = crate::text::JsonRequest {
            model: None,
            prompt: "plan".into(),
            schema: serde_json::json!({"type": "object"}),
            max_output_tokens: Some(100),
        };
        for body in [serde_json::to_vec(&v).unwrap(), raw] {
            match decode_answer(&site(), &body, &req) {
                // An answer is usable JSON, or says why it is not.
                Ok(a) => prop_assert!(
                    a.stop.is_some() || serde_json::from_str::<Value>(&a.text).is_ok(),
                    "{a:?}"
                ),
                Err(e) => names_the_call(&e),
            }
        }
    }

    #[test]
    fn operations_never_panic(v in json_value()) {
        let body = serde_json::to_vec(&v).unwrap();
        match parse_operation(&site(), &body).and_then(|op| outcome(&site(), op)) {
            Ok(_) => {}
            Err(e) => names_the_call(&e),
        }
    }

    #[test]
    fn interactions_never_panic(v in json_value()) {
        let body = serde_json::to_vec(&v).unwrap();
        match omni::parse(&site(), &body).and_then(|i| omni::outcome(&site(), i)) {
            Ok(_) => {}
            Err(e) => names_the_call(&e),
        }
    }

    #[test]
    fn raw_operation_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = parse_operation(&site(), &body) {
            names_the_call(&e);
        }
        let _ = is_mp4(&body);
    }

    /// Speech answers: an error naming the call, or a mono 16-bit WAV with sound in it
    /// (whatever shape the audio came in: a WAV, raw PCM, or neither).
    #[test]
    fn speech_answers_never_panic(
        v in json_value(),
        raw in proptest::collection::vec(any::<u8>(), 0..256),
        audio in proptest::collection::vec(any::<u8>(), 0..256),
        mime in prop_oneof![Just("audio/wav".to_owned()), Just("audio/L16;codec=pcm;rate=24000".to_owned()), ".{0,24}"],
    ) {
        use base64::Engine;
        let catalog = studio_catalog::Catalog::builtin();
        let req = crate::provider::SpeechRequest { text: "hi".into(), voice: "Kore".into(), style: None };
        let shaped = serde_json::json!({"candidates": [{"content": {"parts": [
            {"inlineData": {"mimeType": mime, "data": super::b64().encode(&audio)}}]}}]});
        for family in ["speech-flash", "speech-legacy"] {
            let family = catalog.family(family).unwrap();
            for body in [serde_json::to_vec(&v).unwrap(), raw.clone(), serde_json::to_vec(&shaped).unwrap()] {
                match super::speech::decode_answer(&site(), &body, family, &req) {
                    Ok((wav, _)) => {
                        let info = super::audio::wav_info(&wav);
                        prop_assert!(info.is_some_and(|i| i.is_mono_s16() && i.seconds() > 0.0));
                    }
                    Err(e) => names_the_call(&e),
                }
            }
        }
    }

    #[test]
    fn music_answers_never_panic(v in json_value(), raw in proptest::collection::vec(any::<u8>(), 0..256)) {
        use studio_catalog::{AudioFormat, Route};
        for (route, format) in [(Route::Predict, AudioFormat::Wav), (Route::GenerateContent, AudioFormat::Mp3)] {
            for body in [serde_json::to_vec(&v).unwrap(), raw.clone()] {
                if let Err(e) = super::music::decode_answer(&site(), &body, route, format) {
                    names_the_call(&e);
                }
            }
        }
    }

    #[test]
    fn error_answers_are_classified(status in 100u16..600, v in json_value(), raw in ".{0,64}") {
        for body in [serde_json::to_string(&v).unwrap(), raw] {
            let e = http_error(&site(), status, &body, None);
            names_the_call(&e);
            prop_assert!(e.to_string().contains(&status.to_string()), "{e}");
        }
    }
}
