// The story a project was planned from, beside its storyboard: "New from story" (`story/
// planning.ts`), editing the story and planning it again (`story/replanning.ts`), and here what
// the check says of the project's shots against its story (asked a moment after each change),
// the shot the story panel highlights, and words an issue points at.
import { createEffect, createSignal, on, onCleanup } from "solid-js";
import { commands, type PlanIssue, type SourceSpan } from "../bindings";
import { shotAt, shotBeside } from "../story";
import type { ProjectStore } from "./project";
import type { StatusStore } from "./status";
import type { StoryboardStore } from "./storyboard";
import { createPlanning } from "./story/planning";
import { createReplanning } from "./story/replanning";

/** How long after a change the project's plan is checked again. */
const CHECK_MS = 300;

export function createStoryStore(deps: { project: ProjectStore; status: StatusStore; storyboard: StoryboardStore }) {
  const { project, status, storyboard } = deps;
  const planning = createPlanning({ project, status, started: () => storyboard.dismissWelcome() });
  const replanning = createReplanning({ project, status });
  const [issues, setIssues] = createSignal<PlanIssue[]>([]);
  /** Words to show that no selected shot tells (an uncovered sentence the creator clicked). */
  const [marked, setMarked] = createSignal<SourceSpan | null>(null);
  let timer: number | undefined;
  onCleanup(() => window.clearTimeout(timer));

  const story = () => project.state.project.story;

  // The check, a moment after each change (nothing to check without a story).
  createEffect(
    on(project.revision, () => {
      window.clearTimeout(timer);
      if (!story()) return void setIssues([]);
      timer = window.setTimeout(async () => {
        if (!story()) return;
        setIssues(await commands.checkPlan(project.current()));
      }, CHECK_MS);
    }),
  );

  /** The shot the story panel highlights: the one the editor shows, else the first selected. */
  const current = () => storyboard.state.editing ?? storyboard.state.selected[0] ?? null;

  /** Selects the shot telling the words at scalar offset `at` (words selected in the story). */
  function selectAt(at: number): string | undefined {
    const id = shotAt(project.state.project.scenarios, at);
    setMarked(null);
    if (id) storyboard.setSelection([id]);
    else status.set("No shot tells these words", "warn");
    return id;
  }

  /** ↑/↓ in the story: the shot before or after the highlighted one. */
  function step(delta: 1 | -1) {
    const id = shotBeside(project.state.project.scenarios, current(), delta);
    if (id) {
      setMarked(null);
      storyboard.setSelection([id]);
    }
  }

  /** An issue clicked: its shot is selected, and its words marked when no shot tells them. */
  function showIssue(span: SourceSpan | null, shot: string | null) {
    if (shot) storyboard.setSelection([shot]);
    setMarked(shot ? null : span);
  }

  return { planning, replanning, issues, marked, current, selectAt, step, showIssue };
}

export type StoryStore = ReturnType<typeof createStoryStore>;
