//! Sorting Google's answers into our error classes (../shared/providers.md, "Errors").
//!
//! Pure functions over status codes and bodies, so every row of the contract's table is
//! unit-tested without a server.

use std::time::Duration;

use serde::Deserialize;

use crate::error::{ErrorClass, MediaError};

/// Google's error envelope: `{"error": {"code", "message", "status", "details"}}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorEnvelope {
    #[serde(default)]
    pub error: ErrorBody,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

/// Which provider call failed: named in every error so a creator knows what to fix.
#[derive(Debug, Clone)]
pub(crate) struct CallSite {
    pub provider: &'static str,
    pub model: String,
}

impl CallSite {
    pub fn error(
        &self,
        class: ErrorClass,
        message: String,
        retry_after: Option<Duration>,
    ) -> MediaError {
        MediaError::Provider {
            provider: format!("{} ({})", self.provider, self.model),
            class,
            message,
            retry_after,
        }
    }
}

/// Class of a non-2xx HTTP answer.
pub(crate) fn http_status_class(status: u16, body: &ErrorBody) -> ErrorClass {
    let api_key_invalid = body
        .details
        .iter()
        .any(|d| d.get("reason").and_then(|r| r.as_str()) == Some("API_KEY_INVALID"));
    match status {
        400 if api_key_invalid => ErrorClass::InvalidApiKey,
        400 => ErrorClass::InvalidInput,
        401 | 403 => ErrorClass::InvalidApiKey,
        404 => ErrorClass::UnsupportedModel,
        _ => ErrorClass::Transient,
    }
}

/// Builds the error for a non-2xx answer: names provider, model, status and the server's message.
pub(crate) fn http_error(
    site: &CallSite,
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
) -> MediaError {
    let env: ErrorEnvelope = serde_json::from_str(body).unwrap_or_default();
    let class = http_status_class(status, &env.error);
    let server_message = if env.error.message.is_empty() {
        body.chars().take(300).collect::<String>()
    } else {
        env.error.message.clone()
    };
    let status_name = if env.error.status.is_empty() {
        String::new()
    } else {
        format!(" {}", env.error.status)
    };
    site.error(
        class,
        format!("HTTP {status}{status_name}: {}", server_message.trim()),
        retry_after,
    )
}

/// Class of a failed long-running operation, by its google.rpc.Code.
pub(crate) fn rpc_code_class(code: i64) -> ErrorClass {
    match code {
        3 => ErrorClass::InvalidInput,       // INVALID_ARGUMENT
        5 => ErrorClass::UnsupportedModel,   // NOT_FOUND
        7 | 16 => ErrorClass::InvalidApiKey, // PERMISSION_DENIED, UNAUTHENTICATED
        _ => ErrorClass::Transient,
    }
}

/// Parses a Retry-After header given in seconds (the form Google uses).
pub(crate) fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// `finishReason` values meaning the output was filtered for policy.
pub(crate) const FILTERED_FINISH_REASONS: &[&str] = &[
    "SAFETY",
    "PROHIBITED_CONTENT",
    "BLOCKLIST",
    "SPII",
    "RECITATION",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "IMAGE_RECITATION",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> CallSite {
        CallSite {
            provider: "gemini",
            model: "veo-3.0-generate-001".into(),
        }
    }

    #[test]
    fn the_contracts_table() {
        let cases = [
            (
                400,
                r#"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#,
                ErrorClass::InvalidInput,
            ),
            (
                400,
                r#"{"error":{"code":400,"message":"API key not valid","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#,
                ErrorClass::InvalidApiKey,
            ),
            (
                401,
                r#"{"error":{"code":401,"message":"no","status":"UNAUTHENTICATED"}}"#,
                ErrorClass::InvalidApiKey,
            ),
            (
                403,
                r#"{"error":{"code":403,"message":"no","status":"PERMISSION_DENIED"}}"#,
                ErrorClass::InvalidApiKey,
            ),
            (
                404,
                r#"{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}"#,
                ErrorClass::UnsupportedModel,
            ),
            (
                429,
                r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}"#,
                ErrorClass::Transient,
            ),
            (
                500,
                r#"{"error":{"code":500,"message":"oops","status":"INTERNAL"}}"#,
                ErrorClass::Transient,
            ),
            (503, "<html>unavailable</html>", ErrorClass::Transient),
        ];
        for (status, body, class) in cases {
            let err = http_error(&site(), status, body, None);
            assert_eq!(err.class(), class, "{status} {body}");
            let text = err.to_string();
            assert!(text.contains(&format!("HTTP {status}")), "{text}");
            assert!(text.contains("gemini (veo-3.0-generate-001)"), "{text}");
        }
    }

    #[test]
    fn retry_after_is_carried_on_429() {
        let err = http_error(&site(), 429, "{}", retry_after(Some("7")));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }

    #[test]
    fn operation_codes() {
        assert_eq!(rpc_code_class(3), ErrorClass::InvalidInput);
        assert_eq!(rpc_code_class(7), ErrorClass::InvalidApiKey);
        assert_eq!(rpc_code_class(13), ErrorClass::Transient);
    }
}
