import { describe, expect, it } from "vitest";
import type { Project } from "./bindings";
import { layoutCut, videoTimeAt, type CutShot } from "./cut";
import { filmBars, shotWindows } from "./lanes";
import { laneBlocks } from "./sound";

/** Three 4 s clips: the first trimmed to 1..3 s, a 2 s title card before the second, a 1 s crossfade into the third. */
const SHOTS: CutShot[] = [
  { id: "a", clipSeconds: 4, trim: { in: 1, out: 3 } },
  { id: "b", clipSeconds: 4 },
  { id: "c", clipSeconds: 4, transition: { kind: "crossfade", seconds: 1 } },
];
const LAYOUT = layoutCut(SHOTS, [{ seconds: 2, before: "b" }]);

describe("the sound lanes on the film", () => {
  it("give each shot's lines the stretch of film the mix gives them (mid-transition to mid-transition, no title)", () => {
    // a 0..2, the title 2..4, b 4..8 (its last 1 s under the crossfade), c 7..11.
    expect(LAYOUT.total).toBe(11);
    expect(shotWindows(LAYOUT, 3)).toEqual([
      { start: 0, end: 2 },
      { start: 4, end: 7.5 },
      { start: 7.5, end: 11 },
    ]);
    // A shot the layout lacks: nothing, at the film's end.
    expect(shotWindows(LAYOUT, 4)[3]).toEqual({ start: 11, end: 11 });
  });

  it("put a line under the shot it belongs to, on the film's time (not the clips end to end)", () => {
    const p: Project = {
      version: 1,
      character: { name: "Ava", basePrompt: "a pilot", referenceImages: [] },
      cast: [],
      scenarios: [
        { id: "a", prompt: "walks", durationSeconds: 4 },
        { id: "b", prompt: "climbs", durationSeconds: 4, narration: "The storm did not wait" },
        { id: "c", prompt: "flies", durationSeconds: 4, dialogue: [{ speaker: "ava", line: "We sail at dawn" }] },
      ],
      quality: "standard",
      aspectRatio: "16:9",
      music: { prompt: "strings", from: "b", to: "c" },
    };
    const blocks = laneBlocks(p, shotWindows(LAYOUT, 3));
    const shot = (id: string) => LAYOUT.items.find((it) => it.kind === "shot" && it.id === id);
    for (const b of blocks.filter((x) => x.lane !== "music")) {
      const s = shot(b.scene);
      expect(s && b.start >= s.start && b.end <= s.end, `${b.text} at ${b.start}..${b.end} under ${JSON.stringify(s)}`).toBe(true);
    }
    // The narration 0.3 s into b (after the title card), the line 0.3 s after the crossfade's middle.
    expect(blocks.find((b) => b.lane === "narration")?.start).toBeCloseTo(4.3);
    expect(blocks.find((b) => b.lane === "dialogue")?.start).toBeCloseTo(7.8);
    // The clips end to end would have put them at 4.3 and 8.3: under the title card's end and
    // past the crossfade.
    expect(blocks.find((b) => b.lane === "music")).toMatchObject({ start: 4, end: 11 });
  });

  it("draw a stem's waveform on the film's time, through the trims of an earlier render's whole clips", () => {
    // An earlier render: the three whole clips end to end (12 s), one peak per second, loud in
    // clip a's second 0..1 (trimmed out) and in clip b's first second (video 4..5).
    const peaks = [1, 0.2, 0.2, 0.2, 0.9, 0.1, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3];
    const raw = (t: number) => videoTimeAt(LAYOUT, t, true, [0, 4, 8]);
    const bars = filmBars(peaks, 12, { from: 0, step: 1, count: 12, total: LAYOUT.total }, raw);
    // Film 0..2 is clip a's 1..3 (never its loud first second), 2..4 the title (nothing), 4..5
    // clip b's loud start, past the film's end nothing.
    expect(bars.slice(0, 6)).toEqual([0.2, 0.2, null, null, 0.9, 0.1]);
    expect(bars.at(-1)).toBeNull();
    // A film rendered with this cut: its own time, each bar the loudest peak it covers.
    const film = (t: number) => videoTimeAt(LAYOUT, t, false, []);
    expect(filmBars([0, 1, 0.5, 0.25], 11, { from: 0, step: 5.5, count: 2, total: 11 }, film)).toEqual([1, 0.5]);
    expect(filmBars([], 11, { from: 0, step: 1, count: 3, total: 11 }, film)).toEqual([]);
  });
});
