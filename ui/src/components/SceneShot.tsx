// The scene editor's shot fields: camera (shot size and move), location, props, dialogue
// (speaker, line; add, remove, reorder), and the prompt preview: the exact text a render sends
// for this scene (asked of Rust a moment after each edit). Every edit is one undo step.
import { createEffect, createSignal, For, Index, on, onCleanup, Show, type Accessor } from "solid-js";
import { commands, type Scenario } from "../bindings";
import { errorText } from "../format";
import { CAMERA_MOVES, cameraMoveOf, DEFAULT_CAMERA, elementsOf, SHOT_SIZES, shotSizeOf, speakers } from "../shots";
import { useStudio } from "../stores/studio";
import "./Story.css";

interface Props {
  s: Accessor<Scenario>;
  index: Accessor<number>;
}

/** Shot size and camera move: two menus. */
export function CameraFields(props: Props) {
  const { project } = useStudio();
  const camera = () => props.s().camera ?? DEFAULT_CAMERA;
  return (
    <div class="row camera-fields">
      <label class="grow">
        Shot
        <select id="scene-shot-size" value={camera().shot} onChange={(e) => {
          const shot = shotSizeOf(e.currentTarget.value);
          if (shot) project.setCamera(props.s().id, { shot });
        }}>
          <For each={SHOT_SIZES}>{([v, words]) => <option value={v}>{words}</option>}</For>
        </select>
      </label>
      <label class="grow">
        Camera
        <select id="scene-camera-move" value={camera().move} onChange={(e) => {
          const move = cameraMoveOf(e.currentTarget.value);
          if (move) project.setCamera(props.s().id, { move });
        }}>
          <For each={CAMERA_MOVES}>{([v, words]) => <option value={v}>{words}</option>}</For>
        </select>
      </label>
    </div>
  );
}

/** Where the shot happens (a menu of the project's locations) and what it shows (props). */
export function PlaceFields(props: Props) {
  const { project } = useStudio();
  const locations = () => elementsOf(project.state.project, "location");
  const props_ = () => elementsOf(project.state.project, "prop");
  return (
    <>
      <label>
        Location
        <select id="scene-location" value={props.s().location ?? ""} onChange={(e) => project.setLocation(props.s().id, e.currentTarget.value)}>
          <option value="">None</option>
          <For each={locations()}>{(l) => <option value={l.id}>{l.name || l.id}</option>}</For>
        </select>
      </label>
      <fieldset id="scene-props" class="scene-props">
        <legend>Props</legend>
        <For each={props_()} fallback={<p class="muted hint">No props yet: add them under Locations and props.</p>}>
          {(p) => (
            <label class="check">
              <input
                type="checkbox"
                class="prop-check"
                data-prop={p.id}
                checked={(props.s().props ?? []).includes(p.id)}
                onChange={(e) => project.toggleProp(props.s().id, p.id, e.currentTarget.checked)}
              />
              {p.name || p.id}
            </label>
          )}
        </For>
      </fieldset>
    </>
  );
}

/** What is said in the shot: one row per line (speaker menu, line, move up/down, remove). */
export function DialogueFields(props: Props) {
  const { project } = useStudio();
  const who = () => speakers(project.state.project);
  const lines = () => props.s().dialogue ?? [];
  const id = () => props.s().id;
  return (
    <fieldset id="scene-dialogue" class="scene-dialogue">
      <legend>Dialogue</legend>
        <ol class="dialogue-rows">
          {/* By place: typing a line must not rebuild its row (and lose the caret). */}
          <Index each={lines()}>
            {(l, i) => (
              <li class="dialogue-row" data-index={i}>
                <select class="speaker" aria-label={`Speaker of line ${i + 1}`} value={l().speaker} onChange={(e) => project.setLine(id(), i, { speaker: e.currentTarget.value })}>
                  <Show when={!who().some(([v]) => v === l().speaker)}>
                    <option value={l().speaker}>{l().speaker || "nobody"}</option>
                  </Show>
                  <For each={who()}>{([v, name]) => <option value={v}>{name}</option>}</For>
                </select>
                <input class="line" aria-label={`Line ${i + 1}`} value={l().line} placeholder="What they say" onInput={(e) => project.setLine(id(), i, { line: e.currentTarget.value })} />
                <button type="button" class="small icon" aria-label={`Move line ${i + 1} up`} disabled={i === 0} onClick={() => project.moveLine(id(), i, -1)}>
                  ↑
                </button>
                <button type="button" class="small icon" aria-label={`Move line ${i + 1} down`} disabled={i === lines().length - 1} onClick={() => project.moveLine(id(), i, 1)}>
                  ↓
                </button>
                <button type="button" class="small icon" aria-label={`Remove line ${i + 1}`} onClick={() => project.removeLine(id(), i)}>
                  ✕
                </button>
              </li>
            )}
          </Index>
        </ol>
        <button type="button" id="scene-add-line" class="small" onClick={() => project.addLine(id(), who()[0][0])}>
          Add a line
        </button>
    </fieldset>
  );
}

/** How long after an edit the preview is asked again. */
const PREVIEW_MS = 250;

/** The exact prompt a render sends for this scene (Rust composes it: `Project::video_prompt`). */
export function PromptPreview(props: Props) {
  const { project } = useStudio();
  const [text, setText] = createSignal("");
  const [error, setError] = createSignal("");
  let timer: number | undefined;
  onCleanup(() => window.clearTimeout(timer));
  createEffect(
    on([project.revision, () => props.s().id], ([, id]) => {
      window.clearTimeout(timer);
      timer = window.setTimeout(async () => {
        const r = await commands.videoPrompt(project.current(), id);
        if (props.s()?.id !== id) return; // another scene since
        if (r.status === "ok") {
          setText(r.data);
          setError("");
        } else setError(errorText(r.error));
      }, PREVIEW_MS);
    }),
  );
  return (
    <section class="prompt-preview" aria-labelledby="prompt-preview-title">
      <h3 id="prompt-preview-title">Prompt sent</h3>
      <pre id="scene-video-prompt" class="video-prompt" tabIndex={0} aria-label="The exact prompt a render sends for this scene">
        {text()}
      </pre>
      <div class="field-error">{error()}</div>
    </section>
  );
}
