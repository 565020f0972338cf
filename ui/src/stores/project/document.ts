// The project being edited: its content, the undo history, and whether it changed since it was
// loaded or saved. Every edit goes through `edit`, which records the state before it.
import { batch, createSignal } from "solid-js";
import { createStore, reconcile, unwrap } from "solid-js/store";
import type { Project } from "../../bindings";
import * as history from "../../history";

export interface DocumentState {
  project: Project;
  /** Edited since it was loaded or saved. */
  dirty: boolean;
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

/** `onEdit` runs after every edit, undo and redo, with the field an edit touched (if any). */
export function createDocument(onEdit: (field?: string) => void) {
  const [state, setState] = createStore<DocumentState>({ project: emptyProject(), dirty: false });
  const [hist, setHist] = createSignal(history.emptyHistory<Project>());
  /** Every scene id the project has had since it was loaded: a new scene gets none of them. */
  const usedIds = new Set<string>();

  /** The project as plain data, for Rust and the pure editing functions. */
  const current = (): Project => unwrap(state.project);
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
    show(next);
    onEdit(field);
  }

  /** An edit made from the current project by a pure function. */
  const editWith = (f: (p: Project) => Project, key: string | null = null, field?: string) => edit(f(snapshot()), key, field);

  function show(project: Project) {
    batch(() => {
      setState("project", reconcile(project));
      setState("dirty", true);
    });
  }

  /** Moves through the history (`history.undo` or `history.redo`) and shows where it lands. */
  function travel(step: typeof history.undo) {
    const r = step(hist(), snapshot());
    if (!r) return;
    setHist(r[1]);
    show(r[0]);
    onEdit();
  }

  /** Shows a project as it is on disk (or a new one): no undo history, not edited. */
  function load(project: Project) {
    usedIds.clear();
    for (const s of project.scenarios) usedIds.add(s.id);
    batch(() => {
      setState("project", reconcile(project));
      setState("dirty", false);
    });
    setHist(history.emptyHistory<Project>());
  }

  /** `saved` was written: no longer edited, unless it was edited while it was written. */
  function saved(saved: Project) {
    if (JSON.stringify(current()) === JSON.stringify(saved)) setState("dirty", false);
  }

  return {
    state,
    current,
    snapshot,
    edit,
    editWith,
    usedIds,
    undo: () => travel(history.undo),
    redo: () => travel(history.redo),
    canUndo: () => history.canUndo(hist()),
    canRedo: () => history.canRedo(hist()),
    load,
    saved,
  };
}

export type DocumentStore = ReturnType<typeof createDocument>;
