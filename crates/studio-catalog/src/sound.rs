//! Speech and music models as data: the voices a speech family speaks in and its limits (one
//! table row per family, with sources in `models.toml`), the length and format of a music
//! family's clips, and the checks that keep a request inside them before anything is paid.

use studio_core::{Usage, UsageKind};

use crate::catalog::{glob, Catalog, Family, Role};
use crate::text::{tokens_of_chars, TokenPrices};

/// The table's rules a speech or music family must state, checked when the table is read:
/// a family missing one would send requests Google refuses or price them as free.
pub(crate) fn check_family(f: &Family) -> Result<(), String> {
    match f.role {
        Role::Speech => {
            if f.voices.is_empty() {
                return Err("a speech family without voices".into());
            }
            if f.voice_config.is_none() {
                return Err("a speech family without voice_config".into());
            }
            if f.output_format.is_none() {
                return Err("a speech family without output_format".into());
            }
            if f.max_speakers.is_none() || f.input_token_limit.is_none() {
                return Err("a speech family without max_speakers or input_token_limit".into());
            }
            if f.price_per_million_tokens.is_none() {
                return Err("a speech family without price_per_million_tokens".into());
            }
            if !f
                .audio_tokens_per_second
                .is_some_and(|t| t.is_finite() && t > 0.0)
            {
                return Err("a speech family without audio_tokens_per_second".into());
            }
        }
        Role::Music => {
            if f.output_format.is_none() {
                return Err("a music family without output_format".into());
            }
            if f.clip_seconds
                .or(f.max_seconds)
                .is_none_or(|s| s.is_nan() || s <= 0.0)
            {
                return Err("a music family without clip_seconds or max_seconds".into());
            }
            if f.price_per_clip.is_none() {
                return Err("a music family without price_per_clip".into());
            }
        }
        Role::Image | Role::Video | Role::Local | Role::Text => {}
    }
    Ok(())
}

impl Family {
    /// Whether this speech family speaks in `voice`: a prebuilt name (exactly as the table
    /// spells it: Google's names are case-sensitive) or an id matching a voice pattern.
    pub fn speaks_in(&self, voice: &str) -> bool {
        self.voices.iter().any(|v| v == voice)
            || self
                .voice_patterns
                .iter()
                .any(|p| glob(p, voice) && voice.len() > p.trim_end_matches('*').len())
    }

    /// Seconds of audio a speech family's `tokens` audio output tokens hold (None for other
    /// families).
    pub fn audio_seconds(&self, tokens: u32) -> Option<f64> {
        self.audio_tokens_per_second
            .filter(|t| *t > 0.0)
            .map(|t| f64::from(tokens) / t)
    }

    /// Audio output tokens of `seconds` of speech, rounded up (None for other families).
    pub fn audio_tokens(&self, seconds: f64) -> Option<u32> {
        let per = self.audio_tokens_per_second?;
        let tokens = (seconds.max(0.0) * per).ceil();
        Some(if tokens >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            tokens as u32
        })
    }
}

/// The usage lines of a speech call: `input` text tokens read, `output` audio tokens written.
/// Lines of zero are left out.
pub fn speech_usage(model: &str, input: u32, output: u32) -> Vec<Usage> {
    [
        (UsageKind::SpeechInputToken, input),
        (UsageKind::SpeechOutputToken, output),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(kind, quantity)| Usage {
        model: model.to_owned(),
        kind,
        quantity,
        resolution: None,
    })
    .collect()
}

/// The usage line of one music clip (or song) from `model`.
pub fn music_usage(model: &str) -> Vec<Usage> {
    vec![Usage {
        model: model.to_owned(),
        kind: UsageKind::MusicClip,
        quantity: 1,
        resolution: None,
    }]
}

impl Catalog {
    /// The token prices of `model` if it speaks (a speech family, or the free local providers).
    pub fn speech_prices(&self, model: &str) -> Option<TokenPrices> {
        self.family_of(model)
            .filter(|f| matches!(f.role, Role::Speech | Role::Local))
            .and_then(|f| f.price_per_million_tokens)
    }

    /// The price of one clip of `model` if it makes music (a music family, or the local ones).
    pub fn clip_price(&self, model: &str) -> Option<f64> {
        self.family_of(model)
            .filter(|f| matches!(f.role, Role::Music | Role::Local))
            .and_then(|f| f.price_per_clip)
    }

    /// What speaking `chars` characters (the words and the style) as about `seconds` of audio
    /// with `model` is expected to use: text tokens at four characters a token, audio tokens
    /// at the family's rate. None when `model` is no speech model of the table.
    pub fn speech_estimate(&self, model: &str, chars: usize, seconds: f64) -> Option<Vec<Usage>> {
        let family = self
            .family_of(model)
            .filter(|f| matches!(f.role, Role::Speech | Role::Local))?;
        let output = family.audio_tokens(seconds)?;
        Some(speech_usage(model, tokens_of_chars(chars), output))
    }

