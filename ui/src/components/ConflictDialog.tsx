// Asked when a save finds the project file changed by another program since it was read (Rust
// answered `conflict` and wrote nothing): keep theirs (Reload), keep ours (Overwrite), or keep
// both (Save as…). Closing it keeps the edits unsaved; Save asks again.
import { createEffect } from "solid-js";
import { useStudio } from "../stores/studio";

export default function ConflictDialog() {
  const { project } = useStudio();
  let dialog!: HTMLDialogElement;
  const asking = () => project.state.conflict?.asking === true;
  createEffect(() => {
    if (asking() && !dialog.open) dialog.showModal();
    else if (!asking() && dialog.open) dialog.close();
  });
  /** Closes first (a Save As dialog opens above nothing), then does the choice. */
  const choose = (action: () => Promise<void>) => () => {
    dialog.close();
    void action();
  };
  return (
    <dialog
      id="conflict-dialog"
      ref={dialog}
      aria-labelledby="conflict-title"
      aria-describedby="conflict-text"
      onClose={() => {
        if (asking()) project.dismissConflict();
      }}
    >
      <h2 id="conflict-title">The project file was changed</h2>
      <p id="conflict-text">
        Another program changed <code>{project.state.conflict?.path}</code> since it was opened here. Nothing was saved.
      </p>
      <ul>
        <li><strong>Reload</strong> shows the file as it is now; the edits made here are dropped.</li>
        <li><strong>Overwrite</strong> replaces the file with this window's project; the other program's changes are lost.</li>
        <li><strong>Save as…</strong> keeps both: this window's project goes to another file.</li>
      </ul>
      <div class="row">
        <button id="conflict-reload" onClick={choose(project.reloadFromDisk)}>
          Reload
        </button>
        <button id="conflict-overwrite" onClick={choose(project.overwriteFile)}>
          Overwrite
        </button>
        <button id="conflict-save-as" class="primary" onClick={choose(project.saveConflictAs)}>
          Save as…
        </button>
        <button id="conflict-cancel" onClick={() => dialog.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
