// Help (F1): the keyboard shortcuts.
import { createEffect } from "solid-js";
import { useStudio } from "../stores/studio";

const KEYS: [string, string][] = [
  ["Ctrl+N / Ctrl+O", "New project / Open…"],
  ["Ctrl+Shift+N", "New from story…"],
  ["Ctrl+S / Ctrl+Shift+S", "Save / Save As…"],
  ["Ctrl+Z", "Undo"],
  ["Ctrl+Shift+Z or Ctrl+Y", "Redo"],
  ["Ctrl+R", "Render"],
  ["Ctrl+E", "Export the video"],
  ["Ctrl+W", "Close the window"],
  ["Ctrl+,", "Settings"],
  ["Click, Ctrl/Shift+click", "Select scenes (Ctrl+A: all, Delete: delete them)"],
  ["Alt+Arrow keys", "Move the focused scene"],
  ["Enter", "Edit the focused scene"],
  ["↑ / ↓ in the story", "The shot before or after (selecting words selects their shot)"],
  ["J / K / L (player, timeline)", "Shuttle back (again: faster) / stop / forward"],
  ["Space", "Play or pause"],
  ["← / → (Shift: a second)", "One frame back / on"],
  ["↑ / ↓ (timeline)", "The previous / next shot or title"],
  ["Home / End, + / −", "The film's start / end, zoom in / out"],
];

export default function HelpDialog() {
  const { helpOpen, setHelpOpen } = useStudio();
  let dialog!: HTMLDialogElement;
  createEffect(() => {
    if (helpOpen() && !dialog.open) dialog.showModal();
    else if (!helpOpen() && dialog.open) dialog.close();
  });
  return (
    <dialog id="help-dialog" ref={dialog} onClose={() => setHelpOpen(false)} aria-labelledby="help-title">
      <form method="dialog">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <dl class="model-report">
          {KEYS.map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
        </dl>
        <button value="close">Close</button>
      </form>
    </dialog>
  );
}
