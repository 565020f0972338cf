// Pure editing logic for a project: kept apart from the DOM so Vitest covers it.
import type { Project, Scenario } from "./bindings";

export type Duration = 4 | 6 | 8;

/**
 * An id no scene of the project has, nor any in `retired` (the ids the project's scenes had
 * since it was opened): Rust keeps a file's unknown fields by scene id, and a new scene given a
 * deleted scene's id would take them over.
 */
export function nextScenarioId(project: Project, retired: ReadonlySet<string> = new Set()): string {
  const taken = new Set(project.scenarios.map((s) => s.id));
  for (let n = project.scenarios.length + 1; ; n++) {
    const id = `scene-${n}`;
    if (!taken.has(id) && !retired.has(id)) return id;
  }
}

export function addScenario(project: Project, prompt = "", retired?: ReadonlySet<string>): Project {
  const s: Scenario = { id: nextScenarioId(project, retired), prompt, durationSeconds: 8 };
  return { ...project, scenarios: [...project.scenarios, s] };
}

export function duplicateScenario(project: Project, index: number, retired?: ReadonlySet<string>): Project {
  const copy = { ...project.scenarios[index], id: nextScenarioId(project, retired) };
  const scenarios = [...project.scenarios];
  scenarios.splice(index + 1, 0, copy);
  return { ...project, scenarios };
}

export interface Deleted {
  scenario: Scenario;
  index: number;
}

export function deleteScenario(project: Project, index: number): [Project, Deleted] {
  const scenarios = [...project.scenarios];
  const [scenario] = scenarios.splice(index, 1);
  return [{ ...project, scenarios }, { scenario, index }];
}

export function undoDelete(project: Project, d: Deleted): Project {
  const scenarios = [...project.scenarios];
  scenarios.splice(Math.min(d.index, scenarios.length), 0, d.scenario);
  return { ...project, scenarios };
}

/** Moves the scenario at `from` to `to` (drag and drop, or Alt+Arrow keys). */
export function moveScenario(project: Project, from: number, to: number): Project {
  if (from === to || to < 0 || to >= project.scenarios.length) return project;
  const scenarios = [...project.scenarios];
  const [s] = scenarios.splice(from, 1);
  scenarios.splice(to, 0, s);
  return { ...project, scenarios };
}

/** Length of the video; the price and the expected render time come from Rust (`estimateCost`),
 * which knows the configured models, the price table and the parallel limit. */
export interface Timing {
  seconds: number;
}

export function timing(project: Project): Timing {
  return { seconds: project.scenarios.reduce((t, s) => t + s.durationSeconds, 0) };
}

/** Dollars, with cents; sub-cent amounts keep a third digit so small prices do not read $0.00. */
export function usd(amount: number): string {
  return amount > 0 && amount < 0.1 ? `$${amount.toFixed(3)}` : `$${amount.toFixed(2)}`;
}

/** The take numbers a job's segments use now, and whether `picked` differs from them. */
export function takesChanged(current: number[], picked: number[]): boolean {
  return current.length === picked.length && current.some((t, i) => t !== picked[i]);
}
