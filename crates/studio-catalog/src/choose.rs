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
    /// with the highest priority, then the newest version, GA before preview. Images and text go
    /// by priority and version alone (tiers are a video trade-off): the newest Nano Banana, and
    /// for planning the newest Flash (the text family with the highest priority: Pro is slower
    /// and dearer, Flash-Lite plans worse), an alias such as `…-flash-latest` only when no
    /// numbered version is listed (it has no version to sort by). The family chosen is the one
    /// `backend` serves ([`Family::on`]).
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
                // As `backend` serves it: its rules are the ones checked (Family::on).
                family: f.on(backend),
            })
    }

    /// Every listed model that can serve `role` on `backend`, best first (text, speech and music
    /// in the order [`Catalog::choose`] prefers them; images and video full tier first).
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
                let tier = if matches!(role, Role::Text | Role::Speech | Role::Music) {
                    0
                } else {
                    tier_rank(f.tier, Preference::Best)
                };
                (tier, f.priority, version_key(&m.id))
            };
            key(b, fb).cmp(&key(a, fa)).then_with(|| a.id.cmp(&b.id))
        });
        usable.into_iter().map(|(m, _)| m.id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::member;

    fn listed(ids: &[(&str, &[&str])]) -> Vec<ListedModel> {
        ids.iter()
            .map(|(id, methods)| ListedModel {
                id: (*id).into(),
                methods: methods.iter().map(|m| (*m).to_owned()).collect(),
                display_name: None,
            })
            .collect()
    }

    /// The table's first retired id in `family`.
    fn retired_in(family: &str) -> String {
        let c = Catalog::builtin();
        c.retired
            .iter()
            .find(|r| c.family_of(&r.id).is_some_and(|f| f.id == family))
            .unwrap()
            .id
            .clone()
    }

    #[test]
    fn versions_sort_as_people_read_them() {
        // Ids in the table's shapes: the parser knows shapes, not models.
        let veo = |v: &str, stage: &str| member("veo", &[&format!("{v}-generate-{stage}")]);
        assert_eq!(version_key(&veo("9.1", "001")), (vec![9, 1], true, 1));
        assert_eq!(
            version_key(&member("omni", &["7.2-flash"])),
            (vec![7, 2], true, 0)
        );
        assert_eq!(
            version_key(&member("nano-banana-pro", &["8"])),
            (vec![8], true, 0)
        );
        assert!(!version_key(&veo("9.1", "preview")).1);
        assert!(version_key(&veo("9.10", "001")) > version_key(&veo("9.9", "001")));
    }

    #[test]
    fn vertex_picks_veo_full_for_quality_and_fast_for_drafts() {
        let c = Catalog::builtin();
        let (veo, fast, lite) = (
            member("veo", &["9.1-generate-001"]),
            member("veo-fast", &["9.1", "generate-001"]),
            member("veo-lite", &["9.1", "generate-001"]),
        );
        let (old_veo, flash, pro) = (
            retired_in("veo"),
            member("nano-banana-flash", &["9.1"]),
            member("nano-banana-pro", &["9"]),
        );
        let (omni, old_flash) = (
            member("omni", &["9.2-flash"]),
            retired_in("nano-banana-flash"),
        );
        let list = listed(&[
            (&old_veo, &[]),
            (&veo, &[]),
            (&fast, &[]),
            (&lite, &[]),
            (&omni, &[]),
            (&flash, &[]),
            (&pro, &[]),
            (&old_flash, &[]),
            ("text-embedding-x", &[]),
        ]);
        let pick = |role, pref| {
            c.choose(&list, Backend::Vertex, role, pref)
                .map(|ch| ch.model)
        };
        assert_eq!(pick(Role::Video, Preference::Best), Some(veo.clone()));
        assert_eq!(pick(Role::Video, Preference::Draft), Some(fast));
        assert_eq!(pick(Role::Image, Preference::Best), Some(flash));
        let alts = c.alternatives(&list, Backend::Vertex, Role::Video);
        assert_eq!(alts[0], veo);
        assert!(!alts.contains(&old_veo), "{alts:?}");
    }

    #[test]
    fn the_gemini_api_offers_omni_and_the_newest_nano_banana() {
        let c = Catalog::builtin();
        let (newer_omni, older_omni) = (
            member("omni", &["9.2-flash"]),
            member("omni", &["9.1-flash"]),
        );
        let numbered = member("nano-banana-numbered", &["9.1"]);
        let flash = member("nano-banana-flash", &["9.1"]);
        let preview_veo = member("veo", &["9.1-generate-preview"]);
        let list = listed(&[
            ("some-text-model", &["generateContent", "countTokens"]),
            (&flash, &["generateContent"]),
            (&numbered, &["generateContent"]),
            (&older_omni, &[]),
            (&newer_omni, &[]),
            // Listed, but without the route its family needs.
            (&preview_veo, &["generateContent"]),
        ]);
        let video = c
            .choose(&list, Backend::Gemini, Role::Video, Preference::Best)
            .unwrap();
        assert_eq!(video.model, newer_omni);
        assert_eq!(video.family.id, "omni");
        let image = c
            .choose(&list, Backend::Gemini, Role::Image, Preference::Best)
            .unwrap();
        assert_eq!(image.model, numbered);
    }

    #[test]
    fn models_never_seen_are_chosen_by_their_family() {
        let c = Catalog::builtin();
        let (veo_now, veo_next) = (
            member("veo", &["9.1-generate-001"]),
            member("veo", &["10.0-generate-001"]),
        );
        let fast_next = member("veo-fast", &["10.0", "generate-001"]);
        let (banana_next, banana_now) = (
            member("nano-banana-numbered", &["10"]),
            member("nano-banana-numbered", &["9.1"]),
        );
        let list = listed(&[
            (&veo_now, &[]),
            (&veo_next, &[]),
            (&fast_next, &[]),
            (&banana_next, &[]),
            (&banana_now, &[]),
        ]);
        let pick = |role, pref| {
            c.choose(&list, Backend::Vertex, role, pref)
                .map(|ch| ch.model)
                .unwrap()
        };
        assert_eq!(pick(Role::Video, Preference::Best), veo_next);
        assert_eq!(pick(Role::Video, Preference::Draft), fast_next);
        assert_eq!(pick(Role::Image, Preference::Best), banana_next);
    }

    #[test]
    fn nothing_usable_is_none() {
        let c = Catalog::builtin();
        let retired = retired_in("nano-banana-flash");
        let list = listed(&[(&retired, &["generateContent"])]);
        assert!(c
            .choose(&list, Backend::Gemini, Role::Image, Preference::Best)
            .is_none());
    }

    /// Planning's model is found in what the key lists, like the image and video models: the
    /// newest Flash, never an image model that shares its words, an alias only when nothing
    /// numbered is listed, and nothing when no text model is listed.
    #[test]
    fn the_text_model_is_discovered_from_the_listing() {
        let c = Catalog::builtin();
        let (flash_new, flash_old) = (
            member("text-flash", &["9.8"]),
            member("text-flash", &["9.5"]),
        );
        let (lite, pro) = (
            member("text-flash-lite", &["9.9"]),
            member("text-pro", &["9"]),
        );
        let alias = c
            .family("text-flash")
            .unwrap()
            .patterns
            .iter()
            .find(|p| !p.contains('*'))
            .unwrap()
            .clone();
        let image = member("nano-banana-flash", &["9.9"]);
        let text_methods: &[&str] = &["generateContent", "countTokens"];
        let list = listed(&[
            (&image, &["generateContent"]),
            (&flash_old, text_methods),
            (&lite, text_methods),
            (&flash_new, text_methods),
            (&pro, text_methods),
            (&alias, text_methods),
            ("text-embedding-x", &["embedContent"]),
        ]);
        for backend in [Backend::Gemini, Backend::Vertex] {
            let chosen = c
                .choose(&list, backend, Role::Text, Preference::Best)
                .unwrap();
            assert_eq!(chosen.model, flash_new, "{backend:?}");
            assert_eq!(chosen.family.role, Role::Text);
            let alts = c.alternatives(&list, backend, Role::Text);
            assert_eq!(alts[0], flash_new);
            assert!(!alts.contains(&image), "{alts:?}");
            assert_eq!(alts.len(), 5, "{alts:?}");
        }
        // The image choice is not disturbed by text models.
        assert_eq!(
            c.choose(&list, Backend::Gemini, Role::Image, Preference::Best)
                .map(|ch| ch.model),
            Some(image.clone())
        );
        // Only the alias: it is chosen. A listed model without generateContent is not.
        let only_alias = listed(&[(&alias, text_methods), (&flash_new, &["embedContent"])]);
        assert_eq!(
            c.choose(&only_alias, Backend::Gemini, Role::Text, Preference::Best)
                .map(|ch| ch.model),
            Some(alias)
        );
        // No text model listed: none, whatever else is.
        let none = listed(&[(&image, &["generateContent"])]);
        assert!(c
            .choose(&none, Backend::Gemini, Role::Text, Preference::Best)
            .is_none());
    }
}
