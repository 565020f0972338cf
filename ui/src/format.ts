// The words and numbers the window shows, from the shapes Rust sends: pure, so Vitest covers them.
import type {
  ApiError,
  BatchView,
  BudgetState,
  CacheView,
  Cost,
  EndpointSource,
  Estimate,
  FieldProblem,
  Health,
  KeysView,
  ModelReport,
  Progress,
  Project,
  Take,
  TimelineEntry,
  VersionView,
} from "./bindings";
import { timing, usd } from "./editor";

/** The message of an `ApiError` (or of anything else thrown). */
/** An error as one line: its message, then each problem it lists (the message does not repeat them). */
export function errorText(e: unknown): string {
  if (typeof e !== "object" || e === null || !("message" in e)) return String(e);
  const { message, problems } = e as ApiError;
  return problems?.length ? `${message}: ${problems.map((p) => p.message).join("; ")}` : String(message);
}

function unpriced(cost: Cost): string {
  return cost.unpricedModels.length ? ` (no price for ${cost.unpricedModels.join(", ")})` : "";
}

/** The editor's summary: how many scenarios and how long the video. */
export function lengthText(project: Project): string {
  return `${project.scenarios.length} scenario(s), ${timing(project).seconds} s of video`;
}

export function estimateText(e: Estimate, budget?: number | null): string {
  const cost = e.cost.usd ?? 0;
  const of = budget === null || budget === undefined ? "" : cost > budget ? ` — over the ${usd(budget)} budget` : ` of a ${usd(budget)} budget`;
  return `estimated ${usd(cost)}${of} with ${e.videoModel}${unpriced(e.cost)}`;
}

