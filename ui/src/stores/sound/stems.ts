// The stems of the film that plays, played beside its `<video>` so the sound lanes' mute, solo
// and volume are heard at once: one `<audio>` per stem follows the video (play, pause, seek,
// rate, drift), and the video's own mixed sound is silenced while they play. The mixed film is
// what a render delivers; the stems are the same sound, track by track, time-aligned with it.
import { createEffect, createSignal, onCleanup } from "solid-js";
import type { StemUrls } from "../../bindings";
import type { Lane } from "../../sound";

/** The stem that carries each lane's sound (the clips' own sound is the effects stem). */
export const STEM_OF: Record<Lane, keyof StemUrls> = { dialogue: "dialogue", narration: "narration", music: "music", clips: "effects" };

/** Seconds a stem may drift from the video before it is put back. */
const DRIFT_S = 0.25;

interface Deps {
  /** The `<video>` the lanes follow. */
  video: () => HTMLVideoElement | undefined;
  /** The stems of what plays now, or null (nothing, another version, no stems). */
  urls: () => StemUrls | null;
  /** Each lane's gain now (mute, solo, volume), times the player's volume. */
  gain: (lane: Lane) => number;
}

export function createStemPlayback({ video, urls, gain }: Deps) {
  /** The stems are playing in place of the video's own sound. */
  const [active, setActive] = createSignal(false);
  let audios: Partial<Record<Lane, HTMLAudioElement>> = {};
  let detach: (() => void) | null = null;

  function each(f: (a: HTMLAudioElement, lane: Lane) => void) {
    for (const [lane, a] of Object.entries(audios) as [Lane, HTMLAudioElement][]) f(a, lane);
  }

  function stop() {
    detach?.();
    detach = null;
    each((a) => {
      a.pause();
      a.removeAttribute("src");
      a.load();
    });
    audios = {};
    setActive(false);
  }

  function start(v: HTMLVideoElement, u: StemUrls) {
    for (const lane of Object.keys(STEM_OF) as Lane[]) {
      const a = new Audio();
      a.preload = "auto";
      a.dataset.lane = lane;
      a.src = u[STEM_OF[lane]];
      audios[lane] = a;
    }
    const follow = (hard: boolean) =>
      each((a) => {
        if (hard || Math.abs(a.currentTime - v.currentTime) > DRIFT_S) a.currentTime = v.currentTime;
        a.playbackRate = v.playbackRate;
        if (v.paused || v.ended) a.pause();
        else if (a.paused) void a.play()?.catch(() => undefined);
      });
    const onPlay = () => follow(true);
    const onPause = () => each((a) => a.pause());
    const onSeek = () => follow(true);
    const onTime = () => follow(false);
    v.addEventListener("play", onPlay);
    v.addEventListener("pause", onPause);
    v.addEventListener("ended", onPause);
    v.addEventListener("seeked", onSeek);
    v.addEventListener("ratechange", onTime);
    v.addEventListener("timeupdate", onTime);
    detach = () => {
      v.removeEventListener("play", onPlay);
      v.removeEventListener("pause", onPause);
      v.removeEventListener("ended", onPause);
      v.removeEventListener("seeked", onSeek);
      v.removeEventListener("ratechange", onTime);
      v.removeEventListener("timeupdate", onTime);
    };
    setActive(true);
    follow(true);
  }

  // New stems (or none): the old ones stop, the new ones follow the video.
  createEffect(() => {
    const v = video();
    const u = urls();
    stop();
    if (v && u) start(v, u);
  });
  // Levels follow the lanes (and the player's volume) at once.
  createEffect(() => {
    if (!active()) return;
    each((a, lane) => {
      a.volume = Math.max(0, Math.min(1, gain(lane)));
    });
  });
  onCleanup(stop);

  return {
    active,
    /** The `<audio>` of a lane while the stems play (for tests and the e2e). */
    audioOf: (lane: Lane) => audios[lane],
  };
}
