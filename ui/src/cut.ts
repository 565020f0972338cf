// The cut's arithmetic for the timeline (pure, covered by Vitest): where each shot and title
// card sits on the film, how trims clamp and snap to frames, how transitions overlap the shots
// they join, pixels to seconds at a zoom, and the film's time to the time of the video that
// plays. The semantics are the studio's (crates/studio-core/src/cut.rs): a crossfade or a dip
// of d seconds overlaps the end of the previous shot's trimmed part and the start of the next
// one's, so the film is d shorter; title cards never have transitions.

/** The frame rate the cut snaps to (`CUT_FPS` in studio-core: the clips are made at 24 fps). */
export const CUT_FPS = 24;
/** The longest transition (`MAX_TRANSITION_SECONDS`). */
export const MAX_TRANSITION_SECONDS = 3;
/** The shortest a trimmed shot may play (`MIN_SHOT_SECONDS`). */
export const MIN_SHOT_SECONDS = 0.5;
/** How long a title card or the credits may stay on screen (`TITLE_SECONDS`). */
export const TITLE_MIN_SECONDS = 1;
export const TITLE_MAX_SECONDS = 20;

export type TransitionKind = "cut" | "crossfade" | "dip-to-black";

/** The part of a shot's clip the film plays, seconds from the clip's start (JSON `in`/`out`). */
export interface TrimRange {
  in: number;
  out: number;
}

export interface TransitionSpec {
  kind: TransitionKind;
  seconds: number;
}

/** One shot as the timeline needs it. */
export interface CutShot {
  id: string;
  /** The whole clip's length (measured, else as planned). */
  clipSeconds: number;
  trim?: TrimRange | null;
  /** Into this shot from the one before. */
  transition?: TransitionSpec | null;
}

/** A title card or the credits, as the timeline needs it. */
export interface CutTitle {
  seconds: number;
  /** The shot it comes before; absent (or a shot the cut lacks): after the last shot. */
  before?: string | null;
}

export type CutItem =
  | {
      kind: "shot";
      /** The shot's index in the shots given. */
      index: number;
      id: string;
      /** Where it shows on the film (from the start of its incoming transition to the end of its outgoing one). */
      start: number;
      end: number;
      trim: TrimRange;
      /** Seconds it overlaps the item before (its incoming transition, as applied). */
      overlapIn: number;
      overlapOut: number;
      transition: TransitionKind;
    }
  | { kind: "title"; index: number; start: number; end: number }
  | { kind: "credits"; index: 0; start: number; end: number };

export interface CutLayout {
  items: CutItem[];
  /** The film's length. */
  total: number;
}

const finite = (x: number, fallback = 0) => (Number.isFinite(x) ? x : fallback);
const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

/** The nearest frame's time. */
export function snap(t: number, fps = CUT_FPS): number {
  return Math.round(finite(t) * fps) / fps;
}

/** The frame at or before `t`. */
const floorFrame = (t: number) => Math.floor(t * CUT_FPS + 1e-6) / CUT_FPS;

/** The frame shown at `t` (frame n covers [n/fps, (n+1)/fps)). */
export function frameAt(t: number, fps = CUT_FPS): number {
  return Math.max(0, Math.floor(finite(t) * fps + 1e-6));
}

/** Where to seek to show frame `n` for sure: its middle (an exact n/fps may land on n-1). */
export function seekTimeOf(frame: number, fps = CUT_FPS): number {
  return (Math.max(0, frame) + 0.5) / fps;
}

/** A shot's trim as played: the one given, clamped and snapped, else the whole clip. */
export function effectiveTrim(shot: Pick<CutShot, "clipSeconds" | "trim">): TrimRange {
  const clip = Math.max(0, finite(shot.clipSeconds));
  if (!shot.trim) return { in: 0, out: clip };
  return clampTrim(shot.trim, clip);
}

/**
 * A trim made valid for a clip of `clip` seconds: on frames, inside the clip, at least
 * MIN_SHOT_SECONDS long (a clip shorter than that plays whole).
 */
export function clampTrim(trim: TrimRange, clip: number): TrimRange {
  const c = Math.max(0, finite(clip));
  if (c <= MIN_SHOT_SECONDS) return { in: 0, out: c };
  const i = clamp(snap(finite(trim.in)), 0, floorFrame(c - MIN_SHOT_SECONDS));
  return { in: i, out: clamp(snap(finite(trim.out, c)), i + MIN_SHOT_SECONDS, c) };
}

/** The trim to store: null when it plays the whole clip (the file keeps no field then). */
export function storedTrim(trim: TrimRange, clip: number): TrimRange | null {
  const t = clampTrim(trim, clip);
  return t.in <= 0 && t.out >= snap(clip) - 1e-9 ? null : t;
}