    /// The prebuilt voices of the table's speech families, in the table's order, each once:
    /// what the cast panel offers and what the offline provider gives each a voice of its own.
    pub fn speech_voices(&self) -> Vec<&str> {
        let mut voices: Vec<&str> = Vec::new();
        for f in self.families.iter().filter(|f| f.role == Role::Speech) {
            for v in &f.voices {
                if !voices.contains(&v.as_str()) {
                    voices.push(v);
                }
            }
        }
        voices
    }

    /// Where `voice` is in [`Self::speech_voices`], if it is a prebuilt voice.
    pub fn speech_voice_index(&self, voice: &str) -> Option<usize> {
        self.speech_voices().iter().position(|v| *v == voice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{member, AudioFormat, Backend, Route, VertexLocation, VoiceConfig};
    use crate::choose::{ListedModel, Preference};

    fn listed(ids: &[&str], methods: &[&str]) -> Vec<ListedModel> {
        ids.iter()
            .map(|id| ListedModel {
                id: (*id).to_owned(),
                methods: methods.iter().map(|m| (*m).to_owned()).collect(),
                display_name: None,
            })
            .collect()
    }

    #[test]
    fn speech_families_state_their_voices_limits_and_format() {
        let c = Catalog::builtin();
        let flash = c.family_of(&member("speech-flash", &["9.9"])).unwrap();
        assert_eq!(flash.id, "speech-flash");
        assert_eq!(flash.role, Role::Speech);
        assert_eq!(flash.route, Route::GenerateContent);
        assert_eq!(flash.vertex_location, Some(VertexLocation::Global));
        assert_eq!(flash.voices.len(), 30);
        assert_eq!(flash.max_speakers, Some(2));
        assert_eq!(flash.input_token_limit, Some(8192));
        assert_eq!(flash.output_format, Some(AudioFormat::Wav));
        assert_eq!(flash.voice_config, Some(VoiceConfig::Voice));
        assert!(flash.style_metadata && flash.refuses_sampling);
        let prices = flash.price_per_million_tokens.unwrap();
        assert_eq!((prices.input, prices.output), (0.50, 9.00));
        // Prebuilt names exactly, and the extended, designed and replicated ids; not a near miss.
        for ok in [
            "Kore",
            "Zubenelgenubi",
            "ext_en_warm_7",
            "voice_abc",
            "voicekey_42",
        ] {
            assert!(flash.speaks_in(ok), "{ok}");
        }
        for bad in ["kore", "Bob", "", "ext_", "voice", "Kore "] {
            assert!(!flash.speaks_in(bad), "{bad:?}");
        }
        let lite = c.family_of(&member("speech-flash-lite", &["9.9"])).unwrap();
        assert_eq!(lite.id, "speech-flash-lite");
        assert_eq!(lite.price_per_million_tokens.unwrap().output, 6.00);
        // The legacy previews: raw PCM, prebuilt voices only, their style read from the text.
        // A name of each of the family's patterns (Gemini API and Vertex spellings alike).
        let legacy = c.family("speech-legacy").unwrap();
        for id in legacy.patterns.iter().map(|p| p.replace('*', "9x")) {
            let f = c.family_of(&id).unwrap();
            assert_eq!(f.id, "speech-legacy", "{id}");
            assert_eq!(f.output_format, Some(AudioFormat::Pcm24k));
            assert_eq!(f.voice_config, Some(VoiceConfig::Prebuilt));
            assert!(!f.speaks_in("ext_en_warm_7") && f.speaks_in("Puck"));
        }
        // 25 audio tokens a second, both ways.
        assert_eq!(flash.audio_tokens(2.0), Some(50));
        assert_eq!(flash.audio_tokens(0.01), Some(1));
        assert_eq!(flash.audio_seconds(50), Some(2.0));
        // Every speech family offers the same 30 voices, listed once.
        assert_eq!(c.speech_voices().len(), 30);
        assert_eq!(c.speech_voice_index("Achernar"), Some(0));
        assert_eq!(c.speech_voice_index("Nobody"), None);
    }

    #[test]
    fn music_families_state_their_clip_length_format_and_route() {
        let c = Catalog::builtin();
        let lyria2 = c.family_of(&member("lyria-2", &["02"])).unwrap();
        assert_eq!(lyria2.id, "lyria-2");
        assert_eq!(lyria2.role, Role::Music);
        assert_eq!(lyria2.route, Route::Predict);
        assert_eq!(lyria2.backends, [Backend::Vertex]);
        assert_eq!(lyria2.vertex_location, Some(VertexLocation::Region));
        assert_eq!(lyria2.output_format, Some(AudioFormat::Wav));
        assert_eq!(lyria2.clip_seconds, Some(30.0));
        assert_eq!(lyria2.price_per_clip, Some(0.06));
        let clip = c
            .family_of(&member("lyria-3-clip", &["3", "-preview"]))
            .unwrap();
        assert_eq!(clip.id, "lyria-3-clip");
        assert_eq!(clip.route, Route::GenerateContent);
        assert_eq!(clip.output_format, Some(AudioFormat::Mp3));
        assert_eq!(clip.clip_seconds, Some(30.0));
        let pro = c
            .family_of(&member("lyria-3-pro", &["3", "-preview"]))
            .unwrap();
        assert_eq!(pro.id, "lyria-3-pro");
        assert_eq!(
            c.family_of("lyria-3.5").map(|f| f.id.as_str()),
            Some("lyria-3-pro")
        );
        assert!(pro.max_seconds.is_some_and(|s| s > 30.0));
        // Lyria RealTime is WebSocket only: no family.
        assert!(c.family_of("lyria-realtime-exp").is_none());
    }

    /// Speech and music models are discovered from a listing like the other roles: the Gemini
    /// API picks the newest 3.8 Flash TTS over Flash-Lite and the legacy previews, and Lyria 3
    /// (Lyria 2 is Vertex only); Vertex prefers Lyria 2.
    #[test]
    fn speech_and_music_are_chosen_from_the_listing() {
        let c = Catalog::builtin();
        let flash = member("speech-flash", &["9.9"]);
        let older = member("speech-flash", &["9.8"]);
        let lite = member("speech-flash-lite", &["9.9"]);
        let legacy = member("speech-legacy", &["9.9-flash"]);
        let text = member("text-flash", &["9.9"]);
        let lyria2 = member("lyria-2", &["02"]);
        let clip = member("lyria-3-clip", &["3", "-preview"]);
        let ids = [&*legacy, &*lite, &*flash, &*older, &*text, &*lyria2, &*clip];
        let gemini = listed(&ids, &["generateContent", "countTokens"]);
        let speech = c.choose(&gemini, Backend::Gemini, Role::Speech, Preference::Best);
        assert_eq!(speech.unwrap().model, flash);
        let music = c.choose(&gemini, Backend::Gemini, Role::Music, Preference::Best);
        assert_eq!(music.unwrap().model, clip);
        // Only the legacy preview listed: it is still chosen (it works until Google stops it).
        let only_legacy = listed(&[&legacy], &["generateContent"]);
        let chosen = c.choose(
            &only_legacy,
            Backend::Gemini,
            Role::Speech,
            Preference::Best,
        );
        assert_eq!(chosen.unwrap().model, legacy);
        // A speech model is never a text model, nor a text model a speech one.
        assert_eq!(
            c.choose(&gemini, Backend::Gemini, Role::Text, Preference::Best)
                .unwrap()
                .model,
            text
        );
        let vertex = listed(&ids, &[]);
        let music = c.choose(&vertex, Backend::Vertex, Role::Music, Preference::Best);
        assert_eq!(music.unwrap().model, lyria2);
        assert_eq!(
            c.alternatives(&vertex, Backend::Vertex, Role::Speech),
            [flash.clone(), older, lite, legacy]
        );
    }

    #[test]
    fn speech_is_priced_per_token_and_music_per_clip() {
        let c = Catalog::builtin();
        let flash = member("speech-flash", &["9.9"]);
        // 2 s of audio: 50 audio tokens at $9/M; 40 characters: 10 text tokens at $0.50/M.
        let usage = c.speech_estimate(&flash, 40, 2.0).unwrap();
        assert_eq!(usage, speech_usage(&flash, 10, 50));
        let usd: f64 = usage
            .iter()
            .map(|u| c.usage_price(u).unwrap() * f64::from(u.quantity))
            .sum();
        assert!(
            (usd - (10.0 * 0.50 + 50.0 * 9.00) / 1e6).abs() < 1e-12,
            "{usd}"
        );
        let lyria2 = member("lyria-2", &["02"]);
        assert_eq!(c.usage_price(&music_usage(&lyria2)[0]), Some(0.06));
        // The free local providers price both at nothing (but count them).
        assert_eq!(c.usage_price(&speech_usage("offline", 1, 1)[1]), Some(0.0));
        assert_eq!(c.usage_price(&music_usage("offline")[0]), Some(0.0));
        // A text model's tokens are no speech tokens, and the other way round.
        let text = member("text-flash", &["9.9"]);
        assert_eq!(c.usage_price(&speech_usage(&text, 1, 0)[0]), None);
        assert_eq!(c.speech_estimate(&text, 1, 1.0), None);
        assert_eq!(c.usage_price(&music_usage(&flash)[0]), None);
    }

    #[test]
    fn a_speech_or_music_family_missing_a_rule_is_refused() {
        let table = include_str!("../models.toml");
        for (from, to, expect) in [
            ("max_speakers = 2\n", "", "max_speakers"),
            ("voice_config = \"voice\"\n", "", "voice_config"),
            ("price_per_clip = 0.06 ", "# ", "price_per_clip"),
            ("clip_seconds = 30.0\n", "", "clip_seconds"),
        ] {
            assert!(table.contains(from), "{from}");
            let err = Catalog::parse(&table.replacen(from, to, 1))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expect), "{err}");
        }
    }
}
