// The timeline: the project's shots as blocks on a time ruler, as wide as their trimmed parts,
// with trim handles to drag (pointer events, the frame under the handle shown in the player),
// the transitions between them, title cards and the end credits, a playhead to scrub on the
// ruler, and zoom. Keys when it has focus: J/K/L shuttle, ←/→ one frame, ↑/↓ the previous or
// next shot, Home/End, +/- zoom. A trim is saved (one undo step) when its handle is let go.
//
// What moves at every frame of a scrub or a drag (the playhead, the dragged trim) is drawn on
// a canvas over the track (`Overlay`), not by moving elements: without a GPU the page is painted
// without compositing, and moving an element among the 50 blocks cost the page 45-60 ms a frame
// (cut.e2e.mjs), drawing a line on the canvas a few.
import { createEffect, createMemo, createSelector, createSignal, For, Index, onCleanup, onMount, Show } from "solid-js";
import * as cut from "../cut";
import type { CutItem } from "../cut";
import { trimOf } from "../cutEdit";
import { pixelBox, repaintPlan, type PaintRect } from "../overlay";
import type { CutStore } from "../stores/cut";
import { useStudio } from "../stores/studio";

/** What the inspector above the track edits. */
export type TimelinePick = { kind: "transition"; id: string } | { kind: "title"; index: number } | { kind: "credits" } | null;

/** The timeline's keys (also the player's). True when the key was taken. */
export function onCutKey(e: KeyboardEvent, c: CutStore): boolean {
  if (e.altKey || e.ctrlKey || e.metaKey) return false;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return false;
  const keys: Record<string, () => void> = {
    j: () => c.shuttleKey("j"),
    k: () => c.shuttleKey("k"),
    l: () => c.shuttleKey("l"),
    " ": () => c.togglePlay(),
    ArrowLeft: () => c.stepFrames(e.shiftKey ? -cut.CUT_FPS : -1),
    ArrowRight: () => c.stepFrames(e.shiftKey ? cut.CUT_FPS : 1),
    ArrowUp: () => c.stepItem(-1),
    ArrowDown: () => c.stepItem(1),
    Home: () => (c.stop(), c.seek(0)),
    End: () => (c.stop(), c.seek(c.layout().total)),
    "+": () => c.zoomBy(1),
    "=": () => c.zoomBy(1),
    "-": () => c.zoomBy(-1),
  };
  const act = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
  if (!act) return false;
  // Space on a button presses it.
  if (e.key === " " && t instanceof HTMLButtonElement) return false;
  e.preventDefault();
  e.stopPropagation();
  act();
  return true;
}

