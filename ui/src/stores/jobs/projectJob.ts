// The storyboard's view of the jobs: the open project's latest job, the state of each of its
// scenes, and a new take or another take of one scene.
import { createEffect, createMemo } from "solid-js";
import { commands, type SegmentState as Segment } from "../../bindings";
import { errorText } from "../../format";
import { currentClip, sceneRenderStates, type SceneRenderState } from "../../sceneState";
import type { ProjectStore } from "../project";
import type { StatusStore } from "../status";
import type { Details } from "./details";
import type { Job, JobList } from "./list";
import type { ClipMedia } from "./media";

interface Deps {
  list: JobList;
  media: ClipMedia;
  details: Details;
  project: ProjectStore;
  status: StatusStore;
  watch: (id: string, name: string) => Promise<void>;
}

export function createProjectJob({ list, media, details, project, status, watch }: Deps) {
  const { state, find, update, report } = list;

  /** The most recent job of the open project (an unsaved project: the latest rendered here). */
  const projectJob = createMemo(() => {
    const path = project.state.path;
    return state.jobs.find((j) => (path ? j.projectPath === path : j.projectPath === null && j.startedHere === true));
  });

  /** Scenario id → its state in the open project's latest job (empty without one). Reactive. */
  const sceneStates = createMemo((): Record<string, SceneRenderState> => {
    const job = projectJob();
    if (!job) return {};
    return sceneRenderStates(segmentsOf(job), job.sceneStartedAt, state.mediaUrls, state.thumbnails);
  });

  // The project's latest job: its takes once it is not running, and its clips' media URLs.
  createEffect(() => {
    const job = projectJob();
    if (job && !job.detail && job.status !== undefined && job.status !== "running") void details.loadDetail(job.id);
  });
  createEffect(() => {
    const job = projectJob();
    if (!job) return;
    for (const s of segmentsOf(job)) {
      const clip = currentClip(s);
      if (clip) media.loadClip(clip);
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
    return details.regenerate(job.id, segment, prompt ?? segment.prompt);
  }

  /** Uses take `take` of a scene in the project's latest job: stitched at once as a new version. */
  async function pickSceneTake(sceneId: string, take: number): Promise<boolean> {
    const job = projectJob();
    if (!job) return false;
    if (!job.detail) await details.loadDetail(job.id);
    const fresh = find(job.id);
    const index = fresh?.detail?.segments.findIndex((s) => s.id === sceneId) ?? -1;
    if (!fresh || index < 0) return false;
    const takes = details.currentTakes(fresh);
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

  return { projectJob, sceneStates, regenerateScene, pickSceneTake };
}

/** The segments as last known: live progress while running, else the loaded detail. */
function segmentsOf(job: Job): Segment[] {
  const live = job.progress?.segments;
  if (job.status === "running" && live) return live;
  return job.detail?.segments ?? live ?? [];
}
