// The Jobs panel: render, watch progress over a Tauri channel, steer, and iterate on takes.
import { Channel } from "@tauri-apps/api/core";
import { ask } from "@tauri-apps/plugin-dialog";
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import { createEffect, createMemo, createSignal, onCleanup } from "solid-js";
import { createStore, produce } from "solid-js/store";
import {
  commands,
  type JobDetail,
  type JobStatus,
  type JobView,
  type Progress,
  type Quality,
  type SegmentState as Segment,
} from "../bindings";
import { takesChanged } from "../editor";
import { errorText, jobStateText } from "../format";
import { unwrap, type Result } from "../ipc";
import { currentClip, generatingSince, sceneRenderStates, type SceneRenderState } from "../sceneState";
import { versionScenes, type PlayerScene } from "../timeline";
import type { PlayerStore } from "./player";
import type { ProjectStore } from "./project";
import type { StatusStore } from "./status";

export type { SceneRenderState } from "../sceneState";

/** A scene added to a running job lasts this long (as `addScene` asks for). */
const ADDED_SCENE_SECONDS = 8;

export interface Job {
  id: string;
  name: string;
  /** Unset until the job is watched or its record is shown. */
  status?: JobStatus;
  /** The latest progress (kept when the job ends or runs again). */
  progress?: Progress;
  /** Progress messages received: each one sets the quality select again. */
  updates: number;
  /** The one-line state: stage and percentage while running, the status once ended. */
  stateText: string;
  /** The card's message line: errors, and what a steering command did. */
  message: string;
  /** The finished video (Preview), null while running or when there is none. */
  videoUrl: string | null;
  videoPath: string | null;
  /** The job in the Temporal Web UI, once it ended well. */
  webUiUrl: string | null;
  detailsOpen: boolean;
  detail?: JobDetail;
  /** The take picked per scenario in the details (starts as the takes in use). */
  picked: number[];
  /** The project file it rendered (null: an unsaved project). */
  projectPath?: string | null;
  /** Rendered from this window (since it opened). */
  startedHere?: boolean;
  /** Scenario id → epoch ms when it started generating (while it does). */
  sceneStartedAt: Record<string, number>;
}

export interface JobsState {
  /** Newest first. */
  jobs: Job[];
  /** Clip URI → thumbnail URL for the segment strips. */
  thumbnails: Record<string, string>;
  /** Clip URI → media URL (for playing a scene's clip). */
  mediaUrls: Record<string, string>;
}

