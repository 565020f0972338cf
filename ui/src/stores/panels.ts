// Which panels are folded (the cast, locations and props, music, the storyboard, the sound
// lanes). A panel the creator folded or unfolded stays so, remembered in the window prefs
// (`panels`, in Rust's window.json, per data dir); one never touched opens as the window's
// height suggests, so the player keeps its room on a short window.
import { createSignal, onCleanup } from "solid-js";
import type { ProjectStore } from "./project";
import type { StoryboardStore } from "./storyboard";

export type PanelName = "cast" | "elements" | "music" | "storyboard" | "lanes";

/** Below these window heights (CSS px) a panel starts folded. */
const TALL_FOR_CAST = 1200;
const TALL_FOR_LANES = 800;

export function createPanels(deps: { storyboard: StoryboardStore; project: ProjectStore }) {
  const { storyboard, project } = deps;
  const [height, setHeight] = createSignal(window.innerHeight);
  const onResize = () => setHeight(window.innerHeight);
  window.addEventListener("resize", onResize);
  onCleanup(() => window.removeEventListener("resize", onResize));

  const defaults: Record<PanelName, () => boolean> = {
    cast: () => height() >= TALL_FOR_CAST,
    elements: () => false,
    // Folded unless the project has music: the storyboard needs the height.
    music: () => Boolean(project.state.project.music),
    storyboard: () => true,
    lanes: () => height() >= TALL_FOR_LANES,
  };

  const remembered = () => storyboard.state.prefs.panels ?? {};
  const open = (name: PanelName): boolean => remembered()[name] ?? defaults[name]();
  /** Folds or unfolds a panel, remembered from now on. */
  function set(name: PanelName, on: boolean) {
    if (remembered()[name] === on && open(name) === on) return;
    storyboard.savePrefs({ panels: { ...remembered(), [name]: on } });
  }
  return { open, set, toggle: (name: PanelName) => set(name, !open(name)) };
}

export type PanelsStore = ReturnType<typeof createPanels>;
