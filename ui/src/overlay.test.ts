import { describe, expect, it } from "vitest";
import { dirtyBoxes, pixelBox, repaintPlan, type PaintRect } from "./overlay";

const band = (x: number, w: number, style = "dim"): PaintRect => ({ key: "out", style, x, y: 3, w, h: 60 });
const playhead = (x: number): PaintRect => ({ key: "playhead", style: "#fff", x, y: 0, w: 2, h: 90 });
const area = (boxes: { w: number; h: number }[]) => boxes.reduce((a, b) => a + b.w * b.h, 0);

describe("the overlay's repaint", () => {
  it("repaints nothing when nothing moved", () => {
    expect(repaintPlan([band(100, 40), playhead(10)], [band(100, 40), playhead(10)])).toEqual({ clear: [], fill: [] });
  });

  it("repaints only the strip a trim band grows or shrinks by, not the band", () => {
    // The band grows 2 px to the left (the out handle dragged back).
    const grow = repaintPlan([band(100, 40)], [band(98, 42)]);
    expect(grow.clear).toEqual([{ x: 98, y: 3, w: 2, h: 60 }]);
    expect(grow.fill).toEqual([{ style: "dim", box: { x: 98, y: 3, w: 2, h: 60 } }]);
    // It shrinks by 3 px: those are cleared, nothing is filled there.
    const shrink = repaintPlan([band(98, 42)], [band(101, 39)]);
    expect(shrink.clear).toEqual([{ x: 98, y: 3, w: 3, h: 60 }]);
    expect(shrink.fill).toEqual([]);
    expect(area(repaintPlan([band(100, 40)], [band(90, 50)]).clear)).toBe(10 * 60);
  });

  it("repaints a moved handle where it was and where it is, and a band whose look changed whole", () => {
    const handle = (x: number): PaintRect => ({ key: "handle", style: "#ffd34c", x, y: 3, w: 3, h: 60 });
    expect(dirtyBoxes([handle(100)], [handle(140)])).toEqual([
      { x: 100, y: 3, w: 3, h: 60 },
      { x: 140, y: 3, w: 3, h: 60 },
    ]);
    // Dimmed to tinted (the trim passed its saved edge): the old band cleared, the new one drawn.
    expect(dirtyBoxes([band(100, 20)], [band(120, 10, "tint")])).toEqual([
      { x: 100, y: 3, w: 20, h: 60 },
      { x: 120, y: 3, w: 10, h: 60 },
    ]);
    // Gone: cleared.
    expect(repaintPlan([band(100, 20), playhead(5)], [playhead(5)])).toEqual({ clear: [{ x: 100, y: 3, w: 20, h: 60 }], fill: [] });
  });

  it("fills again what stays under a box that moved (the band under the playhead's old place)", () => {
    const plan = repaintPlan([band(100, 40), playhead(110)], [band(100, 40), playhead(150)]);
    expect(plan.clear).toEqual([
      { x: 110, y: 0, w: 2, h: 90 },
      { x: 150, y: 0, w: 2, h: 90 },
    ]);
    expect(plan.fill).toEqual([
      { style: "dim", box: { x: 110, y: 3, w: 2, h: 60 } },
      { style: "#fff", box: { x: 150, y: 0, w: 2, h: 90 } },
    ]);
  });

  it("rounds boxes to whole pixels, edges meeting", () => {
    expect(pixelBox(10.4, 0, 5.2, 3)).toEqual({ x: 10, y: 0, w: 6, h: 3 });
    expect(pixelBox(15.6, 0, 2, 3)).toEqual({ x: 16, y: 0, w: 2, h: 3 });
    expect(pixelBox(3, 0, 0.2, 3)).toBeNull();
  });
});
