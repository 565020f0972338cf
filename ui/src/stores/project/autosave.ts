// Autosave: a saved project is written a moment after its last edit, and before it is left.
import { onCleanup } from "solid-js";
import type { DocumentStore } from "./document";
import type { ProjectFile } from "./file";

/** How long after the last edit a saved project is written. */
export const AUTOSAVE_MS = 800;

export function createAutosave(doc: DocumentStore, file: ProjectFile) {
  let timer: number | undefined;
  onCleanup(() => window.clearTimeout(timer));

  /** Whether the project's own file may be written now: it has one, it was edited, no conflict waits. */
  const due = (path: string | null): path is string => path !== null && doc.state.dirty && !file.state.conflict;

  function stop() {
    window.clearTimeout(timer);
    timer = undefined;
  }

  return {
    stop,
    /**
     * After a change: a saved project is written soon, but only when it was edited. Opening a
     * project never writes it: the file is the creator's, and a rewrite nobody asked for would
     * change it behind their back (and another program's copy).
     */
    schedule() {
      const path = file.state.path;
      if (!due(path)) return;
      window.clearTimeout(timer);
      // Still the same, still edited project (another one may have been opened since).
      timer = window.setTimeout(() => void (file.state.path === path && due(path) && file.saveTo(path)), AUTOSAVE_MS);
    },
    /**
     * Writes a pending autosave now (before another project replaces this one), after the save
     * under way if any. False when that write failed: the edits are not on disk.
     */
    async flush(): Promise<boolean> {
      const underWay = await file.underWay();
      const pending = timer !== undefined;
      stop();
      const path = file.state.path;
      if (pending && due(path)) return file.saveTo(path);
      return underWay;
    },
  };
}

export type Autosave = ReturnType<typeof createAutosave>;
