//! A smart render's film: the sound and the join pieces made side by side (the sound in one
//! ffmpeg run, the pieces in one run per core), the copied GOPs read straight from the clips
//! by the concat demuxer, and one last run that only copies both into the film.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::BoxFuture;
use futures::StreamExt as _;

use super::encode::{cut_gops, encode_batch, encoded_len, mux, sound, Entry, Src};
use super::facts::clip_facts;
use super::graph::AudioPiece;
use super::timeline::{Fragment, Part};
use super::CutReport;
use crate::error::MediaError;
use crate::ffmpeg::Ffmpeg;
use crate::task::TaskCtx;

/// The most ffmpeg runs of a cut at once.
const MAX_PARALLEL: usize = 4;

/// The most pieces one ffmpeg run encodes: each keeps its decoders and an x264 encoder alive
/// until the run ends, so a 50-shot film is encoded in runs of this many, not in one per core.
const MAX_BATCH: usize = 5;

/// How many ffmpeg runs a cut makes at once: one per core, each with one x264
/// thread as ever (the studio's encodes are single-threaded so they are the same on every
/// machine), up to [`MAX_PARALLEL`].
pub(super) fn parallel() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_PARALLEL)
}

/// What a smart render's film is made from.
pub(super) struct Smart<'a> {
    pub parts: &'a [Part],
    /// Item k's source.
    pub srcs: &'a [&'a Src],
    /// The film's sound (None: it has none).
    pub audio: Option<&'a [(Option<PathBuf>, AudioPiece)]>,
    pub fps: (u32, u32),
    /// The clips' extradata hash, which every piece encoded here must have.
    pub extradata: &'a str,
    pub work: &'a Path,
}

/// One ffmpeg run done.
enum Done {
    Sound,
    /// Parts encoded: (part, file, frames) each; `joins` false when the first piece's
    /// extradata differs from the clips' (its packets cannot follow theirs).
    Pieces {
        pieces: Vec<(usize, PathBuf, u64)>,
        joins: bool,
    },
}

/// A batch of encode parts: (part index, its fragments) each.
type Batch<'a> = Vec<(usize, &'a [Fragment])>;

/// The encode parts (index, fragments) shared out into batches of about as many frames each:
/// `batches` of them, or more so that none has over [`MAX_BATCH`] pieces; in the parts' order
/// within each (the same batches every time), the batch of most frames first.
fn batches(parts: &[Part], batches: usize) -> Vec<Batch<'_>> {
    let count = (parts.iter())
        .filter(|p| matches!(p, Part::Encode(_)))
        .count();
    let batches = batches.max(count.div_ceil(MAX_BATCH)).max(1);
    let mut out: Vec<(u64, Batch<'_>)> = Vec::new();
    for (n, part) in parts.iter().enumerate() {
        let Part::Encode(frags) = part else {
            continue;
        };
        let len = encoded_len(frags);
        if out.len() < batches {
            out.push((len, vec![(n, frags.as_slice())]));
        } else if let Some(b) = (out.iter_mut())
            .filter(|(_, b)| b.len() < MAX_BATCH)
            .min_by_key(|(frames, _)| *frames)
        {
            b.0 += len;
            b.1.push((n, frags.as_slice()));
        }
    }
    // Stable: batches of as many frames stay in the parts' order.
    out.sort_by_key(|(frames, _)| std::cmp::Reverse(*frames));
    out.into_iter().map(|(_, b)| b).collect()
}

/// The sound and the encode parts, as runs to make side by side: the sound's first, and the
/// pieces in batches ([`batches`]). The first piece of the first batch done is probed for its
/// extradata (the pieces share their settings, size and rate, so one speaks for all); `checked`
/// says it has been.
fn runs<'a>(
    ff: &'a Ffmpeg,
    s: &'a Smart<'a>,
    sound_path: &'a Path,
    seconds: f64,
    quiet: &'a TaskCtx,
    checked: &'a AtomicBool,
) -> Vec<BoxFuture<'a, Result<Done, MediaError>>> {
    let mut runs: Vec<BoxFuture<'a, Result<Done, MediaError>>> = Vec::new();
    if let Some(audio) = s.audio {
        runs.push(Box::pin(async move {
            sound(ff, audio, sound_path, quiet, seconds).await?;
            Ok(Done::Sound)
        }));
    }
    for batch in batches(s.parts, parallel()) {
        runs.push(Box::pin(async move {
            let pieces: Vec<(&[Fragment], PathBuf)> = (batch.iter())
                .map(|&(n, frags)| (frags, s.work.join(format!("piece{n}.mp4"))))
                .collect();
            encode_batch(ff, &pieces, s.srcs, s.fps, quiet).await?;
            let joins = match (checked.swap(true, Ordering::Relaxed), pieces.first()) {
                (false, Some((_, first))) => {
                    clip_facts(ff, first, quiet).await?.extradata == s.extradata
                }
                _ => true,
            };
            Ok(Done::Pieces {
                pieces: (batch.iter().zip(pieces))
                    .map(|(&(n, frags), (_, path))| (n, path, encoded_len(frags)))
                    .collect(),
                joins,
            })
        }));
    }
    runs
}

