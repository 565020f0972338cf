// Under the storyboard: quality, aspect, how dialogue is spoken, the video's length, the estimate (price and
// expected render time), what the project has cost, and why Render waits.
import { For } from "solid-js";
import type { AspectRatio } from "../bindings";
import { lengthText } from "../format";
import { qualityOf } from "../forms";
import { DIALOGUE_MODES, dialogueModeOf } from "../sound";
import { useStudio } from "../stores/studio";

const ASPECTS: AspectRatio[] = ["16:9", "9:16"];

export default function ProjectBar() {
  const { project } = useStudio();
  const p = () => project.state.project;
  /** Before a Render attempt the reason reads quietly (no red greets a new project). */
  const loud = () => project.state.attempted;
  return (
    <div class="project-bar row">
      <label class="inline">
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
      <label class="inline">
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
      <label class="inline" title="How the shots' dialogue is spoken (a shot may choose otherwise in the scene editor)">
        Dialogue
        <select
          id="dialogue-mode"
          value={p().dialogueMode ?? "native"}
          onChange={(e) => {
            const m = dialogueModeOf(e.currentTarget.value);
            if (m) project.setDialogueMode(m);
          }}
        >
          <For each={DIALOGUE_MODES}>{([v, words]) => <option value={v}>{words}</option>}</For>
        </select>
      </label>
      <p id="summary" class="muted" data-cost={project.state.cost === undefined ? undefined : String(project.state.cost)}>
        <span id="length">{lengthText(p())}</span> · <span id="estimate">{project.state.estimate}</span>
        <span id="wall-time" hidden={!project.state.wallTime}>
          {" · renders in "}
          {project.state.wallTime}
        </span>
      </p>
      <p id="project-spent" class="muted" data-usd={project.state.spentUsd === undefined ? undefined : String(project.state.spentUsd)}>
        {project.state.spent}
      </p>
      <p id="render-reason" classList={{ warn: loud(), muted: !loud() }}>
        {project.renderReason()}
      </p>
    </div>
  );
}
