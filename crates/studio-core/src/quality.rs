//! Output quality, aspect ratio and clip length: the small closed vocabularies of a render.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A value outside one of the closed vocabularies below.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of {expected}")]
pub struct ParseError {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// Render quality. `standard` renders 720p clips, `high` 1080p, `4k` 1080p plus a 4K upscale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Quality {
    #[default]
    #[serde(rename = "standard")]
    Standard,
    #[serde(rename = "high")]
    High,
    #[serde(rename = "4k")]
    FourK,
}

impl Quality {
    pub const ALL: [Quality; 3] = [Quality::Standard, Quality::High, Quality::FourK];

    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Standard => "standard",
            Quality::High => "high",
            Quality::FourK => "4k",
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Quality {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quality::ALL
            .into_iter()
            .find(|q| q.as_str() == s)
            .ok_or_else(|| ParseError {
                what: "quality",
                value: s.to_owned(),
                expected: "standard, high, 4k",
            })
    }
}

/// Frame shape of every clip and of the stitched video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum AspectRatio {
    #[default]
    #[serde(rename = "16:9")]
    Landscape,
    #[serde(rename = "9:16")]
    Portrait,
}

impl AspectRatio {
    pub fn as_str(self) -> &'static str {
        match self {
            AspectRatio::Landscape => "16:9",
            AspectRatio::Portrait => "9:16",
        }
    }

    /// Pixel size of a clip at 720p for this shape.
    pub fn hd_size(self) -> (u32, u32) {
        match self {
            AspectRatio::Landscape => (1280, 720),
            AspectRatio::Portrait => (720, 1280),
        }
    }

    /// Pixel size of the 4K enhanced output for this shape.
    pub fn uhd_size(self) -> (u32, u32) {
        match self {
            AspectRatio::Landscape => (3840, 2160),
            AspectRatio::Portrait => (2160, 3840),
        }
    }
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AspectRatio {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "16:9" => Ok(AspectRatio::Landscape),
            "9:16" => Ok(AspectRatio::Portrait),
            _ => Err(ParseError {
                what: "aspect ratio",
                value: s.to_owned(),
                expected: "16:9, 9:16",
            }),
        }
    }
}

/// Clip length in whole seconds, 1 to 60; 8 is the product default. Which lengths a model
/// makes (4, 6 or 8 for Veo, 3 to 10 for Omni) is a rule of the model table, checked against
/// the job's chosen model before anything is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(try_from = "u32", into = "u32")]
#[cfg_attr(feature = "specta", specta(transparent))]
pub struct ClipSeconds(u32);

impl ClipSeconds {
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 60;

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for ClipSeconds {
    fn default() -> Self {
        ClipSeconds(8)
    }
}

impl TryFrom<u32> for ClipSeconds {
    type Error = ParseError;
    fn try_from(v: u32) -> Result<Self, Self::Error> {
        if (Self::MIN..=Self::MAX).contains(&v) {
            Ok(ClipSeconds(v))
        } else {
            Err(ParseError {
                what: "clip duration",
                value: v.to_string(),
                expected: "whole seconds from 1 to 60",
            })
        }
    }
}

impl FromStr for ClipSeconds {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseError {
            what: "clip duration",
            value: s.to_owned(),
            expected: "whole seconds from 1 to 60",
        };
        let n: u32 = s.trim().trim_end_matches('s').parse().map_err(|_| bad())?;
        ClipSeconds::try_from(n).map_err(|_| bad())
    }
}

impl std::fmt::Display for ClipSeconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} s", self.0)
    }
}

impl From<ClipSeconds> for u32 {
    fn from(v: ClipSeconds) -> u32 {
        v.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_round_trips_through_its_wire_names() {
        for q in Quality::ALL {
            assert_eq!(q.as_str().parse::<Quality>().unwrap(), q);
            assert_eq!(serde_json::to_string(&q).unwrap(), format!("\"{q}\""));
        }
        let err = "ultra".parse::<Quality>().unwrap_err();
        assert!(err.to_string().contains("\"ultra\""), "{err}");
    }

    #[test]
    fn clip_seconds_are_whole_seconds_in_range() {
        assert_eq!(ClipSeconds::try_from(5).unwrap().get(), 5);
        assert!(ClipSeconds::try_from(0).is_err());
        assert!(ClipSeconds::try_from(61).is_err());
        assert!(serde_json::from_str::<ClipSeconds>("7.5").is_err());
        assert_eq!("6".parse::<ClipSeconds>().unwrap().get(), 6);
        assert_eq!("8s".parse::<ClipSeconds>().unwrap().get(), 8);
        for bad in ["0", "61", "7.5", "eight"] {
            let err = bad.parse::<ClipSeconds>().unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
