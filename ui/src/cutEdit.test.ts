import { describe, expect, it } from "vitest";
import type { Project } from "./bindings";
import { addTitle, cutOf, removeTitle, setCredits, setEndFrame, setReframe, setTransition, setTrim, trimOf, updateTitle } from "./cutEdit";

const project = (): Project => ({
  version: 1,
  character: { name: "Ines", basePrompt: "a keeper", referenceImages: [] },
  scenarios: [
    { id: "a", prompt: "one", durationSeconds: 4 },
    { id: "b", prompt: "two", durationSeconds: 6 },
  ],
  quality: "standard",
  aspectRatio: "16:9",
});

describe("editing the cut", () => {
  it("stores a trim clamped and on frames, and none for the whole clip", () => {
    const p = setTrim(project(), "b", { in: 1.01, out: 9 }, 6);
    expect(p.scenarios[1].trim).toEqual({ in: 1, out: 6 });
    expect(p.scenarios[0].trim).toBeUndefined();
    expect(trimOf(p, "b", 6)).toEqual({ in: 1, out: 6 });
    const whole = setTrim(p, "b", { in: 0, out: 6 }, 6);
    expect("trim" in whole.scenarios[1]).toBe(false);
    expect(cutOf(p).shots[1].trim).toEqual({ in: 1, out: 6 });
  });

  it("sets a transition, clamped, and a cut removes it", () => {
    const p = setTransition(project(), "b", "crossfade", 9);
    expect(p.scenarios[1].transition).toEqual({ kind: "crossfade", seconds: 3 });
    expect(setTransition(p, "b", "dip-to-black", 0.51).scenarios[1].transition).toEqual({ kind: "dip-to-black", seconds: 0.5 });
    expect("transition" in setTransition(p, "b", "cut", 1).scenarios[1]).toBe(false);
  });

  it("places the crop window within -1..1, or fits", () => {
    expect(setReframe(project(), "a", { x: 2, y: -0.25 }).scenarios[0].reframe).toEqual({ mode: "crop", x: 1, y: -0.25 });
    expect(setReframe(project(), "a", { mode: "fit", x: 1 }).scenarios[0].reframe).toEqual({ mode: "fit", x: 0, y: 0 });
    expect("reframe" in setReframe(setReframe(project(), "a", { x: 1 }), "a", null).scenarios[0]).toBe(false);
  });

  it("adds, edits and removes title cards, leaving defaults out of the file", () => {
    const [p, i] = addTitle(project(), "b");
    expect(i).toBe(0);
    expect(p.titles).toEqual([{ text: "Title", seconds: 3, before: "b" }]);
    const q = updateTitle(p, 0, { text: "Night falls", seconds: 99, style: "bold" });
    expect(q.titles).toEqual([{ text: "Night falls", seconds: 20, style: "bold", before: "b" }]);
    expect(updateTitle(q, 0, { style: "plain", before: undefined }).titles).toEqual([{ text: "Night falls", seconds: 20 }]);
    expect("titles" in removeTitle(q, 0)).toBe(false);
    expect(cutOf(q).titles).toEqual([{ seconds: 20, before: "b" }]);
  });

  it("turns the credits on, edits them and off", () => {
    const p = setCredits(project(), {});
    expect(p.credits).toEqual({ seconds: 5 });
    expect(setCredits(p, { heading: "With", style: "serif", seconds: 0.2 }).credits).toEqual({ seconds: 1, style: "serif", heading: "With" });
    expect("credits" in setCredits(p, null)).toBe(false);
  });

  it("ends a shot on the next shot's first frame or an image (relative beside the project)", () => {
    expect(setEndFrame(project(), "a", "nextShot").scenarios[0].endFrame).toBe("nextShot");
    expect(setEndFrame(project(), "b", "nextShot").scenarios[1].endFrame).toBeUndefined();
    expect(setEndFrame(project(), "a", { image: "/films/keeper/frames/end.png" }, "/films/keeper/keeper.studio.json").scenarios[0].endFrame).toEqual({ image: "frames/end.png" });
    expect(setEndFrame(project(), "a", { image: "/elsewhere/end.png" }, "/films/keeper/keeper.studio.json").scenarios[0].endFrame).toEqual({ image: "/elsewhere/end.png" });
    expect("endFrame" in setEndFrame(setEndFrame(project(), "a", "nextShot"), "a", null).scenarios[0]).toBe(false);
  });
});
