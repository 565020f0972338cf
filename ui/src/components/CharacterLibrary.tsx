// The Characters view (a modal dialog): search, bulk generation and its batch, import/export,
// undo of a delete, and the grid of characters. It is not a `<form method="dialog">`: Enter in
// a field (confirming a rename, a search) would submit it and close the view.
import { createEffect, For, Show } from "solid-js";
import { batchPercent, batchText } from "../format";
import type { LibraryCard } from "../stores/library";
import { useStudio } from "../stores/studio";

function CharacterCard(props: { card: LibraryCard }) {
  const { library } = useStudio();
  const c = () => props.card;
  return (
    <li class="lib-card" data-id={c().id} data-name={c().name} data-has-angles={String(Boolean(c().frontUrl))}>
      <Show when={c().frontUrl} fallback={<div class="no-angles">{library.state.watched ? "generating…" : "no angles yet"}</div>}>
        {(url) => <img alt="front view" src={url()} />}
      </Show>
      <input
        class="lib-name"
        aria-label={`Name of ${c().name}`}
        value={c().name}
        on:change={(e) => void library.rename(c().id, e.currentTarget.value)}
      />
      <textarea
        class="lib-prompt"
        rows="2"
        aria-label={`Prompt of ${c().name}`}
        title="Editing the prompt drops the angles made from the old one: regenerate them"
        value={c().basePrompt}
        on:change={(e) => void library.setPrompt(c().id, e.currentTarget.value)}
      />
      <div class="muted small-text lib-model">{c().angles ? `angles by ${c().angles?.model}` : ""}</div>
      <div class="row">
        <button
          type="button"
          class="use small"
          aria-label={`Use ${c().name} in the project`}
          disabled={!c().frontUrl}
          title={c().frontUrl ? "Use this character (its angles are reused, not generated again)" : "Generate its angles first"}
          onClick={() => library.use(c())}
        >
          Use in project
        </button>
        <button type="button" class="dup small"
          aria-label={`Duplicate ${c().name}`} onClick={() => void library.duplicate(c())}>
          Duplicate
        </button>
        <button type="button" class="regen small"
          aria-label={`Regenerate the angles of ${c().name}`} onClick={() => void library.regenerateAngles(c().id)}>
          Regenerate angles
        </button>
        <button type="button" class="exp small"
          aria-label={`Export ${c().name}`} onClick={() => void library.exportOne(c())}>
          Export…
        </button>
        <button type="button" class="del small"
          aria-label={`Delete ${c().name}`} onClick={() => void library.remove(c())}>
          Delete
        </button>
      </div>
    </li>
  );
}

export default function CharacterLibrary() {
  const { library } = useStudio();
  const state = library.state;
  let dialog!: HTMLDialogElement;
  createEffect(() => {
    if (state.open && !dialog.open) dialog.showModal();
    else if (!state.open && dialog.open) dialog.close();
  });
  return (
    <dialog id="characters-dialog" class="wide" ref={dialog} onClose={() => library.close()}>
      <div class="characters">
        <div class="row">
          <h2>Characters</h2>
          <input
            id="lib-search"
            type="text"
            role="searchbox"
            placeholder="Search by name or prompt"
            aria-label="Search characters"
            on:input={(e) => library.search(e.currentTarget.value)}
          />
          <span class="spacer"></span>
          <button type="button" id="lib-import" onClick={() => void library.importArchive()}>
            Import…
          </button>
          <button type="button" id="lib-export" onClick={() => void library.exportAll()}>
            Export all…
          </button>
          <button type="button" id="lib-close" onClick={() => dialog.close()}>
            Close
          </button>
        </div>
        <BulkGenerate />
        <BatchProgress />
        <div id="lib-undo" class="row" hidden={state.lastDeleted === null}>
          <span class="muted">{state.lastDeleted ? `Deleted ${state.lastDeleted.name}.` : ""}</span>
          <button type="button" class="small" onClick={() => void library.undoDelete()}>
            Undo
          </button>
        </div>
        <p id="lib-status" class={state.message.kind === "error" ? "warn" : "muted"}>
          {state.message.text}
        </p>
        <ul id="lib-grid" class="lib-grid" data-count={state.count === undefined ? undefined : String(state.count)}>
          <For each={state.cards}>{(card) => <CharacterCard card={card} />}</For>
        </ul>
      </div>
    </dialog>
  );
}

/** A pasted list (or a file's) of characters to generate as one batch. */
function BulkGenerate() {
  const { library } = useStudio();
  const state = library.state;
  let list!: HTMLTextAreaElement;
  return (
    <details id="lib-bulk" open>
      <summary>Generate in bulk</summary>
      <textarea
        id="lib-list"
        ref={list}
        rows="4"
        aria-label="Characters to generate"
        placeholder={'One character per line: Name, prompt\nor a JSON array of {"name", "basePrompt"}'}
      />
      <div class="row">
        <button
          type="button"
          id="lib-generate"
          class="primary"
          onClick={async () => {
            if (await library.generate(list.value)) list.value = "";
          }}
        >
          Generate
        </button>
        <button type="button" id="lib-generate-file" onClick={() => void library.generateFromFile()}>
          From a CSV or JSON file…
        </button>
        <span id="lib-list-error" class="warn">{state.listError}</span>
      </div>
    </details>
  );
}

/** The watched batch: its progress, pause, resume and cancel. */
function BatchProgress() {
  const { library } = useStudio();
  const state = library.state;
  const running = () => state.batch?.status === "running";
  return (
    <div
      id="lib-batch"
      class="batch"
      hidden={state.batch === null}
      data-status={state.batch?.status}
      data-in-library={state.batch ? String(state.batch.inLibrary) : undefined}
    >
      <progress max="100" value={state.batch ? batchPercent(state.batch) : 0}></progress>
      <span class="batch-text muted">{state.batch ? batchText(state.batch) : ""}</span>
      <button type="button" class="batch-pause small" hidden={!running() || state.batchPaused} onClick={() => void library.pauseBatch()}>
        Pause
      </button>
      <button type="button" class="batch-resume small" hidden={!running() || !state.batchPaused} onClick={() => void library.resumeBatch()}>
        Resume
      </button>
      <button type="button" class="batch-cancel small" hidden={!running()} onClick={() => void library.cancelBatch()}>
        Cancel
      </button>
    </div>
  );
}
