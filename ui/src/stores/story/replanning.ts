// Editing the story and planning it again: the edited text is planned anew in Rust, which keeps
// every shot whose words did not change and every shot the creator changed by hand; the
// proposal's changes are shown before anything is applied, and applying it is one undo step.
import { createStore } from "solid-js/store";
import { commands, type ReplanOutcome } from "../../bindings";
import { errorText } from "../../format";
import type { ProjectStore } from "../project";
import type { StatusStore } from "../status";

export interface ReplanState {
  /** The story is being edited in the panel. */
  editing: boolean;
  draft: string;
  busy: boolean;
  /** The proposal, shown before it is applied. */
  proposal: ReplanOutcome | null;
  error: string;
}

const initial = (): ReplanState => ({ editing: false, draft: "", busy: false, proposal: null, error: "" });

export function createReplanning(deps: { project: ProjectStore; status: StatusStore }) {
  const { project, status } = deps;
  const [state, setState] = createStore<ReplanState>(initial());

  async function planAgain() {
    const story = project.state.project.story;
    if (!story || state.busy) return;
    setState({ busy: true, error: "" });
    const r = await commands.replanStory(project.current(), { ...story, text: state.draft });
    if (r.status === "error") return setState({ busy: false, error: errorText(r.error) });
    setState({ busy: false, proposal: r.data });
  }

  function apply() {
    const p = state.proposal;
    if (!p) return;
    project.replaceProject(p.replan.project);
    setState(initial());
    status.set("The story was planned again: Undo (Ctrl+Z) puts the shots back");
  }

  return {
    state,
    startEdit: () => setState({ ...initial(), editing: true, draft: project.state.project.story?.text ?? "" }),
    setDraft: (draft: string) => setState("draft", draft),
    cancelEdit: () => setState(initial()),
    planAgain,
    apply,
    /** Back to the edited story, the proposal dropped. */
    cancel: () => setState("proposal", null),
  };
}

export type Replanning = ReturnType<typeof createReplanning>;
