//! The next version of a finished job: which takes it reuses and which it makes anew. Pure, so
//! the rules are tested without a server; `studio-api` starts the run.

use studio_core::{SegmentState, VideoResult};

use crate::messages::{BaseSegment, BaseVersion, ExtendTake, RenderInput, ENGINE_LATEST};

/// What changes from one version to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChange {
    /// A new take of one scenario, from a new prompt or the same one.
    Regenerate {
        scenario_id: String,
        prompt: Option<String>,
    },
    /// Stitch these takes (one number per scenario, in order); nothing is generated.
    PickTakes(Vec<u32>),
    /// A new take of one scenario made by continuing its current take's clip by `seconds`
    /// (the model's video extension), with `prompt` for the added seconds (None: the
    /// scenario's own). The model's rules are checked when the run is planned, before paying.
    Extend {
        scenario_id: String,
        seconds: u32,
        prompt: Option<String>,
    },
}

/// Why a version cannot be made; the message names the scenario or take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    #[error("this job has no scenario {0:?}")]
    NoSuchScenario(String),
    #[error("the new prompt of {0:?} is empty")]
    EmptyPrompt(String),
    #[error("{given} take(s) picked for {expected} scenario(s)")]
    WrongTakeCount { given: usize, expected: usize },
    #[error("scenario {scenario:?} has no take {take} (it has {available})")]
    NoSuchTake {
        scenario: String,
        take: u32,
        available: usize,
    },
    #[error("these are the takes of the current version already")]
    Unchanged,
    #[error("the job's result has no takes to continue from (it ran on an older worker)")]
    NoTakes,
    #[error("{0:?} has no clip to extend yet")]
    NoClip(String),
    #[error("an extension of {0:?} must add at least one second")]
    NoSeconds(String),
}

/// The input of the run after `last` (the job's latest result, started from `input`).
pub fn next_version(
    mut input: RenderInput,
    last: &VideoResult,
    change: VersionChange,
) -> Result<RenderInput, VersionError> {
    let segments = &last.segments;
    if segments.is_empty() || segments.len() != input.request.scenarios.len() {
        return Err(VersionError::NoTakes);
    }
    let [front, three_quarter, profile] = <[String; 3]>::try_from(last.character_images.clone())
        .map_err(|_| VersionError::NoTakes)?;
    let mut base: Vec<BaseSegment> = segments
        .iter()
        .map(|s| BaseSegment {
            takes: s.takes.clone(),
            use_take: Some(s.take),
            extend: None,
        })
        .collect();
    // Scenario ids as the job assigned them, so progress and takes line up across versions.
    for (spec, seg) in input.request.scenarios.iter_mut().zip(segments) {
        spec.id = Some(seg.id.clone());
        spec.prompt = seg.prompt.clone();
    }
    match change {
        VersionChange::Regenerate {
            scenario_id,
            prompt,
        } => regenerate(&mut input, segments, &mut base, scenario_id, prompt)?,
        VersionChange::PickTakes(takes) => pick_takes(&mut input, segments, &mut base, &takes)?,
        VersionChange::Extend {
            scenario_id,
            seconds,
            prompt,
        } => extend(segments, &mut base, scenario_id, seconds, prompt)?,
    }
    if let Some(v) = last.versions.last() {
        input.request.quality = v.quality;
    }
    // A new version is a new job of this build's client, whatever started the first.
    input.engine = ENGINE_LATEST;
    input.base = Some(BaseVersion {
        character_images: studio_core::CharacterImages {
            front,
            three_quarter,
            profile,
        },
        cast_images: last.cast_images.clone(),
        element_images: last.element_images.clone(),
        segments: base,
        versions: last.versions.clone(),
        usage: last.usage.clone(),
    });
    Ok(input)
}

