// The Jobs panel: render, watch progress over a Tauri channel, steer, and iterate on takes.
import { Channel } from "@tauri-apps/api/core";
import { ask } from "@tauri-apps/plugin-dialog";
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import { openUrl } from "@tauri-apps/plugin-opener";
import { createSignal } from "solid-js";
import { createStore, produce } from "solid-js/store";
import {
  commands,
  type JobDetail_Serialize as JobDetail,
  type JobStatus,
  type JobView_Serialize as JobView,
  type Progress_Deserialize as ProgressIn,
  type Progress_Serialize as Progress,
  type Quality,
  type SegmentState_Serialize as Segment,
} from "../bindings";
import { takesChanged } from "../editor";
import { errorText, jobStateText } from "../format";
import { unwrap, type Result } from "../ipc";
import type { PlayerStore } from "./player";
import type { ProjectStore } from "./project";
import type { StatusStore } from "./status";

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
}

export interface JobsState {
  /** Newest first. */
  jobs: Job[];
  /** Clip URI → thumbnail URL for the segment strips. */
  thumbnails: Record<string, string>;
}

export function createJobsStore(deps: { status: StatusStore; project: ProjectStore; player: PlayerStore }) {
  const { status, project, player } = deps;
  const [state, setState] = createStore<JobsState>({ jobs: [], thumbnails: {} });
  /** Render was pressed and Rust has not answered yet. */
  const [starting, setStarting] = createSignal(false);
  const watching = new Set<string>();
  const thumbnailsAsked = new Set<string>();

  const find = (id: string) => state.jobs.find((j) => j.id === id);
  const update = (id: string, change: Partial<Job>) => setState("jobs", (j) => j.id === id, change);
  const report = (id: string, e: unknown) => update(id, { message: errorText(e) });

  /** The job's card, added at the top when it is new. */
  function ensure(id: string, name: string) {
    if (find(id)) return;
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
      }),
    );
  }

  function finished(id: string, status: JobStatus, videoUrl: string | null, videoPath: string | null) {
    update(id, { status, stateText: status, videoUrl, videoPath });
  }

  async function watch(id: string, name: string) {
    if (watching.has(id)) return;
    watching.add(id);
    ensure(id, name);
    // Running again (a new version): steering controls come back, Preview waits for the end.
    update(id, { status: "running", videoUrl: null, videoPath: null, webUiUrl: null });
    // Rust sends the serialized shape (all fields present).
    const channel = new Channel<Progress>();
    channel.onmessage = (p) => showProgress(id, p);
    const r = await commands.watchJob(id, channel as Channel<ProgressIn>);
    watching.delete(id);
    if (r.status === "ok") {
      const o = r.data;
      update(id, { webUiUrl: o.webUiUrl });
      status.set(`Finished ${name}: ${o.videoPath ?? "video ready"}`);
      void notify(`${name} is ready`, o.videoPath ?? "Your video has finished rendering.");
      finished(id, "completed", o.videoUrl, o.videoPath);
      if (o.videoUrl) player.preview(o.videoUrl, o.videoPath);
      if (find(id)?.detailsOpen) void loadDetail(id);
      void project.showProjectSpent();
    } else {
      const cancelled = r.error.code === "jobCancelled";
      finished(id, cancelled ? "canceled" : "failed", null, null);
      status.set(`${name}: ${r.error.message}`, cancelled ? "warn" : "error");
      if (!cancelled) void notify(`${name} failed`, r.error.message);
      update(id, { message: r.error.message });
    }
  }

  async function startRender() {
    setStarting(true);
    try {
      const job = unwrap(await commands.render(project.current(), project.state.path));
      status.set(`Rendering ${job.id}`);
      void watch(job.id, job.name);
    } catch (e) {
      status.set(`Cannot render: ${errorText(e)}`, "error");
    } finally {
      setStarting(false);
    }
  }

  async function showJob(j: JobView) {
    if (j.status === "running") return void watch(j.id, j.name);
    ensure(j.id, j.name);
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
    if (r.status === "error") return status.set(r.error.message, "error");
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

  /** Adds a scene to the running job; true when it was added. */
  async function addScene(id: string, prompt: string): Promise<boolean> {
    const r = await commands.addSegment(id, prompt, 8);
    if (r.status === "error") report(id, r.error);
    return r.status === "ok";
  }

  function openWebUi(id: string) {
    const url = find(id)?.webUiUrl;
    if (url) void openUrl(url);
  }

  function play(id: string) {
    const job = find(id);
    if (job?.videoUrl) player.preview(job.videoUrl, job.videoPath);
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

  /** A new take of one scenario; the prompt is sent only when it was edited. */
  async function regenerate(id: string, segment: Segment, prompt: string) {
    const job = find(id);
    if (!job) return;
    const text = prompt.trim();
    const r = await commands.regenerateSegment(id, segment.id, text === segment.prompt ? null : text);
    if (r.status === "error") return report(id, r.error);
    update(id, { message: `Take ${r.data.take} of ${segment.id} for version ${r.data.version}` });
    void watch(id, job.name);
  }

  return {
    state,
    starting,
    startRender,
    watch,
    loadJobs,
    pause,
    resume,
    cancel,
    changeQuality,
    addScene,
    openWebUi,
    play,
    loadThumbnail,
    previewClip: (clip: string) => player.previewFile(clip, null),
    previewVersion: (path: string) => player.previewFile(path, path),
    toggleDetails,
    canStitch,
    pickTake,
    stitchPicked,
    regenerate,
  };
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
