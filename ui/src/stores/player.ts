// The player: which video plays (a job's version or one clip), its scenes for the timeline, the
// playhead, seeking by scene, volume and mute (saved in the window prefs), revealing or exporting.
import { createMemo, createSignal, onCleanup } from "solid-js";
import { commands } from "../bindings";
import { fitTo, nextBoundary, previousBoundary, sceneAt, startOf, stepScene, type PlayerScene } from "../timeline";
import { savePrefChanges } from "./prefs";
import type { StatusStore } from "./status";
import { errorText } from "../format";

export type { PlayerScene } from "../timeline";

export interface PreviewRequest {
  /** Loopback media URL the `<video>` loads. */
  url: string;
  /** The file on disk (Reveal, Export); null for a single clip. */
  path: string | null;
  /** Start playing once loaded (a clip played from its card). */
  autoplay?: boolean;
}

/** What the loaded video is made of, for the timeline and the version picker. */
export interface PlaySource {
  kind: "video" | "clip";
  /** The job whose version plays (kind "video"), when known. */
  jobId?: string;
  version?: number;
  /** In order; empty when unknown (the timeline then shows the whole video as one). */
  scenes: PlayerScene[];
}

const PREFS_SAVE_DELAY_MS = 600;

export function createPlayerStore(status: StatusStore) {
  // Every request loads again, even of the same URL (as a click on Preview should).
  const [request, setRequest] = createSignal<PreviewRequest | null>(null, { equals: false });
  const [source, setSource] = createSignal<PlaySource>({ kind: "video", scenes: [] });
  const [time, setTime] = createSignal(0);
  const [duration, setDuration] = createSignal(0);
  const [paused, setPaused] = createSignal(true);
  const [volume, setVolumeSignal] = createSignal(1);
  const [muted, setMutedSignal] = createSignal(false);
  let video: HTMLVideoElement | undefined;
  /** Players placed by the layout (outside the jobs panel); the jobs panel shows one until then. */
  const [placed, setPlaced] = createSignal(0);
  /** A seek asked for before the video could take it. */
  let pendingSeek: number | null = null;
  let prefsTimer: number | undefined;
  let savedPrefs = { volume: 1, muted: false };
  onCleanup(() => window.clearTimeout(prefsTimer));

  function load(r: PreviewRequest, s: PlaySource) {
    setSource(s);
    setTime(0);
    setDuration(0);
    pendingSeek = null;
    setRequest(r);
  }

  function preview(url: string, path: string | null) {
    load({ url, path }, { kind: "video", scenes: [] });
  }

  /** A job's version with its scenes. */
  function playVideo(url: string, path: string | null, s: Omit<PlaySource, "kind">) {
    load({ url, path }, { kind: "video", ...s });
  }

  /** Tells the scenes of what already plays (when they are known after it started loading). */
  function describe(url: string, s: Omit<PlaySource, "kind">) {
    if (request()?.url === url) setSource({ kind: source().kind, ...s });
  }

  /** Plays one scene's clip alone (from its card); `clip` is its artifact URI, for the thumbnail. */
  function playClip(url: string, sceneId: string, clip?: string) {
    load({ url, path: null, autoplay: true }, { kind: "clip", scenes: [{ id: sceneId, duration: 0, ...(clip ? { clip } : {}) }] });
  }

  /** Plays a media file (a clip or a version's video) by its path. */
  async function previewFile(file: string, path: string | null) {
    const u = await commands.mediaUrl(file);
    if (u.status === "ok") preview(u.data, path);
  }

  const scenes = () => source().scenes;
  /** The scenes' durations fitted to the real video (a clip: the video's own length). */
  const durations = createMemo(() => {
    const list = scenes();
    if (list.length === 1) return [duration()];
    return fitTo(
      list.map((s) => s.duration),
      duration(),
    );
  });
  const playingIndex = createMemo(() => (request() ? sceneAt(time(), durations()) : -1));
  /** The scene under the playhead, or the single clip's scene; null with nothing loaded. */
  const playingSceneId = createMemo(() => scenes()[playingIndex()]?.id ?? null);

  // ---------- the element ----------

  /** The `<video>` of the Player component: its events drive the signals. */
  function attach(el: HTMLVideoElement) {
    video = el;
    el.volume = volume();
    el.muted = muted();
    const sync = () => {
      setTime(el.currentTime);
      setPaused(el.paused);
    };
    el.addEventListener("timeupdate", sync);
    el.addEventListener("seeked", sync);
    el.addEventListener("play", sync);
    el.addEventListener("pause", sync);
    el.addEventListener("ended", sync);
    const meta = () => {
      setDuration(Number.isFinite(el.duration) ? el.duration : 0);
      if (pendingSeek !== null) {
        el.currentTime = pendingSeek;
        pendingSeek = null;
      }
    };
    el.addEventListener("loadedmetadata", meta);
    el.addEventListener("durationchange", meta);
    el.addEventListener("volumechange", () => {
      // The element keeps a float32: 0.4 reads 0.4000000059604645.
      setVolumeSignal(Math.round(el.volume * 1000) / 1000);
      setMutedSignal(el.muted);
      schedulePrefsSave();
    });
    onCleanup(() => {
      if (video === el) video = undefined;
    });
  }

  /** A player placed by the layout: call the returned function when it goes. */
  function placePlayer(): () => void {
    setPlaced((n) => n + 1);
    return () => setPlaced((n) => n - 1);
  }

  function seek(t: number) {
    const target = Math.max(0, t);
    setTime(target);
    if (!video || video.readyState < 1) {
      pendingSeek = target;
      return;
    }
    video.currentTime = target;
  }

  /** Moves the playhead to a scene's start; false when that scene is not in what plays. */
  function seekToScene(sceneId: string): boolean {
    const i = scenes().findIndex((s) => s.id === sceneId);
    if (i < 0) return false;
    seek(startOf(i, durations()));
    return true;
  }

  function togglePlay() {
    if (!video || !request()) return;
    if (video.paused) void video.play()?.catch(() => undefined);
    else video.pause();
  }

  /** J (-1) and L (+1). */
  const stepBy = (delta: number) => seek(stepScene(time(), durations(), delta));
  /** ← (-1) and → (+1). */
  function boundary(delta: -1 | 1) {
    if (delta < 0) return seek(previousBoundary(time(), durations()));
    const next = nextBoundary(time(), durations());
    if (next !== null) seek(next);
  }

  // ---------- volume and mute, in the window prefs ----------

  function setVolume(v: number) {
    const clamped = Math.max(0, Math.min(1, v));
    setVolumeSignal(clamped);
    if (video) video.volume = clamped;
    schedulePrefsSave();
  }

  function setMuted(m: boolean) {
    setMutedSignal(m);
    if (video) video.muted = m;
    schedulePrefsSave();
  }

  async function loadPrefs() {
    try {
      const p = await commands.windowPrefs();
      if (!p) return;
      const v = typeof p.volume === "number" ? Math.max(0, Math.min(1, p.volume)) : 1;
      const m = p.muted === true;
      savedPrefs = { volume: v, muted: m };
      setVolumeSignal(v);
      setMutedSignal(m);
      if (video) {
        video.volume = v;
        video.muted = m;
      }
    } catch {
      // No prefs (older backend): the defaults stay.
    }
  }

  function schedulePrefsSave() {
    if (volume() === savedPrefs.volume && muted() === savedPrefs.muted) return;
    window.clearTimeout(prefsTimer);
    prefsTimer = window.setTimeout(() => void savePrefs(), PREFS_SAVE_DELAY_MS);
  }

  /** Saves volume and mute, whichever changed, and nothing else (Rust merges them, `prefs.ts`). */
  async function savePrefs() {
    const next = { volume: volume(), muted: muted() };
    const change = {
      volume: next.volume !== savedPrefs.volume ? next.volume : undefined,
      muted: next.muted !== savedPrefs.muted ? next.muted : undefined,
    };
    // Not saved: tried again on the next change.
    if (await savePrefChanges(change)) savedPrefs = next;
  }

  void loadPrefs();

  // ---------- the file ----------

  const currentVideo = () => request()?.path ?? null;

  /** Shows the video in the file manager (Rust checks it is one of the studio's). */
  async function reveal() {
    const video = currentVideo();
    if (!video) return;
    const r = await commands.revealVideo(video);
    if (r.status === "error") status.set(`Cannot show the video: ${errorText(r.error)}`, "error");
  }

  async function exportVideo() {
    const video = currentVideo();
    if (!video) return;
    const [dest] = await status.choose("exportVideo", "video.mp4");
    if (!dest) return;
    const r = await commands.exportVideo(video, dest);
    if (r.status === "ok") status.set(`Exported to ${dest}`);
    else status.set(`Export failed: ${errorText(r.error)}`, "error");
  }

  const store = {
    request,
    preview,
    previewFile,
    reveal,
    exportVideo,
    // Added for the large player and the storyboard:
    source,
    playVideo,
    describe,
    playClip,
    scenes,
    durations,
    time,
    duration,
    paused,
    volume,
    muted,
    setVolume,
    setMuted,
    playingIndex,
    playingSceneId,
    attach,
    placed,
    placePlayer,
    seek,
    seekToScene,
    togglePlay,
    stepBy,
    boundary,
  };
  active = store;
  onCleanup(() => {
    if (active === store) active = null;
  });
  return store;
}

export type PlayerStore = ReturnType<typeof createPlayerStore>;

/** The window's player (the latest created), for the module-level functions below. */
let active: PlayerStore | null = null;

/** Plays one clip alone (a media URL), the timeline showing that one scene. */
export function playClip(url: string, sceneId: string, clip?: string): void {
  active?.playClip(url, sceneId, clip);
}

/** The scenario id under the playhead (or of the single clip playing); null with nothing loaded. Reactive. */
export function playingSceneId(): string | null {
  return active?.playingSceneId() ?? null;
}

/** Moves the playhead to a scene's start; false when that scene is not in what plays. */
export function seekToScene(sceneId: string): boolean {
  return active?.seekToScene(sceneId) ?? false;
}
