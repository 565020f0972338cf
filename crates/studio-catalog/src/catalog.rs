//! The table itself: `models.toml` parsed into families, and the lookups over it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The table shipped with the studio.
const BUILTIN: &str = include_str!("../models.toml");

/// Which Google API serves a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The Gemini Developer API, with an API key.
    #[default]
    Gemini,
    /// Vertex AI (Gemini Enterprise Agent Platform), with OAuth.
    Vertex,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Gemini => "gemini",
            Backend::Vertex => "vertex",
        }
    }
}

/// What a model makes for the studio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Character images (Nano Banana).
    Image,
    /// Clips (Veo, Gemini Omni).
    Video,
    /// The studio's own offline and bench providers.
    Local,
    /// Text (Gemini Flash): planning a story into shots, answered as JSON.
    Text,
    /// Speech (Gemini TTS): voice-over dialogue and narration in a fixed voice.
    Speech,
    /// Music (Lyria): a film's music bed.
    Music,
}

/// The HTTP route a family is called through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Route {
    /// `models/{id}:generateContent` (Nano Banana).
    GenerateContent,
    /// `models/{id}:predictLongRunning`, then poll the operation (Veo).
    PredictLongRunning,
    /// `models/{id}:predict`, answered at once (Lyria 2 on Vertex).
    Predict,
    /// `interactions`, then poll the interaction (Gemini Omni).
    Interactions,
    /// No network.
    Local,
}

impl Route {
    /// The `supportedGenerationMethods` entry the Gemini API lists for this route, if any.
    pub fn listed_method(self) -> Option<&'static str> {
        match self {
            Route::GenerateContent => Some("generateContent"),
            Route::PredictLongRunning => Some("predictLongRunning"),
            Route::Predict => Some("predict"),
            Route::Interactions | Route::Local => None,
        }
    }
}

/// Where Vertex serves a family. Google serves Gemini 3.x models (every Nano Banana, Gemini
/// Omni) only at `locations/global`, and answers a regional path with a 404 "Publisher Model …
/// was not found"; Veo is served from regions (`../shared/google-2026.md`, December update §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum VertexLocation {
    /// Only `locations/global` (host `aiplatform.googleapis.com`).
    Global,
    /// The creator's region (`google.location` / `GOOGLE_CLOUD_LOCATION`, `us-central1` by
    /// default).
    Region,
}

/// How a speech request names its voice in `speechConfig.voiceConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum VoiceConfig {
    /// `{"voice": "Kore"}` (Gemini 3.8 TTS; also takes extended, designed and replicated ids).
    Voice,
    /// `{"prebuiltVoiceConfig": {"voiceName": "Kore"}}` (the legacy 2.5 and 3.1 previews).
    Prebuilt,
}

/// What a speech or music model answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// A whole RIFF WAV file.
    Wav,
    /// Raw 16-bit little-endian mono PCM at 24 kHz (`audio/L16;codec=pcm;rate=24000`).
    Pcm24k,
    /// MP3.
    Mp3,
}

impl AudioFormat {
    /// The file extension of audio in this format once written (raw PCM is wrapped in a WAV).
    pub fn ext(self) -> &'static str {
        match self {
            AudioFormat::Wav | AudioFormat::Pcm24k => "wav",
            AudioFormat::Mp3 => "mp3",
        }
    }
}

/// Full models for high and 4k; fast and lite ones for drafts when the creator allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Full,
    Fast,
    Lite,
}

