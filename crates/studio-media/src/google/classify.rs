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
    /// The HTTP status as a number in google.rpc.Status; a string naming the error in the
    /// Interactions API's own shape.
    #[serde(default)]
    pub code: serde_json::Value,
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

fn detail<'a>(
    body: &'a ErrorBody,
    type_suffix: &str,
) -> impl Iterator<Item = &'a serde_json::Value> {
    let suffix = format!("google.rpc.{type_suffix}");
    body.details.iter().filter(move |d| {
        d.get("@type")
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.ends_with(&suffix))
    })
}

/// `google.rpc.RetryInfo.retryDelay` ("34.4s", "26s", "45.837906927s"): the only place a 429
/// from Google says how long to wait (no Retry-After header is sent).
pub(crate) fn retry_delay(body: &ErrorBody) -> Option<Duration> {
    detail(body, "RetryInfo")
        .filter_map(|d| d.get("retryDelay"))
        .find_map(|v| match v {
            serde_json::Value::String(s) => s.trim().strip_suffix('s')?.parse::<f64>().ok(),
            // The proto JSON form of a Duration is a string, but take {seconds, nanos} too.
            serde_json::Value::Object(o) => Some(
                o.get("seconds")
                    .and_then(|s| s.as_f64().or_else(|| s.as_str()?.parse().ok()))?
                    + o.get("nanos").and_then(|n| n.as_f64()).unwrap_or(0.0) / 1e9,
            ),
            _ => None,
        })
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
        .map(Duration::from_secs_f64)
}

/// The quota a 429 names when it cannot refill soon: a per-day quota, or a free tier whose
/// limit is 0 (the model has no free tier). Per-minute quotas refill: those are waited out.
pub(crate) fn exhausted_quota(body: &ErrorBody) -> Option<String> {
    let ids: Vec<String> = detail(body, "QuotaFailure")
        .filter_map(|d| d.get("violations")?.as_array())
        .flatten()
        .filter_map(|v| {
            v.get("quotaId")
                .or_else(|| v.get("quotaMetric"))
                .and_then(|q| q.as_str())
                .map(str::to_owned)
        })
        .collect();
    if let Some(day) = ids.iter().find(|q| q.contains("PerDay")) {
        return Some(day.clone());
    }
    if body.message.contains("limit: 0") {
        return Some(
            ids.first()
                .cloned()
                .unwrap_or_else(|| "free tier (limit 0)".into()),
        );
    }
    None
}

/// Class of a non-2xx HTTP answer.
pub(crate) fn http_status_class(status: u16, body: &ErrorBody) -> ErrorClass {
    let api_key_invalid = body
        .details
        .iter()
        .any(|d| d.get("reason").and_then(|r| r.as_str()) == Some("API_KEY_INVALID"));
    if status == 403 && quota_project_problem(body).is_some() {
        return ErrorClass::Settings;
    }
    // A generated file used before it is ready (Files API: "… is not in an ACTIVE state and
    // usage is not allowed"): it will be, so the download is worth another try.
    if status == 400 && body.message.contains("not in an ACTIVE state") {
        return ErrorClass::Transient;
    }
    match status {
        400 if api_key_invalid => ErrorClass::InvalidApiKey,
        400 => ErrorClass::InvalidInput,
        401 | 403 => ErrorClass::InvalidApiKey,
        404 => ErrorClass::UnsupportedModel,
        429 if exhausted_quota(body).is_some() => ErrorClass::QuotaExceeded,
        _ => ErrorClass::Transient,
    }
}

