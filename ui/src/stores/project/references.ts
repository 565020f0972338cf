// The characters' reference images: added (picked or dropped) and removed, and their
// thumbnails, asked of Rust once per file, resolved against the project file's folder.
import { createStore } from "solid-js/store";
import { commands } from "../../bindings";
import * as castEdit from "../../cast";
import * as scenes from "../../scenes";
import type { StatusStore } from "../status";
import type { DocumentStore } from "./document";

export interface ReferencesState {
  /** Reference image path → thumbnail URL, or null when it cannot be read. */
  thumbnails: Record<string, string | null>;
}

export function createReferences(doc: DocumentStore, path: () => string | null, status: StatusStore) {
  const [state, setState] = createStore<ReferencesState>({ thumbnails: {} });
  const thumbnailsAsked = new Set<string>();

  const referencesOf = (index: number) => castEdit.characters(doc.state.project)[index]?.referenceImages ?? [];

  function addReferences(paths: string[], index = 0) {
    const refs = referencesOf(index);
    doc.editWith((p) => castEdit.updateCharacter(p, index, { referenceImages: [...refs, ...paths] }));
  }

  async function chooseReferences(index = 0) {
    const picked = await status.choose("referenceImages");
    if (picked.length) addReferences(picked, index);
  }

  function removeReference(refIndex: number, index = 0) {
    const refs = referencesOf(index);
    doc.editWith((p) => castEdit.updateCharacter(p, index, { referenceImages: refs.filter((_, i) => i !== refIndex) }));
  }

  /** A reference as written in the project, resolved against the project file's folder. */
  const resolve = (ref: string) => scenes.resolveReference(path(), ref);

  /** Asks Rust for a reference image's thumbnail once per (resolved) path. */
  async function loadThumbnail(ref: string) {
    const file = resolve(ref);
    if (thumbnailsAsked.has(file)) return;
    thumbnailsAsked.add(file);
    const r = await commands.thumbnail(file);
    setState("thumbnails", file, r.status === "ok" ? r.data : null);
  }

  /** A reference's thumbnail URL: undefined while asked, null when unreadable. */
  const thumbnailOf = (ref: string): string | null | undefined => state.thumbnails[resolve(ref)];

  return { state, addReferences, chooseReferences, removeReference, resolve, loadThumbnail, thumbnailOf };
}
