// The storyboard's logic: scene status during a render, stale continuations, selections and
// their edits, reference paths and which problems to show. Pure, so Vitest covers it.
import type {
  FieldProblem,
  Project,
  Scenario,
  SegmentState as Segment,
  Take,
} from "./bindings";
import { nextScenarioId } from "./editor";

// ---------- render status ----------

export type SceneStatus =
  | { kind: "none" }
  | { kind: "queued" }
  | { kind: "generating"; since: number }
  | { kind: "done" }
  | { kind: "failed"; reason: string };

/** A scene's segment in a job (by scenario id). */
export function segmentOf(segments: Segment[] | undefined, id: string): Segment | undefined {
  return segments?.find((s) => s.id === id);
}

/** What the card says about its scene; `since` is when it was first seen generating. */
export function sceneStatus(seg: Segment | undefined, jobRunning: boolean, since: number | undefined, now: number): SceneStatus {
  if (!seg) return { kind: "none" };
  switch (seg.status) {
    case "pending":
      return jobRunning ? { kind: "queued" } : { kind: "none" };
    case "running":
      return jobRunning ? { kind: "generating", since: since ?? now } : { kind: "none" };
    case "done":
      return { kind: "done" };
    case "failed":
      return { kind: "failed", reason: seg.error ?? "failed" };
  }
}

/** The take in use of a segment. */
export function currentTake(seg: Segment | undefined): Take | undefined {
  if (!seg?.takes || !seg.take) return undefined;
  return seg.takes.find((t) => t.number === seg.take);
}

/**
 * A scene that continues from the previous shot is stale when its current take started from
 * another clip than the previous scene's current one (that scene was re-rendered or re-picked).
 */
export function isStale(project: Project, index: number, segments: Segment[] | undefined): boolean {
  const s = project.scenarios[index];
  if (!s?.continueFromPrevious || index === 0 || !segments) return false;
  const take = currentTake(segmentOf(segments, s.id));
  const prevClip = segmentOf(segments, project.scenarios[index - 1].id)?.clipUrl;
  if (!take || !prevClip) return false;
  return take.firstFrameFrom !== prevClip;
}

/** The number of takes of a scene in the job. */
export function takeCount(seg: Segment | undefined): number {
  return seg?.takes?.length ?? 0;
}

// ---------- selection ----------

/**
 * The selection after a click on `id`: plain click selects it alone, Ctrl toggles it, Shift
 * selects the range from `anchor` (in the storyboard's order).
 */
export function clickSelect(order: string[], selected: string[], anchor: string | null, id: string, mods: { ctrl: boolean; shift: boolean }): string[] {
  if (mods.shift && anchor && order.includes(anchor)) {
    const [a, b] = [order.indexOf(anchor), order.indexOf(id)].sort((x, y) => x - y);
    const range = order.slice(a, b + 1);
    return mods.ctrl ? order.filter((x) => selected.includes(x) || range.includes(x)) : range;
  }
  if (mods.ctrl) return selected.includes(id) ? selected.filter((x) => x !== id) : order.filter((x) => x === id || selected.includes(x));
  return [id];
}

/** Copies of the selected scenes, each right after the last selected one, in order. */
export function duplicateScenes(p: Project, ids: string[], retired?: ReadonlySet<string>): [Project, string[]] {
  const picked = p.scenarios.filter((s) => ids.includes(s.id));
  if (picked.length === 0) return [p, []];
  let next = p;
  const copies: Scenario[] = [];
  for (const s of picked) {
    const copy = { ...s, id: nextScenarioId(next, retired) };
    copies.push(copy);
    next = { ...next, scenarios: [...next.scenarios, copy] };
  }
  const lastIndex = Math.max(...picked.map((s) => p.scenarios.indexOf(s)));
  const scenarios = [...p.scenarios];
  scenarios.splice(lastIndex + 1, 0, ...copies);
  return [{ ...p, scenarios: fixContinuity(scenarios) }, copies.map((c) => c.id)];
}

export function deleteScenes(p: Project, ids: string[]): Project {
  return { ...p, scenarios: fixContinuity(p.scenarios.filter((s) => !ids.includes(s.id))) };
}

/** The first scene cannot continue from a previous one. */
export function fixContinuity(scenarios: Scenario[]): Scenario[] {
  const first = scenarios[0];
  if (!first?.continueFromPrevious) return scenarios;
  const { continueFromPrevious: _c, ...rest } = first;
  void _c;
  return [rest, ...scenarios.slice(1)];
}

/** Moves the scene `id` by `delta` places (Alt+Arrow keys). */
export function moveBy(p: Project, id: string, delta: number): Project {
  const from = p.scenarios.findIndex((s) => s.id === id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= p.scenarios.length) return p;
  const scenarios = [...p.scenarios];
  const [s] = scenarios.splice(from, 1);
  scenarios.splice(to, 0, s);
  return { ...p, scenarios: fixContinuity(scenarios) };
}

// ---------- paths ----------

export function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}

/** The folder of a file path ("" when it has none). */
export function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i < 0 ? "" : i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

export function basename(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return path.slice(i + 1);
}

/** A reference path as written in the project, resolved against the project file's folder. */
export function resolveReference(projectPath: string | null, ref: string): string {
  if (isAbsolute(ref) || !projectPath) return ref;
  const dir = dirname(projectPath);
  if (!dir) return ref;
  const sep = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  const rel = ref.replace(/^\.[\\/]/, "");
  return dir.endsWith(sep) ? `${dir}${rel}` : `${dir}${sep}${rel}`;
}

// ---------- problems ----------

/** The problems to show: a field's only once it was touched, all after a Render attempt. */
export function visibleProblems(problems: FieldProblem[], touched: ReadonlySet<string>, attempted: boolean): FieldProblem[] {
  if (attempted) return problems;
  return problems.filter((p) => touched.has(p.field) || [...touched].some((t) => p.field.startsWith(`${t}.`) || p.field.startsWith(`${t}[`)));
}

/** A prompt cut to `max` characters at a word, with an ellipsis. */
export function truncate(text: string, max: number): string {
  const t = text.trim().replace(/\s+/g, " ");
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
