import { describe, expect, it } from "vitest";
import { canRedo, canUndo, emptyHistory, HISTORY_LIMIT, record, redo, undo } from "./history";

describe("history", () => {
  it("undoes and redoes", () => {
    let h = emptyHistory<number>();
    h = record(h, 1, null, 0);
    h = record(h, 2, null, 10);
    const u = undo(h, 3);
    expect(u?.[0]).toBe(2);
    if (!u) throw new Error();
    const u2 = undo(u[1], 2);
    expect(u2?.[0]).toBe(1);
    if (!u2) throw new Error();
    expect(canUndo(u2[1])).toBe(false);
    const r = redo(u2[1], 1);
    expect(r?.[0]).toBe(2);
    expect(undo(emptyHistory<number>(), 0)).toBeNull();
  });
  it("coalesces a burst of typing in one field", () => {
    let h = emptyHistory<string>();
    h = record(h, "", "prompt", 0);
    h = record(h, "a", "prompt", 300);
    h = record(h, "ab", "prompt", 600);
    expect(h.past).toEqual([""]);
    h = record(h, "abc", "prompt", 3000);
    expect(h.past).toEqual(["", "abc"]);
    h = record(h, "abcd", "name", 3100);
    expect(h.past).toHaveLength(3);
  });
  it("keeps many levels and drops redo on a new edit", () => {
    let h = emptyHistory<number>();
    for (let i = 0; i < 500; i++) h = record(h, i, null, i);
    expect(h.past).toHaveLength(HISTORY_LIMIT);
    expect(HISTORY_LIMIT).toBeGreaterThanOrEqual(100);
    const u = undo(h, 500);
    if (!u) throw new Error();
    expect(canRedo(u[1])).toBe(true);
    expect(canRedo(record(u[1], 499, null, 1000))).toBe(false);
  });
});
