// The sound lanes under the player's timeline: dialogue, narration, music and the clips' own
// sound, each with mute and volume (saved in the project's mix, with undo) and solo (a
// preview-only state). A rendered film with stems shows each stem's waveform and plays the
// stems beside the video, so the levels are heard at once; before that, the lines show as
// blocks where they will fall (estimated at a natural pace). A click on a lane seeks there.
import { createEffect, createMemo, For, onCleanup, onMount, Show } from "solid-js";
import type { Project, Scenario } from "../bindings";
import { barsOf, dbText, hasSound, laneBlocks, LANES, MAX_DB, MIN_DB, mixOf, type Lane } from "../sound";
import { useStudio } from "../stores/studio";
import "./Sound.css";

/** The scenes the lanes lay out, and how long each is: what plays, else the project as planned. */
function useLayout() {
  const { project, player } = useStudio();
  return createMemo((): { project: Project; durations: number[] } => {
    const p = project.state.project;
    const playing = player.scenes();
    if (!playing.length) return { project: p, durations: p.scenarios.map((s) => s.durationSeconds) };
    const durations = player.durations();
    const scenarios = playing.map((x, i): Scenario => p.scenarios.find((s) => s.id === x.id) ?? { id: x.id, prompt: "", durationSeconds: durations[i] ?? 0 });
    return { project: { ...p, scenarios }, durations: playing.map((_, i) => durations[i] ?? 0) };
  });
}

/** A stem's waveform: one bar per two pixels, redrawn when the lane is resized. */
function Waveform(props: { peaks: number[]; lane: Lane }) {
  let canvas!: HTMLCanvasElement;
  const draw = () => {
    const ctx = canvas.getContext?.("2d");
    if (!ctx) return;
    const w = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio));
    const h = Math.max(1, Math.round(canvas.clientHeight * devicePixelRatio));
    canvas.width = w;
    canvas.height = h;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = { dialogue: "#7fc4a8", narration: "#9fb4ee", music: "#d9a86c", clips: "#b7a9c6" }[props.lane];
    const bars = barsOf(props.peaks, w / (2 * devicePixelRatio));
    const step = w / Math.max(1, bars.length);
    bars.forEach((v, i) => {
      const bh = Math.max(1, v * h);
      ctx.fillRect(i * step, (h - bh) / 2, Math.max(1, step - devicePixelRatio), bh);
    });
  };
  onMount(() => {
    const ro = new ResizeObserver(draw);
    ro.observe(canvas);
    onCleanup(() => ro.disconnect());
  });
  createEffect(draw);
  return <canvas ref={canvas} class="waveform" data-peaks={props.peaks.length} data-max={props.peaks.reduce((m, v) => Math.max(m, v), 0).toFixed(3)} aria-hidden="true" />;
}

