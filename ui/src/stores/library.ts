// The character library view, one store made of parts by concern (in `library/`): the listing
// and search (`listing.ts`), bulk generation as a watched batch (`batches.ts`), one character's
// edits, delete/undo and the archives (`characters.ts`); opening the view and using a character
// in the project (here).
import type { ProjectStore } from "./project";
import type { StatusStore } from "./status";
import { createBatches } from "./library/batches";
import { createCharacterEdits } from "./library/characters";
import { createListing, type LibraryCard } from "./library/listing";

export type { LibraryCard, LibraryState } from "./library/listing";

export function createLibraryStore(deps: { status: StatusStore; project: ProjectStore }) {
  const { status, project } = deps;
  const listing = createListing();
  const { state, setState, refresh, search } = listing;
  const batches = createBatches(listing, status);
  const edits = createCharacterEdits(listing, status, batches.watchBatch);

  async function open() {
    setState("open", true);
    await refresh();
    // Resume watching the newest batch if it still runs (after an app restart, say).
    await batches.resumeWatching();
  }

  const close = () => setState("open", false);

  /** Puts the character in the project (its angles are reused) and closes the view. */
  function use(c: LibraryCard) {
    close();
    project.useLibraryCharacter(c);
  }

  return {
    state,
    open,
    close,
    search,
    generate: batches.generate,
    generateFromFile: batches.generateFromFile,
    pauseBatch: batches.pauseBatch,
    resumeBatch: batches.resumeBatch,
    cancelBatch: batches.cancelBatch,
    ...edits,
    use,
  };
}

export type LibraryStore = ReturnType<typeof createLibraryStore>;
