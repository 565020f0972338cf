// The editor: the character (name, prompt, references, quality, aspect), the scenarios, and the
// project's length, estimate, cost so far and why Render waits.
import { Show } from "solid-js";
import type { AspectRatio } from "../bindings";
import { lengthText } from "../format";
import { qualityOf } from "../forms";
import { useStudio } from "../stores/studio";
import ReferenceImages from "./ReferenceImages";
import ScenarioList from "./ScenarioList";

const ASPECTS: AspectRatio[] = ["16:9", "9:16"];

export default function ProjectEditor() {
  const { project } = useStudio();
  const p = () => project.state.project;
  return (
    <section class="editor">
      <h2>Character</h2>
      <p id="char-library" class="library-badge" hidden={!p().character.libraryId}>
        <Show when={p().character.libraryId}>
          {"From the character library: its stored angles are reused (no character step). "}
          <button class="small" onClick={() => project.detachLibrary()}>Detach</button>
        </Show>
      </p>
      <label>
        Name <input id="char-name" value={p().character.name} onInput={(e) => project.setName(e.currentTarget.value)} />
      </label>
      <label>
        Prompt{" "}
        <textarea id="char-prompt" rows="3" value={p().character.basePrompt} onInput={(e) => project.setBasePrompt(e.currentTarget.value)} />
      </label>
      <div class="field-error" data-field="character.basePrompt">{project.messages("character.basePrompt").join("; ")}</div>
      <ReferenceImages />
      <div class="row">
        <label>
          Quality
          <select
            id="quality"
            value={p().quality}
            onChange={(e) => {
              const q = qualityOf(e.currentTarget.value);
              if (q) project.setQuality(q);
            }}
          >
            <option value="standard">Standard (720p)</option>
            <option value="high">High (1080p)</option>
            <option value="4k">4K</option>
          </select>
        </label>
        <label>
          Aspect
          <select
            id="aspect"
            value={p().aspectRatio}
            onChange={(e) => {
              const a = ASPECTS.find((x) => x === e.currentTarget.value);
              if (a) project.setAspect(a);
            }}
          >
            <option value="16:9">16:9</option>
            <option value="9:16">9:16</option>
          </select>
        </label>
      </div>
      <h2>
        Scenarios{" "}
        <button id="add-scenario" class="small" onClick={() => project.addScenario()}>
          + Add
        </button>{" "}
        <span class="muted hint">drag ⋮⋮ or Alt+↑/↓ to reorder</span>
      </h2>
      <ScenarioList />
      <div class="field-error" data-field="scenarios">{project.messages("scenarios").join("; ")}</div>
      <p id="summary" class="muted" data-cost={project.state.cost === undefined ? undefined : String(project.state.cost)}>
        <span id="length">{lengthText(p())}</span> · <span id="estimate">{project.state.estimate}</span>
      </p>
      <p id="project-spent" class="muted" data-usd={project.state.spentUsd === undefined ? undefined : String(project.state.spentUsd)}>
        {project.state.spent}
      </p>
      <p id="render-reason" class="warn">{project.renderReason()}</p>
    </section>
  );
}
