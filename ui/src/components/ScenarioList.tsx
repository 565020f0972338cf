// The scenario cards: edit, duplicate, delete, and reorder by dragging the handle (SortableJS,
// pointer events: HTML5 drag events are unreliable in WebKitGTK) or with Alt+Up/Down.
import Sortable from "sortablejs";
import { For, onCleanup, onMount } from "solid-js";
import type { Scenario_Serialize as Scenario } from "../bindings";
import type { Duration } from "../editor";
import { useStudio } from "../stores/studio";

const DURATIONS: Duration[] = [4, 6, 8];

function ScenarioCard(props: { scenario: Scenario; index: number; onMove: (to: number) => void }) {
  const { project } = useStudio();
  const field = (name: string) => `scenarios[${props.index}].${name}`;
  const invalid = (name: string) => project.messages(field(name)).length > 0;
  return (
    <li
      class="card"
      data-id={props.scenario.id}
      tabIndex={0}
      aria-description="Drag the handle, or press Alt+Up/Down, to move"
      onKeyDown={(ev) => {
        if (!ev.altKey || (ev.key !== "ArrowUp" && ev.key !== "ArrowDown")) return;
        ev.preventDefault();
        props.onMove(ev.key === "ArrowUp" ? props.index - 1 : props.index + 1);
      }}
    >
      <span class="handle" aria-label="Drag to reorder">⋮⋮</span>
      <span class="index">{props.index + 1}</span>
      <textarea
        class="prompt"
        classList={{ invalid: invalid("prompt") }}
        rows="2"
        placeholder="What happens in this shot?"
        aria-label={`Scenario ${props.index + 1} prompt`}
        data-field={field("prompt")}
        value={props.scenario.prompt}
        onInput={(e) => project.setScenarioPrompt(props.index, e.currentTarget.value)}
      />
      <select
        class="duration"
        classList={{ invalid: invalid("durationSeconds") }}
        aria-label={`Scenario ${props.index + 1} length`}
        data-field={field("durationSeconds")}
        value={String(props.scenario.durationSeconds)}
        onChange={(e) => {
          const d = DURATIONS.find((x) => String(x) === e.currentTarget.value);
          if (d) project.setScenarioDuration(props.index, d);
        }}
      >
        <option value="4">4 s</option>
        <option value="6">6 s</option>
        <option value="8">8 s</option>
      </select>
      <button class="dup small" title="Duplicate" onClick={() => project.duplicateScenario(props.index)}>
        Copy
      </button>
      <button class="del small" title="Delete" aria-label={`Delete scenario ${props.index + 1}`} onClick={() => project.deleteScenario(props.index)}>
        ✕
      </button>
      <div class="field-error rule" data-field={field("durationSeconds")}>
        {project.messages(field("durationSeconds")).join("; ")}
      </div>
    </li>
  );
}

export default function ScenarioList() {
  const { project } = useStudio();
  let list!: HTMLOListElement;

  /** Alt+Up/Down: move the card and keep the focus on it. */
  function moveByKey(from: number, to: number) {
    project.moveScenario(from, to);
    const last = project.state.project.scenarios.length - 1;
    const card = list.children[Math.max(0, Math.min(to, last))];
    if (card instanceof HTMLElement) card.focus();
  }

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

  return (
    <ol id="scenarios" class="scenarios" ref={list}>
      <For each={project.state.project.scenarios}>
        {(scenario, i) => <ScenarioCard scenario={scenario} index={i()} onMove={(to) => moveByKey(i(), to)} />}
      </For>
    </ol>
  );
}
