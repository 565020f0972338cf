//! Picking one model per role from what a key or project can use.

use serde::{Deserialize, Serialize};

use crate::catalog::{Backend, Catalog, Family, Role, Tier};

/// One entry of a discovered model list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ListedModel {
    /// The id without the `models/` or `publishers/google/models/` prefix.
    pub id: String,
    /// `supportedGenerationMethods` (Gemini API); empty where the list does not say (Vertex).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// What the creator wants from the video model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Preference {
    /// The full model (high and 4k, or drafts when fast models are not allowed).
    #[default]
    Best,
    /// A fast or lite model, for drafts when the creator allows it.
    Draft,
}

/// The model picked for a role, and its family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    pub model: String,
    pub family: Family,
}

/// Sort key from a model id: its version (the first dotted number, `3.1` in
/// `veo-3.1-generate-001`), GA before preview/experimental, then its revision (`001`).
pub fn version_key(model: &str) -> (Vec<u32>, bool, u32) {
    let bytes = model.as_bytes();
    let mut version = Vec::new();
    let mut i = 0;
    while i < bytes.len() && !bytes[i].is_ascii_digit() {
        i += 1;
    }
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        version.push(model[start..i].parse().unwrap_or(0));
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            i += 1;
        } else {
            break;
        }
    }
    let stable = !["preview", "exp", "experimental"]
        .iter()
        .any(|w| model.split('-').any(|part| part == *w));
    let revision = model
        .rsplit('-')
        .next()
        .filter(|last| last.len() == 3 && last.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|last| last.parse().ok())
        .unwrap_or(0);
    (version, stable, revision)
}

fn tier_rank(tier: Tier, pref: Preference) -> u8 {
    match (pref, tier) {
        (Preference::Best, Tier::Full) | (Preference::Draft, Tier::Fast) => 3,
        (Preference::Best, Tier::Fast) | (Preference::Draft, Tier::Lite) => 2,
        (Preference::Best, Tier::Lite) | (Preference::Draft, Tier::Full) => 1,
    }
}

