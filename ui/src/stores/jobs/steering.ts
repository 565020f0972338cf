// Steering a running job: pause, resume, cancel, its quality, its budget, an added scene.
import { ask } from "@tauri-apps/plugin-dialog";
import { commands, type Quality } from "../../bindings";
import type { Result } from "../../ipc";
import type { JobList } from "./list";

export function createSteering(list: JobList) {
  const { find, update, report } = list;

  async function steer(id: string, call: Promise<Result<null>>) {
    const r = await call;
    if (r.status === "error") report(id, r.error);
  }

  const pause = (id: string) => steer(id, commands.pauseJob(id));
  const resume = (id: string) => steer(id, commands.resumeJob(id));

  async function cancel(id: string) {
    const name = find(id)?.name ?? id;
    if (!(await ask(`Cancel "${name}"? Clips already made are kept in the artifact store.`, { title: "Cancel render", kind: "warning" }))) return;
    await steer(id, commands.cancelJob(id));
  }

  async function changeQuality(id: string, quality: Quality) {
    const r = await commands.changeQuality(id, quality);
    if (r.status === "error") report(id, r.error);
    else update(id, { message: `quality ${r.data} → ${quality}` });
  }

  /** Approves `usd` more dollars for a job waiting at its budget. */
  async function approveSpend(id: string, usd: number) {
    const r = await commands.approveSpend(id, usd);
    if (r.status === "error") report(id, r.error);
    else update(id, { message: `approved $${(r.data ?? 0).toFixed(2)} in all` });
  }

  /** Adds a scene to the running job; true when it was added. */
  async function addScene(id: string, prompt: string): Promise<boolean> {
    const r = await commands.addSegment(id, prompt, 8);
    if (r.status === "error") report(id, r.error);
    return r.status === "ok";
  }

  /** Opens the job in the Temporal Web UI (Rust makes the URL from the server it runs). */
  async function openWebUi(id: string) {
    if (!find(id)?.webUiUrl) return;
    const r = await commands.openWebUi(id);
    if (r.status === "error") report(id, r.error);
  }

  return { pause, resume, cancel, changeQuality, approveSpend, addScene, openWebUi };
}
