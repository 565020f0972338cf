// The film's music, a strip like the cast's: a prompt for the music model, or a file of the
// creator's (picked in Rust's dialog, so the render may read it), from which shot to which,
// looped or not, and its fades. Every change is one undo step (typing the prompt: one per burst).
import { For, Show } from "solid-js";
import { clampFade, fileName } from "../sound";
import { useStudio } from "../stores/studio";
import "./Sound.css";

export default function MusicPanel() {
  const { project, status, panels } = useStudio();
  const music = () => project.state.project.music;
  const scenes = () => project.state.project.scenarios;
  // Folded at first unless the project has music: the storyboard needs the height.
  const open = () => panels.open("music");
  const setOpen = (on: boolean) => panels.set("music", on);
  const summary = () => {
    const m = music();
    if (!m) return "none";
    return m.file ? fileName(m.file) : m.prompt || "no prompt yet";
  };
  const sceneLabel = (i: number, id: string) => `${i + 1} · ${id}`;
  /** Rust's problems with the music ("music", "music.prompt", "music.to"…), once shown. */
  const problems = () => project.shownProblems().filter((p) => p.field === "music" || p.field.startsWith("music."));
  async function chooseFile() {
    const [picked] = await status.choose("musicFile");
    if (picked) project.setMusic({ file: picked });
  }
  return (
    <section id="music" class="cast music" aria-label="Music" classList={{ collapsed: !open() }}>
      <div class="row cast-bar">
        <button id="music-toggle" class="small icon" aria-label="Show the music" aria-expanded={open()} aria-controls="music-body" title={open() ? "Collapse" : "Expand"} onClick={() => setOpen(!open())}>
          {open() ? "▾" : "▸"}
        </button>
        <h2>Music</h2>
        <Show when={!open()}>
          <span class="chip music-chip">{summary()}</span>
        </Show>
        <span class="spacer"></span>
        <button id="music-remove" class="small" disabled={!music()} onClick={() => project.setMusic(null)}>
          No music
        </button>
      </div>
      <div id="music-body" class="music-body" hidden={!open()}>
        <label class="grow music-prompt">
          <span class="label-text">Made by the music model from</span>
          <textarea
            id="music-prompt"
            rows="2"
            placeholder="slow ambient piano, melancholic, no vocals"
            classList={{ invalid: problems().some((p) => p.field === "music" || p.field === "music.prompt") }}
            value={music()?.prompt ?? ""}
            disabled={Boolean(music()?.file)}
            onInput={(e) => project.setMusic({ prompt: e.currentTarget.value })}
            onBlur={() => ["music", "music.prompt", "music.file"].forEach(project.touch)}
          />
        </label>
        <div class="music-file">
          <span class="label-text">or a file of yours</span>
          <div class="row">
            <Show when={music()?.file} fallback={<span class="muted small-text">none</span>}>
              {(f) => (
                <span class="music-file-name" title={f()}>
                  {fileName(f())}
                </span>
              )}
            </Show>
            <button id="music-choose" class="small" onClick={() => void chooseFile()}>
              Choose a file…
            </button>
            <Show when={music()?.file}>
              <button id="music-file-remove" class="small icon" aria-label="Use a prompt instead of the file" onClick={() => project.setMusic({ prompt: "" })}>
                ✕
              </button>
            </Show>
          </div>
        </div>
        <label>
          <span class="label-text">From shot</span>
          <select id="music-from" value={music()?.from ?? ""} onChange={(e) => { project.touch("music.from"); project.setMusic({ from: e.currentTarget.value || undefined }); }}>
            <option value="">the first</option>
            <For each={scenes()}>{(s, i) => <option value={s.id}>{sceneLabel(i(), s.id)}</option>}</For>
          </select>
        </label>
        <label>
          <span class="label-text">To shot</span>
          <select id="music-to" value={music()?.to ?? ""} onChange={(e) => { project.touch("music.to"); project.setMusic({ to: e.currentTarget.value || undefined }); }}>
            <option value="">the last</option>
            <For each={scenes()}>{(s, i) => <option value={s.id}>{sceneLabel(i(), s.id)}</option>}</For>
          </select>
        </label>
        <label class="check">
          <input id="music-loop" type="checkbox" checked={music()?.loop ?? true} onChange={(e) => project.setMusic({ loop: e.currentTarget.checked })} />
          Loop
        </label>
        <label>
          <span class="label-text">Fade (s)</span>
          <input
            id="music-fade"
            type="number"
            min="0"
            max="30"
            step="0.5"
            value={String(music()?.fadeSeconds ?? 2)}
            onChange={(e) => project.setMusic({ fadeSeconds: clampFade(Number(e.currentTarget.value)) })}
          />
        </label>
      </div>
      <div class="field-error" data-field="music">{problems().map((p) => p.message).join("; ")}</div>
    </section>
  );
}
