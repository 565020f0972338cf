// The plan's review in "New from story": the story with the focused shot's words highlighted,
// the shots to take (each with its words, camera, place and cast), the library characters to
// use or not, the invented names to accept or remove, and what the check found.
import { createEffect, For, on, Show } from "solid-js";
import type { LibraryMatch, Project, Scenario } from "../bindings";
import { characters } from "../cast";
import { truncate } from "../scenes";
import { CAMERA_MOVES, SHOT_SIZES } from "../shots";
import { plannerText, problemText } from "../plan";
import { shotAt, spanText } from "../story";
import type { InventedChoice } from "../stores/story/planning";
import { useStudio } from "../stores/studio";
import PlanIssues from "./PlanIssues";
import StoryText from "./StoryText";

const sizeWords = (s: Scenario) => SHOT_SIZES.find(([k]) => k === s.camera?.shot)?.[1] ?? "";
const moveWords = (s: Scenario) => CAMERA_MOVES.find(([k]) => k === s.camera?.move)?.[1]?.toLowerCase() ?? "";

function ShotRow(props: { shot: Scenario; index: number; project: Project }) {
  const { story } = useStudio();
  const planning = story.planning;
  const s = () => props.shot;
  const focused = () => planning.state.focus.shot === s().id;
  const kept = () => planning.state.keep.includes(s().id);
  const place = () => props.project.elements?.find((e) => e.id === s().location)?.name;
  const cast = () => characters(props.project).filter((c) => c.id && (s().cast ?? []).includes(c.id)).map((c) => c.name);
  const words = () => (s().source && props.project.story ? spanText(props.project.story.text, s().source!).trim() : s().prompt);
  return (
    <li class="plan-shot" classList={{ focused: focused(), dropped: !kept() }} data-id={s().id}>
      <label class="check">
        <input type="checkbox" class="keep-shot" checked={kept()} aria-label={`Take shot ${props.index + 1}`} onChange={(e) => planning.keepShot(s().id, e.currentTarget.checked)} />
        <span class="index">{props.index + 1}</span>
      </label>
      <button type="button" class="shot-words" aria-label={`Show the words of shot ${props.index + 1}`} onClick={() => planning.focus(s().source ?? null, s().id)}>
        <span class="words">{truncate(words(), 160)}</span>
        <span class="muted small-text">
          {[`${sizeWords(s())}, ${moveWords(s())}`, place(), cast().join(", "), s().dialogue?.length ? `${s().dialogue?.length} line${s().dialogue?.length === 1 ? "" : "s"}` : "", `${s().durationSeconds} s`]
            .filter(Boolean)
            .join(" · ")}
        </span>
      </button>
    </li>
  );
}

function Matches(props: { matches: LibraryMatch[] }) {
  const { story } = useStudio();
  const planning = story.planning;
  return (
    <Show when={props.matches.length}>
      <fieldset id="plan-matches" class="plan-box">
        <legend>In your library</legend>
        <For each={props.matches}>
          {(m) => (
            <label class="check">
              <input type="checkbox" class="use-match" data-character={m.characterId} checked={planning.state.used.includes(m.characterId)} onChange={(e) => planning.useMatch(m.characterId, e.currentTarget.checked)} />
              Use the library's {m.name} (its angles, as in your other projects)
            </label>
          )}
        </For>
      </fieldset>
    </Show>
  );
}

function Inventions(props: { project: Project; invented: string[] }) {
  const { story } = useStudio();
  const planning = story.planning;
  const nameOf = (id: string) => characters(props.project).find((c) => c.id === id)?.name ?? props.project.elements?.find((e) => e.id === id)?.name ?? id;
  return (
    <Show when={props.invented.length}>
      <fieldset id="plan-invented" class="plan-box">
        <legend>Not in your story (invented by the planner)</legend>
        <For each={props.invented}>
          {(id) => (
            <label class="inline invented" data-id={id}>
              <span class="badge invented-badge">invented</span> {nameOf(id)}
              <select
                aria-label={`What to do with ${nameOf(id)}`}
                value={planning.state.invented[id] ?? "undecided"}
                onChange={(e) => planning.decide(id, e.currentTarget.value as InventedChoice)}
              >
                <option value="undecided">Decide later (stays flagged)</option>
                <option value="accept">Accept</option>
                <option value="remove">Remove</option>
              </select>
            </label>
          )}
        </For>
      </fieldset>
    </Show>
  );
}

export default function PlanReview() {
  const { story } = useStudio();
  const planning = story.planning;
  const s = planning.state;
  let shotList!: HTMLOListElement;
  // The focused shot's row comes into view (an issue or words clicked).
  createEffect(
    on(
      () => s.focus.shot,
      (id) => id && queueMicrotask(() => [...(shotList?.querySelectorAll<HTMLElement>("li") ?? [])].find((li) => li.dataset.id === id)?.scrollIntoView({ block: "nearest" })),
    ),
  );
  return (
    <Show when={s.outcome}>
      {(o) => {
        const p = () => o().project;
        const names = (kind: "location" | "prop") => (p().elements ?? []).filter((e) => e.kind === kind).map((e) => e.name).join(", ") || "none";
        return (
          <div class="plan-review" data-shots={p().scenarios.length} data-shown-after-ms={s.shownAfterMs ?? ""}>
            <p id="plan-summary" class="muted">
              {p().scenarios.length} shots · cast: {characters(p()).map((c) => c.name).join(", ")} · locations: {names("location")} · props: {names("prop")} ·{" "}
              {plannerText(o().planner, o().millis)}
            </p>
            <div class="plan-columns">
              <StoryText
                id="plan-story"
                label="The story, as planned"
                text={p().story?.text ?? ""}
                shots={p().scenarios}
                current={s.focus.shot}
                marked={s.focus.shot ? null : s.focus.span}
                onSelectAt={(at) => {
                  const id = shotAt(p().scenarios, at);
                  planning.focus(p().scenarios.find((x) => x.id === id)?.source ?? null, id ?? null);
                }}
              />
              <div class="plan-side">
                <div class="row">
                  <h3>Shots</h3>
                  <span class="spacer"></span>
                  <label class="check small-text">
                    <input type="checkbox" id="plan-keep-all" checked={s.keep.length === p().scenarios.length} onChange={(e) => planning.keepAll(e.currentTarget.checked)} />
                    Take all
                  </label>
                </div>
                <ol id="plan-shots" class="plan-shots" ref={shotList}>
                  <For each={p().scenarios}>{(shot, i) => <ShotRow shot={shot} index={i()} project={p()} />}</For>
                </ol>
                <Matches matches={o().libraryMatches} />
                <Inventions project={p()} invented={o().invented} />
                <h3>What the check found</h3>
                <PlanIssues id="plan-issues" issues={o().issues} project={p()} onShow={(span, shot) => planning.focus(span, shot)} />
                <Show when={o().problems.length}>
                  <ul id="plan-problems" class="plan-problems field-error" aria-label="What a save would refuse">
                    <For each={o().problems}>{(x) => <li>{problemText(x)}</li>}</For>
                  </ul>
                </Show>
              </div>
            </div>
          </div>
        );
      }}
    </Show>
  );
}
