// Scene boundaries of a stitched video: pure arithmetic on the scenes' durations (seconds), used by
// the player's timeline, its J/K/L and arrow keys, and `playingSceneId`.
import type { SegmentState, Take } from "./bindings";

/** One scene of what the player plays. */
export interface PlayerScene {
  /** The scenario id. */
  id: string;
  /** Seconds (as planned; scaled to the real video by `fitTo`). */
  duration: number;
  /** The clip's artifact URI (for its thumbnail), when known. */
  clip?: string;
}

const finite = (d: number) => (Number.isFinite(d) && d > 0 ? d : 0);

export function totalOf(durations: readonly number[]): number {
  return durations.reduce((t, d) => t + finite(d), 0);
}

/** Where scene `index` starts; clamped to [0, total]. */
export function startOf(index: number, durations: readonly number[]): number {
  const n = Math.max(0, Math.min(index, durations.length));
  return totalOf(durations.slice(0, n));
}

/** The index of the scene playing at `time`; the last scene at or past the end; -1 with none. */
export function sceneAt(time: number, durations: readonly number[]): number {
  if (durations.length === 0) return -1;
  let start = 0;
  for (let i = 0; i < durations.length; i++) {
    start += finite(durations[i]);
    if (time < start) return i;
  }
  return durations.length - 1;
}

/** The durations scaled so they add up to `total` (the real video's length), when both are known. */
export function fitTo(durations: readonly number[], total: number): number[] {
  const sum = totalOf(durations);
  if (!(total > 0) || sum <= 0) return durations.map(finite);
  return durations.map((d) => (finite(d) * total) / sum);
}

/** The start of the scene `delta` scenes away from the one at `time` (J: -1, L: +1), clamped. */
export function stepScene(time: number, durations: readonly number[], delta: number): number {
  const i = sceneAt(time, durations);
  if (i < 0) return 0;
  return startOf(Math.max(0, Math.min(durations.length - 1, i + delta)), durations);
}

/**
 * The previous scene boundary (←): the start of the current scene, or of the one before when the
 * playhead is within `slack` seconds of that start (so a repeated ← keeps going back).
 */
export function previousBoundary(time: number, durations: readonly number[], slack = 0.3): number {
  const i = sceneAt(time, durations);
  if (i < 0) return 0;
  const start = startOf(i, durations);
  return time - start > slack ? start : startOf(Math.max(0, i - 1), durations);
}

/** The next scene boundary (→): the start of the next scene; null in the last scene. */
export function nextBoundary(time: number, durations: readonly number[]): number | null {
  const i = sceneAt(time, durations);
  if (i < 0 || i >= durations.length - 1) return null;
  return startOf(i + 1, durations);
}

/** m:ss (h:mm:ss past an hour). */
export function clockText(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The clip of a segment's take `number` (its current clip for the take in use). */
export function clipOfTake(segment: Pick<SegmentState, "clipUrl" | "takes" | "take">, number: number): string | undefined {
  const take: Take | undefined = (segment.takes ?? []).find((t) => t.number === number);
  if (take) return take.clipUrl;
  return number === (segment.take ?? 0) ? (segment.clipUrl ?? undefined) : undefined;
}

/**
 * The scenes of a version: the job's scenarios (in order) with the take stitched for each
 * (`takes[i]`, 0 or missing: not in that version), each lasting `durationOf(id)` seconds.
 */
export function versionScenes(
  segments: readonly Pick<SegmentState, "id" | "clipUrl" | "takes" | "take">[],
  takes: readonly number[],
  durationOf: (id: string) => number,
): PlayerScene[] {
  const out: PlayerScene[] = [];
  segments.forEach((s, i) => {
    const take = takes[i] ?? 0;
    if (take <= 0) return;
    out.push({ id: s.id, duration: durationOf(s.id), clip: clipOfTake(s, take) });
  });
  return out;
}
