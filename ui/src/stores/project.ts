// The open project: its editing, checking (Rust), autosave, cost estimate and file commands.
import { batch, createMemo, createSignal, onCleanup } from "solid-js";
import { createStore, reconcile, unwrap } from "solid-js/store";
import {
  commands,
  type AspectRatio,
  type Character_Serialize as Character,
  type CharacterView_Serialize as CharacterView,
  type FieldProblem,
  type Project_Serialize as Project,
  type Quality,
  type SaveOptions,
  type Scenario_Serialize as Scenario,
} from "../bindings";
import * as castEdit from "../cast";
import * as editor from "../editor";
import { errorText, estimateText, projectSpentText, renderBlockReason, wallTimeText } from "../format";
import * as history from "../history";
import * as scenes from "../scenes";
import { unwrap as unwrapResult } from "../ipc";
import { ask } from "@tauri-apps/plugin-dialog";
import type { StatusStore } from "./status";

export interface ProjectState {
  project: Project;
  /** The file it autosaves to; null until saved or opened. */
  path: string | null;
  /** What Rust's check found (marks fields, blocks Render). */
  problems: FieldProblem[];
  /** The studio (embedded server and worker) is up. */
  ready: boolean;
  estimate: string;
  /** The expected render time ("about 3 min"), empty when unknown. */
  wallTime: string;
  /** Edited since it was loaded or saved. */
  dirty: boolean;
  /** Fields the creator has edited (their problems show); all show after a Render attempt. */
  touched: string[];
  attempted: boolean;
  /** The estimate in US$ (`data-cost`), once known. */
  cost?: number;
  spent: string;
  spentUsd?: number;
  /** Reference image path → thumbnail URL, or null when it cannot be read. */
  thumbnails: Record<string, string | null>;
  /**
   * A save found the file changed by another program since it was read (Rust's
   * `ErrorCode::Conflict`): nothing was written, autosave waits until it is resolved, and the
   * window asks (Reload, Overwrite, Save as…) while `asking`. Null when nothing is pending.
   */
  conflict: { path: string; message: string; asking: boolean } | null;
  /**
   * Why the last write of the project's own file failed (a newer studio's file, a full disk…),
   * null after one succeeds: its edits are not on disk, and leaving the project asks.
   */
  saveError: string | null;
}

/** How long after the last edit a saved project is written. */
export const AUTOSAVE_MS = 800;

