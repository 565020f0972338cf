// All stores of one window, wired together, and the start-up sequence. Components reach them
// with `useStudio()`.
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { createContext, onCleanup, useContext } from "solid-js";
import { commands } from "../bindings";
import { droppedImages } from "../forms";
import { createJobsStore } from "./jobs";
import { createLibraryStore } from "./library";
import { createPlayerStore } from "./player";
import { createProjectStore } from "./project";
import { createSettingsStore } from "./settings";
import { createStatusStore } from "./status";

/** Call inside a Solid root (the App component): timers and listeners end with it. */
export function createStudio() {
  const status = createStatusStore();
  const player = createPlayerStore(status);
  const project = createProjectStore(status);
  const jobs = createJobsStore({ status, project, player });
  const library = createLibraryStore({ status, project });
  const settings = createSettingsStore(status);
  let healthTimer: number | undefined;
  const unlisten: Promise<() => void>[] = [];
  onCleanup(() => {
    window.clearInterval(healthTimer);
    for (const u of unlisten) void u.then((stop) => stop());
  });

  async function start() {
    project.load(await commands.newProject(), null);
    const initial = await commands.initialProject();
    if (initial) await project.openGranted(initial);
    // The app started again with a project: this window opens it.
    unlisten.push(
      listen<string>("open-project", async (ev) => {
        if (await project.openGranted(ev.payload)) project.changed();
      }),
    );
    // Reference images dropped on the window (Tauri's native file drop).
    unlisten.push(
      getCurrentWebview().onDragDropEvent((ev) => {
        if (ev.payload.type !== "drop") return;
        const images = droppedImages(ev.payload.paths);
        if (images.length === 0) return status.set("Only PNG, JPEG or WebP images can be references", "warn");
        project.addReferences(images);
      }),
    );
    project.changed();
    const started = await commands.studioStatus();
    if (started.status === "error") {
      status.set(`The studio could not start: ${started.error.message}`, "error");
      return;
    }
    project.setReady(true);
    status.set(`Ready · embedded Temporal · data in ${started.data.dataDir}`);
    document.body.dataset.ready = "true";
    void status.refreshHealth();
    healthTimer = window.setInterval(() => void status.refreshHealth(), 5000);
    void project.showEstimate();
    void project.showProjectSpent();
    await jobs.loadJobs();
  }

  return { status, player, project, jobs, library, settings, start };
}

export type Studio = ReturnType<typeof createStudio>;

export const StudioContext = createContext<Studio>();

export function useStudio(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error("useStudio() outside <App>");
  return studio;
}
