// The storyboard's one store of view state, read and written by each of its parts.
import type { SetStoreFunction } from "solid-js/store";
import type { JobDetail, WindowPrefs } from "../../bindings";

export interface StoryboardState {
  selected: string[];
  /** Where a Shift+click range starts. */
  anchor: string | null;
  /** The scene the side panel edits (null: the panel is closed). */
  editing: string | null;
  prefs: WindowPrefs;
  /** The creator left the welcome screen (New, or an edit). */
  welcomeDismissed: boolean;
  recent: string[];
  /** The latest job's details (takes, firstFrameFrom), fetched from Rust. */
  detail: JobDetail | null;
  /** Scenario id → when it was first seen generating (ms). */
  since: Record<string, number | undefined>;
  /** Job id → the project file it rendered (from `listJobs`; the jobs store keeps no path). */
  jobPaths: Record<string, string | null>;
}

export const initialState = (): StoryboardState => ({
  selected: [],
  anchor: null,
  editing: null,
  prefs: { editorWidth: 380, playerHeight: 360, lastView: "storyboard", lastScene: null, volume: null, muted: false, storyOpen: true, storyWidth: 360, panels: {} },
  welcomeDismissed: false,
  recent: [],
  detail: null,
  since: {},
  jobPaths: {},
});

export interface Board {
  state: StoryboardState;
  setState: SetStoreFunction<StoryboardState>;
}
