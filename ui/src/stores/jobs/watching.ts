// Starting a render and watching jobs over a Tauri channel until they end (and the recorded
// jobs when the window opens, running ones watched again).
import { Channel } from "@tauri-apps/api/core";
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import { createSignal } from "solid-js";
import { commands, type JobView, type Progress } from "../../bindings";
import { errorText } from "../../format";
import { unwrap } from "../../ipc";
import type { PlayerStore } from "../player";
import type { ProjectStore } from "../project";
import type { StatusStore } from "../status";
import type { JobList } from "./list";

interface Deps {
  list: JobList;
  status: StatusStore;
  project: ProjectStore;
  player: PlayerStore;
  loadDetail: (id: string) => Promise<void>;
  describeLatest: (id: string, url: string) => void;
}

export function createWatching({ list, status, project, player, loadDetail, describeLatest }: Deps) {
  const { update, ensure, showProgress, finished } = list;
  /** Render was pressed and Rust has not answered yet. */
  const [starting, setStarting] = createSignal(false);
  const watching = new Set<string>();

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

  return { starting, watch, startRender, loadJobs };
}

async function notify(title: string, body: string) {
  try {
    if (!(await isPermissionGranted()) && (await requestPermission()) !== "granted") return;
    sendNotification({ title, body });
  } catch {
    // No notification service (e.g. a bare X server): the status bar already says it.
  }
}
