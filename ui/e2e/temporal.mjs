// The window e2e's view of the jobs as Temporal holds them (the run's embedded dev server, read
// with the `temporal` CLI): a job's history and result, where it stands when a wait on it times
// out, and the media its result names.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A JSON payload of a history event (base64 or inline). */
export const payload = (p) => JSON.parse(typeof p.data === "string" ? Buffer.from(p.data, "base64").toString("utf8") : JSON.stringify(p.data ?? p));

/** The jobs on the dev server at 127.0.0.1:`port`, read with the CLI at `cli`. */
export function temporalAt(port, cli = process.env.TEMPORAL_CLI) {
  const run = (...args) => execFileSync(cli, [...args, "--address", `127.0.0.1:${port}`, "-o", "json"], { encoding: "utf8", maxBuffer: 64 << 20 });
  /** The events of the job's latest run. */
  const history = (id) => {
    const h = JSON.parse(run("workflow", "show", "-w", id));
    return h.events ?? h;
  };
  /** The job's latest result, as its workflow completed it (undefined while it runs). */
  const result = (id) => {
    const done = history(id).find((e) => e.workflowExecutionCompletedEventAttributes);
    const p = done?.workflowExecutionCompletedEventAttributes.result.payloads[0];
    return p && payload(p);
  };
  /**
   * Where the job's latest run stands (status, pending activities, its last events), for a
   * timed-out wait to say; the whole history is saved in `artifacts` as `<id>-history.json`.
   */
  const standing = (id, artifacts) => {
    try {
      const d = JSON.parse(run("workflow", "describe", "-w", id));
      const events = history(id);
      fs.writeFileSync(path.join(artifacts, `${id}-history.json`), JSON.stringify(events, null, 1));
      const last = events.slice(-3).map((e) => `${e.eventTime} ${e.eventType}`);
      return JSON.stringify({ status: d.workflowExecutionInfo?.status, runId: d.workflowExecutionInfo?.execution?.runId, pending: d.pendingActivities ?? [], last });
    } catch (e) {
      return `(not read: ${e.message})`;
    }
  };
  return { history, result, standing };
}

/** A media file's length in seconds (ffprobe), by its artifact URI (`file://…`). */
export const mediaSeconds = (uri) => Number(execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", fileURLToPath(uri)], { encoding: "utf8" }).trim());
