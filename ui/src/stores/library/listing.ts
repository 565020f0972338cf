// The library view's one store, its message line, and the listing of characters (a search,
// debounced; only the newest listing is shown) that every other part refreshes.
import { onCleanup } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { commands, type BatchView, type CharacterView } from "../../bindings";
import { errorText } from "../../format";
import type { Result } from "../../ipc";

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

export function createListing() {
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

  return { state, setState, say, ok, refresh, search };
}

export type Listing = ReturnType<typeof createListing>;
