// The cut's timeline in the window against mocked Rust commands: what a drag of a trim handle
// changes on the page while it moves (the overlay, not the blocks), and the blocks' tooltips.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { $, appHandlers, mockCommands, mountApp, unmountApp, waitFor } from "./testing";
import type { Project, WindowPrefs } from "./bindings";

const PROJECT: Project = {
  version: 1,
  character: { id: "ava", name: "Ava", basePrompt: "a bush pilot", referenceImages: [] },
  scenarios: [
    { id: "first", prompt: "walks to the plane", durationSeconds: 4 },
    { id: "second", prompt: "climbs in", durationSeconds: 4, trim: { in: 1, out: 4 } },
    { id: "third", prompt: "takes off", durationSeconds: 4 },
  ],
  quality: "standard",
  aspectRatio: "16:9",
};
const PREFS: WindowPrefs = { editorWidth: 420, playerHeight: 360, lastView: "storyboard", lastScene: null, volume: null, muted: false, storyOpen: true, storyWidth: 360, panels: {} };
const handlers = appHandlers(PROJECT, PREFS);
const seg = (id: string) => $(`#timeline .tl-seg[data-scene="${id}"]`);
const pointer = (el: EventTarget, type: string, clientX: number) => el.dispatchEvent(new MouseEvent(type, { bubbles: true, button: 0, clientX }));
const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));

describe("the cut's timeline", () => {
  let dispose: () => void;
  beforeEach(async () => {
    mockCommands((cmd, args) => handlers[cmd]?.(args) ?? null);
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(660);
    dispose = await mountApp();
    await waitFor(() => seg("third"));
  });
  afterEach(() => unmountApp(dispose));

  it("leaves the blocks alone while a trim handle moves: the drag is drawn, the block changes once let go", async () => {
    const block = seg("second");
    const handle = block?.querySelector(".tl-trim-in");
    if (!block || !handle) throw new Error("no block");
    const pps = Number($("#timeline")?.dataset.pps);
    pointer(handle, "pointerdown", 100);
    for (const dx of [10, 20, 30]) {
      pointer(window, "pointermove", 100 + dx);
      await frame();
    }
    expect(block.classList.contains("dragging")).toBe(true);
    // Not moved, not retitled, its attributes as saved, at each move.
    expect(block.dataset.in).toBe("1.000");
    pointer(window, "pointerup", 130);
    await waitFor(() => block.dataset.in !== "1.000");
    expect(Number(block.dataset.in)).toBeCloseTo(1 + Math.round((30 / pps) * 24) / 24, 3);
  });

  it("keeps a zoomed timeline's scale when a trim shortens the film: only the blocks after the trimmed one move", async () => {
    $("#zoom-in")?.click();
    $("#zoom-in")?.click();
    await waitFor(() => $("#zoom-fit")?.textContent === "4×");
    const timeline = $("#timeline");
    const pps = Number(timeline?.dataset.pps);
    const total = Number(timeline?.dataset.total);
    const first = seg("first");
    const third = seg("third");
    const handle = seg("second")?.querySelector(".tl-trim-out");
    if (!timeline || !first || !third || !handle) throw new Error("no timeline");
    const firstStyle = first.getAttribute("style");
    const ticks = [...document.querySelectorAll("#timeline .tl-tick")].map((t) => t.getAttribute("style"));
    const thirdAt = third.dataset.start;
    // The second block's end 1 s earlier.
    pointer(handle, "pointerdown", 400);
    pointer(window, "pointermove", 400 - pps);
    await frame();
    pointer(window, "pointerup", 400 - pps);
    await waitFor(() => third.dataset.start !== thirdAt);
    expect(Number(timeline.dataset.total)).toBeCloseTo(total - 1, 3);
    expect(Number(timeline.dataset.pps)).toBe(pps);
    // The block before and the ruler as they were; the next block one second earlier.
    expect(first.getAttribute("style")).toBe(firstStyle);
    const after = [...document.querySelectorAll("#timeline .tl-tick")].map((t) => t.getAttribute("style"));
    expect(after).toEqual(ticks.slice(0, after.length));
    expect(Number(third.dataset.start)).toBeCloseTo(Number(thirdAt) - 1, 3);
    // Fitting the film again fits the shorter film.
    $("#zoom-fit")?.click();
    await waitFor(() => Number(timeline.dataset.pps) !== pps);
    expect(Number(timeline.dataset.pps)).toBeCloseTo(660 / Number(timeline.dataset.total), 3);
  });

  it("titles a block when the pointer comes over it, with where it plays and its trim", async () => {
    const block = seg("second");
    if (!block) throw new Error("no block");
    // Not kept on every block (a trim would retitle every block after it).
    expect(block.hasAttribute("title")).toBe(false);
    block.dispatchEvent(new MouseEvent("pointerenter"));
    expect(block.title).toMatch(/^second · .*in .*, out /);
  });
});