/** The project's own file written again, checked against what was read (Rust's `SaveOptions`). */
const IN_PLACE: SaveOptions = { kind: "inPlace", overwrite: false };

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
    ready: false,
    estimate: "estimating…",
    wallTime: "",
    dirty: false,
    touched: [],
    attempted: false,
    spent: "",
    thumbnails: {},
    conflict: null,
    saveError: null,
  });
  let checkTimer: number | undefined;
  let autosaveTimer: number | undefined;
  /** The save under way, if any: leaving the project waits for it (its outcome is this one's). */
  let saving: Promise<boolean> | undefined;
  /** Every scene id the project has had since it was loaded: a new scene gets none of them. */
  const usedIds = new Set<string>();
  const thumbnailsAsked = new Set<string>();
  const [hist, setHist] = createSignal(history.emptyHistory<Project>());
  onCleanup(() => {
    window.clearTimeout(checkTimer);
    window.clearTimeout(autosaveTimer);
  });

  /** The project as plain data, for Rust and the pure editing functions. */
  const current = (): Project => unwrap(state.project);

  /**
   * After an edit, or once a project is shown: check soon; and autosave a saved project, but
   * only when it was edited. Opening a project never writes it: the file is the creator's, and
   * a rewrite nobody asked for would change it behind their back (and another program's copy).
   */
  function changed() {
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(() => void check(), 150);
    const path = state.path;
    if (path && state.dirty && !state.conflict) {
      window.clearTimeout(autosaveTimer);
      autosaveTimer = window.setTimeout(() => {
        // Still the same, still edited project (another one may have been opened since).
        if (state.path === path && state.dirty && !state.conflict) void saveTo(path);
      }, AUTOSAVE_MS);
    }
  }

  /**
   * Writes a pending autosave now (before another project replaces this one), after the save
   * under way if any. False when that write failed: the edits are not on disk.
   */
  async function flushAutosave(): Promise<boolean> {
    const underWay = saving ? await saving : true;
    const pending = autosaveTimer !== undefined;
    window.clearTimeout(autosaveTimer);
    autosaveTimer = undefined;
    const path = state.path;
    if (pending && path && state.dirty && !state.conflict) return saveTo(path);
    return underWay;
  }

  /** A copy that later edits of the store do not change (for the undo history). */
  const snapshot = (): Project => structuredClone(current());

  /**
   * Every edit: the state before it goes to the undo history (edits of the same `key` in a
   * burst make one step), then the edited copy replaces the project (cards keep their DOM by
   * scenario id). `field` marks a field as touched (its problems show from now on).
   */
  function edit(next: Project, key: string | null = null, field?: string) {
    setHist((h) => history.record(h, snapshot(), key, Date.now()));
    for (const s of next.scenarios) usedIds.add(s.id);
    batch(() => {
      setState("project", reconcile(next));
      setState("dirty", true);
      if (field && !state.touched.includes(field)) setState("touched", (t) => [...t, field]);
    });
    changed();
  }

  /** An edit made from the current project by a pure function. */
  const editWith = (f: (p: Project) => Project, key: string | null = null, field?: string) => edit(f(snapshot()), key, field);

  /** Moves through the history (`history.undo` or `history.redo`) and shows where it lands. */
  function travel(step: typeof history.undo) {
    const r = step(hist(), snapshot());
    if (!r) return;
    setHist(r[1]);
    batch(() => {
      setState("project", reconcile(r[0]));
      setState("dirty", true);
    });
    changed();
  }

  const undo = () => travel(history.undo);
  const redo = () => travel(history.redo);

  const canUndo = () => history.canUndo(hist());
  const canRedo = () => history.canRedo(hist());

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
    setState({ estimate: estimateText(r.data, current().budget), cost: r.data.cost.usd ?? 0, wallTime: wallTimeText(r.data.wallSeconds) });
  }

  /** What every job of the open project has cost. */
  async function showProjectSpent() {
    const path = state.path;
    if (!state.ready || !path) return void setState("spent", "");
    const r = await commands.projectCost(path);
    if (r.status === "ok") setState({ spent: projectSpentText(r.data), spentUsd: r.data.usd ?? 0 });
  }

  const renderReason = createMemo(() => renderBlockReason(state.ready, state.problems));
  /** The problems shown: a field's once it was touched, all after a Render attempt. */
  const shownProblems = createMemo(() => scenes.visibleProblems(state.problems, new Set(state.touched), state.attempted));
  const messages = (field: string) => shownProblems().filter((p) => p.field === field).map((p) => p.message);
  const touch = (field: string) => {
    if (!state.touched.includes(field)) setState("touched", (t) => [...t, field]);
  };
  /** Render was pressed: every problem shows; true when it may start. */
  function attemptRender(): boolean {
    setState("attempted", true);
    return renderReason() === "";
  }

  // ---------- characters (index 0 is the lead) ----------

  const fieldOf = (index: number, name: string) => (index === 0 ? `character.${name}` : `cast[${index - 1}].${name}`);

  function setName(name: string, index = 0) {
    editWith((p) => castEdit.updateCharacter(p, index, { name }), `char${index}.name`, fieldOf(index, "name"));
  }

  function setBasePrompt(basePrompt: string, index = 0) {
    // An edited prompt is no longer the library character's: it is generated anew.
    editWith((p) => castEdit.updateCharacter(p, index, { basePrompt, libraryId: undefined }), `char${index}.prompt`, fieldOf(index, "basePrompt"));
  }

  function detachLibrary(index = 0) {
    editWith((p) => castEdit.updateCharacter(p, index, { libraryId: undefined }));
  }

  const fromLibrary = (c: CharacterView): Character => ({ name: c.name, basePrompt: c.basePrompt, referenceImages: [], libraryId: c.id });

  /** The lead becomes the library character (the Characters view's "Use in project"). */
  function useLibraryCharacter(c: CharacterView) {
    editWith((p) => castEdit.updateCharacter(p, 0, { ...fromLibrary(c), id: p.character.id }));
    status.set(`Using ${c.name} from the library`);
  }

  function addCharacter(c: Character) {
    if (castEdit.characters(current()).length >= castEdit.MAX_CHARACTERS)
      return status.set(`A project has at most ${castEdit.MAX_CHARACTERS} characters`, "warn");
    editWith((p) => castEdit.addCharacter(p, c));
  }

  const addLibraryCharacter = (c: CharacterView) => addCharacter(fromLibrary(c));
  const newCharacter = () => addCharacter({ name: "New character", basePrompt: "", referenceImages: [] });
  const removeCharacter = (index: number) => editWith((p) => castEdit.removeCharacter(p, index));

  function characterAt(index: number): Character | undefined {
    return castEdit.characters(state.project)[index];
  }

  function addReferences(paths: string[], index = 0) {
    const refs = characterAt(index)?.referenceImages ?? [];
    editWith((p) => castEdit.updateCharacter(p, index, { referenceImages: [...refs, ...paths] }));
  }

  async function chooseReferences(index = 0) {
    const picked = await status.choose("referenceImages");
    if (picked.length) addReferences(picked, index);
  }

  function removeReference(refIndex: number, index = 0) {
    const refs = characterAt(index)?.referenceImages ?? [];
    editWith((p) => castEdit.updateCharacter(p, index, { referenceImages: refs.filter((_, i) => i !== refIndex) }));
  }

  /** A reference as written in the project, resolved against the project file's folder. */
  const resolve = (ref: string) => scenes.resolveReference(state.path, ref);

  /** Asks Rust for a reference image's thumbnail once per (resolved) path. */
  async function loadThumbnail(ref: string) {
    const path = resolve(ref);
    if (thumbnailsAsked.has(path)) return;
    thumbnailsAsked.add(path);
    const r = await commands.thumbnail(path);
    setState("thumbnails", path, r.status === "ok" ? r.data : null);
  }

  /** A reference's thumbnail URL: undefined while asked, null when unreadable. */
  const thumbnailOf = (ref: string): string | null | undefined => state.thumbnails[resolve(ref)];

  const setQuality = (quality: Quality) => editWith((p) => ({ ...p, quality }));
  const setAspect = (aspectRatio: AspectRatio) => editWith((p) => ({ ...p, aspectRatio }));

  // ---------- scenarios ----------

  const indexOf = (id: string) => state.project.scenarios.findIndex((s) => s.id === id);

  function setScenario(id: string, change: Partial<Scenario>, key: string | null, name?: string) {
    const i = indexOf(id);
    if (i < 0) return;
    editWith(
      (p) => {
        const scenarios = [...p.scenarios];
        scenarios[i] = { ...scenarios[i], ...change };
        return { ...p, scenarios: scenes.fixContinuity(scenarios) };
      },
      key === null ? null : `${id}.${key}`,
      name ? `scenarios[${i}].${name}` : undefined,
    );
  }

  const setScenarioPrompt = (id: string, prompt: string) => setScenario(id, { prompt }, "prompt", "prompt");
  function setNegativePrompt(id: string, negativePrompt: string) {
    const i = indexOf(id);
    if (i < 0) return;
    editWith(
      (p) => {
        const scenarios = [...p.scenarios];
        const { negativePrompt: _n, ...rest } = scenarios[i];
        void _n;
        scenarios[i] = negativePrompt ? { ...rest, negativePrompt } : rest;
        return { ...p, scenarios };
      },
      `${id}.negative`,
      `scenarios[${i}].negativePrompt`,
    );
  }
  const setScenarioDuration = (id: string, durationSeconds: editor.Duration) =>
    setScenario(id, { durationSeconds }, null, "durationSeconds");
  function setContinue(id: string, on: boolean) {
    const i = indexOf(id);
    if (i <= 0) return;
    editWith((p) => {
      const scenarios = [...p.scenarios];
      const { continueFromPrevious: _c, ...rest } = scenarios[i];
      void _c;
      scenarios[i] = on ? { ...rest, continueFromPrevious: true } : rest;
      return { ...p, scenarios };
    });
  }
  function setSceneCast(id: string, characterId: string, on: boolean) {
    const i = indexOf(id);
    if (i >= 0) editWith((p) => castEdit.toggleSceneCast(p, i, characterId, on));
  }

  /** Adds an empty scene at the end; returns its id. */
  function addScenario(): string {
    const next = editor.addScenario(snapshot(), "", usedIds);
    edit(next);
    return next.scenarios[next.scenarios.length - 1].id;
  }
  /** Copies of the scenes, after the last of them; returns the copies' ids. */
  function duplicateScenes(ids: string[]): string[] {
    const [next, copies] = scenes.duplicateScenes(snapshot(), ids, usedIds);
    if (copies.length) edit(next);
    return copies;
  }
  const deleteScenes = (ids: string[]) => editWith((p) => scenes.deleteScenes(p, ids));
  const moveScenario = (from: number, to: number) =>
    editWith((p) => {
      const moved = editor.moveScenario(p, from, to);
      return moved === p ? p : { ...moved, scenarios: scenes.fixContinuity(moved.scenarios) };
    });
  const moveBy = (id: string, delta: number) => editWith((p) => scenes.moveBy(p, id, delta));

  // ---------- files ----------

  /** Shows a project as it is on disk (or a new one): no undo history, nothing touched. */
  function load(project: Project, path: string | null) {
    window.clearTimeout(autosaveTimer);
    autosaveTimer = undefined;
    usedIds.clear();
    for (const s of project.scenarios) usedIds.add(s.id);
    batch(() => {
      setState("project", reconcile(project));
      setState({ path, dirty: false, touched: [], attempted: false, conflict: null, saveError: null });
    });
    setHist(history.emptyHistory<Project>());
  }

  /**
   * Edits that would be lost: a never-saved project's, or a saved one's that its file does not
   * hold because a save was refused (another program changed the file, a newer studio's
   * format, an I/O error) and autosave is held back or failing.
   */
  const unsaved = () => state.dirty && (state.path === null || state.conflict !== null || state.saveError !== null);

  /** Asks before dropping unsaved edits; true to go on. */
  async function confirmDiscard(what: string): Promise<boolean> {
    if (!unsaved()) return true;
    const why =
      state.path === null
        ? "This project was never saved."
        : state.conflict
          ? "This project's changes are not saved: its file was changed by another program."
          : `This project's changes could not be saved (${state.saveError}).`;
    return ask(`${why} ${what} anyway and lose its changes?`, { title: "Unsaved changes", kind: "warning" });
  }

  /**
   * Before another project replaces this one, or the window closes: a pending autosave is
   * written first, and true means go on. A write refused because another program changed the
   * file stops here (the conflict dialog asks what to do); edits that are still not on disk
   * for another reason are asked about.
   */
  async function leave(what: string): Promise<boolean> {
    if (!(await flushAutosave()) && state.conflict?.asking) return false;
    return confirmDiscard(what);
  }

  async function newProject() {
    if (!(await leave("Start a new project"))) return;
    load(await commands.newProject(), null);
    changed();
  }

  /** A path from the recent list (the welcome screen): Rust grants it. */
  async function openRecent(path: string) {
    if (!(await leave("Open another project"))) return;
    const r = await commands.openRecent(path);
    if (r.status === "error") return status.set(`Cannot open ${path}: ${errorText(r.error)}`, "error");
    load(r.data, path);
    changed();
  }

  async function openExample() {
    if (!(await leave("Open the example"))) return;
    const r = await commands.openExample();
    if (r.status === "error") return status.set(`Cannot open the example: ${errorText(r.error)}`, "error");
    if (await openFile(r.data)) changed();
  }

  /**
   * Opens a project the backend granted (command line, a second start of the app, the recent
   * menu), once this one's edits are saved or the creator lets them go; true when opened.
   */
  async function openGranted(path: string): Promise<boolean> {
    if (!(await leave("Open another project"))) return false;
    return openFile(path);
  }

  /** Shows a granted project file in place of this one, whatever its edits. */
  async function openFile(path: string): Promise<boolean> {
    const r = await commands.openProject(path);
    if (r.status === "ok") {
      load(r.data, path);
      return true;
    }
    status.set(`Cannot open ${path}: ${errorText(r.error)}`, "error");
    return false;
  }

  async function open() {
    if (!(await leave("Open another project"))) return;
    const [path] = await status.choose("openProject");
    if (!path) return;
    try {
      load(unwrapResult(await commands.openProject(path)), path);
      changed();
    } catch (e) {
      status.set(`Cannot open ${path}: ${errorText(e)}`, "error");
    }
  }

  /**
   * Writes the project to `path` (Rust keeps the file's unknown fields and, in place, checks it
   * is still the one read); true when written. A Save As makes `path` the project's file.
   */
  function saveTo(path: string, how: SaveOptions = IN_PLACE): Promise<boolean> {
    const run = write(path, how);
    saving = run;
    void run.finally(() => {
      if (saving === run) saving = undefined;
    });
    return run;
  }

  async function write(path: string, how: SaveOptions): Promise<boolean> {
    window.clearTimeout(autosaveTimer);
    autosaveTimer = undefined;
    const saved = snapshot();
    const r = await commands.saveProject(path, saved, how);
    // Still this project's own file (another one may have been opened since).
    const own = how.kind === "inPlace" && state.path === path;
    if (r.status === "error") {
      batch(() => {
        if (own && r.error.code === "conflict") setState("conflict", { path, message: r.error.message, asking: true });
        if (own) setState("saveError", r.error.message);
      });
      status.set(`Not saved: ${errorText(r.error)}`, "error");
      return false;
    }
    batch(() => {
      // Save As: the window's project is now that file (and no longer in conflict).
      if (how.kind === "saveAs") setState({ path, conflict: null });
      if (state.path === path) setState({ conflict: null, saveError: null });
      // Edits made while it was written are still to save.
      if (state.path === path && JSON.stringify(current()) === JSON.stringify(saved)) setState("dirty", false);
    });
    status.set(`Saved ${path}`);
    return true;
  }

  async function saveAs() {
    const [path] = await status.choose("saveProject", "project.studio.json");
    if (!path) return;
    if (!(await saveTo(path, { kind: "saveAs", from: state.path }))) return;
    // Relative references now resolve against the new folder.
    void showProjectSpent();
  }

  function save() {
    const path = state.path;
    void (path ? saveTo(path) : saveAs());
  }

  // ---------- a file changed by another program ----------

  /** The conflict dialog's choice: the file as it is on disk now (this window's edits dropped). */
  async function reloadFromDisk() {
    const c = state.conflict;
    if (!c) return;
    if (await openFile(c.path)) {
      changed();
      status.set(`Reloaded ${c.path}`);
    }
  }

  /** The conflict dialog's choice: this window's project replaces the file. */
  async function overwriteFile() {
    const c = state.conflict;
    if (c) await saveTo(c.path, { kind: "inPlace", overwrite: true });
  }

  /** The conflict dialog's choice: this window's project goes to another file. */
  async function saveConflictAs() {
    if (state.conflict) await saveAs();
  }

  /** Closes the dialog without choosing: the edits stay unsaved (autosave waits) until Save. */
  function dismissConflict() {
    if (state.conflict) setState("conflict", "asking", false);
    status.set("Not saved: the file was changed by another program. Save (Ctrl+S) to choose again.", "warn");
  }

  return {
    state,
    current,
    changed,
    renderReason,
    shownProblems,
    messages,
    touch,
    attemptRender,
    showEstimate,
    showProjectSpent,
    setReady: (ready: boolean) => setState("ready", ready),
    undo,
    redo,
    canUndo,
    canRedo,
    unsaved,
    confirmDiscard,
    leave,
    setName,
    setBasePrompt,
    detachLibrary,
    useLibraryCharacter,
    addLibraryCharacter,
    newCharacter,
    removeCharacter,
    addReferences,
    chooseReferences,
    removeReference,
    loadThumbnail,
    thumbnailOf,
    resolve,
    setQuality,
    setAspect,
    setScenarioPrompt,
    setNegativePrompt,
    setScenarioDuration,
    setContinue,
    setSceneCast,
    addScenario,
    duplicateScenes,
    deleteScenes,
    moveScenario,
    moveBy,
    load,
    newProject,
    openGranted,
    openRecent,
    openExample,
    open,
    save,
    saveAs,
    reloadFromDisk,
    overwriteFile,
    saveConflictAs,
    dismissConflict,
  };
}

export type ProjectStore = ReturnType<typeof createProjectStore>;
