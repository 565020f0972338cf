// The start-up sequence of a window: its listeners (menu, close request, a project opened
// again, dropped files), the project shown, the last view restored, then the studio's status,
// its health every few seconds, and the recorded jobs.
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { onCleanup } from "solid-js";
import { commands, events, type MenuAction } from "../../bindings";
import { droppedImages } from "../../forms";
import type { JobsStore } from "../jobs";
import type { LibraryStore } from "../library";
import type { ProjectStore } from "../project";
import type { StatusStore } from "../status";
import type { StoryboardStore } from "../storyboard";

interface Deps {
  status: StatusStore;
  project: ProjectStore;
  jobs: JobsStore;
  library: LibraryStore;
  storyboard: StoryboardStore;
  /** Installs the page's own key listeners. */
  listenKeys: () => void;
  onMenu: (a: MenuAction) => void;
}

export function createStartup(deps: Deps) {
  const { status, project, jobs, library, listenKeys, onMenu } = deps;
  let healthTimer: number | undefined;
  const unlisten: Promise<() => void>[] = [];
  onCleanup(() => {
    window.clearInterval(healthTimer);
    for (const u of unlisten) void u.then((stop) => stop());
  });

  /** The menu and the window's close request, heard before anything else. */
  function listenFirst() {
    listenKeys();
    unlisten.push(events.menuEvent.listen((e) => onMenu(e.payload.action)));
    // Every way of closing (the title bar's button, Alt+F4, the menu's Close) comes here: a
    // pending autosave is written, and edits that would be lost are asked about first.
    unlisten.push(
      getCurrentWindow().onCloseRequested(async (event) => {
        if (!(await project.leave("Close the window"))) event.preventDefault();
      }),
    );
  }

  /** A project opened again by the app, and reference images dropped on the window. */
  function listenForProjects() {
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
  }

  /** The studio said it runs: the window is ready, its health watched, its jobs listed. */
  async function showReady(dataDir: string) {
    project.setReady(true);
    status.set(`Ready · embedded Temporal · data in ${dataDir}`);
    document.body.dataset.ready = "true";
    void status.refreshHealth();
    healthTimer = window.setInterval(() => void status.refreshHealth(), 5000);
    void project.showEstimate();
    void project.showProjectSpent();
    // The library's characters (their angle images) for the cast strip.
    library.search("");
    await jobs.loadJobs();
  }

  async function start() {
    listenFirst();
    await showFirstProject(deps);
    listenForProjects();
    project.changed();
    const started = await commands.studioStatus();
    if (started.status === "error") {
      status.set(`The studio could not start: ${started.error.message}`, "error");
      return;
    }
    await showReady(started.data.dataDir);
  }

  return { start };
}

/** The project to show (a new one, or the one the app was started with) and the last view. */
async function showFirstProject({ project, library, storyboard }: Deps) {
  const prefs = storyboard.loadPrefs();
  void storyboard.loadRecent();
  project.load(await commands.newProject(), null);
  const initial = await commands.initialProject();
  if (initial) await project.openGranted(initial);
  // The view of the last session comes back (the Characters view, or a scene's editor).
  await prefs;
  if (storyboard.state.prefs.lastView === "characters") void library.open();
  else storyboard.restoreView();
}
