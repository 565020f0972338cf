// The scene editor's "Extend by N s", in the window against mocked Rust commands: the seconds
// typed are what Rust is asked for, the run that makes the new take is watched, and a refusal
// (Rust's, or the run's when the model cannot extend so) is said in the status bar.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { $, appHandlers, mockCommands, mountApp, unmountApp, waitFor } from "./testing";
import type { ApiError, JobDetail, JobView, Project, WindowPrefs } from "./bindings";

const PROJECT: Project = {
  version: 1,
  character: { name: "Ava", basePrompt: "a bush pilot", referenceImages: [] },
  scenarios: [
    { id: "first", prompt: "walks to the plane", durationSeconds: 4 },
    { id: "second", prompt: "climbs in", durationSeconds: 4 },
  ],
  quality: "standard",
  aspectRatio: "16:9",
};
const JOB: JobView = { id: "job-1", name: "Ava", projectPath: "/p.studio.json", startedAt: 1, status: "completed", videoPath: "/v/job-1.mp4", version: 1 };
const DETAIL: JobDetail = {
  id: "job-1",
  status: "completed",
  version: 1,
  segments: [
    { id: "first", prompt: "walks", status: "done", take: 1, takes: [{ number: 1, prompt: "walks", clipUrl: "c1" }] },
    { id: "second", prompt: "climbs", status: "done", take: 1, takes: [{ number: 1, prompt: "climbs", clipUrl: "c2" }] },
  ],
  versions: [{ number: 1, videoPath: "/v/job-1.mp4", takes: [1, 1], quality: "standard", cost: { usd: 0, unpricedModels: [] }, sceneSeconds: [] }],
  spent: { usd: 0, unpricedModels: [] },
  usage: [],
  timeline: [],
  webUiUrl: null,
};
const PREFS: WindowPrefs = { editorWidth: 420, playerHeight: 360, lastView: "scene", lastScene: "first", volume: null, muted: false, storyOpen: true, storyWidth: 360, panels: {} };

let calls: { cmd: string; args: Record<string, unknown> }[];
/** How the next `extend_shot` answers, and how the run it starts ends. */
let extendAnswer: () => unknown;
let runEnds: () => Promise<unknown>;

const handlers: Record<string, (args: Record<string, unknown>) => unknown> = {
  ...appHandlers(PROJECT, PREFS),
  save_project: () => null,
  estimate_cost: () => ({ imageModel: "i", videoModel: "offline", images: 3, videoSeconds: 8, cost: { usd: 0, unpricedModels: [] } }),
  list_jobs: () => [JOB],
  media_url: (a) => `http://127.0.0.1:9/media${String(a.path)}`,
  job_detail: () => structuredClone(DETAIL),
  extend_shot: () => extendAnswer(),
  watch_job: () => runEnds(),
};

const refusal = (message: string): ApiError => ({ code: "rejected", message, problems: [] });

describe("the scene editor's Extend", () => {
  let dispose: () => void;

  beforeEach(async () => {
    calls = [];
    extendAnswer = () => ({ version: 2, take: 2 });
    runEnds = () => new Promise(() => undefined);
    mockCommands((cmd, args) => {
      calls.push({ cmd, args });
      return handlers[cmd]?.(args) ?? null;
    });
    dispose = await mountApp();
  });

  afterEach(() => unmountApp(dispose));

  /** Types `n` into the seconds field (committed on change, as when it loses focus) and presses Extend. */
  async function extendBy(n: string) {
    const field = await waitFor(() => $<HTMLInputElement>("#scene-extend-seconds"));
    field.value = n;
    field.dispatchEvent(new Event("change", { bubbles: true }));
    const button = await waitFor(() => {
      const b = $<HTMLButtonElement>("#scene-extend");
      return b && !b.disabled && b;
    });
    button.click();
  }

  it("asks Rust for the seconds typed, watches the run, and says when the model refuses", async () => {
    await waitFor(() => $<HTMLElement>("#scene-editor .scene-editor-body")?.dataset.id === "first");
    await waitFor(() => $<HTMLLIElement>('#jobs li.job[data-status="completed"]'));
    await extendBy("3");
    await waitFor(() => calls.some((c) => c.cmd === "extend_shot"));
    expect(calls.find((c) => c.cmd === "extend_shot")?.args).toEqual({ id: "job-1", sceneId: "first", seconds: 3, prompt: null });
    await waitFor(() => $("#status")?.textContent === "Extending first by 3 s: take 2 for version 2");
    // The new version runs: Extend waits for it.
    await waitFor(() => calls.some((c) => c.cmd === "watch_job") && $<HTMLButtonElement>("#scene-extend")?.disabled);
    dispose();

    // Out of range: clamped to what the field allows (30 s), and Rust's refusal is said.
    calls = [];
    extendAnswer = () => Promise.reject(refusal("job job-1 is running: wait for it to finish"));
    dispose = await mountApp();
    await waitFor(() => $<HTMLLIElement>('#jobs li.job[data-status="completed"]'));
    await extendBy("45");
    await waitFor(() => $("#status")?.dataset.kind === "error");
    expect(calls.find((c) => c.cmd === "extend_shot")?.args.seconds).toBe(30);
    expect($("#status")?.textContent).toBe("Cannot extend first: job job-1 is running: wait for it to finish");
    dispose();

    // The run refused before paying (the model cannot extend by this much): its reason shown.
    calls = [];
    extendAnswer = () => ({ version: 2, take: 2 });
    runEnds = () => Promise.reject(refusal("offline cannot extend a 4.0 s clip by 12 s: it extends by 1 to 10 s"));
    dispose = await mountApp();
    await waitFor(() => $<HTMLLIElement>('#jobs li.job[data-status="completed"]'));
    await extendBy("12");
    await waitFor(() => $("#status")?.dataset.kind === "error");
    expect($("#status")?.textContent).toContain("offline cannot extend a 4.0 s clip by 12 s: it extends by 1 to 10 s");
    expect($('#jobs li.job[data-id="job-1"]')?.textContent).toContain("it extends by 1 to 10 s");
  });
});
