//! The scripted faults every route shares (see the crate docs): hangs, cut and trickling
//! connections, Google's 429s (per minute, per day, free tier), scripted statuses and truncated
//! JSON.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::google_error;
use crate::faults::Faults;
use crate::State;

/// `1500` → `"1.5s"`, `2250` → `"2.25s"`, `2000` → `"2s"`.
pub(crate) fn seconds_text(ms: u64) -> String {
    let whole = ms / 1000;
    let frac = ms % 1000;
    if frac == 0 {
        format!("{whole}s")
    } else {
        let f = format!("{frac:03}");
        format!("{whole}.{}s", f.trim_end_matches('0'))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Quota {
    PerMinute,
    PerDay,
    FreeTier,
}

/// Google's 429: no `Retry-After` header; `QuotaFailure`, `Help` and `RetryInfo` details.
fn quota_error(model: &str, quota: Quota, delay_ms: u64) -> Response {
    let (metric, id, limit) = match quota {
        Quota::PerMinute => (
            "generativelanguage.googleapis.com/generate_requests_per_model",
            "GenerateRequestsPerMinutePerProjectPerModel",
            10,
        ),
        Quota::PerDay => (
            "generativelanguage.googleapis.com/generate_requests_per_model_per_day",
            "GenerateRequestsPerDayPerProjectPerModel",
            100,
        ),
        Quota::FreeTier => (
            "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            0,
        ),
    };
    let delay = seconds_text(delay_ms);
    let message = format!(
        "You exceeded your current quota, please check your plan and billing details. For more \
         information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. \
         To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded \
         for metric: {metric}, limit: {limit}, model: {model}\nPlease retry in {delay}."
    );
    google_error(
        429,
        "RESOURCE_EXHAUSTED",
        &message,
        json!([
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
             "violations": [{"quotaMetric": metric, "quotaId": id,
                             "quotaDimensions": {"location": "global", "model": model},
                             "quotaValue": limit.to_string()}]},
            {"@type": "type.googleapis.com/google.rpc.Help",
             "links": [{"description": "Learn more about Gemini API quotas",
                        "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
        ]),
    )
}

/// Applies the faults every endpoint shares; `None` means "answer normally". `key` names what
/// a scripted 429 is counted against (the prompt, or the character for images).
pub(crate) async fn common_faults(
    state: &State,
    key: &str,
    model: &str,
    f: &Faults,
) -> Option<Response> {
    if f.hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if f.reset || f.trickle {
        return Some(broken_body(f.reset));
    }
    if let Some(r) = quota_fault(state, key, model, f) {
        return Some(r);
    }
    if let Some(r) = scripted_status(state, key, f) {
        return Some(r);
    }
    if f.malformed {
        return Some((StatusCode::OK, "{\"candidates\": [").into_response());
    }
    None
}

/// A 200 whose body never arrives whole: a few bytes and then a cut connection (`reset`), or
/// a byte a second (`trickle`).
fn broken_body(reset: bool) -> Response {
    let body = if reset {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"{\"candidates\": [")),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "scripted connection reset",
            )),
        ];
        axum::body::Body::from_stream(futures::stream::iter(chunks))
    } else {
        let drip = futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
        });
        axum::body::Body::from_stream(drip)
    };
    let mut r = Response::new(body);
    r.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("header value"),
    );
    r
}

/// The scripted 429s: every time (`quota-day`, `free-tier`), or once per `key` and again to a
/// retry sooner than the delay asked (`429`).
fn quota_fault(state: &State, key: &str, model: &str, f: &Faults) -> Option<Response> {
    if f.quota_day {
        return Some(quota_error(model, Quota::PerDay, f.retry_delay_ms()));
    }
    if f.free_tier {
        return Some(quota_error(model, Quota::FreeTier, f.retry_delay_ms()));
    }
    if f.throttle_once {
        let now = Instant::now();
        let mut throttled = state.throttled.lock().expect("lock");
        match throttled.get(key) {
            None => {
                let delay = f.retry_delay_ms();
                throttled.insert(key.to_owned(), now + Duration::from_millis(delay));
                return Some(quota_error(model, Quota::PerMinute, delay));
            }
            // Back too soon: Google's quota has not refilled either.
            Some(until) if *until > now => {
                let left = (*until - now).as_millis().max(1) as u64;
                return Some(quota_error(model, Quota::PerMinute, left));
            }
            Some(_) => {}
        }
    }
    None
}

/// A scripted status every time (`500`, `503`, `bad-request`), or a 503 for the first N
/// requests of `key` (`fail=N`).
fn scripted_status(state: &State, key: &str, f: &Faults) -> Option<Response> {
    let scripted_503 = f.fail_first.is_some_and(|n| {
        let mut failed = state.failed_first.lock().expect("lock");
        let count = failed.entry(key.to_owned()).or_default();
        *count += 1;
        *count <= n
    });
    let code = f.status.or(scripted_503.then_some(503))?;
    let status = match code {
        400 => "INVALID_ARGUMENT",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    let message = match code {
        400 => "Request contains an invalid argument. (scripted failure)",
        503 => "The model is overloaded. Please try again later. (scripted failure)",
        _ => "An internal error has occurred. (scripted failure)",
    };
    Some(google_error(code, status, message, json!([])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_said_in_seconds() {
        assert_eq!(seconds_text(1500), "1.5s");
        assert_eq!(seconds_text(2250), "2.25s");
        assert_eq!(seconds_text(2000), "2s");
        assert_eq!(seconds_text(5), "0.005s");
    }
}
