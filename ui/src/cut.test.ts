import { describe, expect, it } from "vitest";
import {
  clampTrim,
  clipStartsOf,
  dragTrim,
  effectiveTrim,
  filmTimeAt,
  frameAt,
  itemAt,
  layoutCut,
  maxTransition,
  nextShotAfter,
  pixelsPerSecond,
  seekTimeOf,
  shuttle,
  snap,
  storedTrim,
  tickStep,
  ticks,
  timecode,
  videoTimeAt,
  zoomStep,
  type CutShot,
} from "./cut";

const three: CutShot[] = [
  { id: "a", clipSeconds: 4 },
  { id: "b", clipSeconds: 6 },
  { id: "c", clipSeconds: 8 },
];

describe("frames", () => {
  it("snaps to 24 fps and finds the frame shown", () => {
    expect(snap(1.01)).toBe(1);
    expect(snap(1.03)).toBeCloseTo(25 / 24);
    expect(frameAt(1)).toBe(24);
    expect(frameAt(25 / 24)).toBe(25);
    expect(frameAt(1 - 1e-4)).toBe(23);
    expect(frameAt(-3)).toBe(0);
    expect(frameAt(seekTimeOf(37))).toBe(37);
    expect(timecode(61.5, true)).toBe("1:01:12");
    expect(timecode(9.99)).toBe("0:09");
  });
});

describe("trims", () => {
  it("clamps inside the clip, on frames, at least half a second", () => {
    expect(clampTrim({ in: -1, out: 9 }, 4)).toEqual({ in: 0, out: 4 });
    expect(clampTrim({ in: 3.9, out: 3.95 }, 4)).toEqual({ in: 3.5, out: 4 });
    expect(clampTrim({ in: 1.01, out: 1.2 }, 4)).toEqual({ in: 1, out: 1.5 });
    const t = clampTrim({ in: 0.3, out: 2.71 }, 4);
    expect(t.in * 24).toBeCloseTo(Math.round(t.in * 24));
    expect(t.out * 24).toBeCloseTo(Math.round(t.out * 24));
    expect(clampTrim({ in: 0.1, out: 0.2 }, 0.3)).toEqual({ in: 0, out: 0.3 });
    expect(clampTrim({ in: Number.NaN, out: Number.NaN }, 4)).toEqual({ in: 0, out: 4 });
  });

  it("stores no trim for the whole clip", () => {
    expect(storedTrim({ in: 0, out: 4 }, 4)).toBeNull();
    expect(storedTrim({ in: 0.5, out: 4 }, 4)).toEqual({ in: 0.5, out: 4 });
    expect(effectiveTrim({ clipSeconds: 6 })).toEqual({ in: 0, out: 6 });
  });

  it("drags one end and never the other", () => {
    expect(dragTrim({ in: 0, out: 4 }, "in", 1.02, 4)).toEqual({ in: 1, out: 4 });
    expect(dragTrim({ in: 1, out: 4 }, "in", 99, 4)).toEqual({ in: 3.5, out: 4 });
    expect(dragTrim({ in: 1, out: 4 }, "in", -99, 4)).toEqual({ in: 0, out: 4 });
    expect(dragTrim({ in: 1, out: 4 }, "out", -99, 4)).toEqual({ in: 1, out: 1.5 });
    expect(dragTrim({ in: 1, out: 3 }, "out", 99, 4)).toEqual({ in: 1, out: 4 });
  });
});

