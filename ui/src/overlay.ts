// What the timeline's overlay canvas repaints when what it shows changes (pure, covered by
// Vitest). Without a GPU WebKit paints the page without compositing: every pixel the canvas
// changes repaints the track under it (the blocks, their thumbnails, the dragged block). So a
// frame repaints only the pixels that changed: a trim band that grows by 2 px repaints a 2 px
// strip, not the whole band (which cost the page 20-50 ms frames while dragging a trim handle
// over 50 shots, cut.e2e.mjs), and a frame where nothing moved repaints nothing.

/** A box in CSS pixels (whole pixels, so edges never blend into their neighbours). */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One filled box of the overlay; `key` names it from one frame to the next (the band, the handle, the playhead). */
export interface PaintRect extends Box {
  key: string;
  style: string;
}

/** A box rounded to whole pixels (edges rounded, so neighbours still meet); null when empty. */
export function pixelBox(x: number, y: number, w: number, h: number): Box | null {
  const x0 = Math.round(x);
  const x1 = Math.round(x + w);
  const y0 = Math.round(y);
  const y1 = Math.round(y + h);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

function intersect(a: Box, b: Box): Box | null {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

/** The boxes whose pixels differ between the two frames. */
export function dirtyBoxes(before: readonly PaintRect[], after: readonly PaintRect[]): Box[] {
  const out: Box[] = [];
  const was = new Map(before.map((r) => [r.key, r]));
  const now = new Map(after.map((r) => [r.key, r]));
  for (const [key, a] of was) {
    const b = now.get(key);
    if (!b || b.style !== a.style || b.y !== a.y || b.h !== a.h) {
      out.push(a);
      continue;
    }
    if (b.x === a.x && b.w === a.w) continue;
    // The same band moved or resized along x: only the pixels one of the two covers alone.
    const [l0, l1] = [Math.min(a.x, b.x), Math.max(a.x, b.x)];
    const [r0, r1] = [Math.min(a.x + a.w, b.x + b.w), Math.max(a.x + a.w, b.x + b.w)];
    if (l1 >= r0) {
      // They do not overlap: both whole.
      out.push(a, b);
      continue;
    }
    if (l1 > l0) out.push({ x: l0, y: a.y, w: l1 - l0, h: a.h });
    if (r1 > r0) out.push({ x: r0, y: a.y, w: r1 - r0, h: a.h });
  }
  for (const [key, b] of now) {
    const a = was.get(key);
    if (!a || a.style !== b.style || a.y !== b.y || a.h !== b.h) out.push(b);
  }
  return out.map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h }));
}

/**
 * How to go from one frame to the next: clear each dirty box, then fill in it what the new
 * frame has there (in its order: later boxes over earlier ones).
 */
export function repaintPlan(before: readonly PaintRect[], after: readonly PaintRect[]): { clear: Box[]; fill: { style: string; box: Box }[] } {
  const clear = dirtyBoxes(before, after);
  const fill: { style: string; box: Box }[] = [];
  for (const d of clear) {
    for (const r of after) {
      const box = intersect(r, d);
      if (box) fill.push({ style: r.style, box });
    }
  }
  return { clear, fill };
}
