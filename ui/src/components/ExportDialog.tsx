// Export the film: a delivery preset (its frame size; shots of another shape are reframed as
// set in the player), the editor's package on or off (OTIO, FCPXML, EDL with the media,
// captions and stems), an output folder picked in Rust's dialog; the export runs as durable
// work with its progress pushed over a channel, and Cancel.
import { Channel } from "@tauri-apps/api/core";
import { createEffect, createSignal, For, Show } from "solid-js";
import { commands, type Exported, type ExportPreset, type ExportStatus } from "../bindings";
import { errorText } from "../format";
import { PRESETS, reframedPresets } from "../reframe";
import { useStudio } from "../stores/studio";

export default function ExportDialog(props: { open: boolean; onClose: () => void }) {
  const { project, status, cut } = useStudio();
  let dialog!: HTMLDialogElement;
  const [preset, setPreset] = createSignal<ExportPreset>("youtube");
  const [pkg, setPkg] = createSignal(true);
  const [folder, setFolder] = createSignal<string | null>(null);
  const [progress, setProgress] = createSignal<ExportStatus | null>(null);
  const [running, setRunning] = createSignal(false);
  const [done, setDone] = createSignal<Exported | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  createEffect(() => {
    if (props.open && !dialog.open) dialog.showModal();
    else if (!props.open && dialog.open) dialog.close();
  });
  const reframed = () => reframedPresets(project.state.project.aspectRatio).includes(preset());

  async function chooseFolder() {
    const [picked] = await status.choose("exportFolder");
    if (picked) setFolder(picked);
  }

  async function start() {
    const path = project.state.path;
    const out = folder();
    if (!path || !out) return;
    setError(null);
    setDone(null);
    setProgress(null);
    setRunning(true);
    const channel = new Channel<ExportStatus>();
    channel.onmessage = (p) => setProgress(p);
    try {
      const r = await commands.exportFilm(project.current(), path, out, { preset: preset(), package: pkg() }, channel);
      if (r.status === "ok") {
        setDone(r.data);
        status.set(`Exported ${r.data.files.length} file(s) to ${r.data.outDir}`);
      } else setError(r.error.code === "jobCancelled" ? "Cancelled: nothing was written." : errorText(r.error));
    } catch (e) {
      setError(String(e));
    } finally {
      setRunning(false);
    }
  }

  async function cancel() {
    const id = progress()?.id;
    if (!id) return;
    const r = await commands.cancelExport(id);
    if (r.status === "error") setError(errorText(r.error));
  }

  return (
    <dialog id="export-dialog" ref={dialog} aria-labelledby="export-title" onClose={() => props.onClose()} onCancel={(e) => running() && e.preventDefault()}>
      <h2 id="export-title">Export the film</h2>
      <label>
        <span>Preset</span>
        <select id="export-preset" value={preset()} disabled={running()} onChange={(e) => setPreset(e.currentTarget.value as ExportPreset)}>
          <For each={PRESETS}>{(p) => <option value={p.preset}>{p.label}</option>}</For>
        </select>
      </label>
      <Show when={reframed()}>
        <p class="hint muted">
          Another shape than the project's: each shot is cropped where its window sits (centred unless moved), or fitted on a blurred fill.{" "}
          <button
            id="export-reframe"
            type="button"
            class="small"
            onClick={() => {
              cut.setReframeFor(preset());
              props.onClose();
            }}
          >
            Set the crops in the player
          </button>
        </p>
      </Show>
      <label class="check">
        <input id="export-package" type="checkbox" checked={pkg()} disabled={running()} onChange={(e) => setPkg(e.currentTarget.checked)} />
        <span>The editor's package: OpenTimelineIO, FCPXML and EDL with the clips, captions and stems</span>
      </label>
      <div class="row">
        <button id="export-folder" type="button" disabled={running()} onClick={() => void chooseFolder()}>
          Folder…
        </button>
        <span id="export-folder-path" class="muted">{folder() ?? "no folder chosen"}</span>
      </div>
      <Show when={props.open && !project.state.path}>
        <p class="warn">Save the project first: the export delivers its latest render.</p>
      </Show>
      <Show when={running() || progress()}>
        <div class="row">
          <progress id="export-progress" max="100" value={progress()?.percentage ?? 0} />
          <span id="export-step" class="muted">{progress()?.currentStep ?? "starting"}</span>
        </div>
      </Show>
      <Show when={done()}>
        {(d) => (
          <div id="export-done">
            <p>
              Written to {d().outDir}: {d().files.length} file(s)
            </p>
            <ul class="small-text">
              <For each={d().files.slice(0, 12)}>{(f) => <li>{f}</li>}</For>
            </ul>
          </div>
        )}
      </Show>
      <Show when={error()}>
        <p id="export-error" class="warn">
          {error()}
        </p>
      </Show>
      <div class="row">
        <span class="spacer"></span>
        <Show
          when={running()}
          fallback={
            <>
              <button id="export-close" type="button" onClick={() => props.onClose()}>
                Close
              </button>
              <button id="export-start" type="button" class="primary" disabled={!project.state.path || !folder()} onClick={() => void start()}>
                Export
              </button>
            </>
          }
        >
          <button id="export-cancel" type="button" disabled={!progress()} onClick={() => void cancel()}>
            Cancel
          </button>
        </Show>
      </div>
    </dialog>
  );
}
