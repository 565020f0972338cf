// Planning an edited story again shows what would change before anything is applied: each
// shot kept, kept with the creator's edits, planned again, added or removed, with its words.
// Apply is one undo step; Cancel goes back to the edited story.
import { createEffect, For, Show } from "solid-js";
import { CHANGE_WORDS, changeRows, changeSummary } from "../plan";
import { truncate } from "../scenes";
import { useStudio } from "../stores/studio";

export default function ReplanDialog() {
  const { project, story } = useStudio();
  const r = story.replanning;
  let dialog!: HTMLDialogElement;
  createEffect(() => {
    if (r.state.proposal && !dialog.open) {
      dialog.showModal();
      queueMicrotask(() => document.getElementById("replan-apply")?.focus());
    } else if (!r.state.proposal && dialog.open) dialog.close();
  });
  const rows = () => {
    const p = r.state.proposal;
    return p ? changeRows(p.replan.changes, project.state.project, p.replan.project) : [];
  };
  return (
    <dialog id="replan-dialog" class="wide" ref={dialog} aria-labelledby="replan-title" onClose={() => r.cancel()}>
      <h2 id="replan-title">Plan again: what changes</h2>
      <Show when={r.state.proposal}>
        {(p) => (
          <>
            <p id="replan-summary" class="muted">
              {changeSummary(p().replan.changes)}
              {p().issues.length ? ` · the check finds ${p().issues.length} thing${p().issues.length === 1 ? "" : "s"} to look at after` : ""}
            </p>
            <ol id="replan-changes" class="replan-changes">
              <For each={rows()}>
                {(row) => (
                  <li data-kind={row.kind} data-id={row.id}>
                    <span class="badge change-kind" data-kind={row.kind}>{CHANGE_WORDS[row.kind]}</span>
                    <strong>{row.label}</strong>
                    <span class="change-words">{truncate(row.words, 140)}</span>
                    <Show when={row.detail}>
                      <span class="muted small-text">{row.detail}</span>
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          </>
        )}
      </Show>
      <div class="row dialog-actions">
        <span class="spacer"></span>
        <button type="button" id="replan-cancel" onClick={() => r.cancel()}>
          Cancel
        </button>
        <button type="button" id="replan-apply" class="primary" onClick={() => r.apply()}>
          Apply
        </button>
      </div>
    </dialog>
  );
}
