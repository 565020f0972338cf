// Under the player, across the column: the transport and the cut's tools (play, the film's
// time, zoom, a title card, the credits, reframing for another shape, the version, reveal and
// export), the inspector of the transition or title picked on the timeline, the timeline, and
// the sound lanes (folded on short windows; the fold is remembered).
import { createEffect, createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import * as cut from "../cut";
import { creditsOf, TITLE_STYLES, titlesOf, TRANSITION_KINDS } from "../cutEdit";
import { useStudio } from "../stores/studio";
import { presetShort, reframedPresets } from "../reframe";
import type { ExportPreset } from "../bindings";
import CutTimeline, { type TimelinePick } from "./CutTimeline";
import ExportDialog from "./ExportDialog";
import { VersionPicker } from "./Player";
import SoundLanes from "./SoundLanes";
import "./Cut.css";

export default function CutPanel() {
  const { cut: c, player, project, panels } = useStudio();
  const [pick, setPick] = createSignal<TimelinePick>(null);
  const [exporting, setExporting] = createSignal(false);
  const shotLabel = () => {
    const cur = c.current();
    if (!cur) return "";
    if (cur.kind === "shot") return `${cur.index + 1} · ${cur.id}`;
    return cur.kind === "title" ? `title ${cur.index + 1}` : "credits";
  };
  /** A title card before the shot under the playhead (after the last shot at the film's end). */
  function addTitle() {
    const cur = c.current();
    const atEnd = c.cursor() >= c.layout().total - 1e-3 || !cur;
    const before = !atEnd && cur?.kind === "shot" ? cur.id : undefined;
    const index = project.addTitle(before);
    setPick({ kind: "title", index });
  }
  return (
    <section id="cut" class="cut-panel" aria-label="Timeline and sound">
      <div class="player-bar cut-bar row">
        <button class="player-toggle small" aria-label={c.speed() !== 0 ? "Pause" : "Play"} onClick={() => c.togglePlay()}>
          {c.speed() !== 0 ? "Pause" : "Play"}
        </button>
        <CanvasText class="player-time" label="Time" text={`${cut.timecode(c.cursor(), true)} / ${cut.timecode(c.layout().total, true)}`} />
        <CanvasText class="player-scene muted" label="Shot" text={shotLabel()} />
        <Show when={c.speed() !== 0 && c.speed() !== 1}>
          <span class="badge shuttle">{c.speed()}×</span>
        </Show>
        <span class="tl-zoom row" role="group" aria-label="Zoom">
          <button id="zoom-out" class="small icon" aria-label="Zoom out" disabled={c.zoom() <= 1} onClick={() => c.zoomBy(-1)}>
            −
          </button>
          <button id="zoom-fit" class="small" aria-label="Fit the film" onClick={() => c.zoomFit()}>
            {c.zoom() > 1 ? `${c.zoom()}×` : "Fit"}
          </button>
          <button id="zoom-in" class="small icon" aria-label="Zoom in" disabled={c.zoom() >= cut.MAX_ZOOM} onClick={() => c.zoomBy(1)}>
            +
          </button>
        </span>
        <button id="add-title" class="small" onClick={addTitle}>
          + Title
        </button>
        <button
          id="credits-toggle"
          class="small"
          aria-pressed={Boolean(project.state.project.credits)}
          onClick={() => {
            if (project.state.project.credits) project.setCredits(null);
            else {
              project.setCredits({});
              setPick({ kind: "credits" });
            }
          }}
        >
          Credits
        </button>
        <label class="inline reframe-pick" title="Show the crop window of another delivery shape over the player, to place each shot in it">
          <span>Reframe</span>
          <select
            id="reframe-for"
            class="small"
            value={c.reframeFor() ?? ""}
            onChange={(e) => c.setReframeFor((e.currentTarget.value || null) as ExportPreset | null)}
          >
            <option value="">Reframe…</option>
            <For each={reframedPresets(project.state.project.aspectRatio)}>{(p) => <option value={p}>{presetShort(p)}</option>}</For>
          </select>
        </label>
        <button id="lanes-toggle" class="small" aria-expanded={panels.open("lanes")} onClick={() => panels.toggle("lanes")}>
          Sound {panels.open("lanes") ? "▾" : "▸"}
        </button>
        <span class="spacer"></span>
        <VersionPicker />
        <button id="reveal" class="small" title="Show the video in its folder" disabled={!player.request()?.path} onClick={() => player.reveal()}>
          Reveal
        </button>
        <button id="export" class="small" title="Save a copy of this video as it is" disabled={!player.request()?.path} onClick={() => void player.exportVideo()}>
          Save video…
        </button>
        <button id="export-film" class="small primary" onClick={() => setExporting(true)}>
          Export film…
        </button>
      </div>
      <ExportDialog open={exporting()} onClose={() => setExporting(false)} />
      <Inspector pick={pick()} onClose={() => setPick(null)} />
      <CutTimeline pick={pick()} onPick={setPick} />
      <Show when={panels.open("lanes")}>
        <SoundLanes />
      </Show>
    </section>
  );
}

/** The fields of what is picked on the timeline: a transition, a title card, the credits. */
function Inspector(props: { pick: TimelinePick; onClose: () => void }) {
  const { cut: c, project } = useStudio();
  const scenes = () => project.state.project.scenarios;
  return (
    <Show when={props.pick}>
      <div id="tl-inspector" class="tl-inspector row" role="group" aria-label="Timeline item">
        <Switch>
          <Match when={props.pick?.kind === "transition" && props.pick}>
            {(p) => {
              const id = () => (p() as { id: string }).id;
              const index = () => scenes().findIndex((s) => s.id === id());
              const tr = () => scenes()[index()]?.transition;
              const max = () => cut.maxTransition(c.shots(), index(), c.titles());
              return (
                <>
                  <strong>Into shot {index() + 1}</strong>
                  <label class="inline">
                    <span>Transition</span>
                    <select
                      id="transition-kind"
                      class="small"
                      value={tr()?.kind ?? "cut"}
                      onChange={(e) => project.setTransition(id(), e.currentTarget.value as cut.TransitionKind, Math.min(max(), tr()?.seconds ?? 1))}
                    >
                      <For each={TRANSITION_KINDS}>{(k) => <option value={k}>{k === "dip-to-black" ? "dip to black" : k}</option>}</For>
                    </select>
                  </label>
                  <label class="inline">
                    <span>Seconds</span>
                    <input
                      id="transition-seconds"
                      type="number"
                      min={1 / cut.CUT_FPS}
                      max={max()}
                      step="0.25"
                      disabled={(tr()?.kind ?? "cut") === "cut"}
                      value={String(tr()?.seconds ?? 0)}
                      onChange={(e) => project.setTransition(id(), tr()?.kind ?? "crossfade", Math.min(max(), Number(e.currentTarget.value)))}
                    />
                  </label>
                  <span class="muted small-text">at most {max().toFixed(2)} s here</span>
                </>
              );
            }}
          </Match>
          <Match when={props.pick?.kind === "title" && props.pick}>
            {(p) => {
              const index = () => (p() as { index: number }).index;
              const t = () => titlesOf(project.state.project)[index()];
              return (
                <Show when={t()}>
                  <strong>Title {index() + 1}</strong>
                  <label class="inline grow">
                    <span>Text</span>
                    <input id="title-text" value={t()?.text ?? ""} maxLength={300} onInput={(e) => project.updateTitle(index(), { text: e.currentTarget.value })} />
                  </label>
                  <label class="inline">
                    <span>Seconds</span>
                    <input
                      id="title-seconds"
                      type="number"
                      min={cut.TITLE_MIN_SECONDS}
                      max={cut.TITLE_MAX_SECONDS}
                      step="0.5"
                      value={String(t()?.seconds ?? 3)}
                      onChange={(e) => project.updateTitle(index(), { seconds: Number(e.currentTarget.value) })}
                    />
                  </label>
                  <label class="inline">
                    <span>Style</span>
                    <select id="title-style" class="small" value={t()?.style ?? "plain"} onChange={(e) => project.updateTitle(index(), { style: e.currentTarget.value as "plain" })}>
                      <For each={TITLE_STYLES}>{(s) => <option value={s}>{s}</option>}</For>
                    </select>
                  </label>
                  <label class="inline">
                    <span>Before</span>
                    <select id="title-before" class="small" value={t()?.before ?? ""} onChange={(e) => project.updateTitle(index(), { before: e.currentTarget.value || undefined })}>
                      <For each={scenes()}>{(s, i) => <option value={s.id}>shot {i() + 1} · {s.id}</option>}</For>
                      <option value="">the end</option>
                    </select>
                  </label>
                  <button
                    id="title-remove"
                    class="small"
                    onClick={() => {
                      project.removeTitle(index());
                      props.onClose();
                    }}
                  >
                    Remove
                  </button>
                </Show>
              );
            }}
          </Match>
          <Match when={props.pick?.kind === "credits"}>
            <Show when={creditsOf(project.state.project)}>
              {(cr) => (
                <>
                  <strong>End credits</strong>
                  <label class="inline grow">
                    <span>Heading</span>
                    <input id="credits-heading" placeholder="Starring" value={cr().heading ?? ""} onInput={(e) => project.setCredits({ heading: e.currentTarget.value })} />
                  </label>
                  <label class="inline">
                    <span>Seconds</span>
                    <input
                      id="credits-seconds"
                      type="number"
                      min={cut.TITLE_MIN_SECONDS}
                      max={cut.TITLE_MAX_SECONDS}
                      step="0.5"
                      value={String(cr().seconds ?? 5)}
                      onChange={(e) => project.setCredits({ seconds: Number(e.currentTarget.value) })}
                    />
                  </label>
                  <label class="inline">
                    <span>Style</span>
                    <select id="credits-style" class="small" value={cr().style ?? "plain"} onChange={(e) => project.setCredits({ style: e.currentTarget.value as "plain" })}>
                      <For each={TITLE_STYLES}>{(s) => <option value={s}>{s}</option>}</For>
                    </select>
                  </label>
                  <span class="muted small-text">the cast's names, from the project</span>
                </>
              )}
            </Show>
          </Match>
        </Switch>
        <span class="spacer"></span>
        <button id="tl-inspector-close" class="small icon" aria-label="Close" onClick={() => props.onClose()}>
          ✕
        </button>
      </div>
    </Show>
  );
}

/**
 * A one-line readout that changes at every frame of a scrub (the film's time, the shot under
 * the playhead), drawn on a canvas. As a text node it cost the page 40-70 ms frames while
 * scrubbing 50 shots (cut.e2e.mjs: the bar laid out again and the accessibility tree told of
 * each change), even in a box of its own; drawn, a few. Screen readers read it as the
 * canvas's label, set once the text has held for a moment.
 */
function CanvasText(props: { class: string; label: string; text: string }) {
  let el!: HTMLCanvasElement;
  const [spoken, setSpoken] = createSignal(props.text);
  let timer: number | undefined;
  let look: { w: number; h: number; font: string; color: string } | null = null;
  createEffect(() => {
    const text = props.text;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => setSpoken(text), 400);
    const g = el.getContext?.("2d");
    if (!g) return;
    if (!look) {
      const cs = getComputedStyle(el);
      look = { w: el.clientWidth, h: el.clientHeight, font: `${cs.fontSize} ${cs.fontFamily}`, color: cs.color };
      const dpr = window.devicePixelRatio || 1;
      el.width = Math.round(look.w * dpr);
      el.height = Math.round(look.h * dpr);
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    g.clearRect(0, 0, look.w, look.h);
    g.font = look.font;
    g.fillStyle = look.color;
    g.textBaseline = "middle";
    g.fillText(text, 0, look.h / 2, look.w);
  });
  onCleanup(() => window.clearTimeout(timer));
  return <canvas ref={el} class={props.class} role="img" aria-label={`${props.label}: ${spoken()}`} />;
}