describe("layout", () => {
  it("puts shots end to end at their trimmed lengths", () => {
    const l = layoutCut([{ ...three[0], trim: { in: 1, out: 3 } }, three[1], three[2]]);
    expect(l.items.map((i) => [i.start, i.end])).toEqual([
      [0, 2],
      [2, 8],
      [8, 16],
    ]);
    expect(l.total).toBe(16);
  });

  it("overlaps crossfades and dips, so the film is shorter by them", () => {
    const l = layoutCut([three[0], { ...three[1], transition: { kind: "crossfade", seconds: 1 } }, { ...three[2], transition: { kind: "dip-to-black", seconds: 0.5 } }]);
    expect(l.items.map((i) => [i.start, i.end])).toEqual([
      [0, 4],
      [3, 9],
      [8.5, 16.5],
    ]);
    expect(l.total).toBe(16.5);
    const [a, b, c] = l.items;
    expect(a.kind === "shot" && a.overlapOut).toBe(1);
    expect(b.kind === "shot" && [b.overlapIn, b.overlapOut, b.transition]).toEqual([1, 0.5, "crossfade"]);
    expect(c.kind === "shot" && c.transition).toBe("dip-to-black");
  });

  it("clamps transitions: at most 3 s, never past a shot, none into the first shot, a cut has none", () => {
    const l = layoutCut([
      { id: "a", clipSeconds: 4, transition: { kind: "crossfade", seconds: 2 } },
      { id: "b", clipSeconds: 2, trim: { in: 0, out: 1 }, transition: { kind: "crossfade", seconds: 3 } },
      { id: "c", clipSeconds: 8, transition: { kind: "crossfade", seconds: 5 } },
      { id: "d", clipSeconds: 8, transition: { kind: "cut", seconds: 2 } },
    ]);
    const overlaps = l.items.map((i) => (i.kind === "shot" ? i.overlapIn : -1));
    // b is 1 s long: the crossfade into it is 1 s; then nothing of b is left for the one into c.
    expect(overlaps).toEqual([0, 1, 0, 0]);
    expect(l.total).toBe(4 + 1 + 8 + 8 - 1);
    expect(layoutCut([three[0], { ...three[1], transition: { kind: "crossfade", seconds: 9 } }]).total).toBe(4 + 6 - 3);
  });

  it("places title cards before their shot, the rest after the last shot, then the credits; no transition after a title", () => {
    const l = layoutCut(
      [three[0], { ...three[1], transition: { kind: "crossfade", seconds: 1 } }],
      [{ seconds: 2, before: "b" }, { seconds: 3 }, { seconds: 50, before: "gone" }],
      { seconds: 5 },
    );
    expect(l.items.map((i) => `${i.kind}${i.index}@${i.start}-${i.end}`)).toEqual([
      "shot0@0-4",
      "title0@4-6",
      "shot1@6-12",
      "title1@12-15",
      "title2@15-35",
      "credits0@35-40",
    ]);
    expect(itemAt(l, 5)?.kind).toBe("title");
    expect(itemAt(l, 99)?.kind).toBe("credits");
  });

  it("says how long a transition may be", () => {
    expect(maxTransition(three, 0)).toBe(0);
    expect(maxTransition(three, 1)).toBe(3);
    expect(maxTransition([{ id: "a", clipSeconds: 1 }, three[1]], 1)).toBe(1);
    expect(maxTransition(three, 1, [{ seconds: 2, before: "b" }])).toBe(0);
  });
});

describe("the film's time and the video's", () => {
  const shots: CutShot[] = [
    { id: "a", clipSeconds: 4, trim: { in: 1, out: 3 } },
    { id: "b", clipSeconds: 6 },
  ];
  const l = layoutCut(shots, [{ seconds: 2 }]);
  const starts = clipStartsOf([4, 6]);

  it("maps film time into a raw video through the trims", () => {
    expect(starts).toEqual([0, 4]);
    expect(videoTimeAt(l, 0, true, starts)).toBe(1);
    expect(videoTimeAt(l, 1.5, true, starts)).toBe(2.5);
    expect(videoTimeAt(l, 2, true, starts)).toBe(4);
    expect(videoTimeAt(l, 9, true, starts)).toBeNull(); // the title card
    expect(videoTimeAt(l, 9, false, starts)).toBe(9);
    expect(videoTimeAt(l, 1, true, [undefined, 4])).toBeNull();
  });

  it("maps back, and finds where playback jumps past a trimmed-out part", () => {
    expect(filmTimeAt(l, 2.5, true, starts)).toBe(1.5);
    expect(filmTimeAt(l, 0.5, true, starts)).toBeNull();
    expect(filmTimeAt(l, 3.5, true, starts)).toBeNull();
    expect(filmTimeAt(l, 5, true, starts)).toBe(3);
    expect(nextShotAfter(l, 3.2, starts)?.start).toBe(2);
    expect(nextShotAfter(l, 5, starts)).toBeNull();
  });
});

describe("zoom, ruler, shuttle", () => {
  it("scales and steps zoom", () => {
    expect(pixelsPerSecond(1000, 20, 1)).toBe(50);
    expect(pixelsPerSecond(1000, 20, 4)).toBe(200);
    expect(pixelsPerSecond(0, 20, 1)).toBe(0);
    expect(zoomStep(1, -1)).toBe(1);
    expect(zoomStep(1, 1)).toBe(2);
    expect(zoomStep(64, 1)).toBe(64);
  });

  it("spaces ticks", () => {
    expect(tickStep(50)).toBe(2);
    expect(tickStep(200)).toBe(0.5);
    expect(tickStep(2000)).toBe(1 / 24);
    expect(ticks(5, 2)).toEqual([0, 2, 4]);
  });

  it("shuttles", () => {
    expect(shuttle(0, "l")).toBe(1);
    expect(shuttle(1, "l")).toBe(2);
    expect(shuttle(8, "l")).toBe(8);
    expect(shuttle(2, "j")).toBe(0);
    expect(shuttle(0, "j")).toBe(-1);
    expect(shuttle(-1, "j")).toBe(-2);
    expect(shuttle(-4, "k")).toBe(0);
  });
});
