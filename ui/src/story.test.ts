import { describe, expect, it } from "vitest";
import type { PlanIssue, Scenario } from "./bindings";
import { charLength, charToUnit, formatOf, issueQuote, issueShot, issueText, shotAt, shotBeside, spanText, storyRuns, unitToChar } from "./story";

// Rust counts `char`s (scalar values): each emoji below is one char but two UTF-16 units; the
// CJK characters are one of each; "é" written as e + a combining accent is two chars.
const STORY = "🚀 Mara 说：“出发！” 👩‍🚀 Elle sourit. Café";

describe("offsets in Unicode scalar values", () => {
  it("counts scalar values, not UTF-16 units", () => {
    expect(charLength("a🚀b")).toBe(3);
    expect("a🚀b".length).toBe(4);
    expect(charLength("出发")).toBe(2);
    // A ZWJ sequence is several scalar values (Rust's chars().count() says 3).
    expect(charLength("👩‍🚀")).toBe(3);
    expect(charLength(Array.from(STORY).join(""))).toBe(Array.from(STORY).length);
    expect(charLength(STORY)).toBe(Array.from(STORY).length);
  });

  it("converts both ways around emoji and CJK", () => {
    const chars = Array.from(STORY);
    for (let n = 0; n <= chars.length; n++) {
      const unit = charToUnit(STORY, n);
      expect(unit).toBe(chars.slice(0, n).join("").length);
      expect(unitToChar(STORY, unit)).toBe(n);
    }
    // Past the end: clamped.
    expect(charToUnit(STORY, 10_000)).toBe(STORY.length);
    expect(unitToChar(STORY, 10_000)).toBe(chars.length);
  });

  it("reads an index between a surrogate pair's halves as the start of its character", () => {
    // "a🚀b": units a=0, 🚀=1..2, b=3; unit 2 is inside the rocket.
    expect(unitToChar("a🚀b", 2)).toBe(1);
    expect(unitToChar("a🚀b", 3)).toBe(2);
  });

  it("cuts a span's words by scalar values", () => {
    const chars = Array.from(STORY);
    const start = chars.indexOf("出");
    expect(spanText(STORY, { start, end: start + 3 })).toBe("出发！");
    const rocket = chars.indexOf("🚀", 3);
    expect(spanText(STORY, { start: rocket - 2, end: rocket + 1 })).toBe("👩‍🚀");
    // Rust's `span_text` cuts out-of-range parts off: so does the window.
    expect(spanText(STORY, { start: chars.length - 2, end: chars.length + 5 })).toBe("fé");
  });
});

const shot = (id: string, start: number, end: number): Pick<Scenario, "id" | "source"> => ({ id, source: { start, end } });

describe("the story cut by the shots that tell it", () => {
  it("gives each stretch its shots, and keeps every character once", () => {
    const text = "🚀 One. 出发！ Two.\n\nGap";
    // 🚀=0, " "=1, "One."=2..6, " "=6, 出发！=7..10, " "=10, "Two."=11..15, "\n\n"=15..17, Gap=17..20
    const runs = storyRuns(text, [shot("a", 0, 7), shot("b", 7, 15)]);
    expect(runs.map((r) => [r.text, r.start, r.end, r.shots])).toEqual([
      ["🚀 One. ", 0, 7, ["a"]],
      ["出发！ Two.", 7, 15, ["b"]],
      ["\n\nGap", 15, 20, []],
    ]);
    expect(runs.map((r) => r.text).join("")).toBe(text);
  });

  it("clips spans outside the text and shares an overlap", () => {
    const runs = storyRuns("abcdef", [shot("a", 0, 4), shot("b", 2, 99), { id: "c" }]);
    expect(runs.map((r) => [r.text, r.shots])).toEqual([
      ["ab", ["a"]],
      ["cd", ["a", "b"]],
      ["ef", ["b"]],
    ]);
  });

  it("is one stretch with no shot for a story without spans", () => {
    expect(storyRuns("👋 hi", [])).toEqual([{ text: "👋 hi", start: 0, end: 4, shots: [] }]);
    expect(storyRuns("", [shot("a", 0, 3)])).toEqual([]);
  });
});

describe("the shot under a selection", () => {
  const shots = [shot("s1", 0, 10), shot("s2", 12, 20), shot("s3", 20, 30)];

  it("is the shot whose span covers the selection's start", () => {
    expect(shotAt(shots, 0)).toBe("s1");
    expect(shotAt(shots, 9)).toBe("s1");
    expect(shotAt(shots, 20)).toBe("s3"); // end is exclusive
    expect(shotAt(shots, 19)).toBe("s2");
  });

  it("goes to the next shot's words from a gap, else to the last shot", () => {
    expect(shotAt(shots, 10)).toBe("s2");
    expect(shotAt(shots, 35)).toBe("s3");
    expect(shotAt([], 3)).toBeUndefined();
  });

  it("steps through the shots in story order", () => {
    const mixed = [shot("late", 20, 30), shot("early", 0, 10), { id: "none" }];
    expect(shotBeside(mixed, null, 1)).toBe("early");
    expect(shotBeside(mixed, null, -1)).toBe("late");
    expect(shotBeside(mixed, "early", 1)).toBe("late");
    expect(shotBeside(mixed, "late", 1)).toBe("late");
    expect(shotBeside(mixed, "early", -1)).toBe("early");
  });
});

describe("the check's issues", () => {
  const shots = [shot("s1", 0, 10), shot("s2", 10, 20)];
  const story = "0123456789abcdefghij";
  it("point at their words and shot", () => {
    const uncovered: PlanIssue = { kind: "uncovered", span: { start: 12, end: 15 }, sentence: "cde" };
    expect(issueShot(uncovered, shots)).toBe("s2");
    expect(issueQuote(uncovered, story)).toBe("cde");
    expect(issueText(uncovered)).toBe("No shot tells this sentence");
    const wrong: PlanIssue = { kind: "wrongSpeaker", span: { start: 2, end: 4 }, quote: "23", shot: "s1", expected: "mara", found: "jo" };
    const names: Record<string, string> = { mara: "Mara", jo: "Jo", s1: "shot 1" };
    expect(issueText(wrong, (id) => names[id] ?? id)).toBe("Spoken by Jo in shot 1; the story gives it to Mara");
    const invented: PlanIssue = { kind: "invented", id: "bob", name: "Bob", what: "character" };
    expect(issueShot(invented, shots)).toBeUndefined();
    expect(issueQuote(invented, story)).toBe("Bob");
    const order: PlanIssue = { kind: "outOfOrder", shot: "s2", span: { start: 10, end: 13 } };
    expect(issueQuote(order, story)).toBe("abc");
  });

  it("reads a story file's format from its name", () => {
    expect(formatOf("pilot.fountain")).toBe("fountain");
    expect(formatOf("PILOT.SPMD")).toBe("fountain");
    expect(formatOf("story.txt")).toBe("plain");
  });
});
