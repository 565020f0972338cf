// The storyboard: one card per scene, in the project's order. A card shows its poster (the
// current take's clip, else a face of its cast), prompt, length, cast, render status, takes,
// and the "continues" and stale badges. Select with click, Ctrl/Shift+click or Ctrl+A (the
// first selected opens the scene editor); reorder by dragging the handle (SortableJS, pointer
// events) or with Alt+Arrow keys; duplicate or delete the selection.
import Sortable from "sortablejs";
import { createEffect, createMemo, For, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import type { Scenario } from "../bindings";
import { sceneCast } from "../cast";
import { elapsedText } from "../format";
import { currentTake, takeCount, truncate } from "../scenes";
import type { ProjectStore } from "../stores/project";
import type { StoryboardStore } from "../stores/storyboard";
import { useStudio } from "../stores/studio";
import { Face, useCharacterImages } from "./Faces";
import "./Storyboard.css";

function Poster(props: { scenario: Scenario }) {
  const { jobs, project, storyboard } = useStudio();
  const clip = () => currentTake(storyboard.segmentOf(props.scenario.id))?.clipUrl ?? storyboard.segmentOf(props.scenario.id)?.clipUrl;
  createEffect(() => {
    const c = clip();
    if (c) void jobs.loadThumbnail(c);
  });
  const first = () => sceneCast(project.state.project, props.scenario)[0];
  const faces = useCharacterImages(first);
  const url = () => {
    const c = clip();
    return (c ? jobs.state.thumbnails[c] : undefined) ?? faces()[0];
  };
  return (
    <div class="poster" classList={{ rendered: Boolean(clip() && jobs.state.thumbnails[clip() ?? ""]) }}>
      <Show when={url()} fallback={<span class="poster-empty" aria-hidden="true"></span>}>
        {(u) => <img alt="" src={u()} />}
      </Show>
    </div>
  );
}

function SceneStatusLine(props: { id: string }) {
  const { storyboard } = useStudio();
  const st = () => storyboard.statusOf(props.id);
  /**
   * The status's kind alone: the status is made again every second (its clock, for
   * "generating 0:42"), and 50 scenes' `data-status` set again each second (a live region)
   * cost the page a 50-70 ms frame a second, in the middle of a drag on the timeline.
   */
  const kind = createMemo(() => st().kind);
  const generating = () => {
    const s = st();
    return s.kind === "generating" ? s : undefined;
  };
  const failed = () => {
    const s = st();
    return s.kind === "failed" ? s : undefined;
  };
  return (
    <span class="scene-status" data-status={kind()} role="status">
      <Switch>
        <Match when={kind() === "queued"}>queued</Match>
        <Match when={generating()}>
          {(s) => `generating ${elapsedText((storyboard.now() - s().since) / 1000)}`}
        </Match>
        <Match when={kind() === "done"}>done</Match>
        <Match when={failed()}>
          {(s) => <span title={s().reason}>failed: {truncate(s().reason, 60)}</span>}
        </Match>
      </Switch>
    </span>
  );
}

/** A scene card's keys: Alt+arrows move it, Enter or Space select it, ←/→ go to the next card. */
function onSceneCardKey(ev: KeyboardEvent & { currentTarget: HTMLElement }, id: string, project: ProjectStore, storyboard: StoryboardStore) {
  if (ev.target !== ev.currentTarget) return;
  if (ev.altKey && ["ArrowUp", "ArrowLeft", "ArrowDown", "ArrowRight"].includes(ev.key)) {
    ev.preventDefault();
    const delta = ev.key === "ArrowUp" || ev.key === "ArrowLeft" ? -1 : 1;
    project.moveBy(id, delta);
    const el = ev.currentTarget;
    queueMicrotask(() => el.focus());
  } else if (ev.key === "Enter" || ev.key === " ") {
    ev.preventDefault();
    storyboard.select(id, { ctrl: ev.ctrlKey || ev.metaKey, shift: ev.shiftKey });
  } else if (!ev.altKey && (ev.key === "ArrowRight" || ev.key === "ArrowLeft")) {
    const sib = ev.key === "ArrowRight" ? ev.currentTarget.nextElementSibling : ev.currentTarget.previousElementSibling;
    if (sib instanceof HTMLElement) {
      ev.preventDefault();
      sib.focus();
    }
  }
}

function SceneCard(props: { scenario: Scenario; index: number }) {
  const { project, storyboard } = useStudio();
  const id = () => props.scenario.id;
  const selected = () => storyboard.state.selected.includes(id());
  const cast = () => sceneCast(project.state.project, props.scenario);
  const takes = () => takeCount(storyboard.segmentOf(id()));
  const stale = () => storyboard.isStale(props.index);
  const problems = () => project.shownProblems().filter((p) => p.field.startsWith(`scenarios[${props.index}]`));
  return (
    <li
      class="card scene-card"
      classList={{ selected: selected(), editing: storyboard.state.editing === id(), invalid: problems().length > 0, stale: stale() }}
      data-id={id()}
      data-index={props.index}
      tabIndex={0}
      role="option"
      aria-selected={selected()}
      aria-label={`Scene ${props.index + 1}: ${props.scenario.prompt || "no prompt yet"}`}
      aria-description="Enter to edit, Alt+Arrow keys to move, Ctrl or Shift+click to select several"
      onClick={(ev) => {
        if ((ev.target as HTMLElement).closest("button")) return;
        storyboard.select(id(), { ctrl: ev.ctrlKey || ev.metaKey, shift: ev.shiftKey });
      }}
      onKeyDown={(ev) => onSceneCardKey(ev, id(), project, storyboard)}
    >
      <div class="card-top">
        <span class="handle" aria-hidden="true" title="Drag to reorder">⋮⋮</span>
        <span class="index">{props.index + 1}</span>
        <span class="duration">{props.scenario.durationSeconds} s</span>
        <Show when={props.scenario.continueFromPrevious}>
          <span class="badge continues" title="Starts from the previous scene's last frame">continues</span>
        </Show>
        <span class="spacer"></span>
        <button class="del small icon" title="Delete" aria-label={`Delete scene ${props.index + 1}`} onClick={() => project.deleteScenes([id()])}>
          ✕
        </button>
      </div>
      <Poster scenario={props.scenario} />
      <p class="prompt-text" title={props.scenario.prompt}>
        {props.scenario.prompt ? truncate(props.scenario.prompt, 90) : <span class="muted">No prompt yet</span>}
      </p>
      <div class="card-bottom">
        <span class="faces">
          <For each={cast()}>{(c) => <Face character={c} size={20} />}</For>
        </span>
        <SceneStatusLine id={id()} />
        <span class="spacer"></span>
        <Show when={takes() > 0}>
          <span class="takes muted">{takes() === 1 ? "1 take" : `${takes()} takes`}</span>
        </Show>
      </div>
      <Show when={stale()}>
        <div class="stale-row">
          <span class="badge stale" title="The previous scene changed since this take started from its last frame">stale</span>
          <button class="rerender small" disabled={storyboard.jobRunning()} onClick={() => storyboard.rerender(id())}>
            Re-render
          </button>
        </div>
      </Show>
      <Show when={problems().length}>
        <div class="field-error card-problems">{problems().map((p) => p.message).join("; ")}</div>
      </Show>
    </li>
  );
}

export default function Storyboard() {
  const { project, storyboard, panels } = useStudio();
  const open = () => panels.open("storyboard");
  let list!: HTMLOListElement;
  const selectedCount = () => storyboard.state.selected.length;

  onMount(() => {
    const sortable = Sortable.create(list, {
      handle: ".handle",
      animation: 120,
      forceFallback: true,
      onEnd: (ev) => {
        if (ev.oldIndex === undefined || ev.newIndex === undefined) return;
        // Put the card back where Solid placed it; the store's new order moves it for real.
        ev.item.remove();
        list.insertBefore(ev.item, list.children[ev.oldIndex] ?? null);
        project.moveScenario(ev.oldIndex, ev.newIndex);
      },
    });
    onCleanup(() => sortable.destroy());
  });

  function add() {
    const id = project.addScenario();
    storyboard.setSelection([id]);
    queueMicrotask(() => document.getElementById("scene-prompt")?.focus());
  }

  return (
    <section
      class="storyboard"
      classList={{ collapsed: !open() }}
      aria-label="Storyboard"
      onKeyDown={(ev) => {
        const typing = ev.target instanceof HTMLInputElement || ev.target instanceof HTMLTextAreaElement || ev.target instanceof HTMLSelectElement;
        if (typing) return;
        if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "a") {
          ev.preventDefault();
          storyboard.selectAll();
        } else if (ev.key === "Delete" && selectedCount()) {
          ev.preventDefault();
          project.deleteScenes([...storyboard.state.selected]);
        }
      }}
    >
      <div class="storyboard-bar row">
        <button
          id="storyboard-toggle"
          class="small icon"
          aria-label="Show the storyboard"
          aria-expanded={open()}
          aria-controls="storyboard-scroll"
          title={open() ? "Fold the storyboard (the player gets its width)" : "Unfold the storyboard"}
          onClick={() => panels.toggle("storyboard")}
        >
          {open() ? "◂" : "▸"}
        </button>
        <h2>Storyboard</h2>
        <span class="muted hint">click to edit · Ctrl/Shift+click to select several · drag ⋮⋮ or Alt+Arrows to reorder</span>
        <span class="spacer"></span>
        <span id="selection-count" class="muted" hidden={selectedCount() < 2}>
          {selectedCount()} selected
        </span>
        <button id="duplicate-selected" class="small" disabled={selectedCount() === 0} onClick={() => storyboard.setSelection(project.duplicateScenes([...storyboard.state.selected]))}>
          Duplicate
        </button>
        <button id="delete-selected" class="small" disabled={selectedCount() === 0} onClick={() => project.deleteScenes([...storyboard.state.selected])}>
          Delete
        </button>
      </div>
      <div id="storyboard-scroll" class="storyboard-scroll" hidden={!open()}>
        <ol id="scenarios" class="scenarios storyboard-cards" ref={list} role="listbox" aria-multiselectable="true" aria-label="Scenes">
          <For each={project.state.project.scenarios}>{(scenario, i) => <SceneCard scenario={scenario} index={i()} />}</For>
        </ol>
        <button id="add-scenario" class="add-card" onClick={add}>
          <span aria-hidden="true">+</span> Add scene
        </button>
      </div>
      <div class="field-error" data-field="scenarios">{project.messages("scenarios").join("; ")}</div>
    </section>
  );
}
