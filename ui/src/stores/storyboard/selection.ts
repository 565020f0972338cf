// The selected scenes (the first opens the scene editor), kept to the scenes that exist, and the
// last view (the editor, the Characters view) remembered in the prefs and restored at start.
import { createEffect, on } from "solid-js";
import type { WindowPrefs } from "../../bindings";
import * as scenes from "../../scenes";
import type { Board } from "./board";

interface Deps {
  /** The project's scenario ids, in order. */
  order: () => string[];
  savePrefs: (change: Partial<WindowPrefs>) => void;
}

export function createSelection({ state, setState }: Board, { order, savePrefs }: Deps) {
  function select(id: string, mods: { ctrl: boolean; shift: boolean } = { ctrl: false, shift: false }) {
    const selected = scenes.clickSelect(order(), state.selected, state.anchor, id, mods);
    setState({ selected, anchor: mods.shift ? state.anchor : id, editing: selected.includes(id) ? id : (selected[0] ?? null) });
  }

  function selectAll() {
    setState({ selected: order(), anchor: order()[0] ?? null });
  }

  function setSelection(ids: string[]) {
    setState({ selected: ids, anchor: ids[0] ?? null, editing: ids[0] ?? null });
  }

  function closeEditor() {
    setState("editing", null);
  }

  // The last view follows the editor; the next start reopens it (`restoreView`).
  createEffect(
    on(
      () => state.editing,
      (id) => {
        if (state.prefs.lastView !== "characters") savePrefs(id ? { lastView: "scene", lastScene: id } : { lastView: "storyboard" });
      },
      { defer: true },
    ),
  );

  /** Reopens the scene editor of the last session: on the same scene when this project has it. */
  function restoreView() {
    if (state.prefs.lastView !== "scene") return;
    const ids = order();
    const last = state.prefs.lastScene;
    const id = last && ids.includes(last) ? last : ids[0];
    if (id) setSelection([id]);
  }

  /** The Characters view opened or closed: it is the last view while open. */
  function charactersShown(open: boolean) {
    savePrefs({ lastView: open ? "characters" : state.editing ? "scene" : "storyboard" });
  }

  // Scenes that are gone (deleted, undone, another project) leave the selection.
  createEffect(() => {
    const ids = new Set(order());
    if (state.selected.some((id) => !ids.has(id))) setState("selected", (s) => s.filter((id) => ids.has(id)));
    if (state.editing && !ids.has(state.editing)) setState("editing", null);
  });

  return { select, selectAll, setSelection, closeEditor, restoreView, charactersShown };
}