function LaneRow(props: { lane: Lane; name: string; total: number; layout: ReturnType<typeof useLayout> }) {
  const { project, player, sound } = useStudio();
  const track = () => mixOf(project.state.project)[props.lane];
  const silent = () => sound.laneLevel(props.lane) === 0;
  const soloed = () => sound.solo().has(props.lane);
  const peaks = () => sound.peaksOf(props.lane);
  const blocks = () => laneBlocks(props.layout().project, props.layout().durations).filter((b) => b.lane === props.lane);
  const pct = (t: number) => (props.total > 0 ? `${Math.max(0, Math.min(100, (t / props.total) * 100))}%` : "0%");
  let trackEl!: HTMLDivElement;
  return (
    <div class="sound-lane" classList={{ silent: silent() }} data-lane={props.lane} data-gain={sound.laneLevel(props.lane).toFixed(3)} role="group" aria-label={`${props.name} lane`}>
      <div class="lane-head">
        <span class="lane-name" title={props.name}>
          {props.name}
        </span>
        <button
          type="button"
          class="lane-mute"
          aria-pressed={track().mute}
          aria-label={`Mute ${props.name}`}
          title={track().mute ? "Muted in the mix (saved in the project)" : "Mute in the mix"}
          onClick={() => project.setTrack(props.lane, { mute: !track().mute })}
        >
          M
        </button>
        <button
          type="button"
          class="lane-solo"
          aria-pressed={soloed()}
          aria-label={`Solo ${props.name}`}
          title="Hear this lane alone (here only: not saved)"
          onClick={() => sound.toggleSolo(props.lane)}
        >
          S
        </button>
        <input
          type="range"
          class="lane-volume"
          min={MIN_DB}
          max={MAX_DB}
          step="1"
          aria-label={`Volume of ${props.name} (dB)`}
          aria-valuetext={dbText(track().volumeDb)}
          value={String(track().volumeDb)}
          onInput={(e) => project.setTrack(props.lane, { volumeDb: Number(e.currentTarget.value) })}
        />
        <span class="lane-db">{dbText(track().volumeDb)}</span>
      </div>
      <div
        class="lane-track"
        ref={trackEl}
        data-blocks={blocks().length}
        onClick={(e) => {
          const r = trackEl.getBoundingClientRect();
          if (r.width > 0 && props.total > 0) player.seek(((e.clientX - r.left) / r.width) * props.total);
        }}
      >
        <Show
          when={peaks()}
          fallback={
            <>
              <For each={blocks()}>
                {(b) => (
                  <span
                    class={`lane-block ${b.lane}`}
                    classList={{ native: Boolean(b.native), overflows: Boolean(b.overflows) }}
                    data-scene={b.scene}
                    style={{ left: pct(b.start), width: `calc(${pct(b.end)} - ${pct(b.start)})` }}
                    title={`${b.who ? `${b.who}: ` : ""}${b.text}${b.native ? " (spoken in the clip)" : ""}${b.overflows ? " — longer than its shot" : ""}`}
                  >
                    {b.who ? `${b.who}: ` : ""}
                    {b.text}
                  </span>
                )}
              </For>
              <Show when={props.lane === "clips"}>
                <span class="lane-note">the clips' own sound{player.request() ? "" : " (after a render)"}</span>
              </Show>
            </>
          }
        >
          {(p) => <Waveform peaks={p()} lane={props.lane} />}
        </Show>
        <Show when={sound.mutedInRender(props.lane)}>
          <span class="lane-note">muted in this render: render again to hear it</span>
        </Show>
        <Show when={props.total > 0 && player.request()}>
          <div class="lane-playhead" aria-hidden="true" style={{ left: pct(player.time()) }} />
        </Show>
      </div>
    </div>
  );
}

export default function SoundLanes() {
  const { project, sound } = useStudio();
  const layout = useLayout();
  const total = () => layout().durations.reduce((t, d) => t + (Number.isFinite(d) && d > 0 ? d : 0), 0);
  const shown = () => hasSound(project.state.project) || Boolean(sound.current()?.stems);
  return (
    <Show when={shown()}>
      <div id="sound-lanes" class="sound-lanes" role="group" aria-label="Sound lanes" data-stems={sound.current()?.stems ? "true" : "false"} data-stems-playing={sound.stemsPlaying() ? "true" : "false"}>
        <For each={LANES}>{([lane, name]) => <LaneRow lane={lane} name={name} total={total()} layout={layout} />}</For>
        <div class="sound-lanes-bar">
          <span>
            {sound.stemsPlaying()
              ? "Playing the film's stems: mute, solo and volume are heard here."
              : sound.current()?.stems
                ? "The film's stems."
                : "Estimated from the lines (2.5 words a second); a render places them exactly."}
          </span>
          <span class="spacer"></span>
          <Show when={sound.solo().size > 0}>
            <span class="warn">solo: {[...sound.solo()].join(", ")} (here only)</span>
          </Show>
        </div>
      </div>
    </Show>
  );
}
