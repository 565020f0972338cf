//! The sound phase (engine 4 jobs whose request has a sound plan): after the picture is final,
//! the voice-over lines and the music are made (the cache's first, the rest admitted against the
//! budget and made at once), then mixed under the picture. A job without a sound plan, and
//! every job of an earlier engine, adds no command here.

use futures::future::join_all;
use studio_core::{LineKind, SoundPlan, Span, Stage, Usage, Usd};
use temporalio_sdk::{WorkflowContext, WorkflowResult};

use crate::messages::ENGINE_SOUND;
use crate::sound::{
    MixInput, MixLineInput, MixOutput, MusicInput, SoundActivities, SoundQuery, SpeakInput,
};

use super::crashes::{activity_failed, surviving_crashes};
use super::plan::Run;
use super::spend::within_budget;
use super::VideoWorkflow;

/// The finished picture, and its sound when the job has one.
pub(super) struct Mixed {
    pub(super) video_url: String,
    pub(super) mix: Option<MixOutput>,
}

impl VideoWorkflow {
    /// The job's sound plan, if it is one whose client asked for the logic that makes it.
    fn sound_plan(&self) -> Option<SoundPlan> {
        (self.engine >= ENGINE_SOUND)
            .then(|| self.request.sound.clone())
            .flatten()
    }

    /// How long scenes `from..=to` last as planned: the length of a music cue under them.
    fn span_seconds(&self, from: usize, to: usize) -> f64 {
        self.request
            .scenarios
            .iter()
            .enumerate()
            .filter(|(i, _)| (from..=to).contains(i))
            .map(|(_, s)| f64::from(s.duration_seconds.get()))
            .sum()
    }

    /// The name captions give the speaker of `line` (the narrator has none).
    fn speaker_name(&self, line: &studio_core::SpokenLine) -> Option<String> {
        let id = line.speaker.as_deref()?;
        std::iter::once(&self.request.character)
            .chain(&self.request.cast)
            .find(|c| c.id.as_deref() == Some(id))
            .map(|c| c.name.clone())
    }

    /// Counts a line's or a cue's usage, and charges what its activity priced it at.
    fn add_priced(&mut self, usage: Vec<Usage>, cost: Usd) {
        for u in usage {
            self.add_usage(Some(u));
        }
        self.budget.charge(cost);
        self.show_budget();
    }
}

/// Voices, music and the mix, under `video_url` (the stitched or enhanced picture); `spans`:
/// where the cut put each shot on it (None: the clips end to end).
pub(super) async fn sound(
    ctx: &WorkflowContext<VideoWorkflow>,
    run: &Run,
    video_url: String,
    spans: Option<Vec<Span>>,
) -> WorkflowResult<Mixed> {
    let Some(plan) = ctx.state(VideoWorkflow::sound_plan) else {
        return Ok(Mixed {
            video_url,
            mix: None,
        });
    };
    ctx.wait_condition(|s| !s.paused).await?;
    // The lines the speech model voices, by their index in the plan; native lines are spoken
    // in their clips and only captioned.
    let voiced: Vec<usize> = (0..plan.lines.len())
        .filter(|&i| !plan.lines[i].native)
        .collect();
    let music_input = plan.music.as_ref().and_then(|cue| {
        cue.prompt.clone().map(|prompt| MusicInput {
            prompt,
            seconds: ctx.state(|s| s.span_seconds(cue.from, cue.to)),
            recall: ctx.state(|s| s.use_cache),
        })
    });
    ctx.state_mut(|s| {
        let music = if music_input.is_some() {
            " and the music"
        } else {
            ""
        };
        s.set_stage(
            Stage::Mixing,
            format!("Voicing {} line(s){music}", voiced.len()),
        )
    });
    let query = SoundQuery {
        lines: voiced.iter().map(|&i| plan.lines[i].clone()).collect(),
        music: music_input.clone(),
        recall: ctx.state(|s| s.use_cache),
    };
    let hits = ctx
        .execute_local_activity(
            SoundActivities::prepare_sound,
            query,
            run.tuning.plan.local_options(),
        )
        .await
        .map_err(|e| activity_failed(ctx, e))?;
    within_budget(ctx, hits.cost, "the film's voices and music").await?;
    let query_recall = ctx.state(|s| s.use_cache);

    // Every line the cache does not have, spoken at once (in plan order, so the activities are
    // scheduled in the same order on every replay), beside the music.
    let mut audio: Vec<Option<String>> = vec![None; plan.lines.len()];
    let mut todo: Vec<(usize, SpeakInput)> = Vec::new();
    for (&i, hit) in voiced.iter().zip(hits.lines) {
        match hit {
            Some(h) => audio[i] = Some(h.audio_url),
            None => todo.push((
                i,
                SpeakInput {
                    line: plan.lines[i].clone(),
                    recall: query_recall,
                },
            )),
        }
    }
    let speaking = join_all(todo.iter().map(|(_, input)| {
        surviving_crashes(run.reschedule, move |_| {
            ctx.execute_activity(
                SoundActivities::speak_line,
                input.clone(),
                run.tuning.speech.options(),
            )
        })
    }));
    let music = async {
        match (&hits.music, &music_input) {
            (Some(hit), _) => Ok(Some((hit.audio_url.clone(), Vec::new(), Usd::ZERO))),
            (None, Some(input)) => surviving_crashes(run.reschedule, |_| {
                ctx.execute_activity(
                    SoundActivities::make_music,
                    input.clone(),
                    run.tuning.speech.options(),
                )
            })
            .await
            .map(|out| Some((out.audio_url, out.usage, out.cost))),
            // The creator's own file, or no music.
            (None, None) => Ok(plan
                .music
                .as_ref()
                .and_then(|cue| cue.file.clone())
                .map(|uri| (uri, Vec::new(), Usd::ZERO))),
        }
    };
    let (spoken, music) = futures::join!(speaking, music);
    ctx.state_mut(|s| s.release(hits.cost));
    for ((i, _), out) in todo.into_iter().zip(spoken) {
        let out = out.map_err(|e| activity_failed(ctx, e))?;
        ctx.state_mut(|s| s.add_priced(out.usage, out.cost));
        audio[i] = Some(out.audio_url);
    }
    let music = music.map_err(|e| activity_failed(ctx, e))?;
    let music = match (music, &plan.music) {
        (Some((uri, usage, cost)), Some(cue)) => {
            ctx.state_mut(|s| s.add_priced(usage, cost));
            Some((cue.clone(), uri))
        }
        _ => None,
    };

    let input = ctx.state_mut(|s| {
        s.progress.current_step = "Mixing the sound".to_owned();
        MixInput {
            video_url: video_url.clone(),
            clip_urls: s
                .progress
                .segments
                .iter()
                .filter_map(|seg| seg.clip_url.clone())
                .collect(),
            lines: plan
                .lines
                .iter()
                .zip(&audio)
                .map(|(line, audio_url)| MixLineInput {
                    speaker_name: match line.kind {
                        LineKind::Dialogue => s.speaker_name(line),
                        LineKind::Narration => None,
                    },
                    line: line.clone(),
                    audio_url: audio_url.clone(),
                })
                .collect(),
            music,
            mix: plan.mix,
            spans,
        }
    });
    let mixed = surviving_crashes(run.reschedule, |_| {
        ctx.execute_activity(
            SoundActivities::mix_sound,
            input.clone(),
            run.tuning.mix.options(),
        )
    })
    .await
    .map_err(|e| activity_failed(ctx, e))?;
    Ok(Mixed {
        video_url: mixed.video_url.clone(),
        mix: Some(mixed),
    })
}
