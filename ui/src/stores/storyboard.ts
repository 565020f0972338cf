// The storyboard's view state, one store read and written by parts by concern (in
// `storyboard/`): the window prefs it shows (editor width, last view: `prefs.ts`), the selected
// scenes (the first opens the scene editor: `selection.ts`), the latest job of the project and
// each scene's status in it with the clock for "generating 0:42" (`latestJob.ts`,
// `sceneStatus.ts`), and the welcome screen (here).
import { createStore } from "solid-js/store";
import { commands } from "../bindings";
import type { JobsStore } from "./jobs";
import type { ProjectStore } from "./project";
import { initialState, type StoryboardState } from "./storyboard/board";
import { createLatestJob } from "./storyboard/latestJob";
import { createSceneStatus } from "./storyboard/sceneStatus";
import { createBoardPrefs } from "./storyboard/prefs";
import { createSelection } from "./storyboard/selection";

export { EDITOR_MAX, EDITOR_MIN, STORY_MAX, STORY_MIN } from "./storyboard/prefs";
export type { StoryboardState } from "./storyboard/board";

export function createStoryboardStore(deps: { project: ProjectStore; jobs: JobsStore }) {
  const { project, jobs } = deps;
  const [state, setState] = createStore<StoryboardState>(initialState());
  const board = { state, setState };
  const order = () => project.state.project.scenarios.map((s) => s.id);
  const prefs = createBoardPrefs(board);
  const selection = createSelection(board, { order, savePrefs: prefs.savePrefs });
  const latestJob = createLatestJob(board, { project, jobs, order });
  const latest = createSceneStatus(board, { project, jobs, latestJob });

  async function loadRecent() {
    try {
      setState("recent", (await commands.recentProjects()) ?? []);
    } catch {
      setState("recent", []);
    }
  }

  /** A new, untouched, never-saved project greets with the welcome screen. */
  const showWelcome = () => !state.welcomeDismissed && project.state.path === null && !project.state.dirty && !project.canUndo();

  return {
    state,
    now: latest.now,
    ...prefs,
    restoreView: selection.restoreView,
    charactersShown: selection.charactersShown,
    loadRecent,
    showWelcome,
    dismissWelcome: () => setState("welcomeDismissed", true),
    select: selection.select,
    selectAll: selection.selectAll,
    setSelection: selection.setSelection,
    closeEditor: selection.closeEditor,
    latestJob,
    jobRunning: latest.jobRunning,
    statusOf: latest.statusOf,
    segmentOf: latest.segmentOf,
    isStale: latest.isStale,
    rerender: latest.rerender,
  };
}

export type StoryboardStore = ReturnType<typeof createStoryboardStore>;
