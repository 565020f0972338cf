//! Iterating on shots: every clip a scenario ever got (its takes), the versions of a job (which
//! take of each scenario was stitched), and what the work cost.
//!
//! A job's first render is version 1. Regenerating a scenario or picking another take makes the
//! next version from the takes already made, so nothing that was good is paid for twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::quality::Quality;

/// One clip made for a scenario. Takes are numbered from 1 per scenario and never dropped.
/// Part of workflow results and inputs that histories record: `firstFrameFrom` is left out when
/// None, as it always was (so the window's type has it optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Take {
    pub number: u32,
    /// The prompt this take was generated from.
    pub prompt: String,
    /// Artifact URI of the clip.
    pub clip_url: String,
    /// The clip of the previous scene whose last frame this take starts from (a scene that
    /// continues from the previous shot): when that scene's take changes, this one is stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub first_frame_from: Option<String>,
}

/// What a paid unit of work is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum UsageKind {
    /// Generated images (character angles).
    Image,
    /// Seconds of generated video.
    VideoSecond,
    /// Tokens a text model read (the prompt): planning a story from its words.
    TextInputToken,
    /// Tokens a text model wrote, its thinking included (Google bills thinking as output).
    TextOutputToken,
    /// Tokens a speech model read: the line's words and its style.
    SpeechInputToken,
    /// Audio tokens a speech model wrote: 25 per second of speech (Google's count).
    SpeechOutputToken,
    /// Clips of music made by the music model (Google bills per clip or song).
    MusicClip,
}

impl UsageKind {
    /// Whether this is a text model's tokens (priced per token by the model table; the
    /// creator's [`Price`] rows price images and video only).
    pub fn is_text(self) -> bool {
        matches!(self, UsageKind::TextInputToken | UsageKind::TextOutputToken)
    }
}

/// Work a provider did for a job: `quantity` units of `kind` from `model`. Artifacts reused from
/// the cache or from earlier takes do not appear here: they cost nothing again. Part of
/// workflow results that histories record: `resolution` is left out when None, as it always was
/// (so the window's type has it optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub model: String,
    pub kind: UsageKind,
    pub quantity: u32,
    /// The resolution (video) the work was done at, which prices it; absent where it does
    /// not matter and in records of older releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub resolution: Option<String>,
}

impl Usage {
    /// Adds `more` into `total`, one line per (model, kind, resolution), in a stable order.
    pub fn merge(total: &mut Vec<Usage>, more: impl IntoIterator<Item = Usage>) {
        type Key = (String, UsageKind, Option<String>);
        let mut by_key: BTreeMap<Key, u32> = total
            .drain(..)
            .map(|u| ((u.model, u.kind, u.resolution), u.quantity))
            .collect();
        for u in more {
            *by_key.entry((u.model, u.kind, u.resolution)).or_default() += u.quantity;
        }
        total.extend(
            by_key
                .into_iter()
                .map(|((model, kind, resolution), quantity)| Usage {
                    model,
                    kind,
                    quantity,
                    resolution,
                }),
        );
    }
}

/// One stitched result of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Version {
    /// 1 for the first render, then one more per regenerate or take change.
    pub number: u32,
    pub video_url: String,
    /// The take stitched for each scenario, in scenario order.
    pub takes: Vec<u32>,
    /// What making this version cost (only the work it did itself).
    pub usage: Vec<Usage>,
    /// The quality it was finished at (the next version keeps it).
    pub quality: Quality,
}

/// What an iteration on a job started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Iteration {
    /// The version the new take or take choice will be part of.
    pub version: u32,
    /// The number the new take will have (None when only takes were picked).
    pub take: Option<u32>,
}

/// Price of one model's output, in US dollars. Either may be left out of the settings file (a
/// price written by hand for images or video alone) and reads as 0, so the window's type has
/// both optional.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Price {
    #[serde(default)]
    pub per_image: f64,
    #[serde(default)]
    pub per_video_second: f64,
}

impl Price {
    /// The creator's price of one unit of `kind`; None for text and speech tokens and music,
    /// which only the model table prices (a row written for images and video says nothing
    /// about them).
    pub fn unit(&self, kind: UsageKind) -> Option<f64> {
        match kind {
            UsageKind::Image => Some(self.per_image),
            UsageKind::VideoSecond => Some(self.per_video_second),
            UsageKind::TextInputToken
            | UsageKind::TextOutputToken
            | UsageKind::SpeechInputToken
            | UsageKind::SpeechOutputToken
            | UsageKind::MusicClip => None,
        }
    }
}

/// Prices per model name, as the provider reports the model it used: the creator's own
/// overrides. Google's list prices come from the model table (`studio-catalog`), which callers
/// pass to [`PriceTable::cost_with`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct PriceTable(pub BTreeMap<String, Price>);

impl Default for PriceTable {
    /// The local providers, free (and editable in Settings, so the table is never empty);
    /// Google's list prices come from the model table, per model family and resolution.
    fn default() -> Self {
        let free = Price {
            per_image: 0.0,
            per_video_second: 0.0,
        };
        PriceTable(BTreeMap::from([
            ("offline".into(), free),
            ("bench".into(), free),
        ]))
    }
}

