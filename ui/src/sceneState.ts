// What the storyboard shows on each scene card about the latest render: pure, from the job's
// segments (progress while running, the job's detail once loaded).
import type { SegmentState, SegmentStatus } from "./bindings";
import { clipOfTake } from "./timeline";

export interface SceneRenderState {
  status: "queued" | "generating" | "done" | "failed";
  /** Epoch ms when the scene started generating (for an elapsed timer); set while generating. */
  startedAt?: number;
  error?: string;
  /** How many takes the scene has. */
  takes: number;
  /** The media URL of the current take, once known. */
  clipUrl?: string;
  /** The thumbnail URL of the current take, once known. */
  thumbnailUrl?: string;
  /** The current take starts from a clip that is no longer the previous scene's current one. */
  stale: boolean;
}

type SegmentLike = Pick<SegmentState, "id" | "status" | "clipUrl" | "error" | "takes" | "take">;

const STATUS: Record<SegmentStatus, SceneRenderState["status"]> = {
  pending: "queued",
  running: "generating",
  done: "done",
  failed: "failed",
};

/** The artifact URI of a segment's current take. */
export function currentClip(s: SegmentLike): string | undefined {
  const take = s.take ?? 0;
  return take > 0 ? clipOfTake(s, take) : (s.clipUrl ?? undefined);
}

/** Scene `index`'s current take continues from a clip other than the previous scene's current one. */
export function isStale(segments: readonly SegmentLike[], index: number): boolean {
  const s = segments[index];
  if (!s) return false;
  const take = (s.takes ?? []).find((t) => t.number === (s.take ?? 0));
  const from = take?.firstFrameFrom;
  if (!from) return false;
  const previous = index > 0 ? currentClip(segments[index - 1]) : undefined;
  return from !== previous;
}

export function sceneRenderStates(
  segments: readonly SegmentLike[],
  startedAt: Readonly<Record<string, number>>,
  mediaUrls: Readonly<Record<string, string>>,
  thumbnails: Readonly<Record<string, string>> = {},
): Record<string, SceneRenderState> {
  const out: Record<string, SceneRenderState> = {};
  segments.forEach((s, i) => {
    const status = STATUS[s.status] ?? "queued";
    const clip = currentClip(s);
    const state: SceneRenderState = { status, takes: (s.takes ?? []).length, stale: isStale(segments, i) };
    if (status === "generating" && startedAt[s.id] !== undefined) state.startedAt = startedAt[s.id];
    if (s.error) state.error = s.error;
    if (clip && mediaUrls[clip]) state.clipUrl = mediaUrls[clip];
    if (clip && thumbnails[clip]) state.thumbnailUrl = thumbnails[clip];
    out[s.id] = state;
  });
  return out;
}

/** Start times of the segments now generating: kept from `before`, now for new ones, dropped otherwise. */
export function generatingSince(
  segments: readonly Pick<SegmentState, "id" | "status">[],
  before: Readonly<Record<string, number>>,
  now: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of segments) if (s.status === "running") out[s.id] = before[s.id] ?? now;
  return out;
}
