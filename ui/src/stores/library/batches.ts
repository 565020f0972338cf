// Bulk generation: a pasted list (or a file's) starts a batch, watched over Rust's stream;
// pause, resume and cancel the watched batch.
import { Channel } from "@tauri-apps/api/core";
import { ask } from "@tauri-apps/plugin-dialog";
import { onCleanup } from "solid-js";
import { commands, type BatchView } from "../../bindings";
import { errorText } from "../../format";
import type { Result } from "../../ipc";
import type { StatusStore } from "../status";
import type { Listing } from "./listing";

export function createBatches({ state, setState, ok, refresh }: Listing, status: StatusStore) {
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

  /** Watches the newest batch again if it still runs (after an app restart, say). */
  async function resumeWatching() {
    if (state.watched) return;
    const b = await commands.listBatches();
    if (b.status === "ok" && b.data.length) {
      const st = await commands.batchStatus(b.data[0].id);
      if (st.status === "ok" && st.data.status === "running") void watchBatch(st.data);
    }
  }

  return { watchBatch, pauseBatch, resumeBatch, cancelBatch, generate, generateFromFile, resumeWatching };
}
