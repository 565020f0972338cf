// Editing what a planned shot says beyond its prompt (camera, location, props, dialogue) and
// the project's locations and props (elements) with their reference images. Every edit goes
// through the document, so it is one undo step (typing in a field: one step per burst).
import type { Camera, DialogueLine, ElementKind } from "../../bindings";
import * as shots from "../../shots";
import type { StatusStore } from "../status";
import type { DocumentStore } from "./document";

export function createShotEdits(doc: DocumentStore) {
  const { editWith } = doc;
  const field = (id: string, name: string) => {
    const i = doc.state.project.scenarios.findIndex((s) => s.id === id);
    return i < 0 ? undefined : `scenarios[${i}].${name}`;
  };
  return {
    setCamera: (id: string, change: Partial<Camera>) => editWith((p) => shots.setCamera(p, id, change), null, field(id, "camera")),
    setLocation: (id: string, location: string) => editWith((p) => shots.setLocation(p, id, location), null, field(id, "location")),
    toggleProp: (id: string, prop: string, on: boolean) => editWith((p) => shots.toggleProp(p, id, prop, on), null, field(id, "props")),
    addLine: (id: string, speaker: string) => editWith((p) => shots.addLine(p, id, speaker), null, field(id, "dialogue")),
    /** Typing a line is one undo step per burst (per line and field). */
    setLine: (id: string, index: number, change: Partial<DialogueLine>) =>
      editWith((p) => shots.setLine(p, id, index, change), change.line !== undefined ? `${id}.dialogue[${index}].line` : null, field(id, `dialogue[${index}]`)),
    removeLine: (id: string, index: number) => editWith((p) => shots.removeLine(p, id, index)),
    moveLine: (id: string, index: number, delta: number) => editWith((p) => shots.moveLine(p, id, index, delta)),
  };
}

export function createElementEdits(doc: DocumentStore, status: StatusStore) {
  const { editWith } = doc;
  const referencesOf = (id: string) => doc.state.project.elements?.find((e) => e.id === id)?.referenceImages ?? [];

  function addReferences(id: string, paths: string[]) {
    const refs = referencesOf(id);
    editWith((p) => shots.updateElement(p, id, { referenceImages: [...refs, ...paths] }));
  }

  return {
    /** A new location or prop; returns its id. */
    addElement(kind: ElementKind): string {
      const [next, id] = shots.addElement(doc.snapshot(), kind);
      doc.edit(next);
      return id;
    },
    setElementName: (id: string, name: string) => editWith((p) => shots.updateElement(p, id, { name }), `element.${id}.name`),
    /** An edited prompt is no longer the library element's: its images are made anew. */
    setElementPrompt: (id: string, prompt: string) =>
      editWith((p) => shots.updateElement(p, id, { prompt, libraryId: undefined }), `element.${id}.prompt`),
    removeElement: (id: string) => editWith((p) => shots.removeElement(p, id)),
    /** Supplied reference images, picked in Rust's dialog (granted there, like a character's). */
    async chooseElementReferences(id: string) {
      const picked = await status.choose("referenceImages");
      if (picked.length) addReferences(id, picked);
    },
    removeElementReference: (id: string, index: number) =>
      editWith((p) => shots.updateElement(p, id, { referenceImages: referencesOf(id).filter((_, i) => i !== index) })),
  };
}
