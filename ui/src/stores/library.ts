// The character library view: search, bulk generation (a watched batch), edit, delete/undo,
// import/export, and using a character in the project.
import { Channel } from "@tauri-apps/api/core";
import { ask } from "@tauri-apps/plugin-dialog";
import { onCleanup } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { commands, type BatchView, type CharacterView } from "../bindings";
import type { Result } from "../ipc";
import type { ProjectStore } from "./project";
import type { StatusStore } from "./status";
import { errorText } from "../format";

/** A library character with the URL of its front angle (null until its angles exist). */
export type LibraryCard = CharacterView & { frontUrl: string | null };

export interface LibraryState {
  open: boolean;
  query: string;
  cards: LibraryCard[];
  /** How many the last search found (`data-count`). */
  count?: number;
  message: { text: string; kind: "ok" | "error" };
  /** Why the pasted list was refused. */
  listError: string;
  /** The batch shown (the watched one, or the last one watched). */
  batch: BatchView | null;
  /** Pause was pressed for the watched batch (a paused batch still reports `running`). */
  batchPaused: boolean;
  /** The batch being watched (at most one at a time). */
  watched: string | null;
  lastDeleted: { id: string; name: string } | null;
}

export function createLibraryStore(deps: { status: StatusStore; project: ProjectStore }) {
  const { status, project } = deps;
  const [state, setState] = createStore<LibraryState>({
    open: false,
    query: "",
    cards: [],
    message: { text: "", kind: "ok" },
    listError: "",
    batch: null,
    batchPaused: false,
    watched: null,
    lastDeleted: null,
  });
  let searchTimer: number | undefined;
  /** Only the newest listing is shown (searches and batch ticks overlap). */
  let listing = 0;
  onCleanup(() => {
    window.clearTimeout(searchTimer);
  });

  function say(text: string, kind: "ok" | "error" = "ok") {
    setState("message", { text, kind });
  }

  /** Says a command's error; true when it succeeded. */
  function ok<T>(r: Result<T>): r is { status: "ok"; data: T } {
    if (r.status === "error") say(errorText(r.error), "error");
    return r.status === "ok";
  }

  async function mediaUrlOf(path: string): Promise<string | null> {
    const r = await commands.mediaUrl(path);
    return r.status === "ok" ? r.data : null;
  }

  async function refresh() {
    const mine = ++listing;
    const r = await commands.listCharacters(state.query);
    if (!ok(r)) return;
    const cards = await Promise.all(
      r.data.map(async (c): Promise<LibraryCard> => ({ ...c, frontUrl: c.anglePaths[0] ? await mediaUrlOf(c.anglePaths[0]) : null })),
    );
    if (mine !== listing) return;
    setState({ count: cards.length });
    setState("cards", reconcile(cards, { key: "id" }));
  }

  function search(query: string) {
    setState("query", query);
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => void refresh(), 150);
  }

  // ---------- batches ----------

  /** Which watch is current: a newer one (or the window store going away) silences the older. */
  let watchRun = 0;
  onCleanup(() => void ++watchRun);

  /**
   * Follows a batch over Rust's stream (`watchBatch`, as jobs are followed): each change of its
   * view is shown, the library listed again when a character was filed, and once more at its end.
   */
  async function watchBatch(b: BatchView) {
    const mine = ++watchRun;
    setState({ watched: b.id, batch: b, batchPaused: false });
    let shown = -1;
    const channel = new Channel<BatchView>();
    channel.onmessage = (view) => {
      if (mine !== watchRun) return;
      setState("batch", view);
      if (view.inLibrary !== shown) {
        shown = view.inLibrary;
        void refresh();
      }
    };
    const r = await commands.watchBatch(b.id, channel);
    if (mine !== watchRun || !ok(r)) return;
    setState({ batch: r.data, watched: null, batchPaused: false });
    await refresh();
  }

  async function pauseBatch() {
    const id = state.watched;
    if (!id) return;
    await commands.pauseJob(id);
    setState("batchPaused", true);
  }

  async function resumeBatch() {
    const id = state.watched;
    if (!id) return;
    await commands.resumeJob(id);
    setState("batchPaused", false);
  }

  async function cancelBatch() {
    const id = state.watched;
    if (id && (await ask("Cancel the batch? Characters already made stay in the library.", { kind: "warning" })))
      await commands.cancelJob(id);
  }

  /** Starts generating a pasted list (or a file's); true when the batch started. */
  function started(r: Result<BatchView>): boolean {
    if (r.status === "error") {
      setState("listError", errorText(r.error));
      return false;
    }
    setState("listError", "");
    void watchBatch(r.data);
    return true;
  }

  const generate = async (list: string) => started(await commands.generateCharacters(list));

  async function generateFromFile() {
    const [path] = await status.choose("characterList");
    if (path) started(await commands.generateCharactersFile(path));
  }

  // ---------- the view ----------

  async function open() {
    setState("open", true);
    await refresh();
    // Resume watching the newest batch if it still runs (after an app restart, say).
    if (!state.watched) {
      const b = await commands.listBatches();
      if (b.status === "ok" && b.data.length) {
        const st = await commands.batchStatus(b.data[0].id);
        if (st.status === "ok" && st.data.status === "running") void watchBatch(st.data);
      }
    }
  }

  const close = () => setState("open", false);

  // ---------- one character ----------

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

  /** Puts the character in the project (its angles are reused) and closes the view. */
  function use(c: LibraryCard) {
    close();
    project.useLibraryCharacter(c);
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

  return {
    state,
    open,
    close,
    search,
    generate,
    generateFromFile,
    pauseBatch,
    resumeBatch,
    cancelBatch,
    rename,
    setPrompt,
    duplicate,
    regenerateAngles,
    exportOne,
    remove,
    undoDelete,
    use,
    importArchive,
    exportAll,
  };
}

export type LibraryStore = ReturnType<typeof createLibraryStore>;
