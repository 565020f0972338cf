// Replacing the project with another (New, Open, a recent file, the example, one the app was
// started with, a Reload after a conflict): a pending autosave is written first, and edits that
// would be lost are asked about.
import { ask } from "@tauri-apps/plugin-dialog";
import { commands, type Project } from "../../bindings";
import { errorText } from "../../format";
import { unwrap as unwrapResult } from "../../ipc";
import type { StatusStore } from "../status";
import type { DocumentStore } from "./document";
import type { ProjectFile } from "./file";

interface Deps {
  file: ProjectFile;
  status: StatusStore;
  /** Shows a project as it is on disk (or a new one, path null). */
  load: (project: Project, path: string | null) => void;
  /** After a project is shown: it is checked (and autosaved once edited). */
  changed: () => void;
  /** True when this project may be left (`createLeaving`). */
  leave: (what: string) => Promise<boolean>;
}

export function createOpening({ file, status, load, changed, leave }: Deps) {
  /** Shows a granted project file in place of this one, whatever its edits; true when opened. */
  async function openFile(path: string): Promise<boolean> {
    const r = await commands.openProject(path);
    if (r.status === "ok") {
      load(r.data, path);
      return true;
    }
    status.set(`Cannot open ${path}: ${errorText(r.error)}`, "error");
    return false;
  }

  /** `opened` (a command's answer) in place of this project once this one may go. */
  async function replaceWith(what: string, opened: () => Promise<{ project: Project; path: string | null } | string | null>) {
    if (!(await leave(what))) return;
    const r = await opened();
    if (r === null) return;
    if (typeof r === "string") return status.set(r, "error");
    load(r.project, r.path);
    changed();
  }

  return {
    newProject: () => replaceWith("Start a new project", async () => ({ project: await commands.newProject(), path: null })),
    /** A path from the recent list (the welcome screen): Rust grants it. */
    openRecent: (path: string) =>
      replaceWith("Open another project", async () => {
        const r = await commands.openRecent(path);
        return r.status === "ok" ? { project: r.data, path } : `Cannot open ${path}: ${errorText(r.error)}`;
      }),
    async openExample() {
      if (!(await leave("Open the example"))) return;
      const r = await commands.openExample();
      if (r.status === "error") return status.set(`Cannot open the example: ${errorText(r.error)}`, "error");
      if (await openFile(r.data)) changed();
    },
    /**
     * Opens a project the backend granted (command line, a second start of the app, the recent
     * menu), once this one's edits are saved or the creator lets them go; true when opened.
     */
    openGranted: async (path: string): Promise<boolean> => (await leave("Open another project")) && openFile(path),
    /** File → Open: the creator picks the file in Rust's dialog. */
    open: () =>
      replaceWith("Open another project", async () => {
        const [path] = await status.choose("openProject");
        if (!path) return null;
        try {
          return { project: unwrapResult(await commands.openProject(path)), path };
        } catch (e) {
          return `Cannot open ${path}: ${errorText(e)}`;
        }
      }),
    /** The conflict dialog's choice: the file as it is on disk now (this window's edits dropped). */
    async reloadFromDisk() {
      const c = file.state.conflict;
      if (c && (await openFile(c.path))) {
        changed();
        status.set(`Reloaded ${c.path}`);
      }
    },
  };
}

/**
 * Leaving a project (for another, or closing the window): what would be lost, and asking
 * before it is.
 */
export function createLeaving(doc: DocumentStore, file: ProjectFile, flushAutosave: () => Promise<boolean>) {
  /**
   * Edits that would be lost: a never-saved project's, or a saved one's that its file does not
   * hold because a save was refused (another program changed the file, a newer studio's
   * format, an I/O error) and autosave is held back or failing.
   */
  const unsaved = () => doc.state.dirty && (file.state.path === null || file.state.conflict !== null || file.state.saveError !== null);

  /** Asks before dropping unsaved edits; true to go on. */
  async function confirmDiscard(what: string): Promise<boolean> {
    if (!unsaved()) return true;
    const why =
      file.state.path === null
        ? "This project was never saved."
        : file.state.conflict
          ? "This project's changes are not saved: its file was changed by another program."
          : `This project's changes could not be saved (${file.state.saveError}).`;
    return ask(`${why} ${what} anyway and lose its changes?`, { title: "Unsaved changes", kind: "warning" });
  }

  /**
   * Before another project replaces this one, or the window closes: a pending autosave is
   * written first, and true means go on. A write refused because another program changed the
   * file stops here (the conflict dialog asks what to do); edits that are still not on disk
   * for another reason are asked about.
   */
  async function leave(what: string): Promise<boolean> {
    if (!(await flushAutosave()) && file.state.conflict?.asking) return false;
    return confirmDiscard(what);
  }

  return { unsaved, confirmDiscard, leave };
}
