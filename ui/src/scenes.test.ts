import { describe, expect, it } from "vitest";
import type { Project, SegmentState as Segment } from "./bindings";
import {
  clickSelect,
  deleteScenes,
  dirname,
  duplicateScenes,
  isStale,
  moveBy,
  resolveReference,
  sceneStatus,
  truncate,
  visibleProblems,
} from "./scenes";

function project(n: number, cont: number[] = []): Project {
  return {
    version: 1,
    character: { name: "Ava", basePrompt: "a pilot", referenceImages: [] },
    scenarios: Array.from({ length: n }, (_, i) => ({
      id: `s${i + 1}`,
      prompt: `p${i + 1}`,
      durationSeconds: 8,
      ...(cont.includes(i) ? { continueFromPrevious: true } : {}),
    })),
    quality: "standard",
    aspectRatio: "16:9",
  };
}

const seg = (id: string, take: number, clips: [string, string?][]): Segment => ({
  id,
  prompt: id,
  status: "done",
  clipUrl: clips[take - 1]?.[0],
  take,
  takes: clips.map(([clipUrl, firstFrameFrom], i) => ({ number: i + 1, prompt: id, clipUrl, ...(firstFrameFrom ? { firstFrameFrom } : {}) })),
});

describe("stale continuations", () => {
  it("is stale when the previous scene's clip changed", () => {
    const p = project(2, [1]);
    const fresh = [seg("s1", 1, [["c1"]]), seg("s2", 1, [["c2", "c1"]])];
    expect(isStale(p, 1, fresh)).toBe(false);
    const rerendered = [seg("s1", 2, [["c1"], ["c1b"]]), seg("s2", 1, [["c2", "c1"]])];
    expect(isStale(p, 1, rerendered)).toBe(true);
    expect(isStale(project(2), 1, rerendered)).toBe(false);
    expect(isStale(p, 0, rerendered)).toBe(false);
    expect(isStale(p, 1, undefined)).toBe(false);
  });
});

describe("scene status", () => {
  it("follows the segment while the job runs", () => {
    const s: Segment = { id: "a", prompt: "", status: "pending" };
    expect(sceneStatus(undefined, true, undefined, 5)).toEqual({ kind: "none" });
    expect(sceneStatus(s, true, undefined, 5)).toEqual({ kind: "queued" });
    expect(sceneStatus(s, false, undefined, 5)).toEqual({ kind: "none" });
    expect(sceneStatus({ ...s, status: "running" }, true, 3, 5)).toEqual({ kind: "generating", since: 3 });
    expect(sceneStatus({ ...s, status: "failed", error: "quota" }, false, undefined, 5)).toEqual({ kind: "failed", reason: "quota" });
  });
});

describe("selection and edits", () => {
  const order = ["a", "b", "c", "d"];
  it("selects by click, Ctrl+click and Shift+click", () => {
    expect(clickSelect(order, ["a"], "a", "c", { ctrl: false, shift: false })).toEqual(["c"]);
    expect(clickSelect(order, ["a"], "a", "c", { ctrl: true, shift: false })).toEqual(["a", "c"]);
    expect(clickSelect(order, ["a", "c"], "a", "c", { ctrl: true, shift: false })).toEqual(["a"]);
    expect(clickSelect(order, ["b"], "b", "d", { ctrl: false, shift: true })).toEqual(["b", "c", "d"]);
    expect(clickSelect(order, ["d"], "d", "b", { ctrl: false, shift: true })).toEqual(["b", "c", "d"]);
  });
  it("duplicates and deletes several scenes", () => {
    const [p, copies] = duplicateScenes(project(3), ["s1", "s2"]);
    expect(p.scenarios.map((s) => s.id)).toEqual(["s1", "s2", "scene-4", "scene-5", "s3"]);
    expect(copies).toEqual(["scene-4", "scene-5"]);
    expect(deleteScenes(p, ["s1", "scene-4"]).scenarios.map((s) => s.id)).toEqual(["s2", "scene-5", "s3"]);
  });
  it("never lets the first scene continue", () => {
    const p = project(3, [1]);
    expect(deleteScenes(p, ["s1"]).scenarios[0].continueFromPrevious).toBeUndefined();
    expect(moveBy(p, "s2", -1).scenarios.map((s) => s.id)).toEqual(["s2", "s1", "s3"]);
    expect(moveBy(p, "s2", -1).scenarios[0].continueFromPrevious).toBeUndefined();
    expect(moveBy(p, "s1", -1)).toBe(p);
  });
});

describe("paths and text", () => {
  it("resolves relative references against the project's folder", () => {
    expect(resolveReference("/home/a/film/p.studio.json", "refs/ava.png")).toBe("/home/a/film/refs/ava.png");
    expect(resolveReference("/home/a/film/p.studio.json", "./ava.png")).toBe("/home/a/film/ava.png");
    expect(resolveReference("/home/a/p.json", "/abs/ava.png")).toBe("/abs/ava.png");
    expect(resolveReference(null, "ava.png")).toBe("ava.png");
    expect(resolveReference("C:\\films\\p.json", "ava.png")).toBe("C:\\films\\ava.png");
    expect(dirname("/p.json")).toBe("/");
  });
  it("shows a field's problems once touched, all after Render", () => {
    const problems = [
      { field: "character.basePrompt", message: "a" },
      { field: "scenarios[0].prompt", message: "b" },
    ];
    expect(visibleProblems(problems, new Set(), false)).toEqual([]);
    expect(visibleProblems(problems, new Set(["scenarios[0].prompt"]), false)).toEqual([problems[1]]);
    expect(visibleProblems(problems, new Set(), true)).toEqual(problems);
  });
  it("truncates at a word", () => {
    expect(truncate("short", 10)).toBe("short");
    expect(truncate("a very long prompt about a plane", 16)).toBe("a very long…");
  });
});
