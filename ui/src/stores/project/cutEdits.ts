// Editing the cut (`cutEdit.ts`): each change one undo step, saved like every other edit. A
// trim dragged on the timeline is committed once, when the handle is let go.
import type { EndFrame } from "../../bindings";
import type { TransitionKind, TrimRange } from "../../cut";
import * as cutEdit from "../../cutEdit";
import type { DocumentStore } from "./document";

export function createCutEdits(doc: DocumentStore, projectPath: () => string | null) {
  const { editWith, snapshot, edit } = doc;
  return {
    setTrim: (id: string, trim: TrimRange | null, clipSeconds: number) => editWith((p) => cutEdit.setTrim(p, id, trim, clipSeconds)),
    setTransition: (id: string, kind: TransitionKind, seconds: number) => editWith((p) => cutEdit.setTransition(p, id, kind, seconds), `${id}.transition`),
    setReframe: (id: string, r: cutEdit.ReframeFields | null) => editWith((p) => cutEdit.setReframe(p, id, r), `${id}.reframe`),
    /** A new title card; returns its index. */
    addTitle(before: string | undefined): number {
      const [next, index] = cutEdit.addTitle(snapshot(), before);
      edit(next);
      return index;
    },
    /** Typing a title's text makes one step per burst. */
    updateTitle: (index: number, change: Partial<cutEdit.TitleCardFields>) =>
      editWith((p) => cutEdit.updateTitle(p, index, change), `titles.${index}.${Object.keys(change).join()}`),
    setEndFrame: (id: string, end: EndFrame | null) => editWith((p) => cutEdit.setEndFrame(p, id, end, projectPath())),
    removeTitle: (index: number) => editWith((p) => cutEdit.removeTitle(p, index)),
    setCredits: (credits: Partial<cutEdit.CreditsFields> | null) =>
      editWith((p) => cutEdit.setCredits(p, credits), credits ? `credits.${Object.keys(credits).join()}` : null),
  };
}
