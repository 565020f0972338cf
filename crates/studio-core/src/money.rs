//! Money the creator approves and the studio spends, in whole micro-dollars.
//!
//! Budgets are compared inside the workflow, where every decision must come out the same on
//! every replay: integers add up the same on every machine and in every order, floats may not.
//! On the wire (project files, progress, IPC) an amount is a plain number of dollars.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount in US dollars, held as micro-dollars (so `0.0381` is exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Usd(u64);

/// The largest amount the studio takes: a billion dollars is no one's budget.
const MAX_DOLLARS: f64 = 1e9;

impl Usd {
    pub const ZERO: Usd = Usd(0);

    /// `dollars` rounded to the micro-dollar; None for a negative, non-finite or absurd amount.
    pub fn from_dollars(dollars: f64) -> Option<Usd> {
        (dollars.is_finite() && (0.0..=MAX_DOLLARS).contains(&dollars))
            .then(|| Usd((dollars * 1e6).round() as u64))
    }

    pub fn from_micros(micros: u64) -> Usd {
        Usd(micros)
    }

    pub fn micros(self) -> u64 {
        self.0
    }

    pub fn dollars(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// `self × n` (a unit price times a quantity), saturating.
    pub fn times(self, n: u32) -> Usd {
        Usd(self.0.saturating_mul(u64::from(n)))
    }

    pub fn saturating_sub(self, other: Usd) -> Usd {
        Usd(self.0.saturating_sub(other.0))
    }
}

impl std::ops::Add for Usd {
    type Output = Usd;
    fn add(self, other: Usd) -> Usd {
        Usd(self.0.saturating_add(other.0))
    }
}

impl std::ops::AddAssign for Usd {
    fn add_assign(&mut self, other: Usd) {
        *self = *self + other;
    }
}

impl std::iter::Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::ZERO, |a, b| a + b)
    }
}

/// `$0.91`; amounts under a cent keep their digits (`$0.0045`).
impl std::fmt::Display for Usd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.dollars();
        if self.0 != 0 && self.0 < 10_000 {
            write!(f, "${}", format!("{d:.6}").trim_end_matches('0'))
        } else {
            write!(f, "${d:.2}")
        }
    }
}

impl Serialize for Usd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.dollars())
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Usd, D::Error> {
        let dollars = f64::deserialize(d)?;
        Usd::from_dollars(dollars).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{dollars} is not an amount of dollars (0 to {MAX_DOLLARS})"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_and_read_as_dollars() {
        let image = Usd::from_dollars(0.0381).unwrap();
        assert_eq!(image.micros(), 38_100);
        assert_eq!(
            image.times(3) + Usd::from_dollars(0.8).unwrap(),
            Usd::from_micros(914_300)
        );
        assert_eq!(serde_json::to_string(&image).unwrap(), "0.0381");
        assert_eq!(
            serde_json::from_str::<Usd>("2.5").unwrap().micros(),
            2_500_000
        );
        for bad in ["-1", "1e12"] {
            assert!(serde_json::from_str::<Usd>(bad).is_err(), "{bad}");
        }
        assert!(Usd::from_dollars(f64::NAN).is_none());
        assert_eq!(Usd::from_micros(914_300).to_string(), "$0.91");
        assert_eq!(Usd::from_micros(4_500).to_string(), "$0.0045");
        assert_eq!(Usd::ZERO.to_string(), "$0.00");
    }
}
