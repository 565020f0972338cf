// "New from story" (a modal dialog): paste, type or open a story, script or treatment, choose
// the planner (offline, or the text model with its cost shown before anything is paid), plan,
// then review the plan (`PlanReview`) and accept it whole or shot by shot. Not a
// `<form method="dialog">`: Enter in the story must make a new line, not close the dialog.
import { createEffect, Match, Show, Switch } from "solid-js";
import { costText } from "../format";
import { MAX_STORY_CHARS } from "../stores/story/planning";
import { useStudio } from "../stores/studio";
import PlanReview from "./PlanReview";

function StoryWrite() {
  const { story } = useStudio();
  const planning = story.planning;
  const s = planning.state;
  const estimateText = () => {
    const e = s.estimate;
    if (s.estimating || !e) return "Estimating what the model's plan costs…";
    if (!e.ok) return e.message;
    return `At most ${costText(e.value.cost)} with ${e.value.model ?? "the text model"} (asked once, and once more if its plan misses words): paid only when you press Plan.`;
  };
  return (
    <>
      <p class="muted">
        Paste or type a story, a script or a treatment (plain text or Fountain), or open a file. Every shot will say which of your words it tells.
      </p>
      <label>
        <span class="row">
          Story
          <span class="spacer"></span>
          <span class="muted small-text" id="story-count" classList={{ warn: planning.chars() > MAX_STORY_CHARS }}>
            {planning.chars().toLocaleString()} / {MAX_STORY_CHARS.toLocaleString()} characters
            {s.fileName ? ` · from ${s.fileName}` : ""}
          </span>
        </span>
        <textarea
          id="story-input"
          class="story-input"
          rows="14"
          placeholder={'Mara walked into the harbour bar. "We sail at dawn," Mara said.'}
          value={s.text}
          onInput={(e) => planning.setText(e.currentTarget.value)}
        />
      </label>
      <div class="row">
        <button type="button" id="story-open" class="small" onClick={() => void planning.openFile()}>
          Open a file…
        </button>
        <label class="inline">
          Written as
          <select id="story-format" value={s.format} onChange={(e) => planning.setFormat(e.currentTarget.value === "fountain" ? "fountain" : "plain")}>
            <option value="plain">Prose (story or treatment)</option>
            <option value="fountain">Screenplay (Fountain)</option>
          </select>
        </label>
      </div>
      <fieldset class="planner" id="story-planner">
        <legend>Planner</legend>
        <label class="check">
          <input type="radio" name="planner" id="planner-offline" checked={s.planner === "offline"} onChange={() => planning.setPlanner("offline")} />
          Offline: free, on this machine, no key needed
        </label>
        <label class="check">
          <input type="radio" name="planner" id="planner-model" checked={s.planner === "model"} onChange={() => planning.setPlanner("model")} />
          Text model: reads the story as a person would (paid, with your Google key)
        </label>
        <Show when={s.planner === "model"}>
          <p id="plan-estimate" class="small-text" classList={{ warn: s.estimate?.ok === false, muted: s.estimate?.ok !== false }} role="status">
            {estimateText()}
          </p>
        </Show>
      </fieldset>
    </>
  );
}

export default function StoryDialog() {
  const { story } = useStudio();
  const planning = story.planning;
  const s = planning.state;
  let dialog!: HTMLDialogElement;
  createEffect(() => {
    if (s.open && !dialog.open) {
      dialog.showModal();
      queueMicrotask(() => document.getElementById("story-input")?.focus());
    } else if (!s.open && dialog.open) dialog.close();
  });
  const keptCount = () => s.keep.length;
  const total = () => s.outcome?.project.scenarios.length ?? 0;
  return (
    <dialog id="story-dialog" class="wide story-dialog" ref={dialog} aria-labelledby="story-title" onClose={() => planning.close()}>
      <div class="row">
        <h2 id="story-title">{s.step === "write" ? "New from story" : "Review the plan"}</h2>
        <span class="spacer"></span>
        <button type="button" class="small icon" aria-label="Close" onClick={() => planning.close()}>
          ✕
        </button>
      </div>
      <Switch>
        <Match when={s.step === "write"}>
          <StoryWrite />
        </Match>
        <Match when={s.step === "review"}>
          <PlanReview />
        </Match>
      </Switch>
      <div class="field-error" id="story-error" role="alert">
        {s.error}
      </div>
      <div class="row dialog-actions">
        <Show when={s.step === "review"}>
          <button type="button" id="plan-back" onClick={() => planning.back()}>
            ← Back to the story
          </button>
        </Show>
        <span class="spacer"></span>
        <button type="button" id="story-cancel" onClick={() => planning.close()}>
          Cancel
        </button>
        <Show
          when={s.step === "review"}
          fallback={
            <button type="button" id="story-plan" class="primary" disabled={planning.planBlocked() !== ""} title={planning.planBlocked() || "Plan the story into shots"} onClick={() => void planning.plan()}>
              {s.planning ? "Planning…" : s.planner === "model" && s.estimate?.ok ? `Plan (at most ${costText(s.estimate.value.cost)})` : "Plan"}
            </button>
          }
        >
          <button type="button" id="plan-accept" class="primary" disabled={keptCount() === 0} onClick={() => void planning.accept()}>
            {keptCount() === total() ? `Accept the plan (${total()} shots)` : `Accept ${keptCount()} of ${total()} shots`}
          </button>
        </Show>
      </div>
    </dialog>
  );
}
