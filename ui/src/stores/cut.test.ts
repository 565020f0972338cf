// The cut store against a fake project and player: what the timeline highlights while a scrub
// moves (held, caught up at rest or when let go).
import { createRoot, createSignal } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Project } from "../bindings";
import { createCutStore } from "./cut";
import type { PlayerStore } from "./player";
import type { ProjectStore } from "./project";

const PROJECT = {
  version: 1,
  character: { name: "", basePrompt: "", referenceImages: [] },
  scenarios: [
    { id: "a", prompt: "", durationSeconds: 4 },
    { id: "b", prompt: "", durationSeconds: 4 },
    { id: "c", prompt: "", durationSeconds: 4 },
  ],
  quality: "standard",
  aspectRatio: "16:9",
} as unknown as Project;

function fakes() {
  const [time, setTime] = createSignal(0);
  const project = { state: { project: PROJECT } } as unknown as ProjectStore;
  const player = {
    scenes: () => PROJECT.scenarios.map((s) => ({ id: s.id, duration: 4 })),
    durations: () => [4, 4, 4],
    duration: () => 12,
    source: () => ({ kind: "job" }),
    time,
    videoElement: () => undefined,
    seek: (t: number) => setTime(t),
  } as unknown as PlayerStore;
  return { project, player };
}

describe("the cut store's highlight", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("holds the shot highlighted while a scrub moves, and catches up once it rests or is let go", () => {
    createRoot((dispose) => {
      const c = createCutStore(fakes());
      expect(c.highlighted()).toMatchObject({ kind: "shot", id: "a" });
      c.scrub(5);
      c.scrub(9);
      // The playhead (and the shot readout) follow every move; the blocks' highlight waits.
      expect(c.current()).toMatchObject({ id: "c" });
      expect(c.highlighted()).toMatchObject({ id: "a" });
      vi.advanceTimersByTime(300);
      expect(c.highlighted()).toMatchObject({ id: "c" });
      c.scrub(5);
      expect(c.highlighted()).toMatchObject({ id: "c" });
      // Let go: the exact seek, the highlight at once.
      c.seek(5);
      expect(c.highlighted()).toMatchObject({ id: "b" });
      // A seek that is no scrub (a click, a key) highlights at once.
      c.seek(1);
      expect(c.highlighted()).toMatchObject({ id: "a" });
      dispose();
    });
  });
});