/// A new take of `scenario_id` (with `prompt`, when given): its segment is made anew, every
/// other keeps its take.
fn regenerate(
    input: &mut RenderInput,
    segments: &[SegmentState],
    base: &mut [BaseSegment],
    scenario_id: String,
    prompt: Option<String>,
) -> Result<(), VersionError> {
    let i = segments
        .iter()
        .position(|s| s.id == scenario_id)
        .ok_or_else(|| VersionError::NoSuchScenario(scenario_id.clone()))?;
    if let Some(p) = prompt {
        if p.trim().is_empty() {
            return Err(VersionError::EmptyPrompt(scenario_id));
        }
        input.request.scenarios[i].prompt = p;
    }
    base[i].use_take = None;
    Ok(())
}

/// A new take of `scenario_id` continuing its current take's clip by `seconds`; every other
/// scenario keeps its take.
fn extend(
    segments: &[SegmentState],
    base: &mut [BaseSegment],
    scenario_id: String,
    seconds: u32,
    prompt: Option<String>,
) -> Result<(), VersionError> {
    let i = segments
        .iter()
        .position(|s| s.id == scenario_id)
        .ok_or_else(|| VersionError::NoSuchScenario(scenario_id.clone()))?;
    if seconds == 0 {
        return Err(VersionError::NoSeconds(scenario_id));
    }
    let seg = &segments[i];
    let clip_url = seg
        .takes
        .iter()
        .find(|t| t.number == seg.take)
        .map(|t| t.clip_url.clone())
        .or_else(|| seg.clip_url.clone())
        .ok_or_else(|| VersionError::NoClip(scenario_id.clone()))?;
    let prompt = match prompt {
        Some(p) if p.trim().is_empty() => return Err(VersionError::EmptyPrompt(scenario_id)),
        Some(p) => p,
        None => seg.prompt.clone(),
    };
    base[i].use_take = None;
    base[i].extend = Some(ExtendTake {
        clip_url,
        seconds,
        prompt,
    });
    Ok(())
}