/** Dragging a trim handle by `delta` seconds from where the drag started (`from`): the other end stays. */
export function dragTrim(from: TrimRange, edge: "in" | "out", delta: number, clip: number): TrimRange {
  const c = Math.max(0, finite(clip));
  const f = clampTrim(from, c);
  if (edge === "in") return { in: clamp(snap(f.in + finite(delta)), 0, floorFrame(f.out - MIN_SHOT_SECONDS)), out: f.out };
  return { in: f.in, out: clamp(snap(f.out + finite(delta)), Math.min(c, f.in + MIN_SHOT_SECONDS), c) };
}

/** The film's order: title cards before the shot they name, the others after the last shot, then the credits. */
function order(shots: readonly CutShot[], titles: readonly CutTitle[], credits: CutTitle | null) {
  const ids = new Set(shots.map((s) => s.id));
  const out: ({ kind: "shot"; index: number } | { kind: "title"; index: number } | { kind: "credits" })[] = [];
  shots.forEach((s, index) => {
    titles.forEach((t, ti) => {
      if (t.before === s.id) out.push({ kind: "title", index: ti });
    });
    out.push({ kind: "shot", index });
  });
  titles.forEach((t, ti) => {
    if (!t.before || !ids.has(t.before)) out.push({ kind: "title", index: ti });
  });
  if (credits) out.push({ kind: "credits" });
  return out;
}

/**
 * The film: each item's span and the film's length. A transition applies only between two
 * shots; its length is clamped to MAX_TRANSITION_SECONDS, to the incoming shot, and to what
 * the outgoing shot has left after its own incoming transition (two never overlap).
 */
export function layoutCut(shots: readonly CutShot[], titles: readonly CutTitle[] = [], credits: CutTitle | null = null): CutLayout {
  const items: CutItem[] = [];
  let end = 0;
  let prev: (CutItem & { kind: "shot" }) | null = null;
  for (const o of order(shots, titles, credits)) {
    if (o.kind === "shot") {
      const s = shots[o.index];
      const trim = effectiveTrim(s);
      const len = trim.out - trim.in;
      let overlap = 0;
      let kind: TransitionKind = "cut";
      const tr = s.transition;
      if (prev && tr && tr.kind !== "cut") {
        const prevLen = prev.trim.out - prev.trim.in;
        overlap = snap(clamp(finite(tr.seconds), 0, Math.min(MAX_TRANSITION_SECONDS, len, prevLen - prev.overlapIn)));
        if (overlap > 0) kind = tr.kind;
        prev.overlapOut = overlap;
      }
      const start = end - overlap;
      const item: CutItem & { kind: "shot" } = { kind: "shot", index: o.index, id: s.id, start, end: start + len, trim, overlapIn: overlap, overlapOut: 0, transition: kind };
      items.push(item);
      end = item.end;
      prev = item;
    } else {
      const t = o.kind === "title" ? titles[o.index] : credits;
      const secs = clamp(finite(t?.seconds ?? 0, TITLE_MIN_SECONDS), TITLE_MIN_SECONDS, TITLE_MAX_SECONDS);
      items.push(o.kind === "title" ? { kind: "title", index: o.index, start: end, end: end + secs } : { kind: "credits", index: 0, start: end, end: end + secs });
      end += secs;
      prev = null;
    }
  }
  return { items, total: end };
}

/** The item under `t` on the film (the incoming shot during a transition); null past the end or with none. */
export function itemAt(layout: CutLayout, t: number): CutItem | null {
  let found: CutItem | null = null;
  for (const it of layout.items) if (t >= it.start && t < it.end) found = it;
  if (!found && layout.items.length && t >= layout.total) return layout.items[layout.items.length - 1];
  return found;
}

/** The index of the shot under `t` or the last shot before it; -1 with no shot. */
export function shotIndexAt(layout: CutLayout, t: number): number {
  let last = -1;
  for (const it of layout.items) if (it.kind === "shot" && it.start <= t) last = it.index;
  return last;
}

/**
 * The largest transition `seconds` the join into shot `index` allows: MAX_TRANSITION_SECONDS,
 * what the previous shot has left after its own incoming transition, and this shot's length
 * (0 for the first shot or after a title card: those joins are cuts).
 */
export function maxTransition(shots: readonly CutShot[], index: number, titles: readonly CutTitle[] = []): number {
  if (index <= 0 || index >= shots.length) return 0;
  const layout = layoutCut(shots.map((s, i) => (i === index ? { ...s, transition: null } : s)), titles);
  const at = layout.items.findIndex((x) => x.kind === "shot" && x.index === index);
  const prev = layout.items[at - 1];
  const cur = layout.items[at];
  if (!prev || prev.kind !== "shot" || prev.index !== index - 1 || !cur || cur.kind !== "shot") return 0;
  const prevLeft = prev.trim.out - prev.trim.in - prev.overlapIn;
  return floorFrame(Math.max(0, Math.min(MAX_TRANSITION_SECONDS, prevLeft, cur.trim.out - cur.trim.in)));
}

