import { describe, expect, it } from "vitest";
import type { Project } from "./bindings";
import { addScenario, deleteScenario, duplicateScenario, moveScenario, takesChanged, timing, undoDelete, usd } from "./editor";

function project(prompts: string[]): Project {
  return {
    version: 1,
    character: { name: "Ava", basePrompt: "a pilot", referenceImages: [] },
    scenarios: prompts.map((prompt, i) => ({ id: `scene-${i + 1}`, prompt, durationSeconds: 8 })),
    quality: "standard",
    aspectRatio: "16:9",
  };
}

describe("editor", () => {
  it("moves a scenario and keeps the others in order", () => {
    const p = moveScenario(project(["a", "b", "c"]), 2, 0);
    expect(p.scenarios.map((s) => s.prompt)).toEqual(["c", "a", "b"]);
    expect(moveScenario(p, 0, 5)).toBe(p);
  });

  it("duplicates with a fresh id next to the original", () => {
    const p = duplicateScenario(project(["a", "b"]), 0);
    expect(p.scenarios.map((s) => s.prompt)).toEqual(["a", "a", "b"]);
    expect(new Set(p.scenarios.map((s) => s.id)).size).toBe(3);
  });

  it("undoes the last deletion in place", () => {
    const [p, d] = deleteScenario(project(["a", "b", "c"]), 1);
    expect(p.scenarios.map((s) => s.prompt)).toEqual(["a", "c"]);
    expect(undoDelete(p, d).scenarios.map((s) => s.prompt)).toEqual(["a", "b", "c"]);
  });

  it("adds scenarios with unique ids and totals the seconds", () => {
    let p = addScenario(project(["a"]), "b");
    p = { ...p, scenarios: p.scenarios.map((s, i) => (i === 1 ? { ...s, durationSeconds: 4 } : s)) };
    expect(timing(p).seconds).toBe(12);
    expect(p.scenarios[1].id).toBe("scene-2");
  });

  it("never gives a new scene the id of one the project has or had", () => {
    const p = project(["a", "b", "c"]);
    const [shorter] = deleteScenario(p, 2);
    const retired = new Set(p.scenarios.map((s) => s.id));
    expect(addScenario(shorter, "new", retired).scenarios[2].id).toBe("scene-4");
    expect(duplicateScenario(shorter, 0, retired).scenarios[1].id).toBe("scene-4");
    // The ids present are never taken again, whatever their numbers.
    const gaps = { ...p, scenarios: [p.scenarios[2], { ...p.scenarios[0], id: "scene-5" }] };
    expect(addScenario(gaps).scenarios.map((s) => s.id)).toEqual(["scene-3", "scene-5", "scene-4"]);
    expect(addScenario(gaps, "", new Set(["scene-4"])).scenarios.map((s) => s.id)).toEqual(["scene-3", "scene-5", "scene-6"]);
  });

  it("formats money and tells when picked takes differ", () => {
    expect(usd(1.95)).toBe("$1.95");
    expect(usd(0.039)).toBe("$0.039");
    expect(usd(0)).toBe("$0.00");
    expect(takesChanged([1, 2, 1], [1, 2, 1])).toBe(false);
    expect(takesChanged([1, 2, 1], [1, 1, 1])).toBe(true);
    expect(takesChanged([1, 2], [1])).toBe(false);
  });
});
