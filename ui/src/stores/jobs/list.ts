// The jobs' cards: the store every part of the Jobs panel reads and writes, and the small
// changes they share (find a card, change fields, show an error on it, add it, show progress).
import { createStore, produce } from "solid-js/store";
import type { JobDetail, JobStatus, Progress } from "../../bindings";
import { errorText, jobStateText } from "../../format";
import { generatingSince } from "../../sceneState";

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

export function createJobList() {
  const [state, setState] = createStore<JobsState>({ jobs: [], thumbnails: {}, mediaUrls: {} });

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

  return { state, setState, find, update, report, ensure, showProgress, finished };
}

export type JobList = ReturnType<typeof createJobList>;