/// Makes the film at `film` as `s` says, counting what was copied and encoded in `report`.
/// Ok(Some(why)) when a piece encoded here cannot follow the clips' packets: nothing is made
/// then, the cut must be encoded whole.
pub(super) async fn smart(
    ff: &Ffmpeg,
    s: &Smart<'_>,
    film: &Path,
    report: &mut CutReport,
    task: &TaskCtx,
) -> Result<Option<String>, MediaError> {
    let sound_path = s.work.join("sound.m4a");
    // The runs overlap: each reports nothing of its own; the cut moves on as each ends.
    let quiet = TaskCtx::new(task.cancel.clone(), None);
    // The first batch to finish probes its first piece while the others still encode.
    let checked = AtomicBool::new(false);
    let runs = runs(ff, s, &sound_path, report.duration, &quiet, &checked);
    let count = runs.len().max(1);
    let mut done = 0usize;
    let mut encoded = BTreeMap::new();
    // One run per core: the sound and the batch of most frames first, each next batch on the
    // core that comes free. The sound then shares its core with a smaller batch, and both cores
    // end together (a third run beside them shared the cores until the sound was done, then
    // left one idle while the biggest batch finished: 0.3 s of a 4.6 s render).
    let mut stream = futures::stream::iter(runs).buffer_unordered(parallel());
    while let Some(result) = stream.next().await {
        match result? {
            Done::Sound => {}
            Done::Pieces { joins: false, .. } => {
                // Dropping the other runs kills their ffmpeg.
                return Ok(Some(
                    "the clips were not encoded with the studio's H.264 settings, so frames \
                     encoded here cannot follow their packets"
                        .into(),
                ));
            }
            Done::Pieces { pieces, .. } => {
                for (n, path, len) in pieces {
                    encoded.insert(n, (path, len));
                }
            }
        }
        done += 1;
        task.report(0.06 + 0.8 * done as f32 / count as f32);
    }
    drop(stream);
    let mut entries = Vec::with_capacity(s.parts.len());
    for (n, part) in s.parts.iter().enumerate() {
        match part {
            Part::Encode(_) => {
                if let Some((piece, len)) = encoded.remove(&n) {
                    report.reencoded_frames += len;
                    entries.push((Entry::Whole(piece), len));
                }
            }
            &Part::Copy { item, from, to } => {
                let Some(src) = s.srcs.get(item) else {
                    continue;
                };
                entries.push((copy(ff, src, from, to, s.work, n, task).await?, to - from));
                report.copied_packets += to - from;
            }
        }
    }
    task.report(0.87);
    let list = s.work.join("cut.txt");
    let sound = s.audio.is_some().then_some(sound_path.as_path());
    mux(
        ff,
        &entries,
        s.fps,
        sound,
        &list,
        film,
        task,
        report.duration,
    )
    .await?;
    Ok(None)
}

/// The concat entry copying frames `from..to` (whole GOPs) of `src`: the whole file, a read
/// straight from it, or (where its packets do not allow a read) the GOPs cut out first.
async fn copy(
    ff: &Ffmpeg,
    src: &Src,
    from: u64,
    to: u64,
    work: &Path,
    n: usize,
    task: &TaskCtx,
) -> Result<Entry, MediaError> {
    if from == 0 && to == src.source.frames && !src.audio {
        return Ok(Entry::Whole(src.path.clone()));
    }
    if let Some((inpoint, outpoint)) = src.gops.read(from, to) {
        return Ok(Entry::Read {
            path: src.path.clone(),
            inpoint,
            outpoint,
        });
    }
    tracing::debug!(path = %src.path.display(), from, to, "GOPs cut out: no direct read");
    Ok(Entry::Whole(
        cut_gops(ff, src, from, to, work, n, task).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(frames: u64) -> Part {
        Part::Encode(vec![Fragment {
            item: 0,
            from: 0,
            to: frames,
            join: None,
        }])
    }

    #[test]
    fn batches_share_the_frames_and_stay_small() {
        let copy = Part::Copy {
            item: 0,
            from: 0,
            to: 24,
        };
        let mut parts = vec![copy.clone()];
        for _ in 0..9 {
            parts.extend([piece(24), copy.clone()]);
        }
        let b = batches(&parts, 2);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), [5, 4]);
        // In the parts' order, every encode part once.
        assert_eq!(
            b[0].iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            [1, 5, 9, 13, 17]
        );
        // 49 joins of a 50-shot film: ten runs of at most five, one long piece among them.
        let mut parts: Vec<Part> = (0..49).map(|_| piece(24)).collect();
        parts[3] = piece(240);
        let b = batches(&parts, 2);
        assert_eq!(b.len(), 10);
        assert!(
            b.iter().all(|x| !x.is_empty() && x.len() <= MAX_BATCH),
            "{b:?}"
        );
        assert_eq!(b.iter().map(Vec::len).sum::<usize>(), 49);
        // The batch of most frames first: it starts at once, beside the sound.
        assert!(b[0].iter().any(|&(n, _)| n == 3), "{b:?}");
    }
}
