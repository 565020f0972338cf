//! A clip checked against its model's rules before anything is paid, and the request shape the
//! rules lead to (resolution, native 4k or upscale, reference images or first frame).

use serde::{Deserialize, Serialize};
use studio_core::{AspectRatio, Quality};

use crate::catalog::Family;
use crate::choose::Choice;

/// The video model a job renders with, and its family's rules. Travels in workflow state, so
/// validators check updates against the same rules the job started with.
pub type VideoRules = Choice;

/// Which rule a clip breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Rule {
    /// The model does not make clips of this length.
    Duration,
    /// The quality's resolution needs another length.
    ResolutionDuration,
    /// The model does not make this frame shape.
    AspectRatio,
    /// The model cannot start a clip from a given frame (a scene that continues the previous
    /// shot needs that).
    FirstFrame,
    /// The model cannot end a clip on a given frame (a shot with an end frame needs that).
    LastFrame,
    /// The model cannot continue a clip (video extension).
    Extend,
    /// The model does not add this many seconds in one extension.
    ExtendSeconds,
    /// The clip is too short or too long to extend, or would be too long once extended.
    ExtendLength,
}

/// One rule a scenario breaks, with what would fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// The scenario's id (or "scene N"); None for the whole job.
    pub scenario: Option<String>,
    pub rule: Rule,
    pub message: String,
    /// What the creator can change, e.g. "make this scene 8 s, or use Standard".
    pub fix: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(s) = &self.scenario {
            write!(f, "{s}: ")?;
        }
        write!(f, "{} ({})", self.message, self.fix)
    }
}

/// How one clip is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClipPlan {
    /// The `resolution` sent to the model.
    pub resolution: String,
    /// Whether the studio upscales to 4k afterwards (the model does not render 4k natively).
    pub upscale: bool,
    /// Whether the character's angles go as `asset` reference images (else the front image is
    /// the first frame).
    pub references: bool,
    /// `personGeneration`, only where the table says the mode needs it.
    pub person_generation: Option<String>,
}

/// The resolution a quality asks of `family`, and whether 4k comes from an upscale.
fn resolution_for(family: &Family, quality: Quality) -> (String, bool) {
    let has = |r: &str| family.resolutions.iter().any(|x| x == r);
    let first = || family.resolutions.first().cloned().unwrap_or_default();
    let high = || {
        if has("1080p") {
            "1080p".to_owned()
        } else {
            family
                .resolutions
                .iter()
                .rfind(|r| r.as_str() != "4k")
                .cloned()
                .unwrap_or_else(first)
        }
    };
    match quality {
        Quality::Standard if has("720p") => ("720p".into(), false),
        Quality::Standard => (first(), false),
        Quality::High => (high(), false),
        Quality::FourK if family.native_4k() => ("4k".into(), false),
        Quality::FourK => (high(), true),
    }
}

/// How a clip of `duration` s at `quality` is asked of `family`, given how many character
/// reference images there are.
pub fn clip_plan(family: &Family, quality: Quality, duration: u32, references: usize) -> ClipPlan {
    let (resolution, upscale) = resolution_for(family, quality);
    let references = family.max_reference_images > 0
        && references > 0
        && family
            .durations_for("references")
            .is_none_or(|ds| ds.contains(&duration));
    let mode = if references {
        "references"
    } else if family.first_frame {
        "image"
    } else {
        "text"
    };
    ClipPlan {
        resolution,
        upscale,
        references,
        person_generation: family.person_generation.get(mode).cloned(),
    }
}

/// The resolution `family` continues a clip at, for a job at `quality`: the table's `extend`
/// resolution where the model extends at one only (Veo: 720p), else the clip's own. The added
/// seconds are reserved and billed at this resolution's price.
pub fn extension_resolution(family: &Family, quality: Quality, seconds: u32) -> String {
    family
        .extend
        .as_ref()
        .and_then(|x| x.resolution.clone())
        .unwrap_or_else(|| clip_plan(family, quality, seconds, 0).resolution)
}

