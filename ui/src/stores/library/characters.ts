// One character of the library (rename, prompt, duplicate, new angles, export, delete and its
// undo), and the library's archives (import, export all).
import { commands, type BatchView } from "../../bindings";
import type { StatusStore } from "../status";
import type { LibraryCard, Listing } from "./listing";

export function createCharacterEdits({ state, setState, say, ok, refresh }: Listing, status: StatusStore, watchBatch: (b: BatchView) => Promise<void>) {
  async function rename(id: string, name: string) {
    const r = await commands.renameCharacter(id, name);
    if (ok(r)) setState("cards", (c) => c.id === id, "name", r.data.name);
  }

  /** A new prompt drops the angles made from the old one. */
  async function setPrompt(id: string, basePrompt: string) {
    if (ok(await commands.setCharacterPrompt(id, basePrompt))) await refresh();
  }

  async function duplicate(c: LibraryCard) {
    if (ok(await commands.duplicateCharacter(c.id, `${c.name} (copy)`))) await refresh();
  }

  async function regenerateAngles(id: string) {
    const r = await commands.regenerateAngles(id);
    if (ok(r)) void watchBatch(r.data);
  }

  async function exportOne(c: LibraryCard) {
    const [path] = await status.choose("exportCharacters", `${c.name}.characters.tar`);
    if (!path) return;
    const r = await commands.exportCharacters([c.id], path);
    if (ok(r)) say(`Exported ${c.name} to ${path}`);
  }

  async function remove(c: LibraryCard) {
    if (!ok(await commands.deleteCharacter(c.id))) return;
    setState("lastDeleted", { id: c.id, name: c.name });
    await refresh();
  }

  async function undoDelete() {
    const deleted = state.lastDeleted;
    if (!deleted) return;
    if (!ok(await commands.undoDeleteCharacter(deleted.id))) return;
    setState("lastDeleted", null);
    await refresh();
  }

  // ---------- archives ----------

  async function importArchive() {
    const [path] = await status.choose("importCharacters");
    if (!path) return;
    const r = await commands.importCharacters(path);
    if (ok(r)) say(`Imported ${r.data.length} character(s)`);
    await refresh();
  }

  async function exportAll() {
    const [path] = await status.choose("exportCharacters", "characters.tar");
    if (!path) return;
    const r = await commands.exportCharacters([], path);
    if (ok(r)) say(`Exported ${r.data} character(s) to ${path}`);
  }

  return { rename, setPrompt, duplicate, regenerateAngles, exportOne, remove, undoDelete, importArchive, exportAll };
}
