import { describe, expect, it } from "vitest";
import { clipOfTake, clockText, fitTo, nextBoundary, previousBoundary, sceneAt, startOf, stepScene, totalOf, versionScenes } from "./timeline";

const D = [4, 6, 8];

describe("scene boundaries", () => {
  it("finds where scenes start", () => {
    expect([0, 1, 2, 3, 9].map((i) => startOf(i, D))).toEqual([0, 4, 10, 18, 18]);
    expect(startOf(-1, D)).toBe(0);
    expect(totalOf(D)).toBe(18);
  });

  it("finds the scene at a time", () => {
    expect(sceneAt(0, D)).toBe(0);
    expect(sceneAt(3.99, D)).toBe(0);
    expect(sceneAt(4, D)).toBe(1);
    expect(sceneAt(9.5, D)).toBe(1);
    expect(sceneAt(10, D)).toBe(2);
    expect(sceneAt(18, D)).toBe(2);
    expect(sceneAt(99, D)).toBe(2);
    expect(sceneAt(-1, D)).toBe(0);
    expect(sceneAt(1, [])).toBe(-1);
  });

  it("ignores bad durations", () => {
    expect(sceneAt(5, [4, Number.NaN, 4])).toBe(2);
    expect(totalOf([4, -2, Number.POSITIVE_INFINITY])).toBe(4);
  });

  it("scales planned durations to the real video", () => {
    expect(fitTo([4, 4, 4], 12.06).map((d) => d.toFixed(2))).toEqual(["4.02", "4.02", "4.02"]);
    expect(fitTo([4, 8], 6)).toEqual([2, 4]);
    expect(fitTo([4, 8], Number.NaN)).toEqual([4, 8]);
    expect(fitTo([0, 0], 10)).toEqual([0, 0]);
  });

  it("steps a scene back and forth (J, L)", () => {
    expect(stepScene(5, D, -1)).toBe(0);
    expect(stepScene(5, D, 1)).toBe(10);
    expect(stepScene(12, D, 1)).toBe(10);
    expect(stepScene(1, D, -1)).toBe(0);
    expect(stepScene(1, [], 1)).toBe(0);
  });

  it("goes to the previous and next boundary (←, →)", () => {
    expect(previousBoundary(7, D)).toBe(4);
    expect(previousBoundary(4.1, D)).toBe(0);
    expect(previousBoundary(0.1, D)).toBe(0);
    expect(nextBoundary(7, D)).toBe(10);
    expect(nextBoundary(0, D)).toBe(4);
    expect(nextBoundary(12, D)).toBeNull();
    expect(nextBoundary(0, [])).toBeNull();
  });

  it("shows a clock", () => {
    expect(clockText(0)).toBe("0:00");
    expect(clockText(65.7)).toBe("1:05");
    expect(clockText(3725)).toBe("1:02:05");
    expect(clockText(Number.NaN)).toBe("0:00");
  });
});

describe("a version's scenes", () => {
  const segments = [
    { id: "a", clipUrl: "a2", take: 2, takes: [{ number: 1, prompt: "", clipUrl: "a1" }, { number: 2, prompt: "", clipUrl: "a2" }] },
    { id: "b", clipUrl: "b1", take: 1, takes: [{ number: 1, prompt: "", clipUrl: "b1" }] },
    { id: "c", take: 0, takes: [] },
  ];
  const dur = (id: string) => ({ a: 4, b: 6 })[id] ?? 8;

  it("follows the version's takes", () => {
    expect(versionScenes(segments, [1, 1], dur)).toEqual([
      { id: "a", duration: 4, clip: "a1" },
      { id: "b", duration: 6, clip: "b1" },
    ]);
    expect(versionScenes(segments, [2, 1, 1], dur).map((s) => s.clip)).toEqual(["a2", "b1", undefined]);
  });

  it("finds a take's clip", () => {
    expect(clipOfTake(segments[0], 1)).toBe("a1");
    expect(clipOfTake({ clipUrl: "x", take: 3 }, 3)).toBe("x");
    expect(clipOfTake({ clipUrl: "x", take: 3 }, 2)).toBeUndefined();
  });
});
