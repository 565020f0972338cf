// Each scene's status in the project's latest job (its takes from `jobDetail`, fetched again as
// the job moves), the clock for "generating 0:42", stale scenes and their new take.
import { createEffect, createSignal, on, onCleanup, type Accessor } from "solid-js";
import { commands, type SegmentState as Segment } from "../../bindings";
import * as scenes from "../../scenes";
import type { Job, JobsStore } from "../jobs";
import type { ProjectStore } from "../project";
import type { Board } from "./board";

interface Deps {
  project: ProjectStore;
  jobs: JobsStore;
  latestJob: Accessor<Job | undefined>;
}

export function createSceneStatus({ state, setState }: Board, { project, jobs, latestJob }: Deps) {
  const [now, setNow] = createSignal(Date.now());
  const clock = window.setInterval(() => setNow(Date.now()), 1000);
  let detailTimer: number | undefined;
  onCleanup(() => {
    window.clearInterval(clock);
    window.clearTimeout(detailTimer);
  });

  const jobRunning = () => latestJob()?.status === "running";

  /** The latest job's segments: live progress while it runs, else its details. */
  const segments = (): Segment[] | undefined => {
    const job = latestJob();
    if (!job) return undefined;
    const detail = state.detail?.id === job.id ? state.detail : job.detail;
    if (job.status === "running") return job.progress?.segments ?? detail?.segments;
    return detail?.segments ?? job.progress?.segments;
  };

  /** Segments with takes (for stale detection and the take list): the details when known. */
  const takeSegments = (): Segment[] | undefined => {
    const job = latestJob();
    if (!job) return undefined;
    const detail = state.detail?.id === job.id ? state.detail : job.detail;
    return detail?.segments ?? job.progress?.segments;
  };

  /** The newest details asked for: an older answer coming back after it is dropped (as in the jobs store). */
  let asked = 0;
  async function loadDetail(id: string) {
    const n = ++asked;
    const r = await commands.jobDetail(id);
    if (r.status === "ok" && n === asked) setState("detail", r.data);
  }

  // The details again when the latest job changes, ends, or finishes a clip.
  createEffect(
    on(
      () => {
        const j = latestJob();
        return j ? `${j.id}|${j.status ?? ""}|${(j.progress?.segments ?? []).filter((s) => s.status === "done").length}|${j.progress?.version ?? ""}` : "";
      },
      (key) => {
        const j = latestJob();
        if (!key || !j) return;
        window.clearTimeout(detailTimer);
        detailTimer = window.setTimeout(() => void loadDetail(j.id), 250);
      },
    ),
  );

  // When each scene was first seen generating (for its elapsed time).
  createEffect(() => {
    const segs = jobRunning() ? segments() : undefined;
    for (const s of segs ?? []) {
      if (s.status === "running" && state.since[s.id] === undefined) setState("since", s.id, Date.now());
      if (s.status !== "running" && state.since[s.id] !== undefined) setState("since", s.id, undefined);
    }
  });

  function statusOf(id: string): scenes.SceneStatus {
    return scenes.sceneStatus(scenes.segmentOf(segments(), id), jobRunning(), state.since[id], now());
  }

  const segmentOf = (id: string) => scenes.segmentOf(takeSegments(), id);
  const isStale = (index: number) => scenes.isStale(project.state.project, index, takeSegments());

  /** A new take of a stale scene (the jobs store's regenerate path, same prompt). */
  function rerender(id: string) {
    const job = latestJob();
    const seg = segmentOf(id);
    if (job && seg) void jobs.regenerate(job.id, seg, seg.prompt);
  }

  return { now, jobRunning, statusOf, segmentOf, isStale, rerender };
}
