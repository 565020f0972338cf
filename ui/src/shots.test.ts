import { describe, expect, it } from "vitest";
import type { Project } from "./bindings";
import { addElement, addLine, moveLine, removeElement, removeLine, setCamera, setLine, setLocation, speakers, toggleProp, updateElement } from "./shots";

function project(): Project {
  return {
    version: 1,
    character: { name: "Ava Lee", basePrompt: "a pilot", referenceImages: [] },
    scenarios: [
      { id: "a", prompt: "takes off", durationSeconds: 4 },
      { id: "b", prompt: "lands", durationSeconds: 4, location: "strip", props: ["map"] },
    ],
    quality: "standard",
    aspectRatio: "16:9",
    elements: [
      { id: "strip", kind: "location", name: "Airstrip", prompt: "a dirt strip" },
      { id: "map", kind: "prop", name: "Map", prompt: "a paper map" },
      { id: "radio", kind: "prop", name: "Radio", prompt: "an old radio" },
    ],
  };
}

describe("a shot's camera, place and props", () => {
  it("sets the camera from the defaults, one menu at a time", () => {
    const p = setCamera(project(), "a", { shot: "close-up" });
    expect(p.scenarios[0].camera).toEqual({ shot: "close-up", move: "static" });
    expect(setCamera(p, "a", { move: "dolly-in" }).scenarios[0].camera).toEqual({ shot: "close-up", move: "dolly-in" });
    expect(setCamera(p, "nope", { move: "pan" })).toEqual(p);
  });

  it("sets or clears the location (a cleared one leaves the file)", () => {
    expect(setLocation(project(), "a", "strip").scenarios[0].location).toBe("strip");
    expect("location" in setLocation(project(), "b", "").scenarios[1]).toBe(false);
  });

  it("keeps props in the project's order, and none as no field", () => {
    const p = toggleProp(project(), "b", "radio", true);
    expect(p.scenarios[1].props).toEqual(["map", "radio"]);
    const q = toggleProp(toggleProp(p, "b", "map", false), "b", "radio", false);
    expect("props" in q.scenarios[1]).toBe(false);
  });
});

describe("dialogue rows", () => {
  it("adds a line for the lead, who gets an id to be named by", () => {
    const [[lead]] = speakers(project());
    expect(lead).toBe("ava-lee");
    const p = addLine(project(), "a", lead);
    expect(p.character.id).toBe("ava-lee");
    expect(p.scenarios[0].dialogue).toEqual([{ speaker: "ava-lee", line: "" }]);
  });

  it("edits, reorders and removes lines; no lines, no field", () => {
    let p = addLine(addLine(project(), "a", "ava-lee"), "a", "ava-lee");
    p = setLine(p, "a", 0, { line: "First" });
    p = setLine(p, "a", 1, { line: "Second" });
    p = moveLine(p, "a", 1, -1);
    expect(p.scenarios[0].dialogue?.map((l) => l.line)).toEqual(["Second", "First"]);
    expect(moveLine(p, "a", 0, -1)).toEqual(p);
    p = removeLine(removeLine(p, "a", 0), "a", 0);
    expect("dialogue" in p.scenarios[0]).toBe(false);
  });
});

describe("locations and props", () => {
  it("adds one with a new id, edits and removes it from every shot", () => {
    const [p, id] = addElement(project(), "location");
    expect(id).toBe("new-location");
    const [, id2] = addElement(p, "location");
    expect(id2).toBe("new-location-2");
    expect(updateElement(p, id, { name: "Hangar" }).elements?.find((e) => e.id === id)?.name).toBe("Hangar");
    const gone = removeElement(project(), "map");
    expect(gone.elements?.map((e) => e.id)).toEqual(["strip", "radio"]);
    expect("props" in gone.scenarios[1]).toBe(false);
    const noStrip = removeElement(project(), "strip");
    expect("location" in noStrip.scenarios[1]).toBe(false);
  });
});
