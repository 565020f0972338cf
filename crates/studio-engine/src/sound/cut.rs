//! The mix of a cut film: where each shot's lines go when the film is not its clips end to
//! end. The mix places lines in "shots" that follow one another and fill the film
//! ([`studio_media::sound::MixJob::shots`]); a cut's shots overlap at their transitions and
//! leave room for title cards between them. So the film is divided into pieces that do follow
//! one another: each shot from the middle of its incoming transition to the middle of its
//! outgoing one (the words never land in the dissolve's first half, where the shot is fading
//! in), and each stretch no shot covers (a title card) a piece of its own that no line names.

use studio_core::Span;

/// The film in pieces that follow one another, and which piece each shot is.
#[derive(Debug, Clone, PartialEq)]
pub struct Pieces {
    /// Each piece's length in seconds, in film order; they add up to the film's length.
    pub lengths: Vec<f64>,
    /// `shot_piece[i]`: the piece shot `i` is.
    pub shot_piece: Vec<usize>,
}

/// Divides a film of `film` seconds whose shots show at `spans` (in order, as the cut placed
/// them) into pieces that follow one another (see the module's docs).
pub fn pieces(spans: &[Span], film: f64) -> Pieces {
    let mut bounds: Vec<f64> = vec![0.0];
    let mut shot_piece = Vec::with_capacity(spans.len());
    for (i, span) in spans.iter().enumerate() {
        let start = match i.checked_sub(1).and_then(|p| spans.get(p)) {
            // Overlapping the shot before: the middle of the transition.
            Some(prev) if span.start < prev.end => (span.start + prev.end) / 2.0,
            // After a gap (a title) or exactly after: the shot's own start.
            _ => span.start,
        };
        push(&mut bounds, start.min(film));
        shot_piece.push(bounds.len() - 1);
        let end = match spans.get(i + 1) {
            Some(next) if next.start < span.end => (next.start + span.end) / 2.0,
            _ => span.end,
        };
        push(&mut bounds, end.min(film));
    }
    push(&mut bounds, film);
    // The last bound is the film's end, whatever rounding the spans carry.
    if let Some(last) = bounds.last_mut() {
        *last = film.max(*last);
    }
    let lengths: Vec<f64> = bounds.windows(2).map(|w| w[1] - w[0]).collect();
    let count = lengths.len().max(1);
    for p in &mut shot_piece {
        *p = (*p).min(count - 1);
    }
    Pieces {
        lengths,
        shot_piece,
    }
}

/// Adds a bound after the last; never backwards: a piece of no length (or less) is no piece.
fn push(bounds: &mut Vec<f64>, at: f64) {
    let last = bounds.last().copied().unwrap_or(0.0);
    if at > last + 1e-9 {
        bounds.push(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: f64, end: f64) -> Span {
        Span { start, end }
    }

    #[test]
    fn end_to_end_shots_are_their_own_pieces() {
        let p = pieces(&[span(0.0, 4.0), span(4.0, 8.0)], 8.0);
        assert_eq!(p.lengths, [4.0, 4.0]);
        assert_eq!(p.shot_piece, [0, 1]);
    }

    #[test]
    fn a_crossfade_is_split_in_its_middle_and_a_title_is_a_piece() {
        // An opening title (0..2), shots 2..8 and 7..11 (a 1 s crossfade), the credits 11..14.
        let p = pieces(&[span(2.0, 8.0), span(7.0, 11.0)], 14.0);
        assert_eq!(p.lengths, [2.0, 5.5, 3.5, 3.0]);
        assert_eq!(p.shot_piece, [1, 2]);
        assert!((p.lengths.iter().sum::<f64>() - 14.0).abs() < 1e-9);
    }

    #[test]
    fn a_title_between_shots_is_a_piece_no_shot_names() {
        let p = pieces(&[span(0.0, 4.0), span(6.0, 10.0)], 10.0);
        assert_eq!(p.lengths, [4.0, 2.0, 4.0]);
        assert_eq!(p.shot_piece, [0, 2]);
    }

    #[test]
    fn spans_a_little_past_the_film_still_fill_it_exactly() {
        let p = pieces(&[span(0.0, 4.0), span(4.0, 8.02)], 8.0);
        assert!((p.lengths.iter().sum::<f64>() - 8.0).abs() < 1e-9);
        assert_eq!(p.shot_piece, [0, 1]);
    }
}
