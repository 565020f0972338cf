// How cut.e2e.mjs counts a gesture's frame times (frames.mjs).
import { describe, expect, it } from "vitest";
import { frameStats, pooled } from "./frames.mjs";

const gesture = (cb, work) => ({ frames: cb, cb, work, seeks: 0, ev: [[cb[0] - 1, "down"], [cb[cb.length - 1] + 1, "up"]], mut: [], ipcProbe: true });

describe("a gesture's frame times", () => {
  it("ends a frame's time when the next frame starts: a message that waited past it is not counted twice", () => {
    // Frame 1 renders at 16 ms; frame 0's message only ran at 30 ms, after frame 1 (5 ms) was rendered.
    const m = frameStats(gesture([0, 16, 32], [30, 5, 4]));
    expect(m.frameTime).toEqual({ n: 3, p50: 5, p95: 16, max: 16 });
    expect(m.frameTimeQueued.max).toBe(30);
    expect(m.overlapped).toBe(1);
    expect(m.slow.map((s) => s.work)).toEqual([]);
  });

  it("keeps a frame's own time when its message runs before the next frame", () => {
    const m = frameStats(gesture([0, 40, 56], [35, 5, 4]));
    expect(m.frameTime.max).toBe(35);
    expect(m.overlapped).toBe(0);
    expect(m.slow.map((s) => s.work)).toEqual([35]);
  });
});

describe("a gesture recorded several times", () => {
  it("gives the p95 of all their frames together, and each one's", () => {
    // One gesture with a hitch (2 slow frames of 20) and two without.
    const hitch = frameStats(gesture([0, 16, 32, 48, 64, 80, 96, 112, 128, 144], [3, 3, 3, 3, 3, 3, 3, 3, 20, 20]));
    const calm = frameStats(gesture([0, 16, 32, 48, 64, 80, 96, 112, 128, 144], [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]));
    const m = pooled([hitch, calm, calm]);
    expect(hitch.frameTime.p95).toBe(20);
    expect(m.p95s).toEqual([20, 4, 4]);
    expect(m.frameTime).toEqual({ n: 30, p50: 4, p95: 16, max: 20 });
    expect(pooled([hitch, calm, calm, calm, calm, calm, calm]).frameTime.p95).toBe(4);
    expect(m.gestures[0].times).toBeUndefined();
  });
});
