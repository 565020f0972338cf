// All stores of one window, wired together, and what the menu asks for. Components reach them
// with `useStudio()`. The start-up sequence is in `studio/startup.ts`, the page's keys in
// `studio/keys.ts`.
import { getCurrentWindow } from "@tauri-apps/api/window";
import { createContext, createEffect, createSignal, on, useContext } from "solid-js";
import type { MenuAction } from "../bindings";
import { createCutStore } from "./cut";
import { createJobsStore } from "./jobs";
import { createLibraryStore } from "./library";
import { createPanels } from "./panels";
import { createPlayerStore } from "./player";
import { createProjectStore } from "./project";
import { createSettingsStore } from "./settings";
import { createSoundStore } from "./sound";
import { createStatusStore } from "./status";
import { createStoryStore } from "./story";
import { createStoryboardStore } from "./storyboard";
import { createKeys } from "./studio/keys";
import { createStartup } from "./studio/startup";

/** Call inside a Solid root (the App component): timers and listeners end with it. */
export function createStudio() {
  const status = createStatusStore();
  const player = createPlayerStore(status);
  const project = createProjectStore(status);
  const jobs = createJobsStore({ status, project, player });
  const sound = createSoundStore({ project, jobs, player, status });
  const cut = createCutStore({ project, player });
  const library = createLibraryStore({ status, project });
  const settings = createSettingsStore(status);
  const storyboard = createStoryboardStore({ project, jobs });
  const story = createStoryStore({ project, status, storyboard });
  const panels = createPanels({ storyboard, project });
  // While the Characters view is open it is the window's last view.
  createEffect(on(() => library.state.open, (open) => storyboard.charactersShown(open), { defer: true }));
  const [helpOpen, setHelpOpen] = createSignal(false);
  const keys = createKeys(project);

  /** Render: a blocked render shows every problem (and why) instead of starting. */
  function render() {
    if (!project.attemptRender() || jobs.starting()) return;
    void jobs.startRender();
  }

  /** Asks the window to close: the close request (in `startup.ts`) writes a pending autosave and asks first when edits would be lost. */
  async function close() {
    await getCurrentWindow().close();
  }

  /** What a native menu item (or its accelerator) asks for. */
  function onMenu(a: MenuAction) {
    switch (a.kind) {
      case "new":
        storyboard.dismissWelcome();
        return void project.newProject();
      case "newFromStory":
        return story.planning.open();
      case "open":
        return void project.open();
      case "openRecent":
        return void (async () => {
          if (await project.openGranted(a.path)) project.changed();
        })();
      case "save":
        return project.save();
      case "saveAs":
        return void project.saveAs();
      case "export":
        return void player.exportVideo();
      case "close":
        return void close();
      case "undo":
        return keys.historyStep("undo", "menu");
      case "redo":
        return keys.historyStep("redo", "menu");
      case "render":
        return render();
      case "preferences":
        return void settings.open();
      case "help":
        return setHelpOpen(true);
    }
  }

  const { start } = createStartup({ status, project, jobs, library, storyboard, listenKeys: keys.listen, onMenu });

  return { status, player, project, jobs, cut, panels, sound, library, settings, storyboard, story, start, render, close, onMenu, helpOpen, setHelpOpen };
}

export type Studio = ReturnType<typeof createStudio>;

export const StudioContext = createContext<Studio>();

export function useStudio(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error("useStudio() outside <App>");
  return studio;
}