/** The expected render time from Rust's estimate: "about 20 s", "about 3 min"; empty when unknown. */
export function wallTimeText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "";
  const fives = Math.max(5, Math.round(seconds / 5) * 5);
  if (fives < 60) return `about ${fives} s`;
  if (seconds < 3570) return `about ${Math.max(1, Math.round(seconds / 60))} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return m ? `about ${h} h ${m} min` : `about ${h} h`;
}

/** Seconds as m:ss (a scene's elapsed generating time). */
export function elapsedText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function projectSpentText(cost: Cost): string {
  return `Spent on this project so far: ${usd(cost.usd ?? 0)}`;
}

/** Why Render is disabled; empty when it is not. */
export function renderBlockReason(ready: boolean, problems: FieldProblem[]): string {
  if (!ready) return "Waiting for the studio to start…";
  if (problems.length) return `Fix ${problems.length} problem(s): ${problems.map((p) => p.message).join("; ")}`;
  return "";
}

/** The status bar's connection line. */
/** Where the Temporal address came from, after it: empty for the embedded server. */
export function endpointSourceText(s: EndpointSource): string {
  switch (s.kind) {
    case "embedded":
      return "";
    case "settings":
      return " (from Settings)";
    case "environment":
      return ` (from ${s.variable})`;
    case "profile":
      return ` (from profile ${s.profile} of ${s.file})`;
  }
}

export function healthText(h: Health): string {
  const from = endpointSourceText(h.endpointSource);
  if (!h.connected) return `disconnected from ${h.address}${from}: ${h.error ?? ""}`;
  const server = h.embeddedServer ? "embedded Temporal" : `Temporal ${h.address}${from}`;
  const worker = h.bundledWorker ? "bundled worker" : "external workers only";
  const backlog = h.backlog > 0 ? ` · backlog ${h.backlog} (oldest ${h.backlogAgeSecs} s)` : " · no backlog";
  return `${server} · ${worker} · ${h.workers} worker(s) polling${backlog}`;
}

/** A running job's one-line state: stage, percentage, paused. */
export function jobStateText(p: Progress): string {
  return `${p.stage.replace(/_/g, " ")} · ${p.percentage}%${p.paused ? " · paused" : ""}`;
}

/** An amount and what it could not price ("$0.004", "$0 (no price for m)"). */
export function costText(cost: Cost): string {
  return `${usd(cost.usd ?? 0)}${unpriced(cost)}`;
}

export function spentText(cost: Cost): string {
  return `Spent ${usd(cost.usd ?? 0)}${unpriced(cost)}`;
}

/** One line of a job's versions list (a Preview button may follow it). */
export function versionText(v: VersionView): string {
  return `v${v.number} · takes ${v.takes.join(", ")} · ${v.quality} · ${usd(v.cost.usd ?? 0)} `;
}

export function takeText(t: Take): string {
  return `take ${t.number}: ${t.prompt.slice(0, 40)}`;
}

export function timelineAt(e: TimelineEntry): string {
  return `+${(e.atMs / 1000).toFixed(1)} s`;
}

export function timelineTitle(e: TimelineEntry): string {
  const dur = e.durationMs != null ? ` (${(e.durationMs / 1000).toFixed(1)} s)` : "";
  const outcome = e.outcome && e.outcome !== "completed" ? ` · ${e.outcome}` : "";
  return `${e.title}${dur}${outcome}`;
}

export function batchText(b: BatchView): string {
  return `${b.inLibrary} of ${b.total} characters in the library · ${b.processed} generated · run ${b.run} · ${b.status}`;
}

/** How far a batch is, 0–100, counting the characters filed into the library. */
export function batchPercent(b: BatchView): number {
  return b.total ? (100 * b.inLibrary) / b.total : 0;
}

export function cacheUsageText(c: CacheView): string {
  return `Artifact cache: ${c.entries} entr${c.entries === 1 ? "y" : "ies"}, ${(c.mebibytes ?? 0).toFixed(1)} MiB`;
}

export function keysWhereText(k: KeysView): string {
  return k.inKeyring ? `Keys are ${k.detail}.` : `Keys: ${k.detail}.`;
}

/** Settings → Test key: the models the key can use and the studio's choice per role. */
export function modelReportRows(m: ModelReport): [term: string, value: string][] {
  const video = [
    m.videoRoute,
    m.native4k ? "native 4k" : "4k by upscale",
    m.referenceImages > 0 ? `${m.referenceImages} reference images` : "first frame",
  ];
  const others = [...m.usableImageModels, ...m.usableVideoModels].filter((x) => x !== m.imageModel && x !== m.videoModel);
  return [
    ["Provider", m.listedAt === null ? m.provider : `${m.provider} (${m.listed} models listed)`],
    ["Images", m.imageModel],
    ["Video", `${m.videoModel} (${video.join(", ")})`],
    ["Drafts", m.draftVideoModel],
    ...m.roles.map((r): [string, string] => [
      `Route (${r.role})`,
      `${r.model} via ${r.route}${r.problem ? ` — cannot be called: ${r.problem}` : r.location ? ` at ${r.location}` : ""}`,
    ]),
    ["Also usable", others.join(", ") || "nothing else"],
    ...(m.unknown.length > 0 ? [["Not in the model table", m.unknown.join(", ")] satisfies [string, string]] : []),
  ];
}

/**
 * A job waiting at its budget: what it has spent, what the next step costs, and the amount
 * (rounded up to the cent) that lets that step start. Null when the job is not waiting.
 */
export function budgetWait(b: BudgetState | null | undefined): { text: string; approve: number } | null {
  if (!b || b.waitingForUsd === null || b.waitingForUsd === undefined) return null;
  const spent = b.spentUsd ?? 0;
  const next = b.waitingForUsd;
  const short = spent + (b.inFlightUsd ?? 0) + next - (b.approvedUsd ?? 0);
  const approve = Math.max(0.01, Math.ceil(short * 100 - 1e-6) / 100);
  const step = b.waitingStep ? ` (${b.waitingStep})` : "";
  return {
    text: `Budget reached: ${usd(spent)} spent of ${usd(b.approvedUsd ?? 0)}; next step ${usd(next)}${step}`,
    approve,
  };
}
