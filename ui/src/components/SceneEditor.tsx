// The scene editor (a resizable side panel): the selected scene's prompt, negative prompt,
// length, camera, cast, location, props, dialogue (`SceneShot.tsx`), how it is spoken and the
// narration (`SceneSound.tsx`), continuity, the exact
// prompt a render sends, and its takes in the project's latest job: use another take (stitched
// at once as a new version) or regenerate the scene with the prompt as edited here.
import { For, Index, Show, type Accessor } from "solid-js";
import type { Scenario } from "../bindings";
import { characters } from "../cast";
import type { Duration } from "../editor";
import { takeText } from "../format";
import { EDITOR_MAX, EDITOR_MIN } from "../stores/storyboard";
import { useStudio } from "../stores/studio";
import { Face } from "./Faces";
import { CameraFields, DialogueFields, PlaceFields, PromptPreview } from "./SceneShot";
import SceneCutFields from "./SceneCut";
import SceneSoundFields from "./SceneSound";
import "./SceneEditor.css";

const DURATIONS: Duration[] = [4, 6, 8];

/** The handle on the panel's left edge: drag it, or focus it and press ←/→. */
export function ResizeHandle() {
  const { storyboard } = useStudio();
  return (
    <div
      id="editor-resize"
      class="resize-handle"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the scene editor"
      aria-valuemin={EDITOR_MIN}
      aria-valuemax={EDITOR_MAX}
      aria-valuenow={storyboard.state.prefs.editorWidth}
      tabIndex={0}
      onPointerDown={(ev) => {
        if (ev.button !== 0) return;
        ev.preventDefault();
        const startX = ev.clientX;
        const startW = storyboard.state.prefs.editorWidth;
        const move = (e: PointerEvent) => storyboard.setEditorWidth(startW + (startX - e.clientX));
        const up = () => {
          window.removeEventListener("pointermove", move);
          window.removeEventListener("pointerup", up);
          document.body.classList.remove("resizing");
        };
        document.body.classList.add("resizing");
        window.addEventListener("pointermove", move);
        window.addEventListener("pointerup", up);
      }}
      onKeyDown={(ev) => {
        if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
        ev.preventDefault();
        storyboard.setEditorWidth(storyboard.state.prefs.editorWidth + (ev.key === "ArrowLeft" ? 20 : -20));
      }}
    />
  );
}


export default function SceneEditor() {
  const { project, storyboard } = useStudio();
  const index = () => project.state.project.scenarios.findIndex((s) => s.id === storyboard.state.editing);
  const scene = () => project.state.project.scenarios[index()];
  return (
    <aside id="scene-editor" class="scene-editor" classList={{ empty: !scene() }} aria-label="Scene editor">
      <Show
        when={scene()}
        fallback={
          <div class="scene-editor-empty muted">
            <h2>Scene</h2>
            <p>Select a scene in the storyboard to edit it.</p>
          </div>
        }
      >
        {(s) => (
          <div class="scene-editor-body" data-id={s().id}>
            <div class="row">
              <h2>Scene {index() + 1}</h2>
              <span class="spacer"></span>
              <button id="scene-editor-close" class="small" aria-label="Close the scene editor" onClick={() => storyboard.closeEditor()}>
                ✕
              </button>
            </div>
            <SceneFields s={s} index={index} />
            <CameraFields s={s} index={index} />
            <SceneCast s={s} index={index} />
            <PlaceFields s={s} index={index} />
            <DialogueFields s={s} index={index} />
            <SceneSoundFields s={s} index={index} />
            <ContinueField s={s} index={index} />
            <SceneCutFields s={s} index={index} />
            <PromptPreview s={s} index={index} />
            <SceneTakes s={s} index={index} />
          </div>
        )}
      </Show>
    </aside>
  );
}

/** The scene shown and its place in the project (for its fields' paths, `scenarios[i].prompt`). */
interface SceneProps {
  s: Accessor<Scenario>;
  index: Accessor<number>;
}

/** A field's path, and whether Rust finds a problem in it. */
function fieldHelpers(index: Accessor<number>) {
  const { project } = useStudio();
  const field = (name: string) => `scenarios[${index()}].${name}`;
  const invalid = (name: string) => project.messages(field(name)).length > 0;
  return { field, invalid };
}

