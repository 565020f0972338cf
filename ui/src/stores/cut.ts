// The timeline's state: the project's cut laid out on the film (shots at their trimmed
// lengths, transitions, title cards, credits), the playhead on the film, and moving it: a
// scrub seeks the `<video>` to the frame, J/K/L shuttle, ←/→ one frame. The video that plays
// is the film itself (a render made with this cut) or the shots' whole clips end to end (a
// render made before the trims): then the film's time is mapped through the trims, and
// playback jumps over what the trims leave out and holds on title cards.
import { createEffect, createMemo, createSignal, onCleanup } from "solid-js";
import * as cut from "../cut";
import type { CutItem, CutLayout, CutShot, CutTitle, TrimRange } from "../cut";
import { cutOf } from "../cutEdit";
import type { ExportPreset } from "../bindings";
import type { PlayerStore } from "./player";
import type { ProjectStore } from "./project";

/** A trim being dragged: shown on the timeline (and its frame in the player) before it is saved. */
export interface TrimDrag {
  id: string;
  edge: "in" | "out";
  trim: TrimRange;
}

export function createCutStore(deps: { project: ProjectStore; player: PlayerStore }) {
  const { project, player } = deps;
  const [drag, setDrag] = createSignal<TrimDrag | null>(null);
  const [zoom, setZoom] = createSignal(1);
  /** The playhead on the film (seconds). */
  const [cursor, setCursor] = createSignal(0);
  /** Shuttle speed: 0 stopped, 1 play, 2/4/8 fast, negative backwards. */
  const [speed, setSpeed] = createSignal(0);
  /** The delivery shape the player shows a crop window for (null: none). */
  const [reframeFor, setReframeFor] = createSignal<ExportPreset | null>(null);
  /**
   * The timeline as drawn: its pixels per second and horizontal scroll (set by CutTimeline).
   * The sound lanes under it draw with the same, so a line sits under its shot at any zoom.
   */
  const [view, setView] = createSignal({ pps: 0, scrollX: 0 });

  /** Each shot's whole clip: as measured in the video that plays (when it has the shot), else as planned. */
  const clipSeconds = createMemo(() => {
    const playing = new Map(player.scenes().map((s, i) => [s.id, s.duration > 0 ? s.duration : (player.durations()[i] ?? 0)]));
    return project.state.project.scenarios.map((s) => {
      const d = playing.get(s.id);
      return d && d > 0 ? d : s.durationSeconds;
    });
  });

  /**
   * The cut as saved, laid out on the film. A trim being dragged is not in it: the dragged
   * block alone follows the pointer (nothing else moves under it) until it is let go.
   */
  const shots = createMemo((): CutShot[] => {
    const secs = clipSeconds();
    return cutOf(project.state.project).shots.map((s, i) => ({ ...s, clipSeconds: secs[i] ?? s.clipSeconds }));
  });
  const titles = createMemo((): CutTitle[] => cutOf(project.state.project).titles);
  const credits = createMemo((): CutTitle | null => cutOf(project.state.project).credits);
  const layout = createMemo((): CutLayout => cut.layoutCut(shots(), titles(), credits()));

  /**
   * The video is the shots' whole clips end to end (its length is theirs): the film's time is
   * mapped through the trims. Else it is the film (or one clip): the same time.
   */
  const raw = createMemo(() => {
    const scenes = player.scenes();
    if (player.source().kind === "clip") return scenes.length === 1;
    if (!scenes.length || !(player.duration() > 0)) return false;
    const sum = scenes.reduce((t, s) => t + (s.duration > 0 ? s.duration : 0), 0);
    return Math.abs(sum - player.duration()) < 0.25;
  });
  /** Where each shot's clip starts in the video (undefined: not in it). */
  const clipStarts = createMemo((): (number | undefined)[] => {
    const scenes = player.scenes();
    const durs = player.source().kind === "clip" ? [player.duration()] : player.durations();
    const starts = cut.clipStartsOf(durs);
    const at = new Map(scenes.map((s, i) => [s.id, starts[i]]));
    return project.state.project.scenarios.map((s) => at.get(s.id));
  });

  const videoTime = (t: number) => cut.videoTimeAt(layout(), t, raw(), clipStarts());
  /** The item under the playhead (a title card shows over the player). */
  const current = createMemo(() => cut.itemAt(layout(), cursor()));
  /** A scrub moves the playhead and has not rested yet (the pointer still moving). */
  const [scrubbing, setScrubbing] = createSignal(false);
  /**
   * The item the timeline highlights as playing: the one under the playhead, held while a
   * scrub moves and caught up once it rests or is let go (like the picture). A new highlight
   * restyles two blocks among 50, which cost a scrub's frame 17-19 ms in cut.e2e.mjs, against 7
   * for a frame that draws the playhead alone.
   */
  const highlighted = createMemo((held?: CutItem | null) => (scrubbing() && held !== undefined ? held : current()));

  // The video's own time moves the playhead (playing, or a seek made elsewhere), unless the
  // playhead leads (a scrub, a title card held).
  let leading = false;
  createEffect(() => {
    const v = player.time();
    if (leading) return;
    const f = cut.filmTimeAt(layout(), v, raw(), clipStarts());
    // On the frame shown (a seek lands mid-frame, for sure of the frame).
    if (f !== null) setCursor(cut.frameAt(f) / cut.CUT_FPS);
  });

  /** A seek at most in flight at a time: the newest target waits for the one before. */
  let pendingVideo: number | null = null;
  function seekVideo(v: number) {
    const el = player.videoElement();
    if (el && el.seeking) {
      pendingVideo = v;
      return;
    }
    player.seek(v);
  }
  function onSeeked() {
    if (pendingVideo === null) return;
    const v = pendingVideo;
    pendingVideo = null;
    seekVideo(v);
  }

  /**
   * While a scrub or a trim handle moves, the picture follows when the pointer rests
   * (`REST_MS`), exactly at its frame; the playhead follows every frame. WebKitGTK loads and
   * demuxes a seek's media on the page's main thread: a seek at every move of the pointer
   * across a long film cost the page 100-800 ms frames (measured in cut.e2e.mjs), so the
   * moves themselves seek nothing. A quarter second: at 90 ms the pauses of a hand (or of
   * WebDriver's moves on a loaded machine) that is still moving seeked several times a scrub,
   * and each seek cost the frames around it.
   */
  const REST_MS = 250;
  let restTimer: number | undefined;
  function seekAtRest(v: number) {
    window.clearTimeout(restTimer);
    restTimer = window.setTimeout(() => {
      setScrubbing(false);
      seekVideo(cut.seekTimeOf(cut.frameAt(v)));
    }, REST_MS);
  }
  onCleanup(() => window.clearTimeout(restTimer));

  /** While a scrub moves: the playhead at `t` at once, the picture there once the pointer rests. */
  function scrub(t: number) {
    const total = layout().total;
    const f = Math.min(cut.frameAt(Math.max(0, t)), Math.max(0, Math.ceil(total * cut.CUT_FPS) - 1));
    leading = true;
    setScrubbing(true);
    setCursor(f / cut.CUT_FPS);
    const v = videoTime(f / cut.CUT_FPS);
    if (v !== null) seekAtRest(v);
    else {
      window.clearTimeout(restTimer);
      restTimer = window.setTimeout(() => setScrubbing(false), REST_MS);
    }
  }
  /** The video's frame at `v` while a trim handle moves (once the pointer rests), or at once (`exact`, let go). */
  function showVideo(v: number, exact: boolean) {
    if (!exact) return seekAtRest(v);
    window.clearTimeout(restTimer);
    seekVideo(cut.seekTimeOf(cut.frameAt(v)));
  }

  /** Moves the playhead to the frame at film time `t` and shows that frame. */
  function seek(t: number) {
    const total = layout().total;
    const f = Math.min(cut.frameAt(Math.max(0, t)), Math.max(0, Math.ceil(total * cut.CUT_FPS) - 1));
    const at = f / cut.CUT_FPS;
    window.clearTimeout(restTimer);
    leading = true;
    setScrubbing(false);
    setCursor(at);
    const v = videoTime(at);
    if (v !== null) seekVideo(cut.seekTimeOf(cut.frameAt(v)));
    leading = v === null || speed() < 0;
  }

  /** ←/→: one frame. */
  function stepFrames(n: number) {
    stop();
    seek(cursor() + n / cut.CUT_FPS + 1e-6);
  }

  /** ↑/↓: the previous or next item's start. */
  function stepItem(dir: -1 | 1) {
    stop();
    const starts = layout().items.map((i) => i.start);
    const now = cursor();
    const target = dir > 0 ? starts.find((s) => s > now + 1e-6) : [...starts].reverse().find((s) => s < now - 1e-6);
    if (target !== undefined) seek(target);
    else if (dir < 0) seek(0);
  }

  // ---------- transport ----------
  let raf = 0;
  let last = 0;
  function tick(now: number) {
    raf = 0;
    const s = speed();
    if (s === 0) return;
    const dt = last ? Math.min(0.1, (now - last) / 1000) : 0;
    last = now;
    const el = player.videoElement();
    const l = layout();
    const it = current();
    if (s > 0 && it?.kind === "shot" && el && videoTime(cursor()) !== null) {
      // The video plays the shot; at the end of its trimmed part, on to the next item.
      if (el.paused) {
        el.playbackRate = s;
        void el.play()?.catch(() => undefined);
      } else if (el.playbackRate !== s) el.playbackRate = s;
      const f = cut.filmTimeAt(l, el.currentTime, raw(), clipStarts());
      const base = clipStarts()[it.index];
      const past = raw() && base !== undefined && el.currentTime >= base + it.trim.out - 1e-3;
      if (f === null || past || f >= it.end - 1e-3) {
        if (it.end >= l.total - 1e-3) return finish();
        seek(it.end);
        leading = false;
      } else {
        leading = false;
        setCursor(f);
      }
    } else {
      // Backwards, or a title card: the playhead moves by the clock, the picture follows by seeks.
      if (el && !el.paused) el.pause();
      const t = cursor() + dt * s;
      if (t <= 0) {
        seek(0);
        return stop();
      }
      if (t >= l.total) return finish();
      leading = true;
      setCursor(t);
      const v = videoTime(t);
      if (v !== null) seekVideo(v);
    }
    raf = requestAnimationFrame(tick);
  }
  function finish() {
    seek(layout().total);
    stop();
  }
  function start(s: number) {
    setSpeed(s);
    if (s === 0) return stop();
    last = 0;
    if (!raf) raf = requestAnimationFrame(tick);
  }
  function stop() {
    setSpeed(0);
    pendingVideo = null;
    leading = false;
    if (raf) cancelAnimationFrame(raf);
    raf = 0;
    const el = player.videoElement();
    if (el) {
      if (!el.paused) el.pause();
      el.playbackRate = 1;
    }
  }
  onCleanup(stop);

  /** J, K, L. */
  const shuttleKey = (key: "j" | "k" | "l") => start(cut.shuttle(speed(), key));
  /** Play / pause (Space, the Play button). */
  const togglePlay = () => (speed() !== 0 ? stop() : (cursor() >= layout().total - 1e-3 && seek(0), start(1)));

  return {
    layout,
    shots,
    titles,
    credits,
    clipSeconds,
    raw,
    clipStarts,
    cursor,
    current,
    highlighted,
    onSeeked,
    seek,
    scrub,
    showVideo,
    stepFrames,
    stepItem,
    speed,
    shuttleKey,
    togglePlay,
    stop,
    zoom,
    zoomBy: (dir: 1 | -1) => setZoom((z) => cut.zoomStep(z, dir)),
    zoomFit: () => setZoom(1),
    drag,
    setDrag,
    videoTime,
    reframeFor,
    setReframeFor,
    view,
    setView,
  };
}

export type CutStore = ReturnType<typeof createCutStore>;