export function createJobsStore(deps: { status: StatusStore; project: ProjectStore; player: PlayerStore }) {
  const { status, project, player } = deps;
  const [state, setState] = createStore<JobsState>({ jobs: [], thumbnails: {}, mediaUrls: {} });
  /** Render was pressed and Rust has not answered yet. */
  const [starting, setStarting] = createSignal(false);
  const watching = new Set<string>();
  const thumbnailsAsked = new Set<string>();
  const mediaAsked = new Set<string>();

  const find = (id: string) => state.jobs.find((j) => j.id === id);
  const update = (id: string, change: Partial<Job>) => setState("jobs", (j) => j.id === id, change);
  const report = (id: string, e: unknown) => update(id, { message: errorText(e) });

  /** The job's card, added at the top when it is new. */
  function ensure(id: string, name: string, projectPath?: string | null) {
    if (find(id)) {
      if (projectPath !== undefined) update(id, { projectPath });
      return;
    }
    const job: Job = {
      id,
      name,
      updates: 0,
      stateText: "",
      message: "",
      videoUrl: null,
      videoPath: null,
      webUiUrl: null,
      detailsOpen: false,
      picked: [],
      projectPath,
      sceneStartedAt: {},
    };
    setState("jobs", (jobs) => [job, ...jobs]);
  }

  function showProgress(id: string, p: Progress) {
    setState(
      "jobs",
      (j) => j.id === id,
      produce((j) => {
        j.progress = p;
        j.updates += 1;
        j.stateText = jobStateText(p);
        j.sceneStartedAt = generatingSince(p.segments ?? [], j.sceneStartedAt, Date.now());
      }),
    );
  }

  function finished(id: string, status: JobStatus, videoUrl: string | null, videoPath: string | null) {
    update(id, { status, stateText: status, videoUrl, videoPath });
  }

  async function watch(id: string, name: string, projectPath?: string | null) {
    if (watching.has(id)) return;
    watching.add(id);
    ensure(id, name, projectPath);
    // Running again (a new version): steering controls come back, Preview waits for the end.
    update(id, { status: "running", videoUrl: null, videoPath: null, webUiUrl: null });
    // Rust sends the serialized shape (all fields present).
    const channel = new Channel<Progress>();
    channel.onmessage = (p) => showProgress(id, p);
    const r = await commands.watchJob(id, channel);
    watching.delete(id);
    if (r.status === "ok") {
      const o = r.data;
      // "Stitching version 3…" and the like were about the run that just ended.
      update(id, { webUiUrl: o.webUiUrl, message: "" });
      status.set(`Finished ${name}: ${o.videoPath ?? "video ready"}`);
      void notify(`${name} is ready`, o.videoPath ?? "Your video has finished rendering.");
      finished(id, "completed", o.videoUrl, o.videoPath);
      if (o.videoUrl) player.playVideo(o.videoUrl, o.videoPath, { jobId: id, scenes: [] });
      // The takes (for the storyboard and the player's timeline), and the history when open.
      await loadDetail(id);
      if (o.videoUrl) describeLatest(id, o.videoUrl);
      void project.showProjectSpent();
    } else {
      const cancelled = r.error.code === "jobCancelled";
      finished(id, cancelled ? "canceled" : "failed", null, null);
      status.set(`${name}: ${errorText(r.error)}`, cancelled ? "warn" : "error");
      if (!cancelled) void notify(`${name} failed`, errorText(r.error));
      update(id, { message: errorText(r.error) });
      void loadDetail(id);
    }
  }

  async function startRender() {
    setStarting(true);
    try {
      const job = unwrap(await commands.render(project.current(), project.state.path));
      status.set(`Rendering ${job.id}`);
      ensure(job.id, job.name, job.projectPath);
      update(job.id, { startedHere: true });
      void watch(job.id, job.name, job.projectPath);
    } catch (e) {
      status.set(`Cannot render: ${errorText(e)}`, "error");
    } finally {
      setStarting(false);
    }
  }

  async function showJob(j: JobView) {
    if (j.status === "running") return void watch(j.id, j.name, j.projectPath);
    ensure(j.id, j.name, j.projectPath);
    let url: string | null = null;
    if (j.videoPath) {
      const u = await commands.mediaUrl(j.videoPath);
      if (u.status === "ok") url = u.data;
    }
    finished(j.id, j.status, url, j.videoPath);
  }

  /** The recorded jobs, newest at the top; running ones are watched again. */
  async function loadJobs() {
    const r = await commands.listJobs();
    if (r.status === "error") return status.set(errorText(r.error), "error");
    for (const j of [...r.data].reverse()) void showJob(j);
  }

  // ---------- steering ----------

  async function steer(id: string, call: Promise<Result<null>>) {
    const r = await call;
    if (r.status === "error") report(id, r.error);
  }

  const pause = (id: string) => steer(id, commands.pauseJob(id));
  const resume = (id: string) => steer(id, commands.resumeJob(id));

  async function cancel(id: string) {
    const name = find(id)?.name ?? id;
    if (!(await ask(`Cancel "${name}"? Clips already made are kept in the artifact store.`, { title: "Cancel render", kind: "warning" }))) return;
    await steer(id, commands.cancelJob(id));
  }

  async function changeQuality(id: string, quality: Quality) {
    const r = await commands.changeQuality(id, quality);
    if (r.status === "error") report(id, r.error);
    else update(id, { message: `quality ${r.data} → ${quality}` });
  }

  /** Approves `usd` more dollars for a job waiting at its budget. */
  async function approveSpend(id: string, usd: number) {
    const r = await commands.approveSpend(id, usd);
    if (r.status === "error") report(id, r.error);
    else update(id, { message: `approved $${(r.data ?? 0).toFixed(2)} in all` });
  }

  /** Adds a scene to the running job; true when it was added. */
  async function addScene(id: string, prompt: string): Promise<boolean> {
    const r = await commands.addSegment(id, prompt, 8);
    if (r.status === "error") report(id, r.error);
    return r.status === "ok";
  }

  /** Opens the job in the Temporal Web UI (Rust makes the URL from the server it runs). */
  async function openWebUi(id: string) {
    if (!find(id)?.webUiUrl) return;
    const r = await commands.openWebUi(id);
    if (r.status === "error") report(id, r.error);
  }

  /** Plays the job's latest video, with its scenes once its takes are known. */
  function play(id: string) {
    const job = find(id);
    if (!job?.videoUrl) return;
    const url = job.videoUrl;
    player.playVideo(url, job.videoPath, { jobId: id, scenes: [] });
    if (job.detail) describeLatest(id, url);
    else void loadDetail(id).then(() => describeLatest(id, url));
  }

  /** Seconds of a scenario: the open project's, or what an added scene gets. */
  function durationOf(sceneId: string): number {
    return project.state.project.scenarios.find((s) => s.id === sceneId)?.durationSeconds ?? ADDED_SCENE_SECONDS;
  }

  /** The scenes of one of a job's versions (its takes), for the timeline. */
  function scenesOf(id: string, version: number): PlayerScene[] {
    const detail = find(id)?.detail;
    const v = detail?.versions.find((x) => x.number === version);
    if (!detail || !v) return [];
    // Measured from the version's clips by Rust when it could; else the project's durations.
    const measured = new Map(detail.segments.map((s, i) => [s.id, v.sceneSeconds[i]]));
    return versionScenes(detail.segments, v.takes, (id) => measured.get(id) ?? durationOf(id));
  }

  /** The latest version's scenes for the video that plays (if it still does). */
  function describeLatest(id: string, url: string) {
    const latest = find(id)?.detail?.versions.at(-1);
    if (latest) player.describe(url, { jobId: id, version: latest.number, scenes: scenesOf(id, latest.number) });
  }

  /** Plays one of a job's versions (the version picker, a version row's Preview). */
  async function playVersion(id: string, version: number) {
    const v = find(id)?.detail?.versions.find((x) => x.number === version);
    if (!v?.videoPath) return;
    const u = await commands.mediaUrl(v.videoPath);
    if (u.status === "error") return report(id, u.error);
    player.playVideo(u.data, v.videoPath, { jobId: id, version, scenes: scenesOf(id, version) });
  }

  /** A scene's clip (artifact URI) played alone. */
  async function playSceneClip(clip: string, sceneId: string) {
    const url = await mediaUrlOf(clip);
    if (url) player.playClip(url, sceneId, clip);
  }

  /** A clip's media URL, asked once per clip. */
  async function mediaUrlOf(clip: string): Promise<string | undefined> {
    const known = state.mediaUrls[clip];
    if (known) return known;
    const u = await commands.mediaUrl(clip);
    if (u.status === "error") return undefined;
    setState("mediaUrls", clip, u.data);
    return u.data;
  }

  /** A clip of the segment strip: its thumbnail, asked for once per clip. */
  async function loadThumbnail(clip: string) {
    if (thumbnailsAsked.has(clip)) return;
    thumbnailsAsked.add(clip);
    const t = await commands.clipThumbnail(clip);
    if (t.status === "ok") setState("thumbnails", clip, t.data);
    else thumbnailsAsked.delete(clip);
  }

  // ---------- details: versions, takes, timeline ----------

  function toggleDetails(id: string) {
    const open = !find(id)?.detailsOpen;
    update(id, { detailsOpen: open });
    if (open) void loadDetail(id);
  }

  async function loadDetail(id: string) {
    const r = await commands.jobDetail(id);
    if (r.status === "error") return report(id, r.error);
    update(id, { detail: r.data, picked: r.data.segments.map((s) => s.take ?? 0) });
    if (r.data.webUiUrl && !find(id)?.webUiUrl) update(id, { webUiUrl: r.data.webUiUrl });
  }

  const currentTakes = (job: Job) => job.detail?.segments.map((s) => s.take ?? 0) ?? [];
  const canStitch = (job: Job) => takesChanged(currentTakes(job), job.picked);

  function pickTake(id: string, index: number, take: number) {
    setState("jobs", (j) => j.id === id, "picked", index, take);
  }

  async function stitchPicked(id: string) {
    const job = find(id);
    if (!job) return;
    const r = await commands.pickTakes(id, [...job.picked]);
    if (r.status === "error") return report(id, r.error);
    update(id, { message: `Stitching version ${r.data.version}…` });
    void watch(id, job.name);
  }

  /** A new take of one scenario; the prompt is sent only when it was edited. True when it started. */
  async function regenerate(id: string, segment: Segment, prompt: string): Promise<boolean> {
    const job = find(id);
    if (!job) return false;
    const text = prompt.trim();
    const r = await commands.regenerateSegment(id, segment.id, text === segment.prompt ? null : text);
    if (r.status === "error") {
      report(id, r.error);
      return false;
    }
    update(id, { message: `Take ${r.data.take} of ${segment.id} for version ${r.data.version}` });
    void watch(id, job.name);
    return true;
  }

  // ---------- the storyboard's view: the open project's latest job, per scene ----------

  /** The most recent job of the open project (an unsaved project: the latest rendered here). */
  const projectJob = createMemo(() => {
    const path = project.state.path;
    return state.jobs.find((j) => (path ? j.projectPath === path : j.projectPath === null && j.startedHere === true));
  });

  /** The segments as last known: live progress while running, else the loaded detail. */
  function segmentsOf(job: Job): Segment[] {
    const live = job.progress?.segments;
    if (job.status === "running" && live) return live;
    return job.detail?.segments ?? live ?? [];
  }

  /** Scenario id → its state in the open project's latest job (empty without one). Reactive. */
  const sceneStates = createMemo((): Record<string, SceneRenderState> => {
    const job = projectJob();
    if (!job) return {};
    return sceneRenderStates(segmentsOf(job), job.sceneStartedAt, state.mediaUrls, state.thumbnails);
  });

  // The project's latest job: its takes once it is not running, and its clips' media URLs.
  createEffect(() => {
    const job = projectJob();
    if (job && !job.detail && job.status !== undefined && job.status !== "running") void loadDetail(job.id);
  });
  createEffect(() => {
    const job = projectJob();
    if (!job) return;
    for (const s of segmentsOf(job)) {
      const clip = currentClip(s);
      if (clip && !mediaAsked.has(clip)) {
        mediaAsked.add(clip);
        void mediaUrlOf(clip).then((u) => {
          if (!u) mediaAsked.delete(clip);
        });
        void loadThumbnail(clip);
      }
    }
  });

  /** A new take of a scene of the project's latest job (the prompt as it was, or a new one). */
  async function regenerateScene(sceneId: string, prompt?: string): Promise<boolean> {
    const job = projectJob();
    const segment = job && segmentsOf(job).find((s) => s.id === sceneId);
    if (!job || !segment) {
      status.set(`No render has the scene ${sceneId} yet`, "warn");
      return false;
    }
    return regenerate(job.id, segment, prompt ?? segment.prompt);
  }

  /** Uses take `take` of a scene in the project's latest job: stitched at once as a new version. */
  async function pickSceneTake(sceneId: string, take: number): Promise<boolean> {
    const job = projectJob();
    if (!job) return false;
    if (!job.detail) await loadDetail(job.id);
    const fresh = find(job.id);
    const index = fresh?.detail?.segments.findIndex((s) => s.id === sceneId) ?? -1;
    if (!fresh || index < 0) return false;
    const takes = currentTakes(fresh);
    if (takes[index] === take) return true;
    takes[index] = take;
    const r = await commands.pickTakes(fresh.id, takes);
    if (r.status === "error") {
      report(fresh.id, r.error);
      status.set(`Cannot use take ${take} of ${sceneId}: ${errorText(r.error)}`, "error");
      return false;
    }
    update(fresh.id, { message: `Stitching version ${r.data.version}…` });
    void watch(fresh.id, fresh.name);
    return true;
  }

  const store = {
    state,
    starting,
    startRender,
    watch,
    loadJobs,
    pause,
    resume,
    cancel,
    changeQuality,
    approveSpend,
    addScene,
    openWebUi,
    play,
    loadThumbnail,
    previewClip: (clip: string, sceneId?: string) => (sceneId ? playSceneClip(clip, sceneId) : player.previewFile(clip, null)),
    previewVersion: (path: string) => player.previewFile(path, path),
    // Added for the player, the queue and the storyboard:
    playVersion,
    playSceneClip,
    scenesOf,
    loadDetail,
    projectJob,
    sceneStates,
    regenerateScene,
    pickSceneTake,
    toggleDetails,
    canStitch,
    pickTake,
    stitchPicked,
    regenerate,
  };
  activeJobs = store;
  onCleanup(() => {
    if (activeJobs === store) activeJobs = null;
  });
  return store;
}

async function notify(title: string, body: string) {
  try {
    if (!(await isPermissionGranted()) && (await requestPermission()) !== "granted") return;
    sendNotification({ title, body });
  } catch {
    // No notification service (e.g. a bare X server): the status bar already says it.
  }
}

export type JobsStore = ReturnType<typeof createJobsStore>;

/** The window's jobs store (the latest created), for the module-level functions below. */
let activeJobs: JobsStore | null = null;

/** Scenario id → render state in the open project's most recent job. Reactive. */
export function sceneStates(): Record<string, SceneRenderState> {
  return activeJobs?.sceneStates() ?? {};
}

/** A new take of one scene of the open project's most recent job; the prompt when given. */
export function regenerateScene(sceneId: string, prompt?: string): Promise<boolean> {
  return activeJobs?.regenerateScene(sceneId, prompt) ?? Promise.resolve(false);
}

/** Uses take `take` of one scene (the most recent job of the open project): a new version is stitched. */
export function pickTake(sceneId: string, take: number): Promise<boolean> {
  return activeJobs?.pickSceneTake(sceneId, take) ?? Promise.resolve(false);
}