/// An amount of money and what it could not price.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    /// US dollars.
    pub usd: f64,
    /// Models that did work but have no price in the table (their work counts as $0 above).
    pub unpriced_models: Vec<String>,
}

impl PriceTable {
    /// What `usage` costs by this table alone.
    pub fn cost(&self, usage: &[Usage]) -> Cost {
        self.cost_with(usage, |_| None)
    }

    /// What `usage` costs: this table's price where it names the model (images and video),
    /// else `list_price` (the model table's price of one unit of that usage: one image, one
    /// second, one token).
    pub fn cost_with(&self, usage: &[Usage], list_price: impl Fn(&Usage) -> Option<f64>) -> Cost {
        let mut cost = Cost::default();
        for u in usage {
            let unit = match self.0.get(&u.model).and_then(|p| p.unit(u.kind)) {
                Some(unit) => Some(unit),
                None => list_price(u),
            };
            match unit {
                Some(unit) => {
                    cost.usd += unit * f64::from(u.quantity);
                }
                None => {
                    if !cost.unpriced_models.contains(&u.model) {
                        cost.unpriced_models.push(u.model.clone());
                    }
                }
            }
        }
        cost
    }

    /// Every price must be a finite, non-negative number; returns the offending model.
    pub fn invalid_model(&self) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, p)| {
                ![p.per_image, p.per_video_second]
                    .iter()
                    .all(|v| v.is_finite() && *v >= 0.0)
            })
            .map(|(m, _)| m.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(model: &str, kind: UsageKind, quantity: u32) -> Usage {
        Usage {
            model: model.into(),
            kind,
            quantity,
            resolution: None,
        }
    }

    #[test]
    fn usage_merges_per_model_and_kind() {
        let mut total = vec![u("veo", UsageKind::VideoSecond, 8)];
        Usage::merge(
            &mut total,
            [
                u("veo", UsageKind::VideoSecond, 4),
                u("img", UsageKind::Image, 3),
            ],
        );
        assert_eq!(
            total,
            [
                u("img", UsageKind::Image, 3),
                u("veo", UsageKind::VideoSecond, 12)
            ]
        );
    }

    #[test]
    fn cost_follows_the_table_and_names_what_it_cannot_price() {
        let p = |per_image, per_video_second| Price {
            per_image,
            per_video_second,
        };
        let table = PriceTable(BTreeMap::from([
            ("video-model".into(), p(0.0, 0.40)),
            ("image-model".into(), p(0.039, 0.0)),
        ]));
        let usage = [
            u("video-model", UsageKind::VideoSecond, 16),
            u("image-model", UsageKind::Image, 3),
            u("mystery", UsageKind::Image, 1),
            u("listed", UsageKind::VideoSecond, 4),
        ];
        let c = table.cost(&usage);
        assert!((c.usd - (16.0 * 0.40 + 3.0 * 0.039)).abs() < 1e-9, "{c:?}");
        assert_eq!(c.unpriced_models, ["mystery", "listed"]);
        // The list price fills in where the creator set none; an override wins.
        let c = table.cost_with(&usage, |u| (u.model != "mystery").then_some(0.5));
        assert!(
            (c.usd - (16.0 * 0.40 + 3.0 * 0.039 + 4.0 * 0.5)).abs() < 1e-9,
            "{c:?}"
        );
        assert_eq!(c.unpriced_models, ["mystery"]);
        let mut bad = PriceTable::default();
        bad.0.insert(
            "x".into(),
            Price {
                per_image: -1.0,
                per_video_second: 0.0,
            },
        );
        assert_eq!(bad.invalid_model(), Some("x"));
        assert_eq!(PriceTable::default().invalid_model(), None);
    }

    #[test]
    fn text_tokens_are_priced_by_the_list_and_old_kinds_keep_their_names() {
        // Histories hold the old kinds by these names: only new variants are added.
        let names: Vec<String> = [
            UsageKind::Image,
            UsageKind::VideoSecond,
            UsageKind::TextInputToken,
            UsageKind::TextOutputToken,
        ]
        .iter()
        .map(|k| serde_json::to_string(k).unwrap())
        .collect();
        assert_eq!(
            names,
            [
                "\"image\"",
                "\"videoSecond\"",
                "\"textInputToken\"",
                "\"textOutputToken\""
            ]
        );
        // A creator's row for the model prices its images, not its tokens: those come from the
        // list price (per token).
        let table = PriceTable(BTreeMap::from([(
            "words".into(),
            Price {
                per_image: 9.0,
                per_video_second: 9.0,
            },
        )]));
        let usage = [
            u("words", UsageKind::TextInputToken, 1_000_000),
            u("words", UsageKind::TextOutputToken, 200_000),
        ];
        let c = table.cost_with(&usage, |u| match u.kind {
            UsageKind::TextInputToken => Some(0.75e-6),
            UsageKind::TextOutputToken => Some(3.75e-6),
            _ => None,
        });
        assert!((c.usd - (0.75 + 0.2 * 3.75)).abs() < 1e-9, "{c:?}");
        assert!(table.cost(&usage).unpriced_models == ["words"]);
    }
}
