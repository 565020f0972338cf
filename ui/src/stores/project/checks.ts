// What Rust says of the project: its problems (checked a moment after each change), which of
// them show (a field's once it was touched, all after a Render attempt), what a render would
// cost and take, and what the project's jobs have cost so far.
import { createMemo, onCleanup } from "solid-js";
import { createStore } from "solid-js/store";
import { commands, type FieldProblem, type Project } from "../../bindings";
import { estimateText, projectSpentText, renderBlockReason, wallTimeText } from "../../format";
import * as scenes from "../../scenes";

export interface ChecksState {
  /** What Rust's check found (marks fields, blocks Render). */
  problems: FieldProblem[];
  /** The studio (embedded server and worker) is up. */
  ready: boolean;
  estimate: string;
  /** The expected render time ("about 3 min"), empty when unknown. */
  wallTime: string;
  /** Fields the creator has edited (their problems show); all show after a Render attempt. */
  touched: string[];
  attempted: boolean;
  /** The estimate in US$ (`data-cost`), once known. */
  cost?: number;
  spent: string;
  spentUsd?: number;
}

/** How long after a change the project is checked. */
const CHECK_MS = 150;

export function createChecks(project: { current: () => Project; path: () => string | null }) {
  const [state, setState] = createStore<ChecksState>({ problems: [], ready: false, estimate: "estimating…", wallTime: "", touched: [], attempted: false, spent: "" });
  let checkTimer: number | undefined;
  onCleanup(() => window.clearTimeout(checkTimer));

  /** Checks the project soon (a burst of changes is checked once). */
  function schedule() {
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(() => void check(), CHECK_MS);
  }

  async function check() {
    const r = await commands.checkProject(project.path(), project.current());
    setState("problems", r.status === "ok" ? r.data : []);
    void showEstimate();
  }

  /** The price of a render, from the configured models and the price table (Rust side). */
  async function showEstimate() {
    if (!state.ready) return;
    const current = project.current();
    const r = await commands.estimateCost(current);
    if (r.status !== "ok") return;
    setState({ estimate: estimateText(r.data, current.budget), cost: r.data.cost.usd ?? 0, wallTime: wallTimeText(r.data.wallSeconds) });
  }

  /** What every job of the open project has cost. */
  async function showProjectSpent() {
    const path = project.path();
    if (!state.ready || !path) return void setState("spent", "");
    const r = await commands.projectCost(path);
    if (r.status === "ok") setState({ spent: projectSpentText(r.data), spentUsd: r.data.usd ?? 0 });
  }

  const renderReason = createMemo(() => renderBlockReason(state.ready, state.problems));
  /** The problems shown: a field's once it was touched, all after a Render attempt. */
  const shownProblems = createMemo(() => scenes.visibleProblems(state.problems, new Set(state.touched), state.attempted));
  const messages = (field: string) => shownProblems().filter((p) => p.field === field).map((p) => p.message);
  const touch = (field: string) => {
    if (!state.touched.includes(field)) setState("touched", (t) => [...t, field]);
  };
  /** Render was pressed: every problem shows; true when it may start. */
  function attemptRender(): boolean {
    setState("attempted", true);
    return renderReason() === "";
  }

  return {
    state,
    schedule,
    showEstimate,
    showProjectSpent,
    renderReason,
    shownProblems,
    messages,
    touch,
    attemptRender,
    setReady: (ready: boolean) => setState("ready", ready),
    /** Another project is shown: nothing touched, no Render attempted. */
    reset: () => setState({ touched: [], attempted: false }),
  };
}

export type ChecksStore = ReturnType<typeof createChecks>;
