//! What a worker is: the provider it makes media with and the queues it polls. Plain values,
//! parsed from the command line and the settings file, shared by every floor (the CLI names
//! them, the API stores them, the engine runs them).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::quality::ParseError;

/// Which provider a worker uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Deterministic local PNGs and H.264 clips; no network, no keys.
    #[default]
    Offline,
    /// Fixed-latency placeholders for measuring orchestration alone.
    Bench,
    /// Nano Banana and Gemini Omni (or Veo, where listed) on the Gemini Developer API (API key).
    Gemini,
    /// Nano Banana, Veo and Gemini Omni on Vertex AI (OAuth).
    Vertex,
}

impl ProviderKind {
    /// The provider when none is chosen explicitly, following Google's client conventions:
    /// `GOOGLE_GENAI_USE_VERTEXAI=true` selects Vertex, an API key in `GEMINI_API_KEY` or
    /// `GOOGLE_API_KEY` selects Gemini, and with no keys the offline provider runs.
    pub fn from_google_env() -> ProviderKind {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let vertex = env("GOOGLE_GENAI_USE_VERTEXAI")
            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
            .unwrap_or(false);
        if vertex {
            ProviderKind::Vertex
        } else if env("GEMINI_API_KEY")
            .or_else(|| env("GOOGLE_API_KEY"))
            .is_some()
        {
            ProviderKind::Gemini
        } else {
            ProviderKind::Offline
        }
    }
}

impl FromStr for ProviderKind {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "offline" => Ok(ProviderKind::Offline),
            "bench" => Ok(ProviderKind::Bench),
            "gemini" => Ok(ProviderKind::Gemini),
            "vertex" => Ok(ProviderKind::Vertex),
            _ => Err(ParseError {
                what: "provider",
                value: s.into(),
                expected: "offline, gemini, vertex, bench",
            }),
        }
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProviderKind::Offline => "offline",
            ProviderKind::Bench => "bench",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Vertex => "vertex",
        })
    }
}

/// The two kinds of work a worker can poll for. Fast work (workflow tasks, character images,
/// stitching) takes seconds and little memory; slow work (video clips, 4K enhance) takes minutes
/// and waits on a paid provider, so operators size and place it separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueRole {
    Fast,
    Slow,
}

impl QueueRole {
    pub const ALL: [QueueRole; 2] = [QueueRole::Fast, QueueRole::Slow];
}

impl std::fmt::Display for QueueRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QueueRole::Fast => "fast",
            QueueRole::Slow => "slow",
        })
    }
}

impl std::str::FromStr for QueueRole {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        match s.trim() {
            "fast" => Ok(QueueRole::Fast),
            "slow" => Ok(QueueRole::Slow),
            other => Err(ParseError {
                what: "queue",
                value: other.into(),
                expected: "fast, slow or fast,slow",
            }),
        }
    }
}

/// Parses `--queues fast,slow` (any order, duplicates ignored).
pub fn parse_queue_roles(list: &str) -> Result<Vec<QueueRole>, ParseError> {
    let mut roles = Vec::new();
    for part in list.split(',').filter(|p| !p.trim().is_empty()) {
        let role: QueueRole = part.parse()?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return Err(ParseError {
            what: "queue",
            value: list.into(),
            expected: "fast, slow or fast,slow",
        });
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_lists_parse_in_any_order_and_name_a_bad_value() {
        assert_eq!(
            parse_queue_roles("slow, fast,slow").unwrap(),
            vec![QueueRole::Slow, QueueRole::Fast]
        );
        let err = parse_queue_roles("fast,medium").unwrap_err().to_string();
        assert!(err.contains("\"medium\""), "{err}");
        assert!(parse_queue_roles(",").is_err());
    }
}