export default function CutTimeline(props: { pick: TimelinePick; onPick: (p: TimelinePick) => void }) {
  const { cut: c, project, jobs, player } = useStudio();
  let scroller!: HTMLDivElement;
  let track: HTMLDivElement | undefined;
  const [width, setWidth] = createSignal(0);
  const [height, setHeight] = createSignal(0);
  const [scrollX, setScrollX] = createSignal(0);
  onMount(() => {
    setWidth(scroller.clientWidth);
    setHeight(scroller.clientHeight);
    // (No ResizeObserver in the unit tests' DOM.)
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      setWidth(scroller.clientWidth);
      setHeight(scroller.clientHeight);
    });
    ro.observe(scroller);
    onCleanup(() => ro.disconnect());
  });
  /** Pixels per second; held while a handle is dragged (the film's length changes under it). */
  let heldPps = 0;
  /**
   * The film's length the scale is set for. Fitted (zoom 1), the film as it is. Zoomed in, its
   * length when the zoom or the width was last set: an edit that changes the film's length (a
   * trim let go, a title added) keeps the pixels per second, so only what comes after the edit
   * moves. Rescaled to the shorter film, a trim let go moved and resized the 50 blocks, the 49
   * transitions and the 99 ruler ticks in the frame that also seeks the picture (28-104 ms in
   * cut.e2e.mjs).
   */
  let scaleFor = { width: 0, zoom: 0, total: 0 };
  const scaleTotal = createMemo(() => {
    const w = width();
    const z = c.zoom();
    const total = Math.max(1, c.layout().total);
    if (z <= 1 || w !== scaleFor.width || z !== scaleFor.zoom) scaleFor = { width: w, zoom: z, total };
    return scaleFor.total;
  });
  const pps = createMemo(() => (c.drag() && heldPps > 0 ? heldPps : cut.pixelsPerSecond(width(), scaleTotal(), c.zoom())));
  const px = (t: number) => t * pps();
  // The sound lanes under the timeline draw with its scale and scroll (`CutStore.view`).
  createEffect(() => {
    const p = pps();
    c.setView((v) => ({ ...v, pps: p }));
  });
  const contentWidth = () => Math.max(width(), Math.ceil(px(c.layout().total)) + 2);
  const step = () => cut.tickStep(pps());
  const rulerTicks = createMemo(() => cut.ticks(c.layout().total, step()));
  const itemOf = (kind: "shot" | "title" | "credits", index: number) => c.layout().items.find((x) => x.kind === kind && x.index === index);
  /** Only the dragged block follows each move of a drag (the other 49 are not even asked). */
  const isDragged = createSelector(() => c.drag()?.id);

  // Keep the playhead in view when zoomed in (not while scrubbing: the pointer leads then).
  let scrubbing = false;
  const playheadX = () => px(c.cursor());
  createEffect(() => {
    const x = playheadX();
    if (scrubbing || c.zoom() <= 1) return;
    const left = scroller.scrollLeft;
    if (x < left || x > left + scroller.clientWidth - 8) scroller.scrollLeft = Math.max(0, x - scroller.clientWidth / 3);
  });

  /** The film's time under a pointer over the scroller. */
  const timeAt = (clientX: number) => {
    const r = scroller.getBoundingClientRect();
    return Math.max(0, (clientX - r.left + scroller.scrollLeft) / Math.max(1e-6, pps()));
  };

  function scrubStart(e: PointerEvent) {
    if (e.button !== 0) return;
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture?.(e.pointerId);
    scrubbing = true;
    c.stop();
    c.scrub(timeAt(e.clientX));
    let frame = 0;
    let lastX = e.clientX;
    const move = (ev: PointerEvent) => {
      lastX = ev.clientX;
      if (!frame)
        frame = requestAnimationFrame(() => {
          frame = 0;
          c.scrub(timeAt(lastX));
        });
    };
    const up = () => {
      scrubbing = false;
      if (frame) cancelAnimationFrame(frame);
      // The exact frame where the pointer was let go.
      c.seek(timeAt(lastX));
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
  }

  /** A drag's pointerup also clicks the block under it: that click is not a seek. */
  let dragged = false;
  function trimStart(e: PointerEvent, id: string, index: number, edge: "in" | "out") {
    if (e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture?.(e.pointerId);
    c.stop();
    const clip = c.clipSeconds()[index] ?? 0;
    const from = trimOf(project.state.project, id, clip);
    heldPps = pps();
    const x0 = e.clientX;
    let lastX = x0;
    let frame = 0;
    const show = (exact = false) => {
      frame = 0;
      const trim = cut.dragTrim(from, edge, (lastX - x0) / Math.max(1e-6, heldPps), clip);
      c.setDrag({ id, edge, trim });
      // The frame at the handle, in the player (near it while moving, exactly once let go).
      const base = c.clipStarts()[index];
      if (c.raw() && base !== undefined) c.showVideo(base + (edge === "in" ? trim.in : Math.max(trim.in, trim.out - 1 / cut.CUT_FPS)), exact);
    };
    c.setDrag({ id, edge, trim: from });
    const move = (ev: PointerEvent) => {
      lastX = ev.clientX;
      if (!frame) frame = requestAnimationFrame(() => show());
    };
    const up = () => {
      if (frame) cancelAnimationFrame(frame);
      show(true);
      const d = c.drag();
      c.setDrag(null);
      dragged = true;
      setTimeout(() => (dragged = false), 0);
      heldPps = 0;
      if (d && (d.trim.in !== from.in || d.trim.out !== from.out)) project.setTrim(id, d.trim, clip);
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
  }

  const thumbnail = (id: string) => {
    const scene = player.scenes().find((s) => s.id === id);
    const clip = scene?.clip;
    if (clip) return jobs.state.thumbnails[clip];
    return jobs.sceneStates()[id]?.thumbnailUrl;
  };

  /**
   * A block's tooltip: where it plays and its trim (as saved), set when the pointer comes over
   * it. Kept on every block, a trim let go retitled the 49 blocks after it (the accessibility
   * tree told of each) in the frame that also lays them out again.
   */
  const blockTitle = (id: string, it: CutItem | undefined) =>
    it && it.kind === "shot" ? `${id} · ${cut.timecode(it.start, true)}–${cut.timecode(it.end, true)} · in ${cut.timecode(it.trim.in, true)}, out ${cut.timecode(it.trim.out, true)}` : id;

  /** A shot's block on the track, where the layout puts it (a drag is drawn over it, not moved). */
  function rect(it: CutItem | undefined): { left: number; width: number } {
    if (!it || it.kind !== "shot") return { left: 0, width: 0 };
    return { left: px(it.start), width: Math.max(2, px(it.end - it.start)) };
  }
  /** Where the dragged block would be, in content pixels (its saved place and its trim now). */
  const dragBox = createMemo(() => {
    const d = c.drag();
    if (!d) return null;
    const index = project.state.project.scenarios.findIndex((s) => s.id === d.id);
    const it = itemOf("shot", index);
    if (!it || it.kind !== "shot") return null;
    const from = { left: px(it.start), right: px(it.end) };
    const left = px(it.start + (d.trim.in - it.trim.in));
    return { from, to: { left, right: left + Math.max(2, px(d.trim.out - d.trim.in)) }, edge: d.edge };
  });

  return (
    <div
      id="timeline"
      class="cut-timeline scene-timeline"
      tabindex="0"
      role="group"
      aria-label="Timeline (J, K, L: shuttle back, stop, forward; arrows: one frame; up and down: previous and next shot)"
      aria-keyshortcuts="J K L ArrowLeft ArrowRight ArrowUp ArrowDown Home End"
      data-scenes={project.state.project.scenarios.length}
      data-total={c.layout().total.toFixed(3)}
      data-pps={pps().toFixed(3)}
      data-cursor={c.cursor().toFixed(4)}
      data-frame={cut.frameAt(c.cursor())}
      onKeyDown={(e) => onCutKey(e, c)}
    >
      <div
        class="tl-scroll"
        ref={scroller}
        onScroll={() => {
          setScrollX(scroller.scrollLeft);
          c.setView((v) => ({ ...v, scrollX: scroller.scrollLeft }));
        }}
      >
        <div class="tl-content" style={{ width: `${contentWidth()}px` }}>
          <div class="tl-ruler" onPointerDown={scrubStart} aria-hidden="true">
            <Index each={rulerTicks()}>
              {(t) => (
                <span class="tl-tick" style={{ transform: `translateX(${px(t())}px)` }}>
                  {cut.timecode(t(), step() < 1)}
                </span>
              )}
            </Index>
          </div>
          <div class="tl-track" ref={track} onPointerDown={(e) => e.target === e.currentTarget && scrubStart(e)}>
            <For each={project.state.project.scenarios}>
              {(scene, i) => {
                const it = () => itemOf("shot", i());
                const r = () => rect(it());
                const dragging = () => isDragged(scene.id);
                const playing = () => {
                  const cur = c.highlighted();
                  return cur?.kind === "shot" && cur.index === i();
                };
                /** The trim as saved: a drag is drawn on the overlay, the block's attributes stay until it is let go. */
                const trim = () => {
                  const x = it();
                  return x && x.kind === "shot" ? x.trim : { in: 0, out: 0 };
                };
                return (
                  <div
                    class="tl-seg"
                    classList={{ playing: playing(), dragging: dragging(), trimmed: Boolean(scene.trim) }}
                    data-scene={scene.id}
                    data-start={(it()?.start ?? 0).toFixed(3)}
                    data-in={trim().in.toFixed(3)}
                    data-out={trim().out.toFixed(3)}
                    onPointerEnter={(e) => (e.currentTarget.title = blockTitle(scene.id, it()))}
                    style={{
                      transform: `translateX(${r().left}px)`,
                      width: `${r().width}px`,
                      "background-image": thumbnail(scene.id) ? `url("${thumbnail(scene.id)}")` : undefined,
                    }}
                    onPointerDown={(e) => {
                      if (e.button === 0) e.stopPropagation();
                    }}
                    onClick={() => {
                      if (dragged) return;
                      c.stop();
                      c.seek(it()?.start ?? 0);
                    }}
                  >
                    <span class="tl-label">{i() + 1}</span>
                    <span class="tl-trim tl-trim-in" aria-hidden="true" title="Drag to trim the start" onPointerDown={(e) => trimStart(e, scene.id, i(), "in")} />
                    <span class="tl-trim tl-trim-out" aria-hidden="true" title="Drag to trim the end" onPointerDown={(e) => trimStart(e, scene.id, i(), "out")} />
                  </div>
                );
              }}
            </For>
            <For each={project.state.project.scenarios}>
              {(scene, i) => {
                const it = () => itemOf("shot", i());
                const before = () => {
                  const items = c.layout().items;
                  const at = items.findIndex((x) => x.kind === "shot" && x.index === i());
                  return items[at - 1];
                };
                const shown = () => i() > 0 && before()?.kind === "shot";
                const overlap = () => {
                  const x = it();
                  return x && x.kind === "shot" ? x.overlapIn : 0;
                };
                const kind = () => {
                  const x = it();
                  return x && x.kind === "shot" ? x.transition : "cut";
                };
                const w = () => Math.max(14, px(overlap()));
                return (
                  <Show when={shown()}>
                    <button
                      type="button"
                      class="tl-transition"
                      classList={{ picked: props.pick?.kind === "transition" && props.pick.id === scene.id }}
                      data-scene={scene.id}
                      data-kind={kind()}
                      data-seconds={overlap().toFixed(3)}
                      aria-label={`Transition into shot ${i() + 1}: ${kind()}${overlap() > 0 ? `, ${overlap().toFixed(2)} s` : ""}`}
                      title={`Into ${scene.id}: ${kind()}${overlap() > 0 ? ` ${overlap().toFixed(2)} s` : ""} (click to change)`}
                      style={{ transform: `translateX(${px((it()?.start ?? 0) + overlap() / 2) - w() / 2}px)`, width: `${w()}px` }}
                      onPointerDown={(e) => e.stopPropagation()}
                      onClick={() => props.onPick({ kind: "transition", id: scene.id })}
                    >
                      {kind() === "cut" ? "|" : kind() === "crossfade" ? "⨯" : "◐"}
                    </button>
                  </Show>
                );
              }}
            </For>
            <For each={project.state.project.titles ?? []}>
              {(title, i) => {
                const it = () => itemOf("title", i());
                return (
                  <button
                    type="button"
                    class="tl-title"
                    classList={{ picked: props.pick?.kind === "title" && props.pick.index === i(), playing: c.highlighted()?.kind === "title" && c.highlighted()?.index === i() }}
                    data-title={i()}
                    data-style={title.style ?? "plain"}
                    aria-label={`Title card ${i() + 1}: ${title.text}`}
                    style={{ transform: `translateX(${px(it()?.start ?? 0)}px)`, width: `${Math.max(4, px((it()?.end ?? 0) - (it()?.start ?? 0)))}px` }}
                    onPointerDown={(e) => e.stopPropagation()}
                    onClick={() => {
                      props.onPick({ kind: "title", index: i() });
                      c.stop();
                      c.seek(it()?.start ?? 0);
                    }}
                  >
                    {title.text}
                  </button>
                );
              }}
            </For>
            <Show when={project.state.project.credits}>
              {(_credits) => {
                const it = () => itemOf("credits", 0);
                return (
                  <button
                    type="button"
                    class="tl-title tl-credits"
                    classList={{ picked: props.pick?.kind === "credits" }}
                    aria-label="End credits"
                    style={{ transform: `translateX(${px(it()?.start ?? 0)}px)`, width: `${Math.max(4, px((it()?.end ?? 0) - (it()?.start ?? 0)))}px` }}
                    onPointerDown={(e) => e.stopPropagation()}
                    onClick={() => {
                      props.onPick({ kind: "credits" });
                      c.stop();
                      c.seek(it()?.start ?? 0);
                    }}
                  >
                    Credits
                  </button>
                );
              }}
            </Show>
          </div>
        </div>
      </div>
      <Overlay width={width()} height={height()} scrollX={scrollX()} playheadX={playheadX()} track={() => track} dragged={dragBox()} />
    </div>
  );
}

/**
 * The playhead and a dragged trim, drawn on a canvas over the timeline's visible part. Each
 * draw repaints only the pixels that changed since the last (`repaintPlan`): the page then
 * repaints a few thin strips of the track under the canvas, not the track (and its 50 blocks).
 */
function Overlay(props: {
  width: number;
  height: number;
  scrollX: number;
  playheadX: number;
  track: () => HTMLDivElement | undefined;
  dragged: { from: { left: number; right: number }; to: { left: number; right: number }; edge: "in" | "out" } | null;
}) {
  let canvas!: HTMLCanvasElement;
  let drawn: PaintRect[] = [];
  let size = "";
  createEffect(() => {
    const g = canvas.getContext?.("2d");
    if (!g) return;
    const dpr = window.devicePixelRatio || 1;
    const key = `${props.width}x${props.height}@${dpr}`;
    if (key !== size) {
      // A new size clears the canvas.
      size = key;
      canvas.width = Math.round(props.width * dpr);
      canvas.height = Math.round(props.height * dpr);
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawn = [];
    }
    const next: PaintRect[] = [];
    const add = (k: string, style: string, x: number, y: number, w: number, h: number) => {
      if (w <= 0 || x + w < 0 || x > props.width) return;
      const b = pixelBox(x, y, w, h);
      if (b) next.push({ key: k, style, ...b });
    };
    const d = props.dragged;
    const track = props.track();
    if (d && track) {
      // The track's band: the part the trim takes away dimmed, the part it adds tinted, the
      // handle at the pointer.
      const y = track.offsetTop + 3;
      const h = track.offsetHeight - 6;
      const at = (x: number) => x - props.scrollX;
      const dim = "rgba(14, 11, 18, 0.72)";
      const tint = "rgba(255, 211, 76, 0.28)";
      if (d.to.left > d.from.left) add("in", dim, at(d.from.left), y, Math.min(d.to.left, d.from.right) - d.from.left, h);
      else if (d.to.left < d.from.left) add("in", tint, at(d.to.left), y, d.from.left - d.to.left, h);
      if (d.to.right < d.from.right) add("out", dim, at(Math.max(d.to.right, d.from.left)), y, d.from.right - Math.max(d.to.right, d.from.left), h);
      else if (d.to.right > d.from.right) add("out", tint, at(d.from.right), y, d.to.right - d.from.right, h);
      const edge = d.edge === "in" ? d.to.left : d.to.right - 3;
      add("handle", "#ffd34c", at(edge), y, 3, h);
    }
    add("playhead", "#ffffff", props.playheadX - props.scrollX - 1, 0, 2, props.height);
    const plan = repaintPlan(drawn, next);
    for (const b of plan.clear) g.clearRect(b.x, b.y, b.w, b.h);
    for (const f of plan.fill) {
      g.fillStyle = f.style;
      g.fillRect(f.box.x, f.box.y, f.box.w, f.box.h);
    }
    drawn = next;
  });
  return <canvas ref={canvas} class="tl-overlay" aria-hidden="true" style={{ width: `${props.width}px`, height: `${props.height}px` }} />;
}
