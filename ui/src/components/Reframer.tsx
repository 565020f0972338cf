// Reframing a shot for a delivery shape other than the project's (Shorts, square, 4:5): the
// crop window of that shape over the player's picture, dragged with the pointer to where the
// shot's picture should sit (saved as the shot's `reframe` x/y, one undo step per drag), or
// the whole picture fitted on a blurred fill. Shown while a preset is picked in the timeline's
// bar and the playhead is on a shot.
import { createMemo, createSignal, onCleanup, onMount, Show } from "solid-js";
import { cropWindow, presetAspect, presetLabel } from "../reframe";
import { sceneCut } from "../cutEdit";
import { useStudio } from "../stores/studio";

export default function Reframer() {
  const { cut: c, project, player } = useStudio();
  let box!: HTMLDivElement;
  const [size, setSize] = createSignal({ w: 0, h: 0 });
  onMount(() => {
    const stage = box.parentElement;
    if (!stage) return;
    setSize({ w: stage.clientWidth, h: stage.clientHeight });
    // (No ResizeObserver in the unit tests' DOM.)
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setSize({ w: stage.clientWidth, h: stage.clientHeight }));
    ro.observe(stage);
    onCleanup(() => ro.disconnect());
  });
  const shot = () => {
    const cur = c.current();
    return cur?.kind === "shot" ? cur : null;
  };
  const preset = () => c.reframeFor();
  const reframe = () => {
    const s = shot();
    return s ? sceneCut(project.state.project, s.id)?.reframe : undefined;
  };
  const [dragX, setDragX] = createSignal<{ x: number; y: number } | null>(null);
  /** The picture's aspect: the video's own once loaded, else the project's. */
  const pictureAspect = () => {
    const v = player.videoElement();
    if (player.request() && v && v.videoWidth > 0 && v.videoHeight > 0 && player.duration() > 0) return v.videoWidth / v.videoHeight;
    return project.state.project.aspectRatio === "9:16" ? 9 / 16 : 16 / 9;
  };
  const win = createMemo(() => {
    const p = preset();
    if (!p) return null;
    const d = dragX();
    const r = reframe();
    return cropWindow(size().w, size().h, pictureAspect(), presetAspect(p), d?.x ?? r?.x ?? 0, d?.y ?? r?.y ?? 0);
  });
  const fit = () => reframe()?.mode === "fit";

  function start(e: PointerEvent) {
    const s = shot();
    const w = win();
    if (e.button !== 0 || !s || !w || fit()) return;
    e.preventDefault();
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture?.(e.pointerId);
    c.stop();
    const x0 = e.clientX;
    const y0 = e.clientY;
    const from = { x: reframe()?.x ?? 0, y: reframe()?.y ?? 0 };
    const move = (ev: PointerEvent) => {
      const nx = w.travelX > 0 ? from.x + (2 * (ev.clientX - x0)) / w.travelX : 0;
      const ny = w.travelY > 0 ? from.y + (2 * (ev.clientY - y0)) / w.travelY : 0;
      setDragX({ x: Math.max(-1, Math.min(1, nx)), y: Math.max(-1, Math.min(1, ny)) });
    };
    const up = () => {
      const d = dragX();
      setDragX(null);
      if (d && (d.x !== from.x || d.y !== from.y)) project.setReframe(s.id, { mode: "crop", x: d.x, y: d.y });
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
  }

  return (
    <div ref={box} class="reframer" hidden={!preset() || !shot()}>
      <Show when={preset() && shot() && win()}>
        {(w) => (
          <>
            <div
              id="reframe-window"
              class="reframe-window"
              classList={{ fit: fit() }}
              data-x={(dragX()?.x ?? reframe()?.x ?? 0).toFixed(3)}
              data-y={(dragX()?.y ?? reframe()?.y ?? 0).toFixed(3)}
              style={{ left: `${w().left}px`, top: `${w().top}px`, width: `${w().width}px`, height: `${w().height}px` }}
              onPointerDown={start}
              title="Drag to place the picture in this shape"
            />
            <div class="reframe-bar row">
              <span>
                {presetLabel(preset() ?? "shorts")} · shot {(shot()?.index ?? 0) + 1}: {fit() ? "the whole picture on a blurred fill" : "drag the window"}
              </span>
              <label class="inline check">
                <input
                  id="reframe-fit"
                  type="checkbox"
                  checked={fit()}
                  onChange={(e) => {
                    const s = shot();
                    if (s) project.setReframe(s.id, e.currentTarget.checked ? { mode: "fit" } : null);
                  }}
                />
                <span>Fit</span>
              </label>
              <button
                id="reframe-center"
                class="small"
                onClick={() => {
                  const s = shot();
                  if (s) project.setReframe(s.id, null);
                }}
              >
                Centre
              </button>
            </div>
          </>
        )}
      </Show>
    </div>
  );
}
