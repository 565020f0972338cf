// The sound lanes under the player's timeline: dialogue, narration, music and the clips' own
// sound, each with mute and volume (saved in the project's mix, with undo) and solo (a
// preview-only state). A rendered film with stems shows each stem's waveform and plays the
// stems beside the video, so the levels are heard at once; before that, the lines show as
// blocks where they will fall (estimated at a natural pace). The lanes are drawn on the film's
// time with the timeline's own scale and scroll (`CutStore.view`), under the timeline's shots:
// a line sits under the shot it belongs to at any zoom, after trims, transitions and titles.
// A click on a lane seeks there.
import { createEffect, createMemo, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import * as cut from "../cut";
import { filmBars, shotWindows } from "../lanes";
import { dbText, hasSound, laneBlocks, LANES, MAX_DB, MIN_DB, mixOf, type Lane, type LaneBlock } from "../sound";
import { useStudio } from "../stores/studio";
import "./Sound.css";

/** Pixels of waveform per bar. */
const BAR_PX = 2;

/** The lanes' x axis: the timeline's pixels per second and scroll, and the lanes' visible width. */
interface Axis {
  pps: number;
  scrollX: number;
  width: number;
}

/** A stem's waveform over the lane's visible part: one bar per two pixels, on the film's time. */
function Waveform(props: { peaks: number[]; lane: Lane; axis: Axis }) {
  const { cut: c, player } = useStudio();
  let canvas!: HTMLCanvasElement;
  const [size, setSize] = createSignal(0);
  const draw = () => {
    size();
    const ctx = canvas.getContext?.("2d");
    if (!ctx) return;
    const { pps, scrollX } = props.axis;
    const w = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio));
    const h = Math.max(1, Math.round(canvas.clientHeight * devicePixelRatio));
    canvas.width = w;
    canvas.height = h;
    ctx.clearRect(0, 0, w, h);
    if (!(pps > 0)) return;
    ctx.fillStyle = { dialogue: "#7fc4a8", narration: "#9fb4ee", music: "#d9a86c", clips: "#b7a9c6" }[props.lane];
    const count = Math.ceil(canvas.clientWidth / BAR_PX);
    const range = { from: scrollX / pps, step: BAR_PX / pps, count, total: c.layout().total };
    const bars = filmBars(props.peaks, player.duration(), range, c.videoTime);
    const step = BAR_PX * devicePixelRatio;
    bars.forEach((v, i) => {
      if (v === null) return;
      const bh = Math.max(1, v * h);
      ctx.fillRect(i * step, (h - bh) / 2, Math.max(1, step - devicePixelRatio), bh);
    });
  };
  onMount(() => {
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setSize((n) => n + 1));
    ro.observe(canvas);
    onCleanup(() => ro.disconnect());
  });
  createEffect(draw);
  return <canvas ref={canvas} class="waveform" data-peaks={props.peaks.length} data-max={props.peaks.reduce((m, v) => Math.max(m, v), 0).toFixed(3)} aria-hidden="true" />;
}

