//! A job's spend against what the creator approved: the part of the video workflow's state
//! that says whether a paid step may start. Deterministic like the rest of the workflow: prices
//! come from the plan recorded in history, amounts are whole micro-dollars.

use serde_json::Value;
use studio_catalog::{clip_plan, extension_resolution, Family};
use studio_core::{BudgetState, Quality, Usage, Usd};

use crate::messages::UnitPrices;

/// The most an approved total may reach: what an amount may be on the wire, so progress stays
/// readable.
const MOST_DOLLARS: f64 = 1e9;

#[derive(Debug, Default)]
pub(crate) struct Budget {
    /// The project's budget plus every `approveSpend` (None: no limit, as for every job of
    /// earlier releases).
    approved: Option<Usd>,
    /// The plan's list prices (None before planning, and in plans of earlier releases: then
    /// nothing is priced and nothing waits).
    prices: Option<UnitPrices>,
    /// What this run's finished paid steps were billed, at those prices.
    spent: Usd,
    /// Paid steps running now, at their expected price: counted until they finish, so parallel
    /// clips cannot cross the budget together.
    in_flight: Usd,
    /// The paid step waiting for an approval, and its price.
    waiting: Option<(Usd, String)>,
}

impl Budget {
    pub(crate) fn new(approved: Option<Usd>) -> Budget {
        Budget {
            approved,
            ..Budget::default()
        }
    }

    pub(crate) fn set_prices(&mut self, prices: Option<UnitPrices>) {
        self.prices = prices;
    }

    pub(crate) fn is_limited(&self) -> bool {
        self.approved.is_some()
    }

    /// Counts what a finished step was billed.
    pub(crate) fn bill(&mut self, usage: &Usage) {
        if let Some(p) = &self.prices {
            self.spent += p.cost(std::slice::from_ref(usage));
        }
    }

    /// Counts a finished step billed at `cost`, priced where it ran (a line, a music cue).
    pub(crate) fn charge(&mut self, cost: Usd) {
        self.spent += cost;
    }

    /// Whether a paid step of `cost` may start now: always without a limit; else only when
    /// what is spent, what runs and the step stay within what was approved.
    pub(crate) fn fits(&self, cost: Usd) -> bool {
        self.approved
            .is_none_or(|approved| self.spent + self.in_flight + cost <= approved)
    }

    /// Reserves a paid step of `cost` if it fits (and returns None); else notes it as waiting
    /// and returns what to tell the creator.
    pub(crate) fn admit(&mut self, cost: Usd, step: &str) -> Option<String> {
        if !self.fits(cost) {
            self.waiting = Some((cost, step.to_owned()));
            return Some(format!(
                "Budget reached: {} spent, next step {cost} ({step}); approve more to go on",
                self.spent
            ));
        }
        self.waiting = None;
        self.in_flight += cost;
        None
    }

    /// A paid step admitted at `cost` ended (what it was billed comes through [`Self::bill`]).
    pub(crate) fn release(&mut self, cost: Usd) {
        self.in_flight = self.in_flight.saturating_sub(cost);
    }

    /// Adds `more` to what may be spent; returns the new total and, when a step waits, what
    /// to tell the creator about it.
    pub(crate) fn approve(&mut self, more: Usd) -> (Usd, Option<String>) {
        let most = Usd::from_dollars(MOST_DOLLARS).unwrap_or_default();
        let approved = (self.approved.unwrap_or_default() + more).min(most);
        self.approved = Some(approved);
        let note = self.waiting.as_ref().map(|(cost, step)| {
            if self.fits(*cost) {
                format!("Approved {approved}: going on with {step}")
            } else {
                let short = (self.spent + self.in_flight + *cost).saturating_sub(approved);
                format!("Approved {approved}; {step} needs {short} more")
            }
        });
        (approved, note)
    }

    /// The budget as progress shows it (None without a limit).
    pub(crate) fn state(&self) -> Option<BudgetState> {
        self.approved.map(|approved| BudgetState {
            approved_usd: approved,
            spent_usd: self.spent,
            in_flight_usd: self.in_flight,
            waiting_for_usd: self.waiting.as_ref().map(|(c, _)| *c),
            waiting_step: self.waiting.as_ref().map(|(_, s)| s.clone()),
        })
    }