impl Catalog {
    /// Whether `model` (as listed) can serve `role` on `backend`: known family, not retired, and,
    /// where the list names methods, listing the family's route.
    pub fn usable<'a>(
        &'a self,
        listed: &ListedModel,
        backend: Backend,
        role: Role,
    ) -> Option<&'a Family> {
        if self.retired(&listed.id).is_some() {
            return None;
        }
        let family = self.family_of(&listed.id)?;
        if family.role != role || !family.backends.contains(&backend) {
            return None;
        }
        if let Some(method) = family.route.listed_method() {
            if !listed.methods.is_empty() && !listed.methods.iter().any(|m| m == method) {
                return None;
            }
        }
        Some(family)
    }

    /// The best model for `role` among `listed`: for video the preferred tier, then the family
    /// with the highest priority, then the newest version, GA before preview. Images go by
    /// priority and version alone (the newest Nano Banana; tiers are a video trade-off).
    pub fn choose(
        &self,
        listed: &[ListedModel],
        backend: Backend,
        role: Role,
        pref: Preference,
    ) -> Option<Choice> {
        listed
            .iter()
            .filter_map(|m| self.usable(m, backend, role).map(|f| (m, f)))
            .max_by(|(a, fa), (b, fb)| {
                let key = |m: &ListedModel, f: &Family| {
                    let tier = if role == Role::Video {
                        tier_rank(f.tier, pref)
                    } else {
                        0
                    };
                    (tier, f.priority, version_key(&m.id))
                };
                key(a, fa)
                    .cmp(&key(b, fb))
                    // Equal keys: the alphabetically first id, so the choice is stable.
                    .then_with(|| b.id.cmp(&a.id))
            })
            .map(|(m, f)| Choice {
                model: m.id.clone(),
                family: f.clone(),
            })
    }

    /// Every listed model that can serve `role` on `backend`, best first.
    pub fn alternatives(
        &self,
        listed: &[ListedModel],
        backend: Backend,
        role: Role,
    ) -> Vec<String> {
        let mut usable: Vec<(&ListedModel, &Family)> = listed
            .iter()
            .filter_map(|m| self.usable(m, backend, role).map(|f| (m, f)))
            .collect();
        usable.sort_by(|(a, fa), (b, fb)| {
            let key = |m: &ListedModel, f: &Family| {
                (
                    tier_rank(f.tier, Preference::Best),
                    f.priority,
                    version_key(&m.id),
                )
            };
            key(b, fb).cmp(&key(a, fa)).then_with(|| a.id.cmp(&b.id))
        });
        usable.into_iter().map(|(m, _)| m.id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(ids: &[(&str, &[&str])]) -> Vec<ListedModel> {
        ids.iter()
            .map(|(id, methods)| ListedModel {
                id: (*id).into(),
                methods: methods.iter().map(|m| (*m).to_owned()).collect(),
                display_name: None,
            })
            .collect()
    }

    #[test]
    fn versions_sort_as_people_read_them() {
        // Made-up ids in today's shapes: the parser knows shapes, not models.
        assert_eq!(version_key("veo-9.1-generate-001"), (vec![9, 1], true, 1));
        assert_eq!(version_key("gemini-omni-7.2-flash"), (vec![7, 2], true, 0));
        assert_eq!(version_key("gemini-8-pro-image"), (vec![8], true, 0));
        assert!(!version_key("veo-9.1-generate-preview").1);
        assert!(version_key("veo-9.10-generate-001") > version_key("veo-9.9-generate-001"));
    }

    #[test]
    fn vertex_today_picks_veo_full_for_quality_and_fast_for_drafts() {
        let c = Catalog::builtin();
        let list = listed(&[
            ("veo-3.0-generate-001", &[]),
            ("veo-3.1-generate-001", &[]),
            ("veo-3.1-fast-generate-001", &[]),
            ("veo-3.1-lite-generate-001", &[]),
            ("gemini-omni-1.2-flash", &[]),
            ("gemini-3.1-flash-image", &[]),
            ("gemini-3-pro-image", &[]),
            ("gemini-2.5-flash-image", &[]),
            ("text-embedding-005", &[]),
        ]);
        let pick = |role, pref| {
            c.choose(&list, Backend::Vertex, role, pref)
                .map(|ch| ch.model)
        };
        assert_eq!(
            pick(Role::Video, Preference::Best).as_deref(),
            Some("veo-3.1-generate-001")
        );
        assert_eq!(
            pick(Role::Video, Preference::Draft).as_deref(),
            Some("veo-3.1-fast-generate-001")
        );
        assert_eq!(
            pick(Role::Image, Preference::Best).as_deref(),
            Some("gemini-3.1-flash-image")
        );
        let alts = c.alternatives(&list, Backend::Vertex, Role::Video);
        assert_eq!(alts[0], "veo-3.1-generate-001");
        assert!(
            !alts.contains(&"veo-3.0-generate-001".to_owned()),
            "{alts:?}"
        );
    }

    #[test]
    fn the_gemini_api_today_offers_omni_and_the_newest_nano_banana() {
        let c = Catalog::builtin();
        let list = listed(&[
            ("gemini-3.5-flash", &["generateContent", "countTokens"]),
            ("gemini-3.1-flash-image", &["generateContent"]),
            ("gemini-nano-banana-2.1", &["generateContent"]),
            ("gemini-omni-1.1-flash", &[]),
            ("gemini-omni-1.2-flash", &[]),
            // Listed, but without the route its family needs.
            ("veo-3.1-generate-preview", &["generateContent"]),
        ]);
        let video = c
            .choose(&list, Backend::Gemini, Role::Video, Preference::Best)
            .unwrap();
        assert_eq!(video.model, "gemini-omni-1.2-flash");
        assert_eq!(video.family.id, "omni");
        let image = c
            .choose(&list, Backend::Gemini, Role::Image, Preference::Best)
            .unwrap();
        assert_eq!(image.model, "gemini-nano-banana-2.1");
    }

    #[test]
    fn models_never_seen_are_chosen_by_their_family() {
        let c = Catalog::builtin();
        let list = listed(&[
            ("veo-3.1-generate-001", &[]),
            ("veo-4.0-generate-001", &[]),
            ("veo-4.0-fast-generate-001", &[]),
            ("gemini-nano-banana-3", &[]),
            ("gemini-nano-banana-2.1", &[]),
        ]);
        let pick = |role, pref| {
            c.choose(&list, Backend::Vertex, role, pref)
                .map(|ch| ch.model)
                .unwrap()
        };
        assert_eq!(pick(Role::Video, Preference::Best), "veo-4.0-generate-001");
        assert_eq!(
            pick(Role::Video, Preference::Draft),
            "veo-4.0-fast-generate-001"
        );
        assert_eq!(pick(Role::Image, Preference::Best), "gemini-nano-banana-3");
    }

    #[test]
    fn nothing_usable_is_none() {
        let c = Catalog::builtin();
        let list = listed(&[("gemini-2.5-flash-image", &["generateContent"])]);
        assert!(c
            .choose(&list, Backend::Gemini, Role::Image, Preference::Best)
            .is_none());
    }
}
