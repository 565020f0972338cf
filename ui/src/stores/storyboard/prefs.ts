// The window prefs the storyboard shows (editor width, last view): loaded at start, each change
// shown at once and its fields saved a moment later (a burst sent once; Rust merges them).
import { onCleanup } from "solid-js";
import { commands, type WindowPrefs } from "../../bindings";
import { savePrefChanges } from "../prefs";
import type { Board } from "./board";

export const EDITOR_MIN = 280;
export const EDITOR_MAX = 720;
export const STORY_MIN = 240;
export const STORY_MAX = 640;

const clampWidth = (w: number) => Math.round(Math.min(EDITOR_MAX, Math.max(EDITOR_MIN, Number.isFinite(w) && w > 0 ? w : 380)));

const clampStory = (w: number) => Math.round(Math.min(STORY_MAX, Math.max(STORY_MIN, Number.isFinite(w) && w > 0 ? w : 360)));

export function createBoardPrefs({ setState }: Board) {
  let prefsTimer: number | undefined;
  onCleanup(() => window.clearTimeout(prefsTimer));

  async function loadPrefs() {
    try {
      const p = await commands.windowPrefs();
      if (p) setState("prefs", { ...p, editorWidth: clampWidth(p.editorWidth), storyWidth: clampStory(p.storyWidth) });
    } catch {
      // No prefs yet (or no store): the defaults stand.
    }
  }

  /** Fields changed and not yet sent (a burst of changes is sent once). */
  let unsentPrefs: Partial<WindowPrefs> = {};

  /** Shows a change at once and saves only its fields a moment later (see `prefs.ts`). */
  function savePrefs(change: Partial<WindowPrefs>) {
    setState("prefs", change);
    unsentPrefs = { ...unsentPrefs, ...change };
    window.clearTimeout(prefsTimer);
    prefsTimer = window.setTimeout(() => {
      const sent = unsentPrefs;
      unsentPrefs = {};
      void savePrefChanges(sent);
    }, 400);
  }

  const setEditorWidth = (w: number) => savePrefs({ editorWidth: clampWidth(w) });

  const setStoryWidth = (w: number) => savePrefs({ storyWidth: clampStory(w) });
  const setStoryOpen = (open: boolean) => savePrefs({ storyOpen: open });

  return { loadPrefs, savePrefs, setEditorWidth, setStoryWidth, setStoryOpen };
}
