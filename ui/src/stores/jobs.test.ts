// The jobs and player stores wired as in the window, against mocked Rust commands: what the
// storyboard gets (sceneStates, regenerateScene, pickTake) and the player's scene seeking.
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { createRoot } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { JobDetail, JobView, Project } from "../bindings";
import { createJobsStore, pickTake, regenerateScene, sceneStates } from "./jobs";
import { createPlayerStore, playClip, playingSceneId, seekToScene } from "./player";
import { createProjectStore } from "./project";
import { createStatusStore } from "./status";

const PROJECT: Project = {
  version: 1,
  character: { name: "Ava", basePrompt: "a pilot", referenceImages: [] },
  scenarios: [
    { id: "a", prompt: "walks", durationSeconds: 4 },
    { id: "b", prompt: "climbs", durationSeconds: 8 },
  ],
  quality: "standard",
  aspectRatio: "16:9",
};

const JOBS: JobView[] = [
  { id: "new", name: "Ava", projectPath: "/p.json", startedAt: 2, status: "completed", videoPath: "/v/new-v2.mp4", version: 2 },
  { id: "other", name: "Zed", projectPath: "/other.json", startedAt: 3, status: "completed", videoPath: "/v/other.mp4", version: 1 },
  { id: "old", name: "Ava", projectPath: "/p.json", startedAt: 1, status: "completed", videoPath: "/v/old.mp4", version: 1 },
];

const DETAIL: JobDetail = {
  id: "new",
  status: "completed",
  version: 2,
  segments: [
    { id: "a", prompt: "walks", status: "done", take: 2, clipUrl: "a2", takes: [{ number: 1, prompt: "walks", clipUrl: "a1" }, { number: 2, prompt: "runs", clipUrl: "a2" }] },
    { id: "b", prompt: "climbs", status: "done", take: 1, clipUrl: "b1", takes: [{ number: 1, prompt: "climbs", clipUrl: "b1", firstFrameFrom: "a1" }] },
  ],
  versions: [
    { number: 1, videoPath: "/v/new-v1.mp4", takes: [1, 1], quality: "standard", cost: { usd: 0.5, unpricedModels: [] }, sceneSeconds: [] },
    { number: 2, videoPath: "/v/new-v2.mp4", takes: [2, 1], quality: "standard", cost: { usd: 0.2, unpricedModels: [] }, sceneSeconds: [] },
  ],
  spent: { usd: 0.7, unpricedModels: [] },
  usage: [],
  timeline: [],
  webUiUrl: null,
};

let calls: { cmd: string; args: Record<string, unknown> }[];
/** What `watch_job` does: never end (a running job), or end with a video after a moment. */
let watchEnds = false;
/** How `job_detail` answers, one per call in turn (then DETAIL at once): after `ms`, this detail. */
let detailAnswers: { ms: number; detail: JobDetail }[] = [];

function setup() {
  return createRoot((dispose) => {
    const status = createStatusStore();
    const player = createPlayerStore(status);
    const project = createProjectStore(status);
    const jobs = createJobsStore({ status, project, player });
    project.load(structuredClone(PROJECT), "/p.json");
    return { status, player, project, jobs, dispose };
  });
}

async function until<T>(what: () => T | null | undefined | false): Promise<T> {
  return vi.waitFor(
    () => {
      const v = what();
      if (!v) throw new Error("not yet");
      return v;
    },
    { timeout: 2000, interval: 10 },
  );
}