/** Prompt, negative prompt and length. */
function SceneFields(props: SceneProps) {
  const { project } = useStudio();
  const s = props.s;
  const { field, invalid } = fieldHelpers(props.index);
  return (
    <>
    <label>
      Prompt
      <textarea
        id="scene-prompt"
        class="prompt"
        classList={{ invalid: invalid("prompt") }}
        rows="5"
        placeholder="What happens in this shot?"
        data-field={field("prompt")}
        value={s().prompt}
        onInput={(e) => project.setScenarioPrompt(s().id, e.currentTarget.value)}
        onBlur={() => project.touch(field("prompt"))}
      />
    </label>
    <div class="field-error" data-field={field("prompt")}>{project.messages(field("prompt")).join("; ")}</div>
    <label>
      Negative prompt
      <textarea
        id="scene-negative"
        rows="2"
        placeholder="What to avoid (optional)"
        data-field={field("negativePrompt")}
        value={s().negativePrompt ?? ""}
        onInput={(e) => project.setNegativePrompt(s().id, e.currentTarget.value)}
      />
    </label>
    <label>
      Length
      <select
        id="scene-duration"
        class="duration"
        classList={{ invalid: invalid("durationSeconds") }}
        data-field={field("durationSeconds")}
        value={String(s().durationSeconds)}
        onChange={(e) => {
          const d = DURATIONS.find((x) => String(x) === e.currentTarget.value);
          if (d) project.setScenarioDuration(s().id, d);
        }}
      >
        <Show when={!DURATIONS.some((d) => d === s().durationSeconds)}>
          <option value={String(s().durationSeconds)}>{s().durationSeconds} s</option>
        </Show>
        <For each={DURATIONS}>{(d) => <option value={String(d)}>{d} s</option>}</For>
      </select>
    </label>
    <div class="field-error" data-field={field("durationSeconds")}>{project.messages(field("durationSeconds")).join("; ")}</div>
    </>
  );
}

/** Who is in the scene (the lead alone when no cast is chosen). */
function SceneCast(props: SceneProps) {
  const { project } = useStudio();
  const s = props.s;
  const { field } = fieldHelpers(props.index);
  const all = () => characters(project.state.project);
  const inScene = (id: string | undefined) => {
    const sc = project.state.project.scenarios[props.index()];
    if (!sc) return false;
    if (!sc.cast || sc.cast.length === 0) return id === project.state.project.character.id || id === undefined;
    return id !== undefined && sc.cast.includes(id);
  };
  return (
    <>
    <fieldset id="scene-cast" class="scene-cast">
      <legend>Cast</legend>
      <For each={all()}>
        {(c, i) => (
          <label class="check">
            <input
              type="checkbox"
              class="cast-check"
              data-character={c.id ?? ""}
              checked={inScene(c.id)}
              disabled={all().length < 2}
              onChange={(e) => c.id && project.setSceneCast(s().id, c.id, e.currentTarget.checked)}
            />
            <Face character={c} size={20} /> {c.name || "unnamed"}
            {i() === 0 ? <span class="muted"> (lead)</span> : ""}
          </label>
        )}
      </For>
      <Show when={all().length < 2}>
        <p class="muted hint">Add a character to the cast to choose who is in this scene.</p>
      </Show>
    </fieldset>
    <div class="field-error" data-field={field("cast")}>{project.messages(field("cast")).join("; ")}</div>
    </>
  );
}

/** Continue from the previous shot (not on the first scene). */
function ContinueField(props: SceneProps) {
  const { project } = useStudio();
  const s = props.s;
  const index = props.index;
  const { field } = fieldHelpers(index);
  return (
    <>
    <label class="check">
      <input
        id="scene-continue"
        type="checkbox"
        checked={Boolean(s().continueFromPrevious)}
        disabled={index() === 0}
        onChange={(e) => project.setContinue(s().id, e.currentTarget.checked)}
      />
      Continue from the previous shot
      <span class="muted hint">{index() === 0 ? " (not on the first scene)" : " (starts from its last frame)"}</span>
    </label>
    <div class="field-error" data-field={field("continueFromPrevious")}>{project.messages(field("continueFromPrevious")).join("; ")}</div>
    </>
  );
}

/** The scene's takes in the project's latest job: use another, or regenerate the scene. */
function SceneTakes(props: SceneProps) {
  const { project, storyboard, jobs } = useStudio();
  const s = props.s;
  const scene = () => project.state.project.scenarios[props.index()];
  const segment = () => (scene() ? storyboard.segmentOf(scene().id) : undefined);
  // A take can be swapped in once the job has stopped; a retake is welcome while it runs.
  const jobRunning = () => jobs.projectJob()?.status === "running";
  return (
    <>
    <h3>Takes</h3>
    <Show when={segment()?.takes?.length} fallback={<p class="muted">No takes yet: render the project.</p>}>
      <ol id="scene-takes" class="scene-takes">
        {/* By place, not by object: a refresh of the job's details brings new take objects,
            and keyed rows would be rebuilt under the pointer (and lose keyboard focus). */}
        <Index each={segment()?.takes ?? []}>
          {(t) => (
            <li classList={{ current: t().number === segment()?.take }} data-take={t().number}>
              <span class="take-text">{takeText(t())}</span>
              <Show
                when={t().number !== segment()?.take}
                fallback={<span class="badge">in use</span>}
              >
                <button
                  type="button"
                  class="use-take small"
                  disabled={jobRunning()}
                  title={jobRunning() ? "Wait for the render to finish" : "Use this take: a new version is stitched"}
                  aria-label={`Use take ${t().number}`}
                  onClick={() => void jobs.pickSceneTake(s().id, t().number)}
                >
                  Use
                </button>
              </Show>
            </li>
          )}
        </Index>
      </ol>
      <button
        type="button"
        id="scene-regenerate"
        class="small"
        title="A new take of this scene with the prompt above; the other scenes are kept"
        disabled={s().prompt.trim() === ""}
        onClick={() => void jobs.regenerateScene(s().id, s().prompt)}
      >
        Regenerate this scene
      </button>
    </Show>
    </>
  );
}
