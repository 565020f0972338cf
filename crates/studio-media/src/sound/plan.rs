//! Where each line goes on the film's timeline, and the captions that follow from it. Pure
//! arithmetic: the ffmpeg graph and the captions are both made from one [`Timeline`].

use super::captions::Cue;
use super::{MixLine, MixProblem, TrackKind};

/// Where a shot's first voiced line starts, after the shot's start: a beat, so the words do
/// not land on the cut.
pub const LEAD_IN: f64 = 0.25;
/// The silence between two voiced lines.
pub const GAP: f64 = 0.2;

/// Every line of a job, placed: `start..end` in seconds from the film's start.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Each shot's start, in order.
    pub shot_starts: Vec<f64>,
    /// Each job line's span, in the job's order.
    pub spans: Vec<(f64, f64)>,
}

/// Places `lines` over `shots` (each shot's length, in order). `voiced[i]` is line `i`'s
/// audio length in seconds (None: a native line, spoken in the clip).
///
/// Voiced lines play one after another in the job's order, from their shot's start +
/// [`LEAD_IN`] with [`GAP`] between them; a line is never cut, so one longer than its shot
/// runs on into the next shot, whose lines then wait for it. Lines that would run past the
/// film's end are pulled back (the last ending with the film), and only when the voiced lines
/// cannot fit in the film at all is that an error. A native line is captioned over its whole
/// shot; several native lines of one shot share it evenly, in order.
pub fn place(
    shots: &[f64],
    film: f64,
    lines: &[MixLine],
    voiced: &[Option<f64>],
) -> Result<Timeline, MixProblem> {
    let mut shot_starts = Vec::with_capacity(shots.len());
    let mut t = 0.0;
    for s in shots {
        shot_starts.push(t);
        t += s;
    }
    let shot_span = |line: usize, shot: usize| -> Result<(f64, f64), MixProblem> {
        let start = shot_starts
            .get(shot)
            .copied()
            .ok_or(MixProblem::LineOutOfRange {
                line,
                shot,
                shots: shots.len(),
            })?;
        Ok((start, start + shots.get(shot).copied().unwrap_or(0.0)))
    };
    let mut spans = vec![(0.0, 0.0); lines.len()];
    // Voiced lines, in the job's order within each shot, shots in film order.
    let mut order: Vec<usize> = (0..lines.len())
        .filter(|&i| voiced.get(i).copied().flatten().is_some())
        .collect();
    order.sort_by_key(|&i| lines.get(i).map(|l| l.shot));
    let mut cursor = f64::NEG_INFINITY;
    for &i in &order {
        let (line, len) = (&lines[i], voiced[i].unwrap_or(0.0));
        let (shot_start, _) = shot_span(i, line.shot)?;
        let start = (shot_start + LEAD_IN).max(cursor + GAP);
        spans[i] = (start, start + len);
        cursor = start + len;
    }
    // Pull back whatever runs past the end, last line first, keeping the gaps.
    let mut limit = film;
    for &i in order.iter().rev() {
        let (start, end) = spans[i];
        if end <= limit {
            break;
        }
        let len = end - start;
        spans[i] = (limit - len, limit);
        limit = limit - len - GAP;
    }
    if let Some(&first) = order.first() {
        if spans[first].0 < -1e-9 {
            let needed: f64 = order.iter().map(|&i| voiced[i].unwrap_or(0.0)).sum::<f64>()
                + GAP * (order.len() - 1) as f64;
            return Err(MixProblem::LinesDoNotFit {
                seconds: needed,
                film,
            });
        }
    }
    // Native lines share their shot.
    for (shot, _) in shots.iter().enumerate() {
        let native: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].shot == shot && voiced.get(i).copied().flatten().is_none())
            .collect();
        if native.is_empty() {
            continue;
        }
        let (start, end) = shot_span(native[0], shot)?;
        let each = (end - start) / native.len() as f64;
        for (k, &i) in native.iter().enumerate() {
            spans[i] = (start + each * k as f64, start + each * (k + 1) as f64);
        }
    }
    Ok(Timeline { shot_starts, spans })
}

