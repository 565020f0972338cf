// The frame times of a gesture recorded in the window (cut.e2e.mjs), as figures: pure, so
// Vitest covers how a frame's time is counted (frames.test.mjs).

/** p50, p95 and max of `xs` (ms, two decimals). */
export const quantiles = (xs) => {
  if (!xs.length) return { n: 0 };
  const d = [...xs].sort((a, b) => a - b);
  const q = (p) => +d[Math.min(d.length - 1, Math.floor(p * d.length))].toFixed(2);
  return { n: d.length, p50: q(0.5), p95: q(0.95), max: q(1) };
};
/**
 * The gesture's figures (frame times and the intervals between frames, p50/p95/max, frames over
 * 25 ms apart, seeks), then what tells the slow frames apart: the frame times before the
 * pointer went down, while it moved and after it was let go, and each frame over 16 ms with
 * its start relative to the pointer's down and up (ms), the seeks and IPC calls during it or
 * just before it (since the previous frame's end), and its DOM mutations (count, the most
 * frequent targets).
 */
export function frameStats({ frames, cb, work: queued, seeks, ev, mut, ipcProbe }) {
  const intervals = frames.slice(1).map((t, i) => t - frames[i]);
  // A frame's time ends when its message runs, or when the next frame's callbacks start if
  // that comes first: a busy page (input queued, a loaded machine) renders the next frame
  // before the message, whose wait then held the next frame's time too (3 to 26 frames of a
  // gesture counted twice with a busy core beside the run). Both are reported (`frameTime`,
  // `frameTimeQueued`, `overlapped`); the budget is on the first.
  const overlapped = queued.filter((w, i) => i + 1 < queued.length && cb[i] + w > cb[i + 1]).length;
  const work = queued.map((w, i) => (i + 1 < queued.length ? Math.min(w, cb[i + 1] - cb[i]) : w));
  const down = ev.find(([, w]) => w === "down")?.[0] ?? null;
  const up = ev.find(([, w]) => w === "up")?.[0] ?? null;
  const phase = { before: [], moving: [], after: [] };
  const slow = [];
  const rel = (t, base) => (base === null ? null : Math.round(t - base));
  for (let i = 0; i < work.length; i++) {
    const start = cb[i];
    const end = start + work[i];
    phase[down !== null && start < down ? "before" : up !== null && start >= up ? "after" : "moving"].push(work[i]);
    if (work[i] <= 16) continue;
    const from = i > 0 ? cb[i - 1] + work[i - 1] : start - 50;
    const during = ev.filter(([t]) => t >= from && t <= end).map(([t, w]) => `${w}${t < start ? " (before)" : ""}`);
    const muts = mut.filter(([t]) => t >= from && t <= end).map(([, w]) => w);
    const counts = {};
    for (const m of muts) counts[m] = (counts[m] ?? 0) + 1;
    const top = Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([w, n]) => `${w}×${n}`);
    slow.push({ frame: i, sinceDown: rel(start, down), sinceUp: rel(start, up), work: +work[i].toFixed(1), interval: i > 0 ? +(frames[i] - frames[i - 1]).toFixed(1) : null, events: during, mutations: muts.length, top });
  }
  const events = {};
  for (const [, w] of ev) events[w] = (events[w] ?? 0) + 1;
  return {
    times: work,
    interval: quantiles(intervals),
    frameTime: quantiles(work),
    frameTimeQueued: quantiles(queued),
    overlapped,
    dropped: intervals.filter((d) => d > 25).length,
    seeks,
    byPhase: { before: quantiles(phase.before), moving: quantiles(phase.moving), after: quantiles(phase.after) },
    gestureMs: down !== null && up !== null ? Math.round(up - down) : null,
    events,
    ipcProbe,
    slow,
  };
}

/**
 * Several recordings of one gesture as one figure: the frame times of all of them together
 * (p50/p95/max over every frame), each one's p95, and each one's figures without its raw
 * times. A hitch of a few hundred milliseconds (a collection, another process) is 10 % of one
 * 2 s gesture's frames, enough to set its p95 alone; it is 3 % of three.
 */
export function pooled(gestures) {
  return {
    frameTime: quantiles(gestures.flatMap((g) => g.times)),
    p95s: gestures.map((g) => g.frameTime.p95),
    gestures: gestures.map(({ times: _, ...g }) => g),
  };
}
