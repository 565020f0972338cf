// The sound lanes on the cut's timeline (pure, covered by Vitest): where each shot's lines go on
// the film, and a stem's waveform drawn on the film's time. The lanes share the timeline's
// layout (`cut.layoutCut`, the span arithmetic of crates/studio-core/src/cut.rs) and its pixels
// per second and scroll, so a line sits under the shot it belongs to at any zoom, after trims,
// transitions and title cards, as the render's mix places it.
import type { CutLayout } from "./cut";

/** A stretch of the film, in seconds from its start. */
export interface FilmWindow {
  start: number;
  end: number;
}

/**
 * Where each shot's lines may go on the film, by shot index (`count` shots): the shot from the
 * middle of its incoming transition to the middle of its outgoing one, as the render's mix
 * divides a cut film (crates/studio-engine/src/sound/cut.rs: the words never land in the first
 * half of a dissolve, where the shot is still fading in). A title card between two shots is
 * no shot's. A shot the layout lacks gets an empty window where the film ends.
 */
export function shotWindows(layout: CutLayout, count: number): FilmWindow[] {
  const out: FilmWindow[] = Array.from({ length: Math.max(0, count) }, () => ({ start: layout.total, end: layout.total }));
  for (const it of layout.items) {
    if (it.kind !== "shot" || it.index < 0 || it.index >= out.length) continue;
    out[it.index] = { start: it.start + it.overlapIn / 2, end: it.end - it.overlapOut / 2 };
  }
  return out;
}

/** A waveform's bars on the film: bar k covers the film's time `from + k*step` to `from + (k+1)*step`. */
export interface BarRange {
  /** The film's time at the first bar. */
  from: number;
  /** Seconds of film per bar. */
  step: number;
  count: number;
  /** The film's length: no bar after it. */
  total: number;
}

/**
 * A stem's waveform as bars on the film's time. `peaks` (0..1) are spread evenly over the video
 * that plays (`videoSeconds` long, the render the stem belongs to); `videoTime` maps the film's
 * time to that video's (the cut store's `videoTime`: the same time for a film rendered with this
 * cut, through the trims for an earlier render of the whole clips). A bar is the loudest peak it
 * covers; null where nothing of the video plays (a title card over an earlier render) or past
 * the film's end.
 */
export function filmBars(peaks: readonly number[], videoSeconds: number, range: BarRange, videoTime: (t: number) => number | null): (number | null)[] {
  const n = peaks.length;
  if (n === 0 || !(videoSeconds > 0) || !(range.step > 0) || !(range.count > 0)) return [];
  const index = (v: number) => Math.max(0, Math.min(n - 1, Math.floor((v / videoSeconds) * n)));
  const out: (number | null)[] = [];
  for (let k = 0; k < Math.floor(range.count); k++) {
    const t0 = range.from + k * range.step;
    const v0 = t0 < range.total ? videoTime(t0) : null;
    if (v0 === null) {
      out.push(null);
      continue;
    }
    // The bar's last moment (still on the film), mapped: inside one shot it follows on.
    const v1 = videoTime(Math.min(range.total, t0 + range.step) - 1e-6);
    const a = index(v0);
    const b = v1 === null || v1 < v0 ? a : index(v1);
    let m = 0;
    for (let i = a; i <= b; i++) m = Math.max(m, peaks[i] ?? 0);
    out.push(Math.max(0, Math.min(1, m)));
  }
  return out;
}
