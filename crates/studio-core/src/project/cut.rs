//! A project's cut: its scenes' trims, transitions, reframes and end frames and its title
//! cards and credits, checked while loading (every problem named by its JSON path), and turned
//! into the [`CutPlan`] a render stitches by.

use super::*;
use crate::cut::{
    Credits, CutPlan, EndFrame, Reframe, ShotCut, TitleCard, TitleCut, Transition, TransitionKind,
    Trim, MAX_TITLES, MAX_TITLE_CHARS, MAX_TRANSITION_SECONDS, MIN_SHOT_SECONDS, TITLE_SECONDS,
};

/// The heading over the end credits when the project names none.
const CREDITS_HEADING: &str = "Starring";

fn invalid(problems: &mut Vec<Problem>, field: String, message: impl Into<String>) {
    problems.push(Problem::InvalidValue {
        field,
        message: message.into(),
    });
}

/// A scene's own cut fields, each checked on its own (the checks across scenes are
/// [`check_cut`]'s): a trim inside the clip's time, a transition of a length it can have, a
/// reframe inside the picture, an end frame that names an image.
pub(super) fn build_scene_cut(i: usize, s: &RawScenario, problems: &mut Vec<Problem>) -> Scenario {
    let field = |name: &str| format!("scenarios[{i}].{name}");
    let trim = (s.trim.clone()).and_then(|v| typed::<Trim>(&field("trim"), v, problems));
    if let Some(t) = trim {
        if t.start < 0.0 {
            invalid(
                problems,
                field("trim.in"),
                "the in point is before the clip starts",
            );
        } else if t.end - t.start < MIN_SHOT_SECONDS {
            invalid(
                problems,
                field("trim.out"),
                format!(
                    "the out point must come at least {MIN_SHOT_SECONDS} s after the in point \
                     ({} s to {} s)",
                    t.start, t.end
                ),
            );
        }
    }
    let transition =
        (s.transition.clone()).and_then(|v| typed::<Transition>(&field("transition"), v, problems));
    if let Some(t) = transition {
        match t.kind {
            TransitionKind::Cut if t.seconds != 0.0 => invalid(
                problems,
                field("transition.seconds"),
                "a cut takes no time; leave the seconds out or choose a crossfade",
            ),
            TransitionKind::Cut => {}
            _ if !(t.seconds > 0.0 && t.seconds <= MAX_TRANSITION_SECONDS) => invalid(
                problems,
                field("transition.seconds"),
                format!(
                    "{} s; a {} lasts more than 0 and at most {MAX_TRANSITION_SECONDS} s",
                    t.seconds,
                    t.kind.name()
                ),
            ),
            _ => {}
        }
    }
    let reframe =
        (s.reframe.clone()).and_then(|v| typed::<Reframe>(&field("reframe"), v, problems));
    if let Some(r) = reframe {
        for (name, v) in [("x", r.x), ("y", r.y)] {
            if !(-1.0..=1.0).contains(&v) {
                invalid(
                    problems,
                    field(&format!("reframe.{name}")),
                    format!("{v} is outside the picture; use -1 (one edge) to 1 (the other)"),
                );
            }
        }
    }
    let end_frame =
        (s.end_frame.clone()).and_then(|v| typed::<EndFrame>(&field("endFrame"), v, problems));
    if let Some(EndFrame::Image(path)) = &end_frame {
        if path.trim().is_empty() {
            problems.push(Problem::Missing {
                field: field("endFrame.image"),
            });
        }
    }
    Scenario {
        trim,
        transition,
        reframe,
        end_frame,
        ..Default::default()
    }
}

/// How long scene `s` plays in the cut: its trim, or its whole requested length.
fn played(s: &Scenario) -> f64 {
    s.trim
        .map_or(f64::from(s.duration_seconds.get()), |t| t.seconds())
}

