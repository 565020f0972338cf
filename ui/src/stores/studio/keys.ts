// The page's own keys: Undo/Redo (once per press, whether it comes as a key or from the menu's
// accelerator), and focus rings that follow the keyboard.
import { onCleanup } from "solid-js";
import type { ProjectStore } from "../project";

export function createKeys(project: ProjectStore) {
  // Ctrl+Z arrives as a page keydown and, from the menu's accelerator, as a menu event: the
  // second of a pair within a moment is the same press.
  let last = { at: 0, source: "" };
  function historyStep(kind: "undo" | "redo", source: "key" | "menu") {
    const t = Date.now();
    if (source !== last.source && t - last.at < 80) return;
    last = { at: t, source };
    if (kind === "undo") project.undo();
    else project.redo();
  }

  /** The page's own shortcuts (also when the menu bar does not take the key). */
  function onKeyDown(ev: KeyboardEvent) {
    const mod = ev.ctrlKey || ev.metaKey;
    if (!mod || ev.altKey) return;
    const key = ev.key.toLowerCase();
    if (key === "z" && !ev.shiftKey) {
      ev.preventDefault();
      historyStep("undo", "key");
    } else if ((key === "z" && ev.shiftKey) || (key === "y" && !ev.shiftKey)) {
      ev.preventDefault();
      historyStep("redo", "key");
    }
  }

  // Focus rings follow the keyboard: shown after a key press, hidden after a pointer press
  // (`:focus-visible` alone is not reliable in every WebKitGTK).
  const keyboardMode = (ev: KeyboardEvent) => {
    if (ev.key === "Tab" || ev.key.startsWith("Arrow")) document.body.dataset.keyboard = "true";
  };
  const pointerMode = () => delete document.body.dataset.keyboard;

  /** Listens on the window until the owner (the caller's root) goes. */
  function listen() {
    window.addEventListener("keydown", onKeyDown);
    window.addEventListener("keydown", keyboardMode, true);
    window.addEventListener("pointerdown", pointerMode, true);
    onCleanup(() => {
      window.removeEventListener("keydown", onKeyDown);
      window.removeEventListener("keydown", keyboardMode, true);
      window.removeEventListener("pointerdown", pointerMode, true);
    });
  }

  return { historyStep, listen };
}
