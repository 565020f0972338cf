//! Faults scripted by a `[mock:...]` marker in a prompt (see the crate docs for the list).

/// The `retryDelay` of a scripted `[mock:429]`, in milliseconds.
pub const DEFAULT_RETRY_DELAY_MS: u64 = 1500;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// `429` / `429=SECONDS`: one 429 per prompt (per character for images), then success once
    /// the delay has passed.
    pub throttle_once: bool,
    /// The `retryDelay` of that 429 (`None`: [`DEFAULT_RETRY_DELAY_MS`]).
    pub throttle_delay_ms: Option<u64>,
    /// `quota-day`: every request is a 429 with the per-day quota id (a RetryInfo too).
    pub quota_day: bool,
    /// `free-tier`: every request is a 429 with the free-tier quota id and `limit: 0`.
    pub free_tier: bool,
    pub status: Option<u16>,
    /// `fail=N`: the first N requests of the prompt get a 503 (as `503`), later ones succeed.
    pub fail_first: Option<u32>,
    pub hang: bool,
    /// 200, a few bytes of body, then the connection is cut.
    pub reset: bool,
    /// 200, then one byte a second: the body never finishes in time.
    pub trickle: bool,
    pub safety: bool,
    pub malformed: bool,
    pub no_image: bool,
    /// Every operation (interaction) of the prompt fails with code 13.
    pub op_error: bool,
    /// The first operation (interaction) of the prompt fails with code 13; later ones succeed.
    pub op_error_once: bool,
    /// Every operation (interaction) of the prompt fails with code 3 (INVALID_ARGUMENT).
    pub op_invalid: bool,
    /// The operation finishes with an empty `response` (the interaction with no video).
    pub no_video: bool,
    /// Gemini API: the finished video comes inline (`encodedVideo`) instead of as a file URI.
    pub inline: bool,
    /// Vertex: the finished video comes as `videoGcsUri` (a `gs://mock-bucket/...` object).
    pub gcs_key: bool,
    pub polls: Option<u32>,
    /// `redirect`: the finished video's download (a Gemini file's `:download`, a Cloud Storage
    /// `alt=media` read) answers 302 to a signed URL on the mock's other origin.
    pub redirect: bool,
    /// A Gemini file delivered by URI answers `PROCESSING` to this many state checks first
    /// (default 1).
    pub file_processing: Option<u32>,
    /// Text models: the first answer for a story leaves its last sentence out of every shot
    /// (a plan the faithfulness check refuses); the next answer for it is whole.
    pub drop_sentence: bool,
    /// Text models: `finish=REASON` ends the candidate with that `finishReason` (`MAX_TOKENS`
    /// with the answer cut short; `SAFETY`, `RECITATION`, … with no content).
    pub finish: Option<String>,
    /// Text models: `not-json` answers prose (ending `STOP`, billed like any answer) although
    /// JSON was asked for.
    pub not_json: bool,
    /// Speech models: `refuse-voice` answers a 400 naming the request's voice (a voice Google
    /// stopped serving since it was listed), whatever the voice.
    pub refuse_voice: bool,
}

impl Faults {
    /// Reads every `[mock:a, b, ...]` marker in `prompt`.
    pub fn parse(prompt: &str) -> Faults {
        let mut f = Faults::default();
        let mut rest = prompt;
        while let Some(start) = rest.find("[mock:") {
            let after = &rest[start + 6..];
            let end = after.find(']').unwrap_or(after.len());
            for item in after[..end].split(',').map(str::trim) {
                f.apply(item);
            }
            rest = &after[end..];
        }
        f
    }

    fn apply(&mut self, item: &str) {
        match item {
            "429" => self.throttle_once = true,
            "quota-day" => self.quota_day = true,
            "free-tier" => self.free_tier = true,
            "500" => self.status = Some(500),
            "503" => self.status = Some(503),
            "bad-request" => self.status = Some(400),
            "hang" => self.hang = true,
            "reset" => self.reset = true,
            "trickle" => self.trickle = true,
            "safety" => self.safety = true,
            "malformed" => self.malformed = true,
            "no-image" => self.no_image = true,
            "op-error" => self.op_error = true,
            "op-error-once" => self.op_error_once = true,
            "op-invalid" => self.op_invalid = true,
            "no-video" => self.no_video = true,
            "inline" => self.inline = true,
            "gcs-key" => self.gcs_key = true,
            "redirect" => self.redirect = true,
            "drop-sentence" => self.drop_sentence = true,
            "not-json" => self.not_json = true,
            "refuse-voice" => self.refuse_voice = true,
            other => {
                if let Some(n) = other.strip_prefix("fail=") {
                    self.fail_first = n.trim().parse().ok();
                } else if let Some(n) = other.strip_prefix("file-processing=") {
                    self.file_processing = n.trim().parse().ok();
                } else if let Some(r) = other.strip_prefix("finish=") {
                    let r = r.trim();
                    if !r.is_empty() && r.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                        self.finish = Some(r.to_owned());
                    }
                } else if let Some(n) = other.strip_prefix("polls=") {
                    self.polls = n.trim().parse().ok();
                } else if let Some(s) = other.strip_prefix("429=") {
                    if let Ok(secs) = s.trim().parse::<f64>() {
                        if secs.is_finite() && secs >= 0.0 {
                            self.throttle_once = true;
                            self.throttle_delay_ms = Some((secs * 1000.0).round() as u64);
                        }
                    }
                }
            }
        }
    }

    /// The `retryDelay` of the scripted 429, in milliseconds.
    pub fn retry_delay_ms(&self) -> u64 {
        self.throttle_delay_ms.unwrap_or(DEFAULT_RETRY_DELAY_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_markers() {
        let f = Faults::parse("a knight [mock:429, polls=3] rides");
        assert!(f.throttle_once);
        assert_eq!(f.retry_delay_ms(), 1500);
        assert_eq!(f.polls, Some(3));
        assert_eq!(Faults::parse("plain"), Faults::default());
    }

    #[test]
    fn parses_the_new_markers_and_several_blocks() {
        let f = Faults::parse("x [mock:429=2.25] y [mock:op-error-once,inline, gcs-key]");
        assert!(f.throttle_once && f.op_error_once && f.inline && f.gcs_key);
        assert!(Faults::parse("[mock:gcs-key, redirect]").redirect);
        assert_eq!(f.retry_delay_ms(), 2250);
        assert_eq!(Faults::parse("[mock:fail=2]").fail_first, Some(2));
        let f = Faults::parse("[mock:quota-day,free-tier,op-invalid,no-video]");
        assert!(f.quota_day && f.free_tier && f.op_invalid && f.no_video);
        assert!(!f.throttle_once);
        assert!(!Faults::parse("[mock:429=soon]").throttle_once);
        let f = Faults::parse("[mock:drop-sentence, finish=MAX_TOKENS]");
        assert!(f.drop_sentence);
        assert_eq!(f.finish.as_deref(), Some("MAX_TOKENS"));
        assert_eq!(Faults::parse("[mock:finish=lower]").finish, None);
    }
}
