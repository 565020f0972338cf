// The open project: its editing, checking (Rust), autosave, cost estimate and file commands.
import { batch, createMemo, onCleanup } from "solid-js";
import { createStore, reconcile, unwrap } from "solid-js/store";
import {
  commands,
  type AspectRatio,
  type CharacterView_Serialize as CharacterView,
  type FieldProblem,
  type Project_Serialize as Project,
  type Quality,
} from "../bindings";
import * as editor from "../editor";
import { errorText, estimateText, projectSpentText, renderBlockReason } from "../format";
import { unwrap as unwrapResult } from "../ipc";
import type { StatusStore } from "./status";

export interface ProjectState {
  project: Project;
  /** The file it autosaves to; null until saved or opened. */
  path: string | null;
  /** What Rust's check found (marks fields, blocks Render). */
  problems: FieldProblem[];
  lastDeleted: editor.Deleted | null;
  /** The studio (embedded server and worker) is up. */
  ready: boolean;
  estimate: string;
  /** The estimate in US$ (`data-cost`), once known. */
  cost?: number;
  spent: string;
  spentUsd?: number;
  /** Reference image path → thumbnail URL, or null when it cannot be read. */
  thumbnails: Record<string, string | null>;
}

/** Shown until Rust's `newProject` answers (a few milliseconds after start). */
function emptyProject(): Project {
  return {
    version: 1,
    character: { name: "", basePrompt: "", referenceImages: [] },
    scenarios: [],
    quality: "standard",
    aspectRatio: "16:9",
  };
}

