// The scene editor's cut fields: the shot's trim as numbers (the timeline's handles set the
// same), and the frame it ends on (the next shot's first, for a seamless join, or an image;
// for models that take a last frame: the render refuses it before paying where they cannot),
// and "+N seconds": the latest render's take of this shot continued by the video model as a
// new take (the job's next version; refused before paying where the model cannot extend).
import { createSignal, Show, type Accessor } from "solid-js";
import { commands, type Scenario } from "../bindings";
import { errorText } from "../format";
import { CUT_FPS } from "../cut";
import { trimOf } from "../cutEdit";
import { useStudio } from "../stores/studio";

interface Props {
  s: Accessor<Scenario>;
  index: Accessor<number>;
}

export default function SceneCutFields(props: Props) {
  const { project, cut, status, jobs } = useStudio();
  const [extendBy, setExtendBy] = createSignal(4);
  const [extending, setExtending] = createSignal(false);
  async function extend() {
    const job = jobs.projectJob();
    if (!job) return status.set("Render first: a shot is extended from its take in the latest render", "warn");
    setExtending(true);
    try {
      const r = await commands.extendShot(job.id, props.s().id, extendBy(), null);
      if (r.status === "error") status.set(`Cannot extend ${props.s().id}: ${errorText(r.error)}`, "error");
      else {
        status.set(`Extending ${props.s().id} by ${extendBy()} s: take ${r.data.take ?? "?"} for version ${r.data.version}`);
        void jobs.watch(job.id, job.name);
      }
    } finally {
      setExtending(false);
    }
  }
  const clip = () => cut.clipSeconds()[props.index()] ?? props.s().durationSeconds;
  const trim = () => trimOf(project.state.project, props.s().id, clip());
  const last = () => props.index() === project.state.project.scenarios.length - 1;
  const end = () => {
    const e = props.s().endFrame;
    return !e ? "" : e === "nextShot" ? "nextShot" : "image";
  };
  async function chooseImage() {
    const [picked] = await status.choose("referenceImages");
    if (picked) project.setEndFrame(props.s().id, { image: picked });
  }
  const field = (name: string) => `scenarios[${props.index()}].${name}`;
  return (
    <fieldset id="scene-cut" class="scene-sound scene-cut">
      <legend>In the cut</legend>
      <div class="row">
        <label class="inline">
          <span>In</span>
          <input
            id="scene-trim-in"
            type="number"
            min="0"
            step={String(1 / CUT_FPS)}
            value={trim().in.toFixed(3)}
            onChange={(e) => project.setTrim(props.s().id, { in: Number(e.currentTarget.value), out: trim().out }, clip())}
          />
        </label>
        <label class="inline">
          <span>Out</span>
          <input
            id="scene-trim-out"
            type="number"
            min="0"
            max={String(clip())}
            step={String(1 / CUT_FPS)}
            value={trim().out.toFixed(3)}
            onChange={(e) => project.setTrim(props.s().id, { in: trim().in, out: Number(e.currentTarget.value) }, clip())}
          />
        </label>
        <span class="muted small-text">of {clip().toFixed(2)} s</span>
        <Show when={props.s().trim}>
          <button id="scene-trim-reset" class="small" onClick={() => project.setTrim(props.s().id, null, clip())}>
            Whole clip
          </button>
        </Show>
      </div>
      <label>
        Ends on
        <select
          id="scene-end-frame"
          value={end()}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (v === "image") void chooseImage();
            else project.setEndFrame(props.s().id, v === "nextShot" ? "nextShot" : null);
          }}
        >
          <option value="">the model's own last frame</option>
          <option value="nextShot" disabled={last()}>
            the next shot's first frame (a seamless join)
          </option>
          <option value="image">an image…</option>
        </select>
      </label>
      <Show when={props.s().endFrame && props.s().endFrame !== "nextShot" ? (props.s().endFrame as { image: string }).image : null}>
        {(img) => <span class="muted small-text">{img()}</span>}
      </Show>
      <div class="row">
        <button id="scene-extend" class="small" disabled={extending() || !jobs.projectJob() || jobs.projectJob()?.status === "running"} onClick={() => void extend()}>
          Extend by
        </button>
        <input id="scene-extend-seconds" type="number" min="1" max="30" step="1" aria-label="Seconds to extend by" value={String(extendBy())} onChange={(e) => setExtendBy(Math.max(1, Math.min(30, Math.round(Number(e.currentTarget.value) || 4))))} />
        <span class="muted small-text">s, as a new take</span>
      </div>
      <div class="field-error" data-field={field("endFrame")}>
        {[...project.messages(field("endFrame")), ...project.messages(field("endFrame.image")), ...project.messages(field("trim"))].join("; ")}
      </div>
    </fieldset>
  );
}
