// All stores of one window, wired together, and the start-up sequence. Components reach them
// with `useStudio()`.
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { createContext, createEffect, createSignal, on, onCleanup, useContext } from "solid-js";
import { commands, events, type MenuAction } from "../bindings";
import { droppedImages } from "../forms";
import { createJobsStore } from "./jobs";
import { createLibraryStore } from "./library";
import { createPlayerStore } from "./player";
import { createProjectStore } from "./project";
import { createSettingsStore } from "./settings";
import { createStatusStore } from "./status";
import { createStoryboardStore } from "./storyboard";

/** Call inside a Solid root (the App component): timers and listeners end with it. */
export function createStudio() {
  const status = createStatusStore();
  const player = createPlayerStore(status);
  const project = createProjectStore(status);
  const jobs = createJobsStore({ status, project, player });
  const library = createLibraryStore({ status, project });
  const settings = createSettingsStore(status);
  const storyboard = createStoryboardStore({ project, jobs });
  // While the Characters view is open it is the window's last view.
  createEffect(on(() => library.state.open, (open) => storyboard.charactersShown(open), { defer: true }));
  const [helpOpen, setHelpOpen] = createSignal(false);
  let healthTimer: number | undefined;
  const unlisten: Promise<() => void>[] = [];
  onCleanup(() => {
    window.clearInterval(healthTimer);
    for (const u of unlisten) void u.then((stop) => stop());
  });

  /** Render: a blocked render shows every problem (and why) instead of starting. */
  function render() {
    if (!project.attemptRender() || jobs.starting()) return;
    void jobs.startRender();
  }

  /** Asks the window to close: the close request (below) writes a pending autosave and asks first when edits would be lost. */
  async function close() {
    await getCurrentWindow().close();
  }

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

  /** What a native menu item (or its accelerator) asks for. */
  function onMenu(a: MenuAction) {
    switch (a.kind) {
      case "new":
        storyboard.dismissWelcome();
        return void project.newProject();
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
        return historyStep("undo", "menu");
      case "redo":
        return historyStep("redo", "menu");
      case "render":
        return render();
      case "preferences":
        return void settings.open();
      case "help":
        return setHelpOpen(true);
    }
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

  async function start() {
    window.addEventListener("keydown", onKeyDown);
    window.addEventListener("keydown", keyboardMode, true);
    window.addEventListener("pointerdown", pointerMode, true);
    onCleanup(() => {
      window.removeEventListener("keydown", onKeyDown);
      window.removeEventListener("keydown", keyboardMode, true);
      window.removeEventListener("pointerdown", pointerMode, true);
    });
    unlisten.push(events.menuEvent.listen((e) => onMenu(e.payload.action)));
    // Every way of closing (the title bar's button, Alt+F4, the menu's Close) comes here: a
    // pending autosave is written, and edits that would be lost are asked about first.
    unlisten.push(
      getCurrentWindow().onCloseRequested(async (event) => {
        if (!(await project.leave("Close the window"))) event.preventDefault();
      }),
    );
    const prefs = storyboard.loadPrefs();
    void storyboard.loadRecent();
    project.load(await commands.newProject(), null);
    const initial = await commands.initialProject();
    if (initial) await project.openGranted(initial);
    // The view of the last session comes back (the Characters view, or a scene's editor).
    await prefs;
    if (storyboard.state.prefs.lastView === "characters") void library.open();
    else storyboard.restoreView();
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
    // The library's characters (their angle images) for the cast strip.
    library.search("");
    await jobs.loadJobs();
  }

  return { status, player, project, jobs, library, settings, storyboard, start, render, close, onMenu, helpOpen, setHelpOpen };
}

export type Studio = ReturnType<typeof createStudio>;

export const StudioContext = createContext<Studio>();

export function useStudio(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error("useStudio() outside <App>");
  return studio;
}
