import { describe, expect, it } from "vitest";
import { cropWindow, presetAspect, reframedPresets } from "./reframe";

describe("reframe", () => {
  it("knows which presets crop a project's shots", () => {
    expect(reframedPresets("16:9")).toEqual(["shorts", "square", "portrait"]);
    expect(reframedPresets("9:16")).toEqual(["youtube", "youtube-4k", "square", "portrait"]);
    expect(presetAspect("portrait")).toBeCloseTo(0.8);
  });

  it("places a 9:16 window across a letterboxed 16:9 picture", () => {
    // A 1000x1000 stage: the picture is 1000x562.5, from y = 218.75.
    const mid = cropWindow(1000, 1000, 16 / 9, 9 / 16, 0, 0);
    expect(mid.height).toBeCloseTo(562.5);
    expect(mid.width).toBeCloseTo(562.5 * (9 / 16));
    expect(mid.top).toBeCloseTo(218.75);
    expect(mid.left + mid.width / 2).toBeCloseTo(500);
    const left = cropWindow(1000, 1000, 16 / 9, 9 / 16, -1, 0);
    expect(left.left).toBeCloseTo(0);
    const right = cropWindow(1000, 1000, 16 / 9, 9 / 16, 1, 5);
    expect(right.left + right.width).toBeCloseTo(1000);
    expect(right.travelY).toBe(0);
  });

  it("places a 16:9 window down a 9:16 picture", () => {
    const top = cropWindow(900, 1600, 9 / 16, 16 / 9, 0, -1);
    expect(top.width).toBeCloseTo(900);
    expect(top.top).toBeCloseTo(0);
    expect(cropWindow(0, 10, 1, 1, 0, 0).width).toBe(0);
  });
});