/// `takes` (one per scenario) stitched as they are, each scenario with its take's prompt;
/// refused when it is the current version's choice or names a take that does not exist.
fn pick_takes(
    input: &mut RenderInput,
    segments: &[SegmentState],
    base: &mut [BaseSegment],
    takes: &[u32],
) -> Result<(), VersionError> {
    if takes.len() != segments.len() {
        return Err(VersionError::WrongTakeCount {
            given: takes.len(),
            expected: segments.len(),
        });
    }
    if takes.iter().zip(segments).all(|(t, s)| *t == s.take) {
        return Err(VersionError::Unchanged);
    }
    for ((b, seg), (spec, take)) in base
        .iter_mut()
        .zip(segments)
        .zip(input.request.scenarios.iter_mut().zip(takes))
    {
        let chosen =
            seg.takes
                .iter()
                .find(|t| t.number == *take)
                .ok_or(VersionError::NoSuchTake {
                    scenario: seg.id.clone(),
                    take: *take,
                    available: seg.takes.len(),
                })?;
        spec.prompt = chosen.prompt.clone();
        b.use_take = Some(*take);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_core::{Quality, Scenario, SegmentState, SegmentStatus, Take, Version};

    fn take(n: u32, prompt: &str) -> Take {
        Take {
            number: n,
            prompt: prompt.into(),
            clip_url: format!("file:///c/{prompt}-{n}.mp4"),
            first_frame_from: None,
        }
    }

    fn job() -> (RenderInput, VideoResult) {
        let mut input = RenderInput::default();
        input.request.scenarios = vec![Scenario::new("walks"), Scenario::new("runs")];
        let seg = |id: &str, takes: Vec<Take>, chosen: u32| SegmentState {
            id: id.into(),
            prompt: takes[chosen as usize - 1].prompt.clone(),
            status: SegmentStatus::Done,
            clip_url: Some(takes[chosen as usize - 1].clip_url.clone()),
            error: None,
            takes,
            take: chosen,
        };
        let result = VideoResult {
            video_url: "file:///v2.mp4".into(),
            character_images: vec!["a".into(), "b".into(), "c".into()],
            segments: vec![
                seg("scene-1", vec![take(1, "walks")], 1),
                seg("scene-2", vec![take(1, "runs"), take(2, "sprints")], 2),
            ],
            versions: vec![Version {
                number: 2,
                video_url: "file:///v2.mp4".into(),
                takes: vec![1, 2],
                usage: vec![],
                quality: Quality::High,
            }],
            usage: vec![],
            cast_images: vec![],
            element_images: vec![],
            ..Default::default()
        };
        (input, result)
    }

    #[test]
    fn regenerate_keeps_every_other_take_and_the_current_prompts() {
        let (input, last) = job();
        let next = next_version(
            input,
            &last,
            VersionChange::Regenerate {
                scenario_id: "scene-1".into(),
                prompt: Some("strolls".into()),
            },
        )
        .unwrap();
        let base = next.base.as_ref().unwrap();
        assert_eq!(base.segments[0].use_take, None);
        assert_eq!(base.segments[1].use_take, Some(2));
        assert_eq!(next.request.scenarios[0].prompt, "strolls");
        assert_eq!(next.request.scenarios[1].prompt, "sprints");
        assert_eq!(next.request.quality, Quality::High);
        assert_eq!(base.versions.len(), 1);
    }

    #[test]
    fn an_extension_continues_the_current_take_and_keeps_the_others() {
        let (input, last) = job();
        let next = next_version(
            input.clone(),
            &last,
            VersionChange::Extend {
                scenario_id: "scene-2".into(),
                seconds: 7,
                prompt: None,
            },
        )
        .unwrap();
        let base = next.base.as_ref().unwrap();
        assert_eq!(base.segments[0].use_take, Some(1));
        assert_eq!(base.segments[0].extend, None);
        assert_eq!(base.segments[1].use_take, None);
        assert_eq!(
            base.segments[1].extend,
            Some(ExtendTake {
                clip_url: "file:///c/sprints-2.mp4".into(),
                seconds: 7,
                prompt: "sprints".into(),
            })
        );
        let extend = |seconds, prompt: Option<&str>| {
            next_version(
                input.clone(),
                &last,
                VersionChange::Extend {
                    scenario_id: "scene-1".into(),
                    seconds,
                    prompt: prompt.map(str::to_owned),
                },
            )
        };
        let worded = extend(7, Some("keeps walking")).unwrap();
        let x = worded.base.unwrap().segments[0].extend.clone().unwrap();
        assert_eq!((x.prompt.as_str(), x.seconds), ("keeps walking", 7));
        assert_eq!(
            extend(0, None).unwrap_err(),
            VersionError::NoSeconds("scene-1".into())
        );
        assert_eq!(
            extend(7, Some(" ")).unwrap_err(),
            VersionError::EmptyPrompt("scene-1".into())
        );
    }

    #[test]
    fn picking_takes_is_checked() {
        let (input, last) = job();
        let pick = |t: Vec<u32>| next_version(input.clone(), &last, VersionChange::PickTakes(t));
        assert_eq!(pick(vec![1, 2]).unwrap_err(), VersionError::Unchanged);
        assert!(matches!(
            pick(vec![1]).unwrap_err(),
            VersionError::WrongTakeCount { .. }
        ));
        let err = pick(vec![1, 3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "scenario \"scene-2\" has no take 3 (it has 2)"
        );
        let next = pick(vec![1, 1]).unwrap();
        assert_eq!(next.request.scenarios[1].prompt, "runs");
        let base = next.base.unwrap();
        assert!(base.segments.iter().all(|s| s.use_take == Some(1)));
        let missing = next_version(
            input,
            &last,
            VersionChange::Regenerate {
                scenario_id: "scene-9".into(),
                prompt: None,
            },
        );
        assert_eq!(
            missing.unwrap_err(),
            VersionError::NoSuchScenario("scene-9".into())
        );
    }
}
