// What the window's tests share: the whole App mounted against mocked Rust commands (Tauri's
// IPC mocks), waiting until it says it is ready, and taken down with every mock restored.
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { render } from "solid-js/web";
import { vi } from "vitest";
import App from "./App";

export type Args = Record<string, unknown>;

/** The first element matching `selector`. */
export const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);

/** `what()` once it is truthy (2 s at most, checked every 10 ms). */
export async function waitFor<T>(what: () => T | null | undefined | false): Promise<T> {
  return vi.waitFor(
    () => {
      const v = what();
      if (!v) throw new Error(`not yet: ${what.toString().slice(0, 160)}`);
      return v;
    },
    { timeout: 2000, interval: 10 },
  );
}

/** The main window, each command answered by `answer` with its arguments as an object. */
export function mockCommands(answer: (cmd: string, args: Args) => unknown) {
  mockWindows("main");
  mockIPC(
    (cmd, payload) => {
      const args = payload && !Array.isArray(payload) && !(payload instanceof ArrayBuffer) && !(payload instanceof Uint8Array) ? (payload as Args) : {};
      return answer(cmd, args);
    },
    { shouldMockEvents: true },
  );
}

/** Mounts the App in a fresh `#app` and waits until it is ready; returns its dispose. */
export async function mountApp(): Promise<() => void> {
  document.body.innerHTML = '<div id="app"></div>';
  delete document.body.dataset.ready;
  const root = $("#app");
  if (!root) throw new Error("no #app");
  const dispose = render(() => <App />, root);
  await waitFor(() => document.body.dataset.ready === "true");
  return dispose;
}

/** Disposes the App, then restores the spies and the IPC mocks (after the window's listeners stop, which is asynchronous). */
export async function unmountApp(dispose: () => void) {
  dispose();
  vi.restoreAllMocks();
  await new Promise((r) => setTimeout(r, 0));
  clearMocks();
}

/** `health` of a studio on its own embedded server and worker, all well. */
export const HEALTHY = { connected: true, address: "127.0.0.1:7233", endpointSource: { kind: "embedded" }, embeddedServer: true, bundledWorker: true, workers: 1, backlog: 0, backlogAgeSecs: 0, error: null, warnings: [] };

/**
 * The commands a mounted App asks as it starts, answered for a window opening `project` (a
 * copy each time) with `prefs`, no jobs and an empty library: a test spreads them and answers
 * what it looks at itself.
 */
export function appHandlers<P extends object, W extends object>(project: P, prefs: W): Record<string, (args: Args) => unknown> {
  return {
    new_project: () => ({ ...project, scenarios: [] }),
    initial_project: () => "/p.studio.json",
    open_project: () => structuredClone(project),
    check_project: () => [],
    estimate_cost: () => ({ imageModel: "i", videoModel: "offline", images: 3, videoSeconds: 12, cost: { usd: 0, unpricedModels: [] } }),
    project_cost: () => ({ usd: 0, unpricedModels: [] }),
    studio_status: () => ({ dataDir: "/data", artifactsDir: "/data/a" }),
    health: () => HEALTHY,
    list_jobs: () => [],
    list_characters: () => [],
    list_batches: () => [],
    recent_projects: () => [],
    window_prefs: () => structuredClone(prefs),
    update_window_prefs: () => structuredClone(prefs),
  };
}
