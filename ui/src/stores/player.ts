// The player, one store made of stores by concern (in `player/`): which video plays, a job's
// version or one clip (`loading.ts`), the `<video>` element and its playhead (`element.ts`), the
// scenes for the timeline and seeking by scene (`scenes.ts`), volume and mute, saved in the
// window prefs (`sound.ts`), and revealing or exporting the file (`file.ts`).
import { createSignal, onCleanup } from "solid-js";
import { createVideoElement } from "./player/element";
import { createVideoFile } from "./player/file";
import { createLoading } from "./player/loading";
import { createSceneTimeline } from "./player/scenes";
import { createSound } from "./player/sound";
import type { StatusStore } from "./status";

export type { PlayerScene } from "../timeline";
export type { PlaySource, PreviewRequest } from "./player/loading";

export function createPlayerStore(status: StatusStore) {
  const sound = createSound(() => element.video());
  const element = createVideoElement(sound, () => loading.request() !== null);
  const loading = createLoading(element.reset);
  const timeline = createSceneTimeline(loading, element);
  const file = createVideoFile(loading, status);
  /** Players placed by the layout (outside the jobs panel); the jobs panel shows one until then. */
  const [placed, setPlaced] = createSignal(0);

  /** A player placed by the layout: call the returned function when it goes. */
  function placePlayer(): () => void {
    setPlaced((n) => n + 1);
    return () => setPlaced((n) => n - 1);
  }

  void sound.loadPrefs();

  const store = {
    request: loading.request,
    preview: loading.preview,
    previewFile: loading.previewFile,
    reveal: file.reveal,
    exportVideo: file.exportVideo,
    // Added for the large player and the storyboard:
    source: loading.source,
    playVideo: loading.playVideo,
    describe: loading.describe,
    playClip: loading.playClip,
    scenes: timeline.scenes,
    durations: timeline.durations,
    time: element.time,
    duration: element.duration,
    paused: element.paused,
    volume: sound.volume,
    muted: sound.muted,
    setVolume: sound.setVolume,
    setMuted: sound.setMuted,
    /** The stems play in place of the video's own sound (the sound lanes). */
    setSilenced: sound.setSilenced,
    /** The `<video>`, reactively (undefined until the Player mounts). */
    videoElement: element.element,
    playingIndex: timeline.playingIndex,
    playingSceneId: timeline.playingSceneId,
    attach: element.attach,
    placed,
    placePlayer,
    seek: element.seek,
    seekToScene: timeline.seekToScene,
    togglePlay: element.togglePlay,
    stepBy: timeline.stepBy,
    boundary: timeline.boundary,
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
