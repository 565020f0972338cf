// The storyboard's view state: the selected scenes (the first opens the scene editor), the
// latest job of the project (read from the jobs store; its takes from `jobDetail`), the clock
// for "generating 0:42", the window prefs (editor width, last view), and the welcome screen.
import { createEffect, createMemo, createSignal, on, onCleanup } from "solid-js";
import { createStore } from "solid-js/store";
import { commands, type JobDetail, type SegmentState as Segment, type WindowPrefs } from "../bindings";
import * as scenes from "../scenes";
import type { Job, JobsStore } from "./jobs";
import { savePrefChanges } from "./prefs";
import type { ProjectStore } from "./project";

export const EDITOR_MIN = 280;
export const EDITOR_MAX = 720;

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

export function createStoryboardStore(deps: { project: ProjectStore; jobs: JobsStore }) {
  const { project, jobs } = deps;
  const [state, setState] = createStore<StoryboardState>({
    selected: [],
    anchor: null,
    editing: null,
    prefs: { editorWidth: 380, playerHeight: 360, lastView: "storyboard", lastScene: null, volume: null, muted: false },
    welcomeDismissed: false,
    recent: [],
    detail: null,
    since: {},
    jobPaths: {},
  });
  const [now, setNow] = createSignal(Date.now());
  const clock = window.setInterval(() => setNow(Date.now()), 1000);
  let prefsTimer: number | undefined;
  let detailTimer: number | undefined;
  onCleanup(() => {
    window.clearInterval(clock);
    window.clearTimeout(prefsTimer);
    window.clearTimeout(detailTimer);
  });

  // ---------- prefs ----------

  async function loadPrefs() {
    try {
      const p = await commands.windowPrefs();
      if (p) setState("prefs", { ...p, editorWidth: clampWidth(p.editorWidth) });
    } catch {
      // No prefs yet (or no store): the defaults stand.
    }
  }

  const clampWidth = (w: number) => Math.round(Math.min(EDITOR_MAX, Math.max(EDITOR_MIN, Number.isFinite(w) && w > 0 ? w : 380)));

  /** Fields changed and not yet sent (a burst of changes is sent once). */
  let unsentPrefs: Partial<WindowPrefs> = {};

  /** Shows a change at once and saves only its fields a moment later (see `prefs.ts`). */
  function savePrefs(change: Partial<WindowPrefs>) {
    setState("prefs", change);
    unsentPrefs = { ...unsentPrefs, ...change };
    window.clearTimeout(prefsTimer);
    prefsTimer = window.setTimeout(() => {
      const sent = unsentPrefs;
      unsentPrefs = {};
      void savePrefChanges(sent);
    }, 400);
  }

  const setEditorWidth = (w: number) => savePrefs({ editorWidth: clampWidth(w) });

  // ---------- welcome ----------

  async function loadRecent() {
    try {
      setState("recent", (await commands.recentProjects()) ?? []);
    } catch {
      setState("recent", []);
    }
  }

  /** A new, untouched, never-saved project greets with the welcome screen. */
  const showWelcome = () => !state.welcomeDismissed && project.state.path === null && !project.state.dirty && !project.canUndo();

  // ---------- selection ----------

  const order = () => project.state.project.scenarios.map((s) => s.id);

  function select(id: string, mods: { ctrl: boolean; shift: boolean } = { ctrl: false, shift: false }) {
    const selected = scenes.clickSelect(order(), state.selected, state.anchor, id, mods);
    setState({ selected, anchor: mods.shift ? state.anchor : id, editing: selected.includes(id) ? id : (selected[0] ?? null) });
  }

  function selectAll() {
    setState({ selected: order(), anchor: order()[0] ?? null });
  }

  function setSelection(ids: string[]) {
    setState({ selected: ids, anchor: ids[0] ?? null, editing: ids[0] ?? null });
  }

  function closeEditor() {
    setState("editing", null);
  }

  // The last view follows the editor; the next start reopens it (`restoreView`).
  createEffect(
    on(
      () => state.editing,
      (id) => {
        if (state.prefs.lastView !== "characters") savePrefs(id ? { lastView: "scene", lastScene: id } : { lastView: "storyboard" });
      },
      { defer: true },
    ),
  );

  /** Reopens the scene editor of the last session: on the same scene when this project has it. */
  function restoreView() {
    if (state.prefs.lastView !== "scene") return;
    const ids = order();
    const last = state.prefs.lastScene;
    const id = last && ids.includes(last) ? last : ids[0];
    if (id) setSelection([id]);
  }

  /** The Characters view opened or closed: it is the last view while open. */
  function charactersShown(open: boolean) {
    savePrefs({ lastView: open ? "characters" : state.editing ? "scene" : "storyboard" });
  }

  // Scenes that are gone (deleted, undone, another project) leave the selection.
  createEffect(() => {
    const ids = new Set(order());
    if (state.selected.some((id) => !ids.has(id))) setState("selected", (s) => s.filter((id) => ids.has(id)));
    if (state.editing && !ids.has(state.editing)) setState("editing", null);
  });

  // ---------- the latest job ----------

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

  async function loadDetail(id: string) {
    const r = await commands.jobDetail(id);
    if (r.status === "ok") setState("detail", r.data);
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

  return {
    state,
    now,
    loadPrefs,
    savePrefs,
    setEditorWidth,
    restoreView,
    charactersShown,
    loadRecent,
    showWelcome,
    dismissWelcome: () => setState("welcomeDismissed", true),
    select,
    selectAll,
    setSelection,
    closeEditor,
    latestJob,
    jobRunning,
    statusOf,
    segmentOf,
    isStale,
    rerender,
  };
}

export type StoryboardStore = ReturnType<typeof createStoryboardStore>;
