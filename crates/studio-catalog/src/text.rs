//! Text models' prices, per token: what a planning call is estimated to cost before it is sent,
//! and what the tokens it used cost after (the same [`Usage`] lines images and clips count in,
//! so a plan's cost adds to the spend like a render's).

use serde::{Deserialize, Serialize};
use studio_core::{Usage, UsageKind};

use crate::catalog::{Catalog, Role};

/// A text family's list prices: USD per 1M input and per 1M output tokens. Thinking tokens are
/// billed as output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct TokenPrices {
    pub input: f64,
    pub output: f64,
}

impl TokenPrices {
    /// USD of one token of `kind` (None for images, video and music clips). A speech family's
    /// prices are per text token read and per audio token written.
    pub fn per_token(&self, kind: UsageKind) -> Option<f64> {
        match kind {
            UsageKind::TextInputToken | UsageKind::SpeechInputToken => Some(self.input / 1e6),
            UsageKind::TextOutputToken | UsageKind::SpeechOutputToken => Some(self.output / 1e6),
            UsageKind::Image | UsageKind::VideoSecond | UsageKind::MusicClip => None,
        }
    }
}

/// Tokens in `chars` characters of text, rounded up: about four characters a token, Google's
/// rule of thumb (an estimate; the answer's `usageMetadata` counts them exactly).
pub fn tokens_of_chars(chars: usize) -> u32 {
    u32::try_from(chars.div_ceil(4)).unwrap_or(u32::MAX)
}

/// The usage lines of a text call: `input` tokens read, `output` tokens written (the answer and
/// the thinking). Lines of zero are left out.
pub fn text_usage(model: &str, input: u32, output: u32) -> Vec<Usage> {
    [
        (UsageKind::TextInputToken, input),
        (UsageKind::TextOutputToken, output),
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

/// What a text call is expected to cost before it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TextEstimate {
    pub model: String,
    /// The prompt's tokens (its characters / 4).
    pub input_tokens: u32,
    /// The expected answer and the family's typical thinking, both billed as output.
    pub output_tokens: u32,
    /// At the model table's list prices.
    pub usd: f64,
}

impl TextEstimate {
    /// The estimate as usage lines, to price with the creator's table or compare with the
    /// usage the call reports.
    pub fn usage(&self) -> Vec<Usage> {
        text_usage(&self.model, self.input_tokens, self.output_tokens)
    }
}

impl Catalog {
    /// The token prices of `model`, if it is a text model the table prices.
    pub fn token_prices(&self, model: &str) -> Option<TokenPrices> {
        self.family_of(model)
            .filter(|f| f.role == Role::Text)
            .and_then(|f| f.price_per_million_tokens)
    }

    /// The list price of one unit of `usage`: an image at its size, a second of video at its
    /// resolution, a token of a text or speech model, a music clip. None where the table has no price.
    pub fn usage_price(&self, usage: &Usage) -> Option<f64> {
        let tier = usage.resolution.as_deref();
        match usage.kind {
            UsageKind::Image => self.unit_price(&usage.model, false, tier),
            UsageKind::VideoSecond => self.unit_price(&usage.model, true, tier),
            UsageKind::TextInputToken | UsageKind::TextOutputToken => {
                self.token_prices(&usage.model)?.per_token(usage.kind)
            }
            UsageKind::SpeechInputToken | UsageKind::SpeechOutputToken => {
                self.speech_prices(&usage.model)?.per_token(usage.kind)
            }
            UsageKind::MusicClip => self.clip_price(&usage.model),
        }
    }

    /// The cost of asking `model` a prompt of `prompt_chars` characters (Unicode scalar
    /// values) for an answer of about `answer_tokens` tokens, at the family's typical thinking:
    /// None when `model` is not a text model the table prices.
    pub fn text_estimate(
        &self,
        model: &str,
        prompt_chars: usize,
        answer_tokens: u32,
    ) -> Option<TextEstimate> {
        let prices = self.token_prices(model)?;
        let thinking = self
            .family_of(model)
            .and_then(|f| f.thinking_tokens)
            .unwrap_or(0);
        let input_tokens = tokens_of_chars(prompt_chars);
        let output_tokens = answer_tokens.saturating_add(thinking);
        Some(TextEstimate {
            model: model.to_owned(),
            input_tokens,
            output_tokens,
            usd: f64::from(input_tokens) * prices.input / 1e6
                + f64::from(output_tokens) * prices.output / 1e6,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::member;

    #[test]
    fn tokens_are_a_quarter_of_the_characters_rounded_up() {
        assert_eq!(tokens_of_chars(0), 0);
        assert_eq!(tokens_of_chars(1), 1);
        assert_eq!(tokens_of_chars(8), 2);
        assert_eq!(tokens_of_chars(20_001), 5_001);
    }

    #[test]
    fn a_text_call_is_priced_per_token_from_its_family() {
        let c = Catalog::builtin();
        // A member named from the table's pattern: the price follows the family.
        let flash = member("text-flash", &["9.9"]);
        let f = c.family_of(&flash).unwrap();
        assert_eq!(f.role, Role::Text);
        let prices = f.price_per_million_tokens.unwrap();
        let usage = text_usage(&flash, 10_000, 3_000);
        assert_eq!(usage.len(), 2);
        let usd: f64 = usage
            .iter()
            .map(|u| c.usage_price(u).unwrap() * f64::from(u.quantity))
            .sum();
        let expected = 10_000.0 * prices.input / 1e6 + 3_000.0 * prices.output / 1e6;
        assert!((usd - expected).abs() < 1e-12, "{usd} vs {expected}");
        // Priced through the creator's table like images and clips.
        let cost = studio_core::PriceTable::default().cost_with(&usage, |u| c.usage_price(u));
        assert!((cost.usd - expected).abs() < 1e-12 && cost.unpriced_models.is_empty());
        // Images and video keep their own prices; an image model has no token price.
        let image = member("nano-banana-flash", &["9.9"]);
        assert_eq!(c.token_prices(&image), None);
        assert_eq!(c.usage_price(&text_usage(&image, 1, 0)[0]), None);
        let shot = Usage {
            model: image.clone(),
            kind: UsageKind::Image,
            quantity: 1,
            resolution: None,
        };
        assert_eq!(c.usage_price(&shot), c.unit_price(&image, false, None));
    }

    #[test]
    fn the_estimate_counts_the_prompt_the_answer_and_the_thinking() {
        let c = Catalog::builtin();
        let flash = member("text-flash", &["9.9"]);
        let f = c.family_of(&flash).unwrap();
        let (prices, thinking) = (
            f.price_per_million_tokens.unwrap(),
            f.thinking_tokens.unwrap(),
        );
        assert!(thinking > 0, "the default thinking level thinks");
        let e = c.text_estimate(&flash, 20_000, 4_000).unwrap();
        assert_eq!(e.input_tokens, 5_000);
        assert_eq!(e.output_tokens, 4_000 + thinking);
        let expected =
            5_000.0 * prices.input / 1e6 + f64::from(4_000 + thinking) * prices.output / 1e6;
        assert!((e.usd - expected).abs() < 1e-12);
        assert_eq!(e.usage(), text_usage(&flash, 5_000, 4_000 + thinking));
        assert!(c
            .text_estimate(&member("veo", &["9.9-generate-001"]), 10, 10)
            .is_none());
        assert!(c.text_estimate("mystery", 10, 10).is_none());
    }
}