/// The checks across scenes: nothing comes before the first shot to transition from, a
/// transition fits in half of each shot it joins (so two never meet inside one shot), and an
/// end frame taken from the next shot has a next shot that does not start from this one.
pub(super) fn check_cut(scenarios: &[Scenario], problems: &mut Vec<Problem>) {
    for (i, s) in scenarios.iter().enumerate() {
        let field = |name: &str| format!("scenarios[{i}].{name}");
        if let Some(t) = s.transition.filter(|t| t.overlap() > 0.0) {
            match i.checked_sub(1).and_then(|p| scenarios.get(p)) {
                None => invalid(
                    problems,
                    field("transition"),
                    "the first shot has no shot before it to transition from",
                ),
                Some(prev) => {
                    let room = played(prev).min(played(s)) / 2.0;
                    if t.seconds > room {
                        invalid(
                            problems,
                            field("transition.seconds"),
                            format!(
                                "{} s is longer than half of the shorter shot it joins \
                                 ({room} s); shorten it or trim less",
                                t.seconds
                            ),
                        );
                    }
                }
            }
        }
        if s.end_frame == Some(EndFrame::NextShot) {
            match scenarios.get(i + 1) {
                None => invalid(
                    problems,
                    field("endFrame"),
                    "the last shot has no next shot to end on; choose an image",
                ),
                Some(next) if next.continue_from_previous => invalid(
                    problems,
                    field("endFrame"),
                    format!(
                        "the next shot ({:?}) starts from this one's last frame, so this one \
                         cannot end on its first; turn one of them off",
                        next.id
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// The title cards: at most [`MAX_TITLES`], each with words, a length a card can have, and a
/// scene it comes before that the project has.
pub(super) fn build_titles(
    raw: Vec<serde_json::Value>,
    scenarios: &[Scenario],
    problems: &mut Vec<Problem>,
) -> Vec<TitleCard> {
    if raw.len() > MAX_TITLES {
        invalid(
            problems,
            "titles".into(),
            format!("{} title cards; the limit is {MAX_TITLES}", raw.len()),
        );
    }
    let mut titles = Vec::with_capacity(raw.len());
    for (i, v) in raw.into_iter().enumerate() {
        let field = format!("titles[{i}]");
        let Some(card) = typed::<TitleCard>(&field, v, problems) else {
            continue;
        };
        check_card_text(&format!("{field}.text"), &card.text, problems);
        check_card_seconds(&format!("{field}.seconds"), card.seconds, problems);
        if let Some(before) = &card.before {
            if !scenarios.iter().any(|s| s.id == *before) {
                invalid(
                    problems,
                    format!("{field}.before"),
                    format!("no scene with id {before:?} in this project"),
                );
            }
        }
        titles.push(card);
    }
    // A card cuts in and out: the shot after one has nothing to dissolve from.
    for card in &titles {
        let after =
            (card.before.as_ref()).and_then(|id| scenarios.iter().position(|s| s.id == *id));
        if let Some(i) =
            after.filter(|&i| (scenarios[i].transition).is_some_and(|t| t.overlap() > 0.0))
        {
            invalid(
                problems,
                format!("scenarios[{i}].transition"),
                "a title card comes before this shot, and cards cut in and out; make it a cut \
                 or move the card",
            );
        }
    }
    titles
}

pub(super) fn build_credits(
    value: serde_json::Value,
    problems: &mut Vec<Problem>,
) -> Option<Credits> {
    let credits: Credits = typed("credits", value, problems)?;
    check_card_seconds("credits.seconds", credits.seconds, problems);
    if let Some(h) = &credits.heading {
        check_card_text("credits.heading", h, problems);
    }
    Some(credits)
}

fn check_card_text(field: &str, text: &str, problems: &mut Vec<Problem>) {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        invalid(problems, field.into(), "empty text: write the card's words");
    } else if chars > MAX_TITLE_CHARS {
        invalid(
            problems,
            field.into(),
            format!("{chars} characters; a card holds at most {MAX_TITLE_CHARS}"),
        );
    }
}

fn check_card_seconds(field: &str, seconds: f64, problems: &mut Vec<Problem>) {
    if !TITLE_SECONDS.contains(&seconds) {
        invalid(
            problems,
            field.into(),
            format!(
                "{seconds} s; a card stays on screen {} to {} s",
                TITLE_SECONDS.start(),
                TITLE_SECONDS.end()
            ),
        );
    }
}

impl Project {
    /// Each end frame that is an image: inside the project's folder when written relative,
    /// and an image that is there (as the reference images).
    pub(super) fn check_end_frames(&self, base_dir: &Path) -> Vec<Problem> {
        (self.scenarios.iter().enumerate())
            .filter_map(|(i, s)| match &s.end_frame {
                Some(EndFrame::Image(rel)) if !rel.trim().is_empty() => Some((i, rel)),
                _ => None,
            })
            .filter_map(|(i, rel)| {
                let field = format!("scenarios[{i}].endFrame.image");
                let rel = Path::new(rel);
                let path = base_dir.join(rel);
                if rel.is_relative() && escapes(base_dir, &path) {
                    return Some(Problem::ReferenceOutsideProject {
                        field,
                        path: rel.to_owned(),
                    });
                }
                check_image(&path, rel, field)
            })
            .collect()
    }

    /// The end credits' words: the heading, then every character's name, one a line.
    pub fn credits_text(&self) -> Option<String> {
        let credits = self.credits.as_ref()?;
        let heading = (credits.heading.as_deref())
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .unwrap_or(CREDITS_HEADING);
        let names = self.characters().map(|(_, c)| c.name.trim().to_owned());
        Some(
            std::iter::once(heading.to_owned())
                .chain(names)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }

    /// The cut a render stitches by; None when the project has none (every shot whole, cut
    /// to the next, no cards), so the request of a project without one keeps its bytes.
    pub fn cut_plan(&self) -> Option<CutPlan> {
        let shots: Vec<ShotCut> = (self.scenarios.iter())
            .map(|s| ShotCut {
                trim: s.trim,
                transition: s.transition,
                reframe: s.reframe,
            })
            .collect();
        let index_of = |id: &str| self.scenarios.iter().position(|s| s.id == id);
        let mut titles: Vec<TitleCut> = (self.titles.iter())
            .map(|t| TitleCut {
                before: t.before.as_deref().and_then(index_of),
                text: t.text.trim().to_owned(),
                seconds: t.seconds,
                style: t.style,
                credits: false,
            })
            .collect();
        if let (Some(credits), Some(text)) = (&self.credits, self.credits_text()) {
            titles.push(TitleCut {
                before: None,
                text,
                seconds: credits.seconds,
                style: credits.style,
                credits: true,
            });
        }
        let plain = shots.iter().all(|s| *s == ShotCut::default()) && titles.is_empty();
        (!plain).then_some(CutPlan { shots, titles })
    }
}