export function createProjectStore(status: StatusStore) {
  const [state, setState] = createStore<ProjectState>({
    project: emptyProject(),
    path: null,
    problems: [],
    lastDeleted: null,
    ready: false,
    estimate: "estimating…",
    spent: "",
    thumbnails: {},
  });
  let checkTimer: number | undefined;
  let autosaveTimer: number | undefined;
  const thumbnailsAsked = new Set<string>();
  onCleanup(() => {
    window.clearTimeout(checkTimer);
    window.clearTimeout(autosaveTimer);
  });

  /** The project as plain data, for Rust and the pure editing functions. */
  const current = (): Project => unwrap(state.project);

  /** After every edit: check soon, and autosave a saved project. */
  function changed() {
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(() => void check(), 150);
    const path = state.path;
    if (path) {
      window.clearTimeout(autosaveTimer);
      autosaveTimer = window.setTimeout(() => void saveTo(path), 800);
    }
  }

  /** Replaces the project with an edited copy (cards keep their DOM by scenario id). */
  function edit(next: Project) {
    setState("project", reconcile(next));
    changed();
  }

  async function check() {
    const r = await commands.checkProject(state.path, current());
    setState("problems", r.status === "ok" ? r.data : []);
    void showEstimate();
  }

  /** The price of a render, from the configured models and the price table (Rust side). */
  async function showEstimate() {
    if (!state.ready) return;
    const r = await commands.estimateCost(current());
    if (r.status !== "ok") return;
    setState({ estimate: estimateText(r.data), cost: r.data.cost.usd ?? 0 });
  }

  /** What every job of the open project has cost. */
  async function showProjectSpent() {
    const path = state.path;
    if (!state.ready || !path) return void setState("spent", "");
    const r = await commands.projectCost(path);
    if (r.status === "ok") setState({ spent: projectSpentText(r.data), spentUsd: r.data.usd ?? 0 });
  }

  const renderReason = createMemo(() => renderBlockReason(state.ready, state.problems));
  const messages = (field: string) => state.problems.filter((p) => p.field === field).map((p) => p.message);

  // ---------- character ----------

  function setName(name: string) {
    setState("project", "character", "name", name);
    changed();
  }

  function setBasePrompt(basePrompt: string) {
    // An edited prompt is no longer the library character's: it is generated anew.
    setState("project", "character", { basePrompt, libraryId: undefined });
    changed();
  }

  function detachLibrary() {
    setState("project", "character", "libraryId", undefined);
    changed();
  }

  function useLibraryCharacter(c: CharacterView) {
    setState("project", "character", reconcile({ name: c.name, basePrompt: c.basePrompt, referenceImages: [], libraryId: c.id }));
    changed();
    status.set(`Using ${c.name} from the library`);
  }

  function addReferences(paths: string[]) {
    setState("project", "character", "referenceImages", (refs) => [...refs, ...paths]);
    changed();
  }

  async function chooseReferences() {
    const picked = await status.choose("referenceImages");
    if (picked.length) addReferences(picked);
  }

  function removeReference(index: number) {
    setState("project", "character", "referenceImages", (refs) => refs.filter((_, i) => i !== index));
    changed();
  }

  /** Asks Rust for a reference image's thumbnail once per path. */
  async function loadThumbnail(path: string) {
    if (thumbnailsAsked.has(path)) return;
    thumbnailsAsked.add(path);
    const r = await commands.thumbnail(path);
    setState("thumbnails", path, r.status === "ok" ? r.data : null);
  }

  function setQuality(quality: Quality) {
    setState("project", "quality", quality);
    changed();
  }

  function setAspect(aspectRatio: AspectRatio) {
    setState("project", "aspectRatio", aspectRatio);
    changed();
  }

  // ---------- scenarios ----------

  function setScenarioPrompt(index: number, prompt: string) {
    setState("project", "scenarios", index, "prompt", prompt);
    changed();
  }

  function setScenarioDuration(index: number, durationSeconds: editor.Duration) {
    setState("project", "scenarios", index, "durationSeconds", durationSeconds);
    changed();
  }

  const addScenario = () => edit(editor.addScenario(current()));
  const duplicateScenario = (index: number) => edit(editor.duplicateScenario(current(), index));
  const moveScenario = (from: number, to: number) => edit(editor.moveScenario(current(), from, to));

  function deleteScenario(index: number) {
    const [next, deleted] = editor.deleteScenario(current(), index);
    setState("lastDeleted", deleted);
    edit(next);
  }

  function undoDelete() {
    const deleted = state.lastDeleted;
    if (!deleted) return;
    setState("lastDeleted", null);
    edit(editor.undoDelete(current(), deleted));
  }

  // ---------- files ----------

  function load(project: Project, path: string | null) {
    batch(() => {
      setState("project", reconcile(project));
      setState("path", path);
    });
  }

  async function newProject() {
    load(await commands.newProject(), null);
    setState("lastDeleted", null);
    changed();
  }

  /** Opens a project the backend granted (command line, or a second start of the app). */
  async function openGranted(path: string): Promise<boolean> {
    const r = await commands.openProject(path);
    if (r.status === "ok") {
      load(r.data, path);
      return true;
    }
    status.set(`Cannot open ${path}: ${r.error.message}`, "error");
    return false;
  }

  async function open() {
    const [path] = await status.choose("openProject");
    if (!path) return;
    try {
      load(unwrapResult(await commands.openProject(path)), path);
      changed();
    } catch (e) {
      status.set(`Cannot open ${path}: ${errorText(e)}`, "error");
    }
  }

  async function saveTo(path: string) {
    const r = await commands.saveProject(path, current());
    if (r.status === "error") status.set(`Not saved: ${r.error.message}`, "error");
    else status.set(`Saved ${path}`);
  }

  async function saveAs() {
    const [path] = await status.choose("saveProject", "project.studio.json");
    if (!path) return;
    setState("path", path);
    await saveTo(path);
  }

  function save() {
    const path = state.path;
    void (path ? saveTo(path) : saveAs());
  }

  return {
    state,
    current,
    changed,
    renderReason,
    messages,
    showEstimate,
    showProjectSpent,
    setReady: (ready: boolean) => setState("ready", ready),
    setName,
    setBasePrompt,
    detachLibrary,
    useLibraryCharacter,
    addReferences,
    chooseReferences,
    removeReference,
    loadThumbnail,
    setQuality,
    setAspect,
    setScenarioPrompt,
    setScenarioDuration,
    addScenario,
    duplicateScenario,
    moveScenario,
    deleteScenario,
    undoDelete,
    load,
    newProject,
    openGranted,
    open,
    save,
    saveAs,
  };
}

export type ProjectStore = ReturnType<typeof createProjectStore>;
