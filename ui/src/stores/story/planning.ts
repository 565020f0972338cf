// "New from story": the story (pasted, typed or opened), the planner (offline, or the text
// model with its cost shown before anything is paid), the plan, then its review: the shots to
// take (all, or shot by shot), the library characters to use, the invented names to accept or
// remove, and the check's issues with the words they concern. Accepting makes a new project.
import { batch, createEffect, on, onCleanup } from "solid-js";
import { createStore } from "solid-js/store";
import { commands, type PlanEstimate, type PlanOutcome, type SourceSpan, type StoryFormat } from "../../bindings";
import { errorText, spentText } from "../../format";
import * as plan from "../../plan";
import { charLength, formatOf } from "../../story";
import type { ProjectStore } from "../project";
import type { StatusStore } from "../status";

/** The longest story a project keeps (Rust's `MAX_STORY_CHARS`), in Unicode scalar values. */
export const MAX_STORY_CHARS = 40_000;

export type PlannerPick = "offline" | "model";
/** What the creator decided of an invented name (undecided: the check keeps flagging it). */
export type InventedChoice = "undecided" | "accept" | "remove";

export interface PlanningState {
  open: boolean;
  step: "write" | "review";
  text: string;
  format: StoryFormat;
  /** The file the story came from (its name only), if opened from one. */
  fileName: string | null;
  planner: PlannerPick;
  /** The text model's estimate (or why it cannot plan), once asked. */
  estimate: { ok: true; value: PlanEstimate } | { ok: false; message: string } | null;
  estimating: boolean;
  planning: boolean;
  error: string;
  outcome: PlanOutcome | null;
  /** The shots the creator takes (all at first). */
  keep: string[];
  /** Library matches used, by the plan's character id. */
  used: string[];
  invented: Record<string, InventedChoice>;
  /** What an issue the creator clicked points at: its words and its shot. */
  focus: { span: SourceSpan | null; shot: string | null };
  /** How long the last plan took to show, from the click on Plan (ms). */
  shownAfterMs: number | null;
}

const initial = (): PlanningState => ({
  open: false,
  step: "write",
  text: "",
  format: "plain",
  fileName: null,
  planner: "offline",
  estimate: null,
  estimating: false,
  planning: false,
  error: "",
  outcome: null,
  keep: [],
  used: [],
  invented: {},
  focus: { span: null, shot: null },
  shownAfterMs: null,
});

/** How long after the last keystroke the model's estimate is asked again. */
const ESTIMATE_MS = 400;

