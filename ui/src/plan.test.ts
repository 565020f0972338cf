import { describe, expect, it } from "vitest";
import type { Project, ShotChange } from "./bindings";
import { acceptInvented, changeRows, changeSummary, keepShots, plannerText, removeInvented, useMatch } from "./plan";

const STORY = "Mara enters the bar. \"Sail at dawn,\" Mara said. Jo nods. The dog barks.";

function planned(): Project {
  return {
    version: 1,
    character: { id: "mara", name: "Mara", basePrompt: "a sailor", referenceImages: [] },
    cast: [
      { id: "jo", name: "Jo", basePrompt: "a barman", referenceImages: [] },
      { id: "rex", name: "Rex", basePrompt: "a dog", referenceImages: [] },
    ],
    scenarios: [
      { id: "shot-1", prompt: "Mara enters", durationSeconds: 4, source: { start: 0, end: 21 }, location: "bar", cast: ["mara"] },
      { id: "shot-2", prompt: "Mara speaks", durationSeconds: 4, source: { start: 21, end: 47 }, continueFromPrevious: true, dialogue: [{ speaker: "mara", line: "Sail at dawn," }] },
      { id: "shot-3", prompt: "Jo nods", durationSeconds: 4, source: { start: 47, end: 56 }, location: "bar", props: ["bell", "rope"], cast: ["jo", "rex"] },
    ],
    quality: "standard",
    aspectRatio: "16:9",
    story: { text: STORY, format: "plain" },
    elements: [
      { id: "bar", kind: "location", name: "The bar", prompt: "a harbour bar" },
      { id: "bell", kind: "prop", name: "Bell", prompt: "a brass bell" },
      { id: "rope", kind: "prop", name: "Rope", prompt: "a coil of rope" },
    ],
  };
}

describe("reviewing a new plan", () => {
  it("takes the shots chosen, in order, the first continuing from nothing", () => {
    const p = keepShots(planned(), new Set(["shot-3", "shot-2"]));
    expect(p.scenarios.map((s) => s.id)).toEqual(["shot-2", "shot-3"]);
    expect(p.scenarios[0].continueFromPrevious).toBeUndefined();
  });

  it("accepts an invented name once", () => {
    const p = acceptInvented(acceptInvented(planned(), "Rex"), "Rex");
    expect(p.story?.accepted).toEqual(["Rex"]);
  });

  it("removes an invented character from the cast and its shots", () => {
    const p = removeInvented(planned(), "rex");
    expect(p.cast?.map((c) => c.id)).toEqual(["jo"]);
    expect(p.scenarios[2].cast).toEqual(["jo"]);
  });

  it("removes an invented element from the project and every shot naming it", () => {
    const noBell = removeInvented(planned(), "bell");
    expect(noBell.elements?.map((e) => e.id)).toEqual(["bar", "rope"]);
    expect(noBell.scenarios[2].props).toEqual(["rope"]);
    const noBar = removeInvented(planned(), "bar");
    expect(noBar.scenarios.map((s) => s.location)).toEqual([undefined, undefined, undefined]);
    expect("location" in noBar.scenarios[0]).toBe(false);
  });

  it("uses a library character or not, as the creator chooses", () => {
    const match = { characterId: "jo", name: "Jo", libraryId: "lib-jo", used: true };
    const used = useMatch(planned(), match, true);
    expect(used.cast?.[0].libraryId).toBe("lib-jo");
    expect(used.character.libraryId).toBeUndefined();
    const unused = useMatch(used, match, false);
    expect("libraryId" in (unused.cast?.[0] ?? {})).toBe(false);
  });

  it("says which planner made the plan and how long it took", () => {
    expect(plannerText({ kind: "offline" }, 12)).toBe("planned offline in 12 ms");
    expect(plannerText({ kind: "model", model: "gemini-x", jobId: "j", asks: 2 }, 3140)).toBe("planned by gemini-x in 3.1 s (asked twice: its first plan missed words)");
  });
});

describe("what planning again changes", () => {
  it("lists the shots as they would be, then those removed, with their words", () => {
    const before = planned();
    const edited = STORY.replace("Jo nods.", "Jo laughs.");
    const after: Project = {
      ...before,
      story: { text: edited, format: "plain" },
      scenarios: [
        before.scenarios[1],
        { id: "shot-4", prompt: "Jo laughs", durationSeconds: 4, source: { start: 47, end: 58 } },
        before.scenarios[0],
      ],
    };
    const changes: ShotChange[] = [
      { kind: "kept", id: "shot-1" },
      { kind: "keptEdited", id: "shot-2", wordsChanged: true },
      { kind: "replanned", id: "shot-4", replaces: ["shot-3"] },
      { kind: "removed", id: "shot-3" },
    ];
    const rows = changeRows(changes, before, after);
    expect(rows.map((r) => [r.kind, r.label, r.words, r.detail])).toEqual([
      ["keptEdited", "Shot 1", '"Sail at dawn," Mara said.', "its words changed; your edits are kept"],
      ["replanned", "Shot 2", "Jo laughs.", "replaces Shot 3"],
      ["kept", "Shot 3", "Mara enters the bar.", ""],
      ["removed", "Shot 3", "Jo nods.", ""],
    ]);
    expect(changeSummary(changes)).toBe("1 kept · 1 kept (edited by hand) · 1 planned again · 1 removed");
    expect(changeSummary([])).toBe("nothing changes");
  });
});