/// One family of models and the rules its members share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Family {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub route: Route,
    pub backends: Vec<Backend>,
    /// Where Vertex serves the family; required of every family Vertex serves.
    #[serde(default)]
    pub vertex_location: Option<VertexLocation>,
    pub patterns: Vec<String>,
    pub tier: Tier,
    pub priority: i32,
    #[serde(default)]
    pub durations: Vec<u32>,
    #[serde(default)]
    pub resolutions: Vec<String>,
    #[serde(default)]
    pub aspect_ratios: Vec<String>,
    /// Resolutions or features (`references`) that only some durations allow.
    #[serde(default)]
    pub durations_for: BTreeMap<String, Vec<u32>>,
    #[serde(default)]
    pub max_reference_images: u32,
    #[serde(default)]
    pub first_frame: bool,
    #[serde(default)]
    pub last_frame: bool,
    /// How the model continues a clip it made (video extension); None: it cannot.
    #[serde(default)]
    pub extend: Option<Extension>,
    #[serde(default)]
    pub audio: bool,
    /// `personGeneration` per mode (`text`, `image`, `references`); absent modes send none.
    #[serde(default)]
    pub person_generation: BTreeMap<String, String>,
    #[serde(default)]
    pub image_sizes: Vec<String>,
    #[serde(default)]
    pub price_per_second: BTreeMap<String, f64>,
    #[serde(default)]
    pub price_per_image: BTreeMap<String, f64>,
    /// The largest clip (MB) a generation may return inline; bigger ones must be delivered by
    /// URI. None: no limit known.
    #[serde(default)]
    pub inline_max_mb: Option<f64>,
    /// Typical bitrate of a clip per resolution (Mbit/s, audio included), for its expected size.
    #[serde(default)]
    pub megabits_per_second: BTreeMap<String, f64>,
    /// USD an image's thinking adds at the family's default thinking level (thinking tokens
    /// are billed as output), on top of `price_per_image`.
    #[serde(default)]
    pub thinking_per_image: f64,
    /// How long one call typically takes, in seconds (an image, or one clip), for the time a
    /// render is expected to take. Google's figures are from memory of its docs (11 s to 6 min
    /// for a clip) and unverified; the offline one is measured.
    #[serde(default)]
    pub typical_seconds: Option<f64>,
    /// Text families: USD per 1M input and output tokens (thinking is billed as output).
    #[serde(default)]
    pub price_per_million_tokens: Option<crate::text::TokenPrices>,
    /// Text families: thinking tokens a planning call typically spends at the default thinking
    /// level, for the estimate made before asking.
    #[serde(default)]
    pub thinking_tokens: Option<u32>,
    /// Speech: the prebuilt voice names the model speaks in.
    #[serde(default)]
    pub voices: Vec<String>,
    /// Speech: glob patterns of the other voice ids the model takes (extended library `ext_…`,
    /// designed `voice_…`, replicated `voicekey_…`).
    #[serde(default)]
    pub voice_patterns: Vec<String>,
    /// Speech: how `speechConfig` names the voice.
    #[serde(default)]
    pub voice_config: Option<VoiceConfig>,
    /// Speech: the delivery goes in `speechMetadata.style`, apart from the words (3.8: the text
    /// is spoken verbatim); else the model reads a style prefix from the text.
    #[serde(default)]
    pub style_metadata: bool,
    /// Speech: `temperature`, `topP` and `topK` are refused (400), not ignored.
    #[serde(default)]
    pub refuses_sampling: bool,
    /// Speech: the most voices one request may hold.
    #[serde(default)]
    pub max_speakers: Option<u32>,
    /// Speech: the most text tokens one request may send.
    #[serde(default)]
    pub input_token_limit: Option<u32>,
    /// Speech: audio output tokens billed per second of audio (for estimates; the answer's
    /// usage counts them exactly).
    #[serde(default)]
    pub audio_tokens_per_second: Option<f64>,
    /// Speech and music: what the model answers with.
    #[serde(default)]
    pub output_format: Option<AudioFormat>,
    /// Music: the fixed length of every clip, in seconds.
    #[serde(default)]
    pub clip_seconds: Option<f64>,
    /// Music: the longest piece the model makes, in seconds (models of no fixed length).
    #[serde(default)]
    pub max_seconds: Option<f64>,
    /// Music: USD per clip (or song).
    #[serde(default)]
    pub price_per_clip: Option<f64>,
}

impl Family {
    /// Whether `model` belongs to this family.
    pub fn matches(&self, model: &str) -> bool {
        self.patterns.iter().any(|p| glob(p, model))
    }

    /// Whether this family natively renders 4k (no upscale afterwards).
    pub fn native_4k(&self) -> bool {
        self.resolutions.iter().any(|r| r == "4k")
    }