    /// The price of `n` characters' images.
    pub(crate) fn images_cost(&self, n: usize) -> Usd {
        self.prices
            .as_ref()
            .map_or(Usd::ZERO, |p| p.image.times(3 * n as u32))
    }

    /// The price of `n` elements' views ([`studio_core::Element::GENERATED_IMAGES`] each).
    pub(crate) fn element_images_cost(&self, n: usize) -> Usd {
        let each = studio_core::Element::<String>::GENERATED_IMAGES;
        self.prices
            .as_ref()
            .map_or(Usd::ZERO, |p| p.image.times(each * n as u32))
    }

    /// The price of a clip of `seconds` from `family` at `quality` (its resolution by the
    /// model's rules, as the clip activity asks it).
    pub(crate) fn clip_cost(&self, family: &Family, quality: Quality, seconds: u32) -> Usd {
        self.seconds_cost(&clip_plan(family, quality, seconds, 0).resolution, seconds)
    }

    /// The price of extending a clip from `family` by `seconds` in a job at `quality`: at the
    /// resolution the model extends at (Veo: 720p only, [`extension_resolution`]), as the clip
    /// activity bills it. The family is the plan's, recorded in history: plans of earlier
    /// releases name no extension resolution and keep the job quality's price on replay.
    pub(crate) fn extension_cost(&self, family: &Family, quality: Quality, seconds: u32) -> Usd {
        self.seconds_cost(&extension_resolution(family, quality, seconds), seconds)
    }

    /// The price of `seconds` of video at `resolution` (nothing where the plan has no price).
    fn seconds_cost(&self, resolution: &str, seconds: u32) -> Usd {
        self.prices.as_ref().map_or(Usd::ZERO, |prices| {
            prices
                .video_per_second
                .get(resolution)
                .copied()
                .unwrap_or_default()
                .times(seconds)
        })
    }
}

/// An amount approved as clients send it: a number of dollars, or `{"usd": n}`; above zero.
pub(crate) fn usd_from(value: &Value) -> Result<Usd, String> {
    let n = match value {
        Value::Object(o) => o.get("usd").and_then(Value::as_f64),
        other => other.as_f64(),
    };
    n.and_then(Usd::from_dollars)
        .filter(|u| *u > Usd::ZERO)
        .ok_or_else(|| {
            format!("{value} is not an amount to approve: expected a number of dollars above 0")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_catalog::Catalog;

    /// A budget priced by `family`'s row of the table.
    fn priced(family: &Family) -> Budget {
        let mut b = Budget::new(None);
        b.set_prices(Some(UnitPrices {
            image: Usd::ZERO,
            video_per_second: family
                .price_per_second
                .iter()
                .filter_map(|(r, p)| Some((r.clone(), Usd::from_dollars(*p)?)))
                .collect(),
        }));
        b
    }

    /// Veo Fast makes a high-quality clip at 1080p but extends at 720p only: the added seconds
    /// are reserved at the 720p price; a family without an extension resolution keeps the
    /// clip's.
    #[test]
    fn an_extension_is_priced_at_the_resolution_the_model_extends_at() {
        let c = Catalog::builtin();
        let fast = c
            .family("veo-fast")
            .cloned()
            .unwrap_or_else(|| panic!("no veo-fast row"));
        let b = priced(&fast);
        let at = |r: &str| {
            Usd::from_dollars(fast.price_per_second[r])
                .unwrap_or_default()
                .times(7)
        };
        assert_ne!(at("1080p"), at("720p"), "the test needs distinct prices");
        assert_eq!(b.clip_cost(&fast, Quality::High, 7), at("1080p"));
        assert_eq!(b.extension_cost(&fast, Quality::High, 7), at("720p"));
        let mut clip_s = fast.clone();
        if let Some(x) = clip_s.extend.as_mut() {
            x.resolution = None;
        }
        assert_eq!(b.extension_cost(&clip_s, Quality::High, 7), at("1080p"));
    }
}
