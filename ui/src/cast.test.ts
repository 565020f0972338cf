import { describe, expect, it } from "vitest";
import type { Project } from "./bindings";
import { addCharacter, characters, MAX_CHARACTERS, removeCharacter, sceneCast, slug, toggleSceneCast, uniqueId, updateCharacter } from "./cast";

const base: Project = {
  version: 1,
  character: { name: "Ava", basePrompt: "a pilot", referenceImages: [] },
  scenarios: [{ id: "s1", prompt: "x", durationSeconds: 8 }],
  quality: "standard",
  aspectRatio: "16:9",
};

describe("cast", () => {
  it("slugs names into unique ids", () => {
    expect(slug("Ava Lee!")).toBe("ava-lee");
    expect(slug("Zoë")).toBe("zoe");
    expect(slug("  ")).toBe("character");
    expect(uniqueId("Ava", ["ava", "ava-2"])).toBe("ava-3");
  });
  it("gives ids when a second character comes, and drops them when one is left", () => {
    const two = addCharacter(base, { name: "Ava", basePrompt: "twin", referenceImages: [] });
    expect(two.character.id).toBe("ava");
    expect(two.cast?.map((c) => c.id)).toEqual(["ava-2"]);
    const scened = toggleSceneCast(two, 0, "ava-2", true);
    expect(scened.scenarios[0].cast).toEqual(["ava", "ava-2"]);
    expect(sceneCast(scened, scened.scenarios[0]).map((c) => c.name)).toEqual(["Ava", "Ava"]);
    const off = toggleSceneCast(toggleSceneCast(scened, 0, "ava-2", false), 0, "ava", false);
    expect(off.scenarios[0].cast).toBeUndefined();
    const one = removeCharacter(scened, 1);
    expect(one).toEqual(base);
    expect(removeCharacter(base, 0)).toBe(base);
  });
  it("promotes the next character when the lead goes", () => {
    let p = addCharacter(base, { name: "Ben", basePrompt: "b", referenceImages: [] });
    p = addCharacter(p, { name: "Cy", basePrompt: "c", referenceImages: [] });
    p = toggleSceneCast(p, 0, "cy", true);
    const q = removeCharacter(p, 0);
    expect(characters(q).map((c) => c.id)).toEqual(["ben", "cy"]);
    expect(q.scenarios[0].cast).toEqual(["cy"]);
    expect(updateCharacter(q, 1, { name: "Cyd" }).cast?.[0].name).toBe("Cyd");
  });
  it("holds at most six characters", () => {
    let p = base;
    for (let i = 0; i < 10; i++) p = addCharacter(p, { name: `c${i}`, basePrompt: "", referenceImages: [] });
    expect(characters(p)).toHaveLength(MAX_CHARACTERS);
  });
});
