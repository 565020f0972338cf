// The scene editor's sound fields: how the shot's dialogue is spoken (the project's choice, or
// this shot's own: in the clip, lip-synced, or as voice-over in the characters' voices) and
// what the narrator says over it, with how long that takes at a natural pace.
import { For, type Accessor } from "solid-js";
import type { Scenario } from "../bindings";
import { DIALOGUE_MODES, dialogueModeOf, spokenSeconds } from "../sound";
import { useStudio } from "../stores/studio";

interface Props {
  s: Accessor<Scenario>;
  index: Accessor<number>;
}

export default function SceneSoundFields(props: Props) {
  const { project } = useStudio();
  const field = (name: string) => `scenarios[${props.index()}].${name}`;
  const projectMode = () => DIALOGUE_MODES.find(([m]) => m === (project.state.project.dialogueMode ?? "native"))?.[1] ?? "";
  const narration = () => props.s().narration ?? "";
  const seconds = () => spokenSeconds(narration());
  const over = () => seconds() > props.s().durationSeconds;
  return (
    <fieldset id="scene-sound" class="scene-sound">
      <legend>Sound</legend>
      <label>
        Dialogue spoken
        <select
          id="scene-dialogue-mode"
          value={props.s().dialogueMode ?? ""}
          onChange={(e) => project.setSceneDialogueMode(props.s().id, dialogueModeOf(e.currentTarget.value))}
        >
          <option value="">As the project: {projectMode().toLowerCase()}</option>
          <For each={DIALOGUE_MODES}>{([v, words]) => <option value={v}>{words}</option>}</For>
        </select>
      </label>
      <div class="field-error" data-field={field("dialogueMode")}>{project.messages(field("dialogueMode")).join("; ")}</div>
      <label>
        Narration
        <textarea
          id="scene-narration"
          rows="2"
          placeholder="What the narrator says over this shot (optional)"
          classList={{ invalid: project.messages(field("narration")).length > 0 }}
          value={narration()}
          onInput={(e) => project.setNarration(props.s().id, e.currentTarget.value)}
          onBlur={() => project.touch(field("narration"))}
        />
      </label>
      <p id="scene-narration-time" class="hint" classList={{ muted: !over(), warn: over() }} hidden={seconds() === 0}>
        about {seconds().toFixed(1)} s at a natural pace, in a {props.s().durationSeconds} s shot{over() ? ": shorten it, or split the shot" : ""}
      </p>
      <div class="field-error" data-field={field("narration")}>{project.messages(field("narration")).join("; ")}</div>
    </fieldset>
  );
}
