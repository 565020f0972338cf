import { describe, expect, it } from "vitest";
import type { SegmentState as Segment } from "./bindings";
import { currentClip, generatingSince, isStale, sceneRenderStates } from "./sceneState";

const seg = (id: string, take: number, clips: string[], from: (string | undefined)[] = [], extra: Partial<Segment> = {}): Segment => ({
  id,
  prompt: id,
  status: "done",
  take,
  clipUrl: clips[take - 1],
  takes: clips.map((c, i) => ({ number: i + 1, prompt: id, clipUrl: c, ...(from[i] ? { firstFrameFrom: from[i] } : {}) })),
  ...extra,
});

describe("scene render states", () => {
  it("is stale when the previous scene's take changed", () => {
    const segs = [seg("a", 2, ["a1", "a2"]), seg("b", 1, ["b1"], ["a1"]), seg("c", 1, ["c1"])];
    expect(isStale(segs, 0)).toBe(false);
    expect(isStale(segs, 1)).toBe(true);
    expect(isStale(segs, 2)).toBe(false);
    const fresh = [seg("a", 1, ["a1", "a2"]), seg("b", 1, ["b1"], ["a1"])];
    expect(isStale(fresh, 1)).toBe(false);
    // Continuing from a scene that is no longer before it.
    expect(isStale([seg("b", 1, ["b1"], ["a1"])], 0)).toBe(true);
    expect(isStale(segs, 5)).toBe(false);
  });

  it("maps statuses, takes, errors, clips and timers", () => {
    const segs: Segment[] = [
      seg("a", 1, ["a1"]),
      { id: "b", prompt: "b", status: "running", take: 0, takes: [] },
      { id: "c", prompt: "c", status: "failed", error: "quota", take: 0 },
      { id: "d", prompt: "d", status: "pending" },
    ];
    const states = sceneRenderStates(segs, { b: 1000, a: 5 }, { a1: "http://m/a1" }, { a1: "http://t/a1" });
    expect(states).toEqual({
      a: { status: "done", takes: 1, clipUrl: "http://m/a1", thumbnailUrl: "http://t/a1", stale: false },
      b: { status: "generating", startedAt: 1000, takes: 0, stale: false },
      c: { status: "failed", error: "quota", takes: 0, stale: false },
      d: { status: "queued", takes: 0, stale: false },
    });
  });

  it("finds the current clip", () => {
    expect(currentClip(seg("a", 2, ["a1", "a2"]))).toBe("a2");
    expect(currentClip({ id: "x", status: "done", clipUrl: "x1" })).toBe("x1");
  });

  it("times scenes from when they start generating", () => {
    const running = (id: string): Pick<Segment, "id" | "status"> => ({ id, status: "running" });
    expect(generatingSince([running("a"), { id: "b", status: "done" }], {}, 7)).toEqual({ a: 7 });
    expect(generatingSince([running("a"), running("c")], { a: 3, b: 4 }, 9)).toEqual({ a: 3, c: 9 });
  });
});