/// What to do about a 403 that is about the quota project of user credentials, not about the
/// credentials themselves: none was sent ("…API requires a quota project, which is not set by
/// default"), or the one sent may not be billed by this user (`USER_PROJECT_DENIED`).
pub(crate) fn quota_project_problem(body: &ErrorBody) -> Option<&'static str> {
    let reason = |r: &str| {
        body.details
            .iter()
            .any(|d| d.get("reason").and_then(|v| v.as_str()) == Some(r))
    };
    if body.message.contains("requires a quota project") {
        Some(
            "Vertex needs a quota project with user credentials: run `gcloud auth \
             application-default set-quota-project PROJECT` (or set google.project)",
        )
    } else if reason("USER_PROJECT_DENIED") {
        Some(
            "these user credentials may not bill the quota project: grant them the Service \
             Usage Consumer role on it (roles/serviceusage.serviceUsageConsumer), or run `gcloud \
             auth application-default set-quota-project` with a project they may use",
        )
    } else {
        None
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
    let mut class = http_status_class(status, &env.error);
    let mut env = env;
    if let serde_json::Value::String(code) = &env.error.code {
        // The Interactions API's shape: its string code says more than the status alone
        // (a 400 may be a content-policy refusal; a 429 a quota that will not refill).
        let by_code = interaction_code_class(code, &env.error.message);
        if status != 401 && status != 403 && by_code != ErrorClass::Transient {
            class = by_code;
        }
        if env.error.status.is_empty() {
            env.error.status = code.clone();
        }
    }
    // A header wins should one ever come; Google puts the wait in the body.
    let retry_after = retry_after.or_else(|| retry_delay(&env.error));
    if let Some(fix) = quota_project_problem(&env.error).filter(|_| status == 403) {
        return site.error(
            class,
            format!("{fix} (HTTP 403: {})", env.error.message.trim()),
            None,
        );
    }
    if class == ErrorClass::QuotaExceeded {
        let quota =
            exhausted_quota(&env.error).unwrap_or_else(|| env.error.status.trim().to_owned());
        return site.error(
            class,
            format!(
                "HTTP {status} quota {quota} is used up and will not refill soon: {}",
                env.error.message.trim()
            ),
            None,
        );
    }
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
/// Input errors (3, 9) are not retried; 13 INTERNAL, 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED and
/// 8 RESOURCE_EXHAUSTED are worth a new submission (failed generations are not billed).
pub(crate) fn rpc_code_class(code: i64) -> ErrorClass {
    match code {
        3 | 9 | 11 => ErrorClass::InvalidInput, // INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE
        5 => ErrorClass::UnsupportedModel,      // NOT_FOUND
        7 | 16 => ErrorClass::InvalidApiKey,    // PERMISSION_DENIED, UNAUTHENTICATED
        _ => ErrorClass::Transient,
    }
}

/// Class of an Interactions API error, whose `code` is a string (`{"error": {"code":
/// "<string>", "message": …}}`, not google.rpc.Status): quota and rate limits, invalid requests,
/// content policy, missing models, credentials, and the rest transient. The canonical status
/// names (`RESOURCE_EXHAUSTED`, `NOT_FOUND`, …) are taken in any case.
pub(crate) fn interaction_code_class(code: &str, message: &str) -> ErrorClass {
    let c = code.to_ascii_lowercase();
    let m = message.to_ascii_lowercase();
    let any = |words: &[&str], text: &str| words.iter().any(|w| text.contains(w));
    if any(
        &["quota", "resource_exhausted", "rate_limit", "too_many"],
        &c,
    ) {
        // A quota that will not refill soon is final; a rate limit is waited out.
        if any(&["per day", "perday", "per_day", "limit: 0", "budget"], &m) {
            ErrorClass::QuotaExceeded
        } else {
            ErrorClass::Transient
        }
    } else if any(&["not_found", "notfound"], &c) {
        ErrorClass::UnsupportedModel
    } else if any(
        &["permission", "unauthenticated", "api_key", "forbidden"],
        &c,
    ) {
        ErrorClass::InvalidApiKey
    } else if any(&["safety", "polic", "filter", "blocked", "prohibited"], &c)
        || (!any(
            &["internal", "unavailable", "deadline", "timeout", "cancel"],
            &c,
        ) && any(&["safety", "usage polic", "filtered", "blocked"], &m))
    {
        ErrorClass::ContentPolicy
    } else if any(
        &[
            "invalid",
            "failed_precondition",
            "bad_request",
            "out_of_range",
            "unsupported",
        ],
        &c,
    ) {
        ErrorClass::InvalidInput
    } else {
        ErrorClass::Transient
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
            model: "some-video-model".into(),
        }
    }

    #[test]
    fn a_missing_quota_project_is_a_settings_error_that_says_what_to_run() {
        let body = r#"{"error":{"code":403,"message":"Your application is authenticating by using local Application Default Credentials. The aiplatform.googleapis.com API requires a quota project, which is not set by default. To learn how to set your quota project, see https://cloud.google.com/docs/authentication/adc-troubleshooting/user-creds .","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED","domain":"googleapis.com","metadata":{"service":"aiplatform.googleapis.com","consumer":"projects/764086051850"}}]}}"#;
        let e = http_error(&site(), 403, body, None);
        assert_eq!(e.class(), ErrorClass::Settings);
        assert!(
            e.to_string()
                .contains("gcloud auth application-default set-quota-project"),
            "{e}"
        );
        let denied = r#"{"error":{"code":403,"message":"Caller does not have required permission to use project p.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"USER_PROJECT_DENIED"}]}}"#;
        assert_eq!(
            http_error(&site(), 403, denied, None).class(),
            ErrorClass::Settings
        );
        // Any other 403 is still about the credentials.
        let other =
            r#"{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}"#;
        assert_eq!(
            http_error(&site(), 403, other, None).class(),
            ErrorClass::InvalidApiKey
        );
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
            assert!(text.contains("gemini (some-video-model)"), "{text}");
        }
    }

    #[test]
    fn retry_after_is_carried_on_429() {
        let err = http_error(&site(), 429, "{}", retry_after(Some("7")));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }

    #[test]
    fn retry_info_sets_the_wait_and_a_daily_quota_is_not_retried() {
        let per_minute = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"You exceeded your current quota. Please retry in 34.4s.","details":[
            {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_requests_per_model","quotaId":"GenerateRequestsPerMinutePerProjectPerModel"}]},
            {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.4s"}]}}"#;
        let err = http_error(&site(), 429, per_minute, None);
        assert_eq!(err.class(), ErrorClass::Transient);
        assert_eq!(err.retry_after(), Some(Duration::from_millis(34_400)));
        let per_day = per_minute.replace("PerMinute", "PerDay");
        let err = http_error(&site(), 429, &per_day, None);
        assert_eq!(err.class(), ErrorClass::QuotaExceeded);
        assert_eq!(err.retry_after(), None);
        assert!(
            err.to_string()
                .contains("GenerateRequestsPerDayPerProjectPerModel"),
            "{err}"
        );
        let free = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"Quota exceeded for metric: generate_content_free_tier_requests, limit: 0, model: x","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"45.837906927s"}]}}"#;
        assert_eq!(
            http_error(&site(), 429, free, None).class(),
            ErrorClass::QuotaExceeded
        );
        // No body detail and no header: the retry policy's own backoff.
        assert_eq!(http_error(&site(), 429, "{}", None).retry_after(), None);
    }

    #[test]
    fn operation_codes() {
        assert_eq!(rpc_code_class(3), ErrorClass::InvalidInput);
        assert_eq!(rpc_code_class(7), ErrorClass::InvalidApiKey);
        assert_eq!(rpc_code_class(13), ErrorClass::Transient);
        assert_eq!(rpc_code_class(14), ErrorClass::Transient);
        assert_eq!(rpc_code_class(4), ErrorClass::Transient);
        assert_eq!(rpc_code_class(9), ErrorClass::InvalidInput);
    }
}