export function createPlanning(deps: { project: ProjectStore; status: StatusStore; started: () => void }) {
  const { project, status } = deps;
  const [state, setState] = createStore<PlanningState>(initial());
  let estimateTimer: number | undefined;
  onCleanup(() => window.clearTimeout(estimateTimer));

  const chars = () => charLength(state.text);
  const tooLong = () => chars() > MAX_STORY_CHARS;
  const story = () => ({ text: state.text, format: state.format });

  // The text model's cost, asked again a moment after the story or the planner changes.
  createEffect(
    on([() => state.text, () => state.format, () => state.planner, () => state.open], () => {
      window.clearTimeout(estimateTimer);
      if (!state.open || state.planner !== "model" || !state.text.trim() || tooLong()) return void setState("estimate", null);
      setState("estimating", true);
      estimateTimer = window.setTimeout(() => void estimate(), ESTIMATE_MS);
    }),
  );

  async function estimate() {
    const asked = state.text;
    const r = await commands.planEstimate(story(), "model");
    if (asked !== state.text) return; // typed on since: the next answer counts
    batch(() => {
      setState("estimating", false);
      setState("estimate", r.status === "ok" ? { ok: true, value: r.data } : { ok: false, message: errorText(r.error) });
    });
  }

  /** The most the creator approves for the model's call: its estimate, as shown. */
  const approvedUsd = () => (state.estimate?.ok ? (state.estimate.value.cost.usd ?? undefined) : undefined);

  /** Why Plan cannot be pressed now ("" when it can). */
  const planBlocked = (): string => {
    if (!state.text.trim()) return "Paste, type or open a story first";
    if (tooLong()) return `The story is ${chars().toLocaleString()} characters; the limit is ${MAX_STORY_CHARS.toLocaleString()}`;
    if (state.planning) return "Planning…";
    if (state.planner === "model") {
      if (state.estimating || !state.estimate) return "Estimating the model's cost…";
      if (!state.estimate.ok) return state.estimate.message;
    }
    return "";
  };

  async function runPlan() {
    if (planBlocked()) return;
    const t0 = performance.now();
    setState({ planning: true, error: "" });
    const r = await commands.planStory({ story: story(), base: project.current(), planner: state.planner, useLibrary: true, approvedUsd: approvedUsd() });
    if (r.status === "error") return setState({ planning: false, error: errorText(r.error) });
    const o = r.data;
    setState({
      planning: false,
      step: "review",
      outcome: o,
      keep: o.project.scenarios.map((s) => s.id),
      used: o.libraryMatches.filter((m) => m.used).map((m) => m.characterId),
      invented: Object.fromEntries(o.invented.map((id) => [id, "undecided" as InventedChoice])),
      focus: { span: null, shot: null },
    });
    // Measured once the review has drawn (the next frame).
    requestAnimationFrame(() => setState("shownAfterMs", Math.round(performance.now() - t0)));
    if (o.planner.kind === "model") status.set(`Planned with ${o.planner.model} (${spentText(o.cost)})`);
  }

  /** The project the review makes of the plan, as the creator chose. */
  function reviewed() {
    const o = state.outcome;
    if (!o) return null;
    let p = o.project;
    for (const m of o.libraryMatches) p = plan.useMatch(p, m, state.used.includes(m.characterId));
    for (const [id, choice] of Object.entries(state.invented)) {
      if (choice === "accept") p = plan.acceptInvented(p, plan.inventedName(o.project, id));
      if (choice === "remove") p = plan.removeInvented(p, id);
    }
    return plan.keepShots(p, new Set(state.keep));
  }

  /** The reviewed plan becomes a new project (after this one's edits are safe). */
  async function accept(): Promise<boolean> {
    const p = reviewed();
    if (!p || p.scenarios.length === 0) return false;
    if (!(await project.startFrom(p))) return false;
    setState(initial());
    deps.started();
    status.set(`Planned ${p.scenarios.length} shots from the story: save the project to keep it`);
    return true;
  }

  const toggle = (list: "keep" | "used", id: string, on: boolean) =>
    setState(list, (ids) => (on ? [...ids.filter((x) => x !== id), id] : ids.filter((x) => x !== id)));

  return {
    state,
    chars,
    planBlocked,
    open: () => setState({ ...initial(), open: true }),
    close: () => setState(initial()),
    setText: (text: string) => setState("text", text),
    setFormat: (format: StoryFormat) => setState("format", format),
    setPlanner: (planner: PlannerPick) => setState({ planner, estimate: null }),
    /** A story file picked in Rust's dialog and read there: only its text comes back. */
    async openFile() {
      const r = await commands.openStoryFile();
      if (r.status === "error") return setState("error", errorText(r.error));
      if (r.data) setState({ text: r.data.story.text, format: r.data.story.format ?? formatOf(r.data.name), fileName: r.data.name, error: "" });
    },
    plan: runPlan,
    back: () => setState({ step: "write", outcome: null, focus: { span: null, shot: null } }),
    keepShot: (id: string, on: boolean) => toggle("keep", id, on),
    keepAll: (on: boolean) => setState("keep", on ? (state.outcome?.project.scenarios.map((s) => s.id) ?? []) : []),
    useMatch: (characterId: string, on: boolean) => toggle("used", characterId, on),
    decide: (id: string, choice: InventedChoice) => setState("invented", id, choice),
    focus: (span: SourceSpan | null, shot: string | null) => setState("focus", { span, shot }),
    reviewed,
    accept,
  };
}

export type Planning = ReturnType<typeof createPlanning>;
