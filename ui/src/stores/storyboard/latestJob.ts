// The latest job of the project, read from the jobs store: by the project file each job
// rendered (asked of Rust once per new job), else by its scenes.
import { createEffect, createMemo } from "solid-js";
import { commands } from "../../bindings";
import type { Job, JobsStore } from "../jobs";
import type { ProjectStore } from "../project";
import type { Board } from "./board";

interface Deps {
  project: ProjectStore;
  jobs: JobsStore;
  /** The project's scenario ids, in order. */
  order: () => string[];
}

export function createLatestJob({ state, setState }: Board, { project, jobs, order }: Deps) {
  // Which project each job rendered: asked again when a job appears that is not known yet.
  let pathsAsked = "";
  createEffect(() => {
    const unknown = jobs.state.jobs.filter((j) => !(j.id in state.jobPaths)).map((j) => j.id);
    const key = unknown.join();
    if (!unknown.length || key === pathsAsked) return;
    pathsAsked = key;
    void commands.listJobs().then((r) => {
      if (r.status !== "ok") return;
      const paths: Record<string, string | null> = {};
      for (const j of r.data) paths[j.id] = j.projectPath;
      setState("jobPaths", paths);
    });
  });

  /** The newest job of this project: by its project file when known, else by its scenes. */
  const latestJob = createMemo((): Job | undefined => {
    const ids = new Set(order());
    const path = project.state.path;
    return jobs.state.jobs.find((j) => {
      if (j.id in state.jobPaths) return state.jobPaths[j.id] === path;
      const segs = j.progress?.segments ?? j.detail?.segments ?? (state.detail?.id === j.id ? state.detail.segments : undefined);
      return segs ? segs.some((s) => ids.has(s.id)) : j.name === project.state.project.character.name;
    });
  });

  return latestJob;
}