describe("the jobs store for the storyboard and the player", () => {
  beforeEach(() => {
    calls = [];
    mockWindows("main");
    mockIPC((cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const handlers: Record<string, () => unknown> = {
        list_jobs: () => JOBS,
        job_detail: () => {
          const next = detailAnswers.shift();
          return next ? new Promise((done) => setTimeout(() => done(structuredClone(next.detail)), next.ms)) : structuredClone(DETAIL);
        },
        media_url: () => `http://m${String(args.path)}`,
        clip_thumbnail: () => `http://t/${String(args.clip)}`,
        window_prefs: () => ({ editorWidth: 400, playerHeight: 300, lastView: "storyboard", volume: 0.5, muted: false }),
        regenerate_segment: () => ({ version: 3, take: 2 }),
        pick_takes: () => ({ version: 3, take: null }),
        watch_job: () =>
          watchEnds
            ? new Promise((done) => setTimeout(() => done({ webUiUrl: null, videoUrl: "http://m/v3.mp4", videoPath: "/v3.mp4" }), 50))
            : new Promise(() => undefined),
      };
      return handlers[cmd]?.() ?? null;
    });
  });

  afterEach(() => {
    clearMocks();
    watchEnds = false;
    detailAnswers = [];
  });

  it("keeps a new version's details when details asked for before it answer after them", async () => {
    watchEnds = true;
    const s = setup();
    await s.jobs.loadJobs();
    const job = () => s.jobs.state.jobs.find((j) => j.id === "new");
    await until(() => job()?.detail);
    // Opening the details asks again; Rust answers that late (a loaded machine), with version 2.
    // Meanwhile a new take makes version 3, whose details come back at once when it ends.
    const v3: JobDetail = { ...DETAIL, version: 3, versions: [...DETAIL.versions, { ...DETAIL.versions[1], number: 3 }] };
    detailAnswers = [
      { ms: 300, detail: DETAIL },
      { ms: 0, detail: v3 },
    ];
    s.jobs.toggleDetails("new");
    expect(await s.jobs.regenerate("new", DETAIL.segments[1], "climbs fast")).toBe(true);
    await until(() => job()?.status === "completed" && job()?.detail?.version === 3);
    // The late answer has come back by now: it does not take the job back to version 2.
    await new Promise((r) => setTimeout(r, 400));
    expect(detailAnswers).toEqual([]);
    expect(job()?.detail?.version).toBe(3);
    s.dispose();
  });

  it("says what a run does while it runs, and clears it when the run ends", async () => {
    watchEnds = true;
    const s = setup();
    await s.jobs.loadJobs();
    await until(() => s.jobs.state.jobs.find((j) => j.id === "new")?.detail);
    s.jobs.pickTake("new", 0, 1);
    await s.jobs.stitchPicked("new");
    const job = () => s.jobs.state.jobs.find((j) => j.id === "new");
    expect(job()?.message).toBe("Stitching version 3…");
    await until(() => job()?.status === "completed" && job()?.message === "");
    s.dispose();
  });

  it("gives the open project's latest job per scene, stale when the previous take changed", async () => {
    const s = setup();
    await s.jobs.loadJobs();
    const states = await until(() => {
      const st = sceneStates();
      return st.a?.clipUrl && st.b?.clipUrl ? st : null;
    });
    expect(states).toEqual({
      a: { status: "done", takes: 2, clipUrl: "http://ma2", thumbnailUrl: "http://t/a2", stale: false },
      b: { status: "done", takes: 1, clipUrl: "http://mb1", thumbnailUrl: "http://t/b1", stale: true },
    });
    expect(calls.filter((c) => c.cmd === "job_detail").map((c) => c.args.id)).toEqual(["new"]);
    s.dispose();
  });

  it("regenerates a scene and picks a take through the latest job", async () => {
    const s = setup();
    await s.jobs.loadJobs();
    await until(() => s.jobs.state.jobs.find((j) => j.id === "new")?.detail);
    expect(await regenerateScene("b", "climbs fast")).toBe(true);
    expect(calls.find((c) => c.cmd === "regenerate_segment")?.args).toEqual({ id: "new", scenarioId: "b", prompt: "climbs fast" });
    expect(await regenerateScene("nope")).toBe(false);
    expect(await pickTake("a", 1)).toBe(true);
    expect(calls.find((c) => c.cmd === "pick_takes")?.args).toEqual({ id: "new", takes: [1, 1] });
    s.dispose();
  });

  it("plays a version with its scenes and seeks by scene", async () => {
    const s = setup();
    await s.jobs.loadJobs();
    await until(() => s.jobs.state.jobs.find((j) => j.id === "new")?.detail);
    await s.jobs.playVersion("new", 1);
    expect(s.player.request()?.url).toBe("http://m/v/new-v1.mp4");
    expect(s.player.source()).toEqual({
      kind: "video",
      jobId: "new",
      version: 1,
      scenes: [
        { id: "a", duration: 4, clip: "a1" },
        { id: "b", duration: 8, clip: "b1" },
      ],
    });
    expect(playingSceneId()).toBe("a");
    expect(seekToScene("b")).toBe(true);
    expect(s.player.time()).toBe(4);
    expect(playingSceneId()).toBe("b");
    expect(seekToScene("zzz")).toBe(false);
    playClip("http://m/clip.mp4", "b");
    expect(s.player.source().kind).toBe("clip");
    expect(playingSceneId()).toBe("b");
    expect(s.player.volume()).toBe(0.5);
    s.dispose();
  });
});