fn seconds_list(ds: &[u32]) -> String {
    match ds {
        [] => String::new(),
        [one] => format!("{one}"),
        [init @ .., last] => format!(
            "{} or {last}",
            init.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn quality_name(q: Quality) -> &'static str {
    match q {
        Quality::Standard => "Standard",
        Quality::High => "High",
        Quality::FourK => "4K",
    }
}

/// Every rule of `rules` a clip of `duration` s at `quality` and `aspect` breaks.
pub fn check_clip(
    rules: &VideoRules,
    scenario: Option<&str>,
    quality: Quality,
    duration: u32,
    aspect: AspectRatio,
) -> Vec<Problem> {
    let (model, family) = (&rules.model, &rules.family);
    let mut problems = Vec::new();
    let problem = |rule, message: String, fix: String| Problem {
        scenario: scenario.map(str::to_owned),
        rule,
        message,
        fix,
    };
    if !family.aspect_ratios.is_empty()
        && !family.aspect_ratios.iter().any(|a| a == aspect.as_str())
    {
        problems.push(problem(
            Rule::AspectRatio,
            format!(
                "{model} makes {} clips, not {aspect}",
                family.aspect_ratios.join(" or ")
            ),
            format!("use {}", family.aspect_ratios.join(" or ")),
        ));
    }
    if !family.durations.contains(&duration) {
        let nearest = family
            .durations
            .iter()
            .min_by_key(|d| (d.abs_diff(duration), **d))
            .copied()
            .unwrap_or(duration);
        problems.push(problem(
            Rule::Duration,
            format!(
                "{model} makes clips of {} s, not {duration} s",
                seconds_list(&family.durations)
            ),
            format!("make this scene {nearest} s"),
        ));
        return problems;
    }
    let (resolution, _) = resolution_for(family, quality);
    if let Some(allowed) = family.durations_for(&resolution) {
        if !allowed.contains(&duration) {
            // The qualities that would take this length as it is.
            let fits: Vec<&str> = Quality::ALL
                .into_iter()
                .filter(|q| {
                    let (r, _) = resolution_for(family, *q);
                    family
                        .durations_for(&r)
                        .is_none_or(|ds| ds.contains(&duration))
                })
                .map(quality_name)
                .collect();
            let mut fix = format!("make this scene {} s", seconds_list(allowed));
            if !fits.is_empty() {
                fix.push_str(&format!(", or use {}", fits.join(" or ")));
            }
            problems.push(problem(
                Rule::ResolutionDuration,
                format!(
                    "{} ({resolution}) needs {} s clips on {model}; this scene is {duration} s",
                    quality_name(quality),
                    seconds_list(allowed)
                ),
                fix,
            ));
        }
    }
    problems
}

/// The problem with a scene that continues from the previous shot on `rules`' model, if it
/// cannot take a first frame.
pub fn check_first_frame(rules: &VideoRules, scenario: Option<&str>) -> Option<Problem> {
    (!rules.family.first_frame).then(|| Problem {
        scenario: scenario.map(str::to_owned),
        rule: Rule::FirstFrame,
        message: format!(
            "{} cannot start a clip from the previous shot's last frame",
            rules.model
        ),
        fix: "turn off \"continue from previous shot\" for this scene, or use a model that \
              takes a first frame"
            .into(),
    })
}

/// The problem with a shot that ends on a chosen frame (an image, or the next shot's first
/// frame) on `rules`' model, if it cannot take a last frame.
pub fn check_last_frame(rules: &VideoRules, scenario: Option<&str>) -> Option<Problem> {
    (!rules.family.last_frame).then(|| Problem {
        scenario: scenario.map(str::to_owned),
        rule: Rule::LastFrame,
        message: format!("{} cannot end a clip on a chosen frame", rules.model),
        fix: "remove this shot's end frame, or use a model that takes a last frame".into(),
    })
}

/// Every rule of `rules`' model that extending a clip of `input_seconds` by `seconds` breaks:
/// the model cannot extend at all, does not add that many seconds in one call, or the clip is
/// too short or too long before or after. `input_seconds` is the clip as measured (a model's
/// clip lasts a frame more or less than asked): it is rounded to the nearest whole second.
pub fn check_extend(
    rules: &VideoRules,
    scenario: Option<&str>,
    input_seconds: f64,
    seconds: u32,
) -> Vec<Problem> {
    let model = &rules.model;
    let problem = |rule, message: String, fix: String| Problem {
        scenario: scenario.map(str::to_owned),
        rule,
        message,
        fix,
    };
    let Some(x) = &rules.family.extend else {
        return vec![problem(
            Rule::Extend,
            format!("{model} cannot extend a clip"),
            "use a model that extends clips, or make the shot again longer".into(),
        )];
    };
    let mut problems = Vec::new();
    if !x.seconds.contains(&seconds) {
        let nearest = x
            .seconds
            .iter()
            .min_by_key(|d| (d.abs_diff(seconds), **d))
            .copied()
            .unwrap_or(seconds);
        problems.push(problem(
            Rule::ExtendSeconds,
            format!(
                "{model} extends a clip by {} s, not {seconds} s",
                seconds_list(&x.seconds)
            ),
            format!("extend by {nearest} s"),
        ));
    }
    let input = if input_seconds.is_finite() && input_seconds > 0.0 {
        input_seconds.round() as u32
    } else {
        0
    };
    let input_max = x.input_max.unwrap_or(x.total_max);
    if input < x.input_min || input > input_max {
        problems.push(problem(
            Rule::ExtendLength,
            format!(
                "{model} extends clips of {} to {input_max} s; this take is {input} s",
                x.input_min
            ),
            "extend an earlier, shorter take".into(),
        ));
    } else if input + seconds > x.total_max {
        problems.push(problem(
            Rule::ExtendLength,
            format!(
                "a clip extended on {model} lasts at most {} s; this one would last {} s",
                x.total_max,
                input + seconds
            ),
            format!("extend by at most {} s", x.total_max.saturating_sub(input)),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{member, Catalog};

    /// The rules of a model of `family`, named in the table's shape (no model id in code).
    fn rules(family: &str, fills: &[&str]) -> VideoRules {
        let model = member(family, fills);
        let c = Catalog::builtin();
        Choice {
            family: c.family_of(&model).unwrap().clone(),
            model,
        }
    }

    #[test]
    fn high_and_4k_need_8_seconds_on_veo() {
        let veo = rules("veo", &["9.1-generate-001"]);
        let l = AspectRatio::Landscape;
        assert!(check_clip(&veo, Some("s1"), Quality::Standard, 4, l).is_empty());
        assert!(check_clip(&veo, Some("s1"), Quality::High, 8, l).is_empty());
        let p = check_clip(&veo, Some("s1"), Quality::High, 6, l);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].rule, Rule::ResolutionDuration);
        assert_eq!(p[0].fix, "make this scene 8 s, or use Standard");
        assert!(
            p[0].to_string().starts_with("s1: High (1080p) needs 8 s"),
            "{}",
            p[0]
        );
        let p = check_clip(&veo, None, Quality::FourK, 4, l);
        assert!(p[0].message.contains("4K (4k)"), "{}", p[0]);
        let p = check_clip(&veo, None, Quality::Standard, 5, l);
        assert_eq!(p[0].rule, Rule::Duration);
        assert_eq!(p[0].fix, "make this scene 4 s");
        assert!(p[0].message.contains("4, 6 or 8 s"), "{}", p[0]);
    }

    #[test]
    fn lite_upscales_4k_and_omni_takes_its_own_range() {
        let lite = rules("veo-lite", &["9.1", "generate-001"]);
        let plan = clip_plan(&lite.family, Quality::FourK, 8, 3);
        assert_eq!(plan.resolution, "1080p");
        assert!(plan.upscale && !plan.references);
        let veo = rules("veo", &["9.1-generate-001"]);
        let plan = clip_plan(&veo.family, Quality::FourK, 8, 3);
        assert_eq!(plan.resolution, "4k");
        assert!(!plan.upscale && plan.references);
        assert_eq!(plan.person_generation, None);
        // References need 8 s: a 4 s clip animates the front image instead.
        assert!(!clip_plan(&veo.family, Quality::Standard, 4, 3).references);
        let omni = rules("omni", &["9.2-flash"]);
        assert!(check_clip(&omni, None, Quality::High, 5, AspectRatio::Portrait).is_empty());
        assert_eq!(
            check_clip(&omni, None, Quality::High, 16, AspectRatio::Portrait)[0].fix,
            "make this scene 15 s"
        );
        // Omni 1.1 keeps its own range.
        let older = rules("omni-1.1", &["flash"]);
        assert_eq!(
            check_clip(&older, None, Quality::High, 12, AspectRatio::Portrait)[0].fix,
            "make this scene 10 s"
        );
    }

    #[test]
    fn extension_follows_each_family_s_rules() {
        // Veo, Veo Fast and Veo Lite on Vertex: 7 s at a time, 1-30 s in, 37 s out.
        for veo in [
            rules("veo", &["9.1-generate-001"]),
            rules("veo-fast", &["9.1", "generate-001"]),
            rules("veo-lite", &["9.1", "generate-001"]),
        ] {
            assert!(check_extend(&veo, Some("s1"), 8.0, 7).is_empty());
            assert!(check_extend(&veo, Some("s1"), 30.04, 7).is_empty());
            let p = check_extend(&veo, Some("s1"), 8.0, 5);
            assert_eq!(p.len(), 1);
            assert_eq!(p[0].rule, Rule::ExtendSeconds);
            assert_eq!(p[0].fix, "extend by 7 s");
            assert!(p[0].to_string().starts_with("s1: "), "{}", p[0]);
            let p = check_extend(&veo, None, 31.0, 7);
            assert_eq!(p[0].rule, Rule::ExtendLength);
            assert!(p[0].message.contains("1 to 30 s"), "{}", p[0]);
            assert_eq!(check_extend(&veo, None, 0.4, 7)[0].rule, Rule::ExtendLength);
        }
        // Veo extends at 720p whatever the quality; Omni at the clip's resolution.
        let veo = rules("veo", &["9.1-generate-001"]);
        assert_eq!(extension_resolution(&veo.family, Quality::FourK, 7), "720p");
        let omni = rules("omni", &["9.2-flash"]);
        assert_eq!(
            extension_resolution(&omni.family, Quality::High, 7),
            clip_plan(&omni.family, Quality::High, 7, 0).resolution
        );
        // A model whose row has no `extend` cannot extend at all (no video row lacks it today).
        let mut cannot = rules("veo-lite", &["9.1", "generate-001"]);
        cannot.family.extend = None;
        let p = check_extend(&cannot, Some("s2"), 8.0, 7);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].rule, Rule::Extend);
        assert!(p[0].message.contains("cannot extend"), "{}", p[0]);
        // Omni: 3-10 s a call, 40 s in all.
        for omni in [rules("omni", &["9.2-flash"]), rules("omni-1.1", &["flash"])] {
            assert!(check_extend(&omni, None, 8.0, 3).is_empty());
            assert!(check_extend(&omni, None, 30.0, 10).is_empty());
            assert_eq!(
                check_extend(&omni, None, 8.0, 11)[0].rule,
                Rule::ExtendSeconds
            );
            let p = check_extend(&omni, None, 35.0, 8);
            assert_eq!(p[0].rule, Rule::ExtendLength);
            assert_eq!(p[0].fix, "extend by at most 5 s");
        }
    }

    #[test]
    fn last_frames_where_the_table_says() {
        for (family, fills) in [
            ("veo", &["9.1-generate-001"][..]),
            ("veo-fast", &["9.1", "generate-001"]),
            ("veo-lite", &["9.1", "generate-001"]),
            ("omni", &["9.2-flash"]),
            ("omni-1.1", &["flash"]),
            ("offline", &[]),
        ] {
            assert_eq!(
                check_last_frame(&rules(family, fills), None),
                None,
                "{family}"
            );
        }
        let mut cannot = rules("veo", &["9.1-generate-001"]);
        cannot.family.last_frame = false;
        let p = check_last_frame(&cannot, Some("s3")).unwrap();
        assert_eq!(p.rule, Rule::LastFrame);
        assert!(p.to_string().starts_with("s3: "), "{p}");
    }

    #[test]
    fn offline_takes_anything_reasonable() {
        let off = rules("offline", &[]);
        for q in Quality::ALL {
            assert!(check_clip(&off, None, q, 5, AspectRatio::Landscape).is_empty());
        }
        assert!(clip_plan(&off.family, Quality::FourK, 8, 3).upscale);
    }
}
