// The Jobs panel, one store made of stores by concern (in `jobs/`): the jobs' cards (`list.ts`),
// rendering and watching progress over a Tauri channel (`watching.ts`), steering a running job
// (`steering.ts`), its details, versions and takes (`details.ts`), playing its videos
// (`playback.ts`), its clips' media (`media.ts`), and the open project's latest job for the
// storyboard (`projectJob.ts`). Components see one `state` and one set of actions.
import { onCleanup } from "solid-js";
import type { SceneRenderState } from "../sceneState";
import { createDetails } from "./jobs/details";
import { createJobList } from "./jobs/list";
import { createClipMedia } from "./jobs/media";
import { createPlayback } from "./jobs/playback";
import { createProjectJob } from "./jobs/projectJob";
import { createSteering } from "./jobs/steering";
import { createWatching } from "./jobs/watching";
import type { PlayerStore } from "./player";
import type { ProjectStore } from "./project";
import type { StatusStore } from "./status";

export type { SceneRenderState } from "../sceneState";
export type { Job, JobsState } from "./jobs/list";

export function createJobsStore(deps: { status: StatusStore; project: ProjectStore; player: PlayerStore }) {
  const { status, project, player } = deps;
  const list = createJobList();
  const media = createClipMedia(list);
  const details = createDetails(list, (id, name) => watching.watch(id, name));
  const playback = createPlayback({ list, media, player, project, loadDetail: details.loadDetail });
  const watching = createWatching({
    list,
    status,
    project,
    player,
    loadDetail: details.loadDetail,
    describeLatest: playback.describeLatest,
  });
  const projectJob = createProjectJob({ list, media, details, project, status, watch: watching.watch });

  const store = {
    state: list.state,
    starting: watching.starting,
    startRender: watching.startRender,
    watch: watching.watch,
    loadJobs: watching.loadJobs,
    ...createSteering(list),
    play: playback.play,
    loadThumbnail: media.loadThumbnail,
    previewClip: playback.previewClip,
    previewVersion: playback.previewVersion,
    // Added for the player, the queue and the storyboard:
    playVersion: playback.playVersion,
    playSceneClip: playback.playSceneClip,
    scenesOf: playback.scenesOf,
    loadDetail: details.loadDetail,
    projectJob: projectJob.projectJob,
    sceneStates: projectJob.sceneStates,
    regenerateScene: projectJob.regenerateScene,
    pickSceneTake: projectJob.pickSceneTake,
    toggleDetails: details.toggleDetails,
    canStitch: details.canStitch,
    pickTake: details.pickTake,
    stitchPicked: details.stitchPicked,
    regenerate: details.regenerate,
  };
  activeJobs = store;
  onCleanup(() => {
    if (activeJobs === store) activeJobs = null;
  });
  return store;
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