/**
 * The time in the video that plays for the film's time `t`. `raw`: the video is the shots'
 * whole clips end to end (a render made before the cut, or with none), `clipStarts[i]` where
 * shot i's clip starts in it (undefined: not in that video); else the video is the film
 * itself. Null when nothing of the video shows there (a title card over a raw video).
 */
export function videoTimeAt(layout: CutLayout, t: number, raw: boolean, clipStarts: readonly (number | undefined)[]): number | null {
  if (!raw) return clamp(t, 0, layout.total);
  const it = itemAt(layout, t);
  if (!it || it.kind !== "shot") return null;
  const base = clipStarts[it.index];
  if (base === undefined) return null;
  return base + it.trim.in + clamp(t - it.start, 0, it.trim.out - it.trim.in);
}

/** The film's time for a time in a raw video (the inverse of `videoTimeAt`); null in a trimmed-out part. */
export function filmTimeAt(layout: CutLayout, v: number, raw: boolean, clipStarts: readonly (number | undefined)[]): number | null {
  if (!raw) return v;
  for (const it of layout.items) {
    if (it.kind !== "shot") continue;
    const base = clipStarts[it.index];
    if (base === undefined) continue;
    const local = v - base;
    if (local >= it.trim.in - 1e-6 && local < it.trim.out) return it.start + (local - it.trim.in);
  }
  return null;
}

/** The first shot (in film order) whose trimmed part starts after video time `v` in a raw video: where playback jumps to. */
export function nextShotAfter(layout: CutLayout, v: number, clipStarts: readonly (number | undefined)[]): CutItem | null {
  let best: CutItem | null = null;
  let bestAt = Infinity;
  for (const it of layout.items) {
    if (it.kind !== "shot") continue;
    const base = clipStarts[it.index];
    if (base === undefined) continue;
    const at = base + it.trim.in;
    if (at > v + 1e-6 && at < bestAt) {
      best = it;
      bestAt = at;
    }
  }
  return best;
}

/** Where the clips start in a raw video of these clip lengths. */
export function clipStartsOf(clipSeconds: readonly number[]): number[] {
  let t = 0;
  return clipSeconds.map((d) => {
    const s = t;
    t += Math.max(0, finite(d));
    return s;
  });
}

/** Pixels per second showing `seconds` in `width` pixels, times `zoom` (1: the whole film fits). */
export function pixelsPerSecond(width: number, seconds: number, zoom: number): number {
  if (!(width > 0) || !(seconds > 0)) return 0;
  return (width / seconds) * clamp(finite(zoom, 1), 1, MAX_ZOOM);
}

export const MAX_ZOOM = 64;

/** The next zoom in (+1) or out (-1): doubling, from 1 (fit) to MAX_ZOOM. */
export function zoomStep(zoom: number, dir: 1 | -1): number {
  return clamp(dir > 0 ? zoom * 2 : zoom / 2, 1, MAX_ZOOM);
}

const TICKS = [1 / CUT_FPS, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];

/** The ruler's tick step: the smallest that keeps ticks at least `minPx` apart. */
export function tickStep(pps: number, minPx = 64): number {
  for (const s of TICKS) if (s * pps >= minPx) return s;
  return TICKS[TICKS.length - 1];
}

/** The ruler's ticks from 0 to `total`, every `step` seconds. */
export function ticks(total: number, step: number): number[] {
  const out: number[] = [];
  if (!(step > 0) || !(total >= 0)) return out;
  for (let i = 0; i * step <= total + 1e-9 && out.length < 10000; i++) out.push(i * step);
  return out;
}

/** A ruler label: m:ss, with the frame (m:ss:ff) when ticks are closer than a second. */
export function timecode(t: number, withFrames = false): string {
  const f = frameAt(t);
  const secs = Math.floor(f / CUT_FPS);
  const m = Math.floor(secs / 60);
  const s = String(secs % 60).padStart(2, "0");
  return withFrames ? `${m}:${s}:${String(f % CUT_FPS).padStart(2, "0")}` : `${m}:${s}`;
}

/** Shuttle speeds (J/L): each press doubles, up to 8x; the other direction first slows to a stop. */
export function shuttle(speed: number, key: "j" | "k" | "l"): number {
  if (key === "k") return 0;
  const dir = key === "l" ? 1 : -1;
  if (speed === 0 || Math.sign(speed) !== dir) return speed === 0 ? dir : 0;
  return dir * Math.min(8, Math.abs(speed) * 2);
}
