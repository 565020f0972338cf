//! Faults scripted by a `[mock:...]` marker in a prompt.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    pub throttle_once: bool,
    pub status: Option<u16>,
    pub hang: bool,
    /// 200, a few bytes of body, then the connection is cut.
    pub reset: bool,
    /// 200, then one byte a second: the body never finishes in time.
    pub trickle: bool,
    pub safety: bool,
    pub malformed: bool,
    pub no_image: bool,
    pub op_error: bool,
    pub polls: Option<u32>,
}

impl Faults {
    pub fn parse(prompt: &str) -> Faults {
        let mut f = Faults::default();
        let Some(start) = prompt.find("[mock:") else {
            return f;
        };
        let rest = &prompt[start + 6..];
        let spec = &rest[..rest.find(']').unwrap_or(rest.len())];
        for item in spec.split(',').map(str::trim) {
            match item {
                "429" => f.throttle_once = true,
                "500" => f.status = Some(500),
                "503" => f.status = Some(503),
                "bad-request" => f.status = Some(400),
                "hang" => f.hang = true,
                "reset" => f.reset = true,
                "trickle" => f.trickle = true,
                "safety" => f.safety = true,
                "malformed" => f.malformed = true,
                "no-image" => f.no_image = true,
                "op-error" => f.op_error = true,
                other => {
                    if let Some(n) = other.strip_prefix("polls=") {
                        f.polls = n.parse().ok();
                    }
                }
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_markers() {
        let f = Faults::parse("a knight [mock:429, polls=3] rides");
        assert!(f.throttle_once);
        assert_eq!(f.polls, Some(3));
        assert_eq!(Faults::parse("plain"), Faults::default());
    }
}
