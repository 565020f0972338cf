// What the check found in a plan, each with the sentence or line it concerns: a button that
// shows those words (and selects the shot concerned). Shown as found, never fixed silently.
import { For, Show } from "solid-js";
import type { PlanIssue, Project, SourceSpan } from "../bindings";
import { characters } from "../cast";
import { issueQuote, issueShot, issueSpan, issueText } from "../story";
import { truncate } from "../scenes";

export default function PlanIssues(props: {
  id: string;
  issues: PlanIssue[];
  project: Project;
  onShow: (span: SourceSpan | null, shot: string | null) => void;
}) {
  const label = (shot: string | undefined) => {
    const i = props.project.scenarios.findIndex((s) => s.id === shot);
    return i < 0 ? "" : `shot ${i + 1}`;
  };
  /** A character's name, or a shot's place ("shot 3"), for the ids an issue names. */
  const nameOf = (id: string) => characters(props.project).find((c) => c.id === id)?.name ?? (label(id) || id);
  return (
    <Show when={props.issues.length} fallback={<p class="muted small-text plan-ok">The shots tell every sentence and line of the story.</p>}>
      <ul id={props.id} class="plan-issues" aria-label="What the check found">
        <For each={props.issues}>
          {(issue) => {
            const shot = () => issueShot(issue, props.project.scenarios);
            return (
              <li data-kind={issue.kind}>
                <button type="button" class="issue" onClick={() => props.onShow(issueSpan(issue) ?? null, shot() ?? null)}>
                  <span class="issue-text">{issueText(issue, nameOf)}</span>
                  <q class="issue-quote">{truncate(issueQuote(issue, props.project.story?.text ?? ""), 140)}</q>
                  <Show when={shot()}>
                    <span class="muted small-text"> · {label(shot())}</span>
                  </Show>
                </button>
              </li>
            );
          }}
        </For>
      </ul>
    </Show>
  );
}