    /// Whether a clip of `seconds` at `resolution` is expected to come back inline: within the
    /// family's inline limit with a quarter to spare (bitrates vary with the picture). An
    /// unknown bitrate under a known limit does not fit: delivery by URI always works.
    pub fn inline_fits(&self, resolution: &str, seconds: u32) -> bool {
        let Some(limit) = self.inline_max_mb else {
            return true;
        };
        self.megabits_per_second
            .get(resolution)
            .is_some_and(|mbps| mbps * f64::from(seconds) / 8.0 <= 0.75 * limit)
    }

    /// How the model continues a clip on `backend`; None where it cannot there.
    pub fn extension_on(&self, backend: Backend) -> Option<&Extension> {
        self.extend.as_ref().filter(|x| x.served_on(backend))
    }

    /// The family as `backend` serves it: its extension dropped where that back end does not
    /// serve one. The table's rows are per family, but Google serves some modes per back end
    /// (Veo Lite extends on Vertex only); a model chosen for a back end carries this view, so
    /// every rule checked on its `Choice` (`check_extend`) is the back end's.
    pub fn on(&self, backend: Backend) -> Family {
        let mut family = self.clone();
        if self.extension_on(backend).is_none() {
            family.extend = None;
        }
        family
    }

    /// The durations `feature` (a resolution or `references`) allows; `None`: any of the family's.
    pub fn durations_for(&self, feature: &str) -> Option<&[u32]> {
        self.durations_for.get(feature).map(Vec::as_slice)
    }
}

/// A family's rules for continuing a clip (Veo's video extension on Vertex, Omni's `extend`
/// task): what one call adds, and how long the clip may be before and after. Whole seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// The seconds one call may add (Veo on Vertex: exactly 7).
    pub seconds: Vec<u32>,
    /// The shortest clip the model extends.
    pub input_min: u32,
    /// The longest clip the model extends (None: only `total_max` bounds it).
    #[serde(default)]
    pub input_max: Option<u32>,
    /// The longest clip an extension may make (the input and what is added).
    pub total_max: u32,
    /// The one resolution the model extends at, whatever the job's quality (Veo: 720p); the
    /// added seconds are priced and billed at it. None: at the job's quality, like a clip.
    /// Absent from the plans recorded by earlier releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// The back ends the model extends on; empty: every back end of its family. Google serves
    /// extension per back end, not per model (Veo Lite extends on Vertex, not on the Gemini
    /// API). Absent from the plans recorded by earlier releases, and left out when empty so a
    /// family without it is written as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<Backend>,
}

impl Extension {
    /// Whether the model extends clips on `backend`.
    pub fn served_on(&self, backend: Backend) -> bool {
        self.backends.is_empty() || self.backends.contains(&backend)
    }
}

/// A model Google has shut down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retired {
    pub id: String,
    pub date: String,
    /// The model Google names in its place, for the error a pinned retired id gets.
    #[serde(default)]
    pub replacement: Option<String>,
}

impl Retired {
    /// "X was shut down on D; Google moved it to Y" (for errors and doctor).
    pub fn describe(&self) -> String {
        match &self.replacement {
            Some(r) => format!(
                "{} was shut down on {}; Google replaced it with {r}",
                self.id, self.date
            ),
            None => format!("{} was shut down on {}", self.id, self.date),
        }
    }
}

/// The table: every family and the retired ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub format: u32,
    pub updated: String,
    #[serde(rename = "family")]
    pub families: Vec<Family>,
    #[serde(default)]
    pub retired: Vec<Retired>,
}

/// The table could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    #[error("the model table is not valid TOML: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("the model table is inconsistent: {0}")]
    Invalid(String),
}

