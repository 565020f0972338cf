// The project's file: where it is, Save and Save As, and a file another program changed since
// it was read (Rust's `ErrorCode::Conflict`): nothing is written, autosave waits, and the window
// asks (Reload, Overwrite, Save as…).
import { batch } from "solid-js";
import { createStore } from "solid-js/store";
import { commands, type SaveOptions } from "../../bindings";
import { errorText } from "../../format";
import type { StatusStore } from "../status";
import type { DocumentStore } from "./document";

export interface FileState {
  /** The file it autosaves to; null until saved or opened. */
  path: string | null;
  /**
   * A save found the file changed by another program since it was read: nothing was written,
   * autosave waits until it is resolved, and the window asks while `asking`. Null when nothing
   * is pending.
   */
  conflict: { path: string; message: string; asking: boolean } | null;
  /**
   * Why the last write of the project's own file failed (a newer studio's file, a full disk…),
   * null after one succeeds: its edits are not on disk, and leaving the project asks.
   */
  saveError: string | null;
}

/** The project's own file written again, checked against what was read (Rust's `SaveOptions`). */
const IN_PLACE: SaveOptions = { kind: "inPlace", overwrite: false };

interface Hooks {
  /** The project has a new file (its folder resolves its references). */
  savedAs: () => void;
  /** A write starts: a pending autosave is now moot. */
  writing: () => void;
}

export function createProjectFile(doc: DocumentStore, status: StatusStore, hooks: Hooks) {
  const [state, setState] = createStore<FileState>({ path: null, conflict: null, saveError: null });
  /** The save under way, if any: leaving the project waits for it (its outcome is this one's). */
  let saving: Promise<boolean> | undefined;

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
    hooks.writing();
    const saved = doc.snapshot();
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
      if (state.path === path) doc.saved(saved);
    });
    status.set(`Saved ${path}`);
    return true;
  }

  async function saveAs() {
    const [path] = await status.choose("saveProject", "project.studio.json");
    if (path && (await saveTo(path, { kind: "saveAs", from: state.path }))) hooks.savedAs();
  }

  return {
    state,
    /** The outcome of the save under way (true when none is). */
    underWay: async () => (saving ? saving : true),
    saveTo,
    saveAs,
    save: () => void (state.path ? saveTo(state.path) : saveAs()),
    /** Another project (or a new one) is shown, from `path`: nothing refused. */
    reset: (path: string | null) => setState({ path, conflict: null, saveError: null }),
    /** The conflict dialog closed without a choice: it asks again at the next Save. */
    stopAsking: () => setState("conflict", "asking", false),
  };
}

export type ProjectFile = ReturnType<typeof createProjectFile>;

/** The conflict dialog's choices besides Reload (`opening.ts`). */
export function createConflictChoices(file: ProjectFile, status: StatusStore) {
  return {
    /** This window's project replaces the file. */
    async overwriteFile() {
      const c = file.state.conflict;
      if (c) await file.saveTo(c.path, { kind: "inPlace", overwrite: true });
    },
    /** This window's project goes to another file. */
    async saveConflictAs() {
      if (file.state.conflict) await file.saveAs();
    },
    /** Closes the dialog without choosing: the edits stay unsaved (autosave waits) until Save. */
    dismissConflict() {
      if (file.state.conflict) file.stopAsking();
      status.set("Not saved: the file was changed by another program. Save (Ctrl+S) to choose again.", "warn");
    },
  };
}
