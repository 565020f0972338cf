// A job's details: its versions and takes, picking takes to stitch, a new take of a scenario.
import { commands, type SegmentState as Segment } from "../../bindings";
import { takesChanged } from "../../editor";
import type { Job, JobList } from "./list";

/** Watches a job that runs again (a new take, a new version). */
type Watch = (id: string, name: string) => Promise<void>;

export function createDetails(list: JobList, watch: Watch) {
  const { setState, find, update, report } = list;

  function toggleDetails(id: string) {
    const open = !find(id)?.detailsOpen;
    update(id, { detailsOpen: open });
    if (open) void loadDetail(id);
  }

  /**
   * The newest jobDetail asked per job. Answers can come back out of order (Rust reads the job's
   * status, history and result one after another, each slower on a loaded machine): an answer
   * asked for before a newer one is dropped, so details asked before a new version started
   * never overwrite that version's once it has finished.
   */
  const asked = new Map<string, number>();

  async function loadDetail(id: string) {
    const n = (asked.get(id) ?? 0) + 1;
    asked.set(id, n);
    const r = await commands.jobDetail(id);
    if (asked.get(id) !== n) return;
    if (r.status === "error") return report(id, r.error);
    update(id, { detail: r.data, picked: r.data.segments.map((s) => s.take ?? 0) });
    if (r.data.webUiUrl && !find(id)?.webUiUrl) update(id, { webUiUrl: r.data.webUiUrl });
  }

  const currentTakes = (job: Job) => job.detail?.segments.map((s) => s.take ?? 0) ?? [];
  const canStitch = (job: Job) => takesChanged(currentTakes(job), job.picked);

  function pickTake(id: string, index: number, take: number) {
    setState("jobs", (j) => j.id === id, "picked", index, take);
  }

  async function stitchPicked(id: string) {
    const job = find(id);
    if (!job) return;
    const r = await commands.pickTakes(id, [...job.picked]);
    if (r.status === "error") return report(id, r.error);
    update(id, { message: `Stitching version ${r.data.version}…` });
    void watch(id, job.name);
  }

  /** A new take of one scenario; the prompt is sent only when it was edited. True when it started. */
  async function regenerate(id: string, segment: Segment, prompt: string): Promise<boolean> {
    const job = find(id);
    if (!job) return false;
    const text = prompt.trim();
    const r = await commands.regenerateSegment(id, segment.id, text === segment.prompt ? null : text);
    if (r.status === "error") {
      report(id, r.error);
      return false;
    }
    update(id, { message: `Take ${r.data.take} of ${segment.id} for version ${r.data.version}` });
    void watch(id, job.name);
    return true;
  }

  return { toggleDetails, loadDetail, currentTakes, canStitch, pickTake, stitchPicked, regenerate };
}

export type Details = ReturnType<typeof createDetails>;