impl Catalog {
    /// The table built into this release.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            // The table is part of the source tree and parsed by a unit test: a broken one
            // never ships.
            Catalog::parse(BUILTIN).expect("the built-in models.toml is valid")
        })
    }

    /// Parses and checks a table.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let catalog: Catalog = toml::from_str(text)?;
        for f in &catalog.families {
            let bad = |what: &str| CatalogError::Invalid(format!("family {}: {what}", f.id));
            if f.patterns.is_empty() {
                return Err(bad("no patterns"));
            }
            if matches!(f.role, Role::Video | Role::Local) && f.durations.is_empty() {
                return Err(bad("no durations"));
            }
            crate::sound::check_family(f).map_err(|what| bad(&what))?;
            if f.role == Role::Text && f.price_per_million_tokens.is_none() {
                return Err(bad("a text family without price_per_million_tokens"));
            }
            if let Some(x) = &f.extend {
                if let Some(b) = x.backends.iter().find(|b| !f.backends.contains(b)) {
                    return Err(bad(&format!(
                        "extends on {}, a back end that does not serve the family (backends)",
                        b.as_str()
                    )));
                }
                if x.seconds.is_empty() || x.seconds.contains(&0) {
                    return Err(bad("extend adds no seconds"));
                }
                let input_max = x.input_max.unwrap_or(x.total_max);
                if x.input_min == 0 || x.input_min > input_max || input_max > x.total_max {
                    return Err(bad(
                        "extend's lengths are out of order (input_min <= input_max <= total_max)",
                    ));
                }
                if let Some(r) = &x.resolution {
                    if !f.price_per_second.contains_key(r) {
                        return Err(bad(&format!(
                            "extends at {r}, which has no price_per_second"
                        )));
                    }
                }
            }
            for (feature, ds) in &f.durations_for {
                if let Some(d) = ds.iter().find(|d| !f.durations.contains(d)) {
                    return Err(bad(&format!("{feature} allows {d} s, not a duration")));
                }
            }
            if f.backends.contains(&Backend::Vertex) && f.vertex_location.is_none() {
                return Err(bad(
                    "served on Vertex but says nowhere where (vertex_location)",
                ));
            }
            let prices = f
                .price_per_second
                .values()
                .chain(f.price_per_image.values())
                .chain([&f.thinking_per_image])
                .chain(
                    f.price_per_million_tokens
                        .iter()
                        .flat_map(|t| [&t.input, &t.output]),
                )
                .chain(f.price_per_clip.iter());
            if prices.into_iter().any(|p| !p.is_finite() || *p < 0.0) {
                return Err(bad("a price is negative or not a number"));
            }
        }
        Ok(catalog)
    }

    /// The family of `model`: the first whose patterns match.
    pub fn family_of(&self, model: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.matches(model))
    }

    pub fn family(&self, id: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.id == id)
    }

    /// When `model` was shut down, if it was.
    pub fn retired(&self, model: &str) -> Option<&Retired> {
        self.retired.iter().find(|r| r.id == model)
    }

    /// The table's price of one unit of `model`'s output: a second of video at `resolution`, or
    /// an image at `size` (the family's smallest priced size when not given).
    pub fn unit_price(&self, model: &str, video: bool, tier: Option<&str>) -> Option<f64> {
        let f = self.family_of(model)?;
        let prices = if video {
            &f.price_per_second
        } else {
            &f.price_per_image
        };
        match tier {
            Some(t) => prices.get(t).copied(),
            None if video => f
                .resolutions
                .iter()
                .find_map(|r| prices.get(r))
                .or_else(|| prices.values().next())
                .copied(),
            None => prices.get("1K").or_else(|| prices.values().next()).copied(),
        }
        .map(|p| if video { p } else { p + f.thinking_per_image })
    }
}

/// Glob match with `*` standing for any text (possibly empty).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// A member of `family` named from the table's first pattern, each `*` filled in turn: the
/// tests follow the table, not whatever Google calls its models this year.
#[cfg(test)]
pub(crate) fn member(family: &str, fills: &[&str]) -> String {
    let pattern = &Catalog::builtin().family(family).unwrap().patterns[0];
    let mut fills = fills.iter();
    pattern
        .split('*')
        .enumerate()
        .map(|(i, part)| {
            let fill = if i == 0 {
                ""
            } else {
                fills.next().copied().unwrap_or("")
            };
            format!("{fill}{part}")
        })
        .collect()
}

#[cfg(test)]
mod tests;
