// The sound lanes under the cut's timeline, in the window against mocked Rust commands: a line
// is drawn under the shot it belongs to (the timeline's own pixels per second and scroll), at
// any zoom, after a trim and a title card have moved the shots on the film.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { $, appHandlers, type Args, mockCommands, mountApp, unmountApp, waitFor } from "./testing";
import type { Project, WindowPrefs } from "./bindings";

const PROJECT: Project = {
  version: 1,
  character: { id: "ava", name: "Ava", basePrompt: "a bush pilot", referenceImages: [] },
  scenarios: [
    { id: "first", prompt: "walks to the plane", durationSeconds: 4, trim: { in: 1, out: 3 } },
    { id: "second", prompt: "climbs in", durationSeconds: 4, narration: "The storm did not wait" },
    { id: "third", prompt: "takes off", durationSeconds: 4, dialogue: [{ speaker: "ava", line: "We sail at dawn" }] },
  ],
  titles: [{ text: "Later", seconds: 1, before: "second" }],
  quality: "standard",
  aspectRatio: "16:9",
};

const PREFS: WindowPrefs = { editorWidth: 420, playerHeight: 360, lastView: "storyboard", lastScene: null, volume: null, muted: false, storyOpen: true, storyWidth: 360, panels: { lanes: true } };

/** Every element's width in this DOM (jsdom lays nothing out): the timeline and the lanes alike. */
const WIDTH = 660;

const handlers: Record<string, (args: Args) => unknown> = { ...appHandlers(PROJECT, PREFS), save_project: () => null };

/** The x of a `translateX(…px)` transform. */
const shiftOf = (el: HTMLElement | null) => Number(/translateX\((-?[\d.]+)px\)/.exec(el?.style.transform ?? "")?.[1] ?? NaN);
/** A length in pixels: `12px`, or a share of the lane's width (`35%`, `calc(50% - 35%)`). */
function px(v: string | undefined): number {
  if (!v) return NaN;
  if (v.endsWith("px")) return Number(v.slice(0, -2));
  const shares = /^calc\(([\d.]+)% - ([\d.]+)%\)$/.exec(v) ?? /^([\d.]+)%$/.exec(v);
  if (!shares) return NaN;
  const [a, b] = [Number(shares[1]), Number(shares[2] ?? 0)];
  return ((a - b) / 100) * WIDTH;
}

/** Where a shot's block is on the timeline's track, and where a lane's line of it is drawn, in pixels from the left of the film's view. */
function placed(scene: string, lane: string) {
  const seg = $(`#timeline .tl-seg[data-scene="${scene}"]`);
  const block = $(`#sound-lanes .sound-lane[data-lane="${lane}"] .lane-block[data-scene="${scene}"]`);
  const content = block?.parentElement ?? null;
  const shift = content?.classList.contains("lane-content") ? shiftOf(content) : 0;
  const scroll = $<HTMLDivElement>("#timeline .tl-scroll");
  return {
    seg: { left: shiftOf(seg) - (scroll?.scrollLeft ?? 0), width: px(seg?.style.width) },
    line: { left: px(block?.style.left) + shift, width: px(block?.style.width) },
  };
}

function expectUnder(scene: string, lane: string) {
  const { seg, line } = placed(scene, lane);
  expect(Number.isFinite(line.left), `the ${lane} line of ${scene} is placed in pixels`).toBe(true);
  expect(line.left, `the ${lane} line of ${scene} starts in its shot's block ${JSON.stringify(seg)}`).toBeGreaterThanOrEqual(seg.left);
  expect(line.left + line.width, `the ${lane} line of ${scene} ends in its shot's block ${JSON.stringify(seg)}`).toBeLessThanOrEqual(seg.left + seg.width + 0.5);
  expect(line.width).toBeGreaterThan(0);
}

describe("the sound lanes under the timeline", () => {
  let dispose: () => void;

  beforeEach(async () => {
    mockCommands((cmd, args) => handlers[cmd]?.(args) ?? null);
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(WIDTH);
    dispose = await mountApp();
  });

  afterEach(() => unmountApp(dispose));

  it("draw each line under its shot, on the timeline's scale, zoomed and scrolled", async () => {
    await waitFor(() => $('#sound-lanes .lane-block[data-scene="third"]') && $('#timeline .tl-seg[data-scene="third"]'));
    // The film: first 0..2 (trimmed), the title 2..3, second 3..7, third 7..11.
    expect($("#timeline")?.dataset.total).toBe("11.000");
    const pps = Number($("#timeline")?.dataset.pps);
    expect(pps).toBeCloseTo(WIDTH / 11);
    // The narration of the second shot starts 0.3 s into it: at 3.3 s on the film, not at
    // 4.3 s, where it would be in the clips end to end.
    expect(placed("second", "narration").line.left).toBeCloseTo(3.3 * pps);
    expectUnder("second", "narration");
    expectUnder("third", "dialogue");
    expect(Number($('#sound-lanes .sound-lane[data-lane="dialogue"] .lane-track')?.dataset.pps)).toBeCloseTo(pps);

    // Zoomed in twice (x4): the lanes follow the timeline.
    $<HTMLButtonElement>("#zoom-in")?.click();
    $<HTMLButtonElement>("#zoom-in")?.click();
    await waitFor(() => Number($("#timeline")?.dataset.pps) > 3.9 * pps);
    const zoomed = Number($("#timeline")?.dataset.pps);
    await waitFor(() => Math.abs(Number($('#sound-lanes .sound-lane[data-lane="narration"] .lane-track')?.dataset.pps) - zoomed) < 1e-3);
    expectUnder("second", "narration");
    expectUnder("third", "dialogue");

    // Scrolled to the third shot: the lanes scroll with the timeline.
    const scroller = $<HTMLDivElement>("#timeline .tl-scroll");
    if (!scroller) throw new Error("no scroller");
    Object.defineProperty(scroller, "scrollLeft", { value: Math.round(7 * zoomed), configurable: true });
    scroller.dispatchEvent(new Event("scroll"));
    await waitFor(() => shiftOf($('#sound-lanes .sound-lane[data-lane="dialogue"] .lane-content')) === -Math.round(7 * zoomed));
    expectUnder("third", "dialogue");
    expect(placed("third", "dialogue").line.left).toBeCloseTo(0.3 * zoomed);
  });
});