function LaneRow(props: { lane: Lane; name: string; blocks: LaneBlock[] }) {
  const { cut: c, project, player, sound } = useStudio();
  const track = () => mixOf(project.state.project)[props.lane];
  const silent = () => sound.laneLevel(props.lane) === 0;
  const soloed = () => sound.solo().has(props.lane);
  const peaks = () => sound.peaksOf(props.lane);
  const blocks = () => props.blocks.filter((b) => b.lane === props.lane);
  let trackEl!: HTMLDivElement;
  const [width, setWidth] = createSignal(0);
  onMount(() => {
    setWidth(trackEl.clientWidth);
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setWidth(trackEl.clientWidth));
    ro.observe(trackEl);
    onCleanup(() => ro.disconnect());
  });
  /** The timeline's scale and scroll (its own fit to this lane's width until it has drawn). */
  const axis = createMemo((): Axis => {
    const v = c.view();
    if (v.pps > 0) return { pps: v.pps, scrollX: v.scrollX, width: width() };
    return { pps: cut.pixelsPerSecond(width(), Math.max(1, c.layout().total), c.zoom()), scrollX: 0, width: width() };
  });
  const px = (t: number) => t * axis().pps;
  const contentWidth = () => Math.max(axis().width, Math.ceil(px(c.layout().total)) + 2);
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
        data-pps={axis().pps.toFixed(3)}
        onClick={(e) => {
          const r = trackEl.getBoundingClientRect();
          const { pps, scrollX } = axis();
          if (!(pps > 0)) return;
          c.stop();
          c.seek((e.clientX - r.left - trackEl.clientLeft + scrollX) / pps);
        }}
      >
        <Show
          when={peaks()}
          fallback={
            <>
              <div class="lane-content" style={{ width: `${contentWidth()}px`, transform: `translateX(${-axis().scrollX}px)` }}>
                <For each={blocks()}>
                  {(b) => (
                    <span
                      class={`lane-block ${b.lane}`}
                      classList={{ native: Boolean(b.native), overflows: Boolean(b.overflows) }}
                      data-scene={b.scene}
                      data-start={b.start.toFixed(3)}
                      data-end={b.end.toFixed(3)}
                      style={{ left: `${px(b.start)}px`, width: `${Math.max(3, px(b.end - b.start))}px` }}
                      title={`${b.who ? `${b.who}: ` : ""}${b.text}${b.native ? " (spoken in the clip)" : ""}${b.overflows ? " — longer than its shot" : ""}`}
                    >
                      {b.who ? `${b.who}: ` : ""}
                      {b.text}
                    </span>
                  )}
                </For>
              </div>
              <Show when={props.lane === "clips"}>
                <span class="lane-note">the clips' own sound{player.request() ? "" : " (after a render)"}</span>
              </Show>
            </>
          }
        >
          {(p) => <Waveform peaks={p()} lane={props.lane} axis={axis()} />}
        </Show>
        <Show when={sound.mutedInRender(props.lane)}>
          <span class="lane-note">muted in this render: render again to hear it</span>
        </Show>
        <Show when={c.layout().total > 0 && player.request()}>
          <LanePlayhead x={px(c.cursor()) - axis().scrollX} />
        </Show>
      </div>
    </div>
  );
}

/**
 * The playhead across one lane, drawn on a canvas: moving an element at every frame of a scrub
 * costs a layout of the page where WebKit composites nothing (no GPU), about 45 ms a frame,
 * while a canvas repaints two thin strips (as the timeline's own playhead, `CutTimeline`).
 */
function LanePlayhead(props: { x: number }) {
  let canvas!: HTMLCanvasElement;
  let drawn: number | null = null;
  let size = "";
  createEffect(() => {
    const x = props.x;
    const g = canvas.getContext?.("2d");
    if (!g) return;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const key = `${w}x${h}@${dpr}`;
    if (key !== size) {
      // A new size clears the canvas.
      size = key;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawn = null;
    }
    if (drawn !== null) g.clearRect(drawn - 2, 0, 4, h);
    drawn = null;
    if (x < -1 || x > w + 1) return;
    g.fillStyle = "#ffffff";
    g.fillRect(x - 1, 0, 2, h);
    drawn = x;
  });
  return <canvas ref={canvas} class="lane-playhead" aria-hidden="true" />;
}

export default function SoundLanes() {
  const { cut: c, project, sound } = useStudio();
  /** The lines on the film: each shot's in its window of the cut's layout (as the timeline draws the shots). */
  const blocks = createMemo(() => laneBlocks(project.state.project, shotWindows(c.layout(), project.state.project.scenarios.length)));
  const shown = () => hasSound(project.state.project) || Boolean(sound.current()?.stems);
  return (
    <Show when={shown()}>
      <div id="sound-lanes" class="sound-lanes" role="group" aria-label="Sound lanes" data-stems={sound.current()?.stems ? "true" : "false"} data-stems-playing={sound.stemsPlaying() ? "true" : "false"}>
        <For each={LANES}>{([lane, name]) => <LaneRow lane={lane} name={name} blocks={blocks()} />}</For>
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