/// The captions of `lines` placed on `timeline`, in the order they start (lines starting
/// together keep the job's order). Dialogue with a speaker reads `Name: words`.
pub fn cues(lines: &[MixLine], timeline: &Timeline) -> Vec<Cue> {
    let mut cues: Vec<Cue> = lines
        .iter()
        .zip(&timeline.spans)
        .map(|(line, &(start, end))| Cue {
            start,
            end,
            text: match (&line.track, &line.speaker) {
                (TrackKind::Dialogue, Some(name)) if !name.trim().is_empty() => {
                    format!("{}: {}", name.trim(), line.text.trim())
                }
                _ => line.text.trim().to_owned(),
            },
        })
        .collect();
    cues.sort_by(|a, b| a.start.total_cmp(&b.start));
    cues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(shot: usize, track: TrackKind, speaker: Option<&str>, voiced: bool) -> MixLine {
        MixLine {
            shot,
            track,
            text: format!("line in shot {shot}"),
            speaker: speaker.map(str::to_owned),
            audio: voiced.then(|| "x.wav".into()),
        }
    }

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn voiced_lines_follow_each_other_from_their_shot_and_native_ones_share_it() {
        let lines = [
            line(0, TrackKind::Dialogue, Some("Mara"), true),
            line(0, TrackKind::Narration, None, true),
            line(1, TrackKind::Dialogue, Some("Tom"), false),
            line(1, TrackKind::Dialogue, Some("Mara"), false),
            line(2, TrackKind::Narration, None, true),
        ];
        let voiced = [Some(1.0), Some(2.0), None, None, Some(1.5)];
        let t = place(&[4.0, 4.0, 4.0], 12.0, &lines, &voiced).unwrap();
        assert_eq!(t.shot_starts, [0.0, 4.0, 8.0]);
        let want = [
            (0.25, 1.25),
            (1.45, 3.45),
            (4.0, 6.0),
            (6.0, 8.0),
            (8.25, 9.75),
        ];
        for (got, want) in t.spans.iter().zip(want) {
            assert!(close(*got, want), "{:?}", t.spans);
        }
        let cues = cues(&lines, &t);
        assert_eq!(cues[0].text, "Mara: line in shot 0");
        assert_eq!(cues[1].text, "line in shot 0");
        assert_eq!(cues[2].text, "Tom: line in shot 1");
    }

    #[test]
    fn a_long_line_runs_on_and_the_last_ones_are_pulled_back_from_the_end() {
        let lines = [
            line(0, TrackKind::Dialogue, None, true),
            line(1, TrackKind::Dialogue, None, true),
            line(2, TrackKind::Narration, None, true),
        ];
        // 5 s in a 4 s shot runs on and the next line waits for it; the last (8.25 + 4.5)
        // would end after the film, so it ends with it.
        let t = place(
            &[4.0, 4.0, 4.0],
            12.0,
            &lines,
            &[Some(5.0), Some(1.0), Some(4.5)],
        )
        .unwrap();
        assert!(close(t.spans[0], (0.25, 5.25)), "{:?}", t.spans);
        assert!(close(t.spans[1], (5.45, 6.45)), "{:?}", t.spans);
        assert!(close(t.spans[2], (7.5, 12.0)), "{:?}", t.spans);
        // Lines longer than the film together cannot be placed without cutting one.
        let two = [
            line(0, TrackKind::Dialogue, None, true),
            line(0, TrackKind::Narration, None, true),
        ];
        let err = place(&[2.0], 2.0, &two, &[Some(1.5), Some(1.0)]).unwrap_err();
        assert!(matches!(err, MixProblem::LinesDoNotFit { .. }), "{err}");
        // Exactly as long as the film with their pause: placed end to end.
        let t = place(&[2.0], 2.0, &two, &[Some(1.0), Some(0.8)]).unwrap();
        assert!(
            close(t.spans[0], (0.0, 1.0)) && close(t.spans[1], (1.2, 2.0)),
            "{:?}",
            t.spans
        );
    }
}
