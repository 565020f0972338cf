// The open project, one store made of stores by concern (in `project/`): the document and its
// undo history (`document.ts`), what Rust says of it (problems, estimate, cost: `checks.ts`),
// editing its characters and scenes (`castEdits.ts`, `sceneEdits.ts`), its sound (voices,
// narration, music, the mix: `soundEdits.ts`), reference images and
// their thumbnails (`references.ts`), its file (Save, conflicts: `file.ts`; `autosave.ts`),
// and leaving it for another (`opening.ts`). Components see one `state` and one set of actions.
import { batch, createSignal, mergeProps } from "solid-js";
import { commands, type Project } from "../bindings";
import { createAutosave } from "./project/autosave";
import { createCastEdits } from "./project/castEdits";
import { createChecks } from "./project/checks";
import { createCutEdits } from "./project/cutEdits";
import { createDocument } from "./project/document";
import { createConflictChoices, createProjectFile } from "./project/file";
import { createLeaving, createOpening } from "./project/opening";
import { createReferences } from "./project/references";
import { createSceneEdits } from "./project/sceneEdits";
import { createElementEdits, createShotEdits } from "./project/shotEdits";
import { createSoundEdits } from "./project/soundEdits";
import type { StatusStore } from "./status";

export { AUTOSAVE_MS } from "./project/autosave";

export function createProjectStore(status: StatusStore) {
  const path = () => file.state.path;
  const checks = createChecks({ current: () => doc.current(), path });
  const doc = createDocument((field) => {
    if (field) checks.touch(field);
    changed();
  });
  const file = createProjectFile(doc, status, {
    savedAs: () => void checks.showProjectSpent(),
    writing: () => autosave.stop(),
  });
  const autosave = createAutosave(doc, file);
  const references = createReferences(doc, path, status);

  /** Counts the project's changes (edits, undo, another project shown): what follows it reads it. */
  const [revision, setRevision] = createSignal(0);

  /** After an edit, or once a project is shown: check soon, and autosave a saved, edited project. */
  function changed() {
    setRevision((r) => r + 1);
    checks.schedule();
    autosave.schedule();
  }

  /** Shows a project as it is on disk (or a new one): no undo history, nothing touched. */
  function load(project: Project, from: string | null) {
    autosave.stop();
    batch(() => {
      file.reset(from);
      doc.load(project);
      checks.reset();
    });
  }

  const leaving = createLeaving(doc, file, autosave.flush);

  /**
   * A new, never-saved project made from a plan, once this one may go: a new project with the
   * plan applied as its first edit (Undo goes back to the empty project). False when the
   * creator kept this one.
   */
  async function startFrom(planned: Project): Promise<boolean> {
    if (!(await leaving.leave("Start a project from a story"))) return false;
    load(await commands.newProject(), null);
    doc.edit(planned);
    return true;
  }

  return {
    /** The project's state, read through from each store (read-only). */
    state: mergeProps(doc.state, file.state, checks.state, references.state),
    current: doc.current,
    revision,
    changed,
    load,
    undo: doc.undo,
    redo: doc.redo,
    canUndo: doc.canUndo,
    canRedo: doc.canRedo,
    renderReason: checks.renderReason,
    shownProblems: checks.shownProblems,
    messages: checks.messages,
    touch: checks.touch,
    attemptRender: checks.attemptRender,
    showEstimate: checks.showEstimate,
    showProjectSpent: checks.showProjectSpent,
    setReady: checks.setReady,
    save: file.save,
    saveAs: file.saveAs,
    ...createConflictChoices(file, status),
    ...leaving,
    ...createOpening({ file, status, load, changed, leave: leaving.leave }),
    ...createCastEdits(doc, status),
    ...createSceneEdits(doc),
    ...createShotEdits(doc),
    ...createElementEdits(doc, status),
    ...createSoundEdits(doc),
    ...createCutEdits(doc, path),
    startFrom,
    /** The whole project replaced by `next` (a re-plan applied): one undo step. */
    replaceProject: (next: Project) => doc.edit(next),
    addReferences: references.addReferences,
    chooseReferences: references.chooseReferences,
    removeReference: references.removeReference,
    resolve: references.resolve,
    loadThumbnail: references.loadThumbnail,
    thumbnailOf: references.thumbnailOf,
  };
}

export type ProjectStore = ReturnType<typeof createProjectStore>;
