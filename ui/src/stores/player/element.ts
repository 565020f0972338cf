// The `<video>` of the Player component: its events drive the playhead signals; seeking waits
// for the video to take it.
import { createSignal, onCleanup } from "solid-js";
import type { Sound } from "./sound";

/** `loaded`: something was asked to play (play/pause does nothing before). */
export function createVideoElement(sound: Sound, loaded: () => boolean) {
  const [time, setTime] = createSignal(0);
  const [duration, setDuration] = createSignal(0);
  const [paused, setPaused] = createSignal(true);
  let video: HTMLVideoElement | undefined;
  /** The same element, for what must follow it reactively (the sound lanes' stems). */
  const [element, setElement] = createSignal<HTMLVideoElement>();
  /** A seek asked for before the video could take it. */
  let pendingSeek: number | null = null;

  /** The `<video>` of the Player component: its events drive the signals. */
  function attach(el: HTMLVideoElement) {
    video = el;
    setElement(el);
    sound.applyTo(el);
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
    el.addEventListener("volumechange", () => sound.readFrom(el));
    onCleanup(() => {
      if (video === el) {
        video = undefined;
        setElement(undefined);
      }
    });
  }

  /** A new video loads: the playhead at its start, its length unknown. */
  function reset() {
    setTime(0);
    setDuration(0);
    pendingSeek = null;
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

  function togglePlay() {
    if (!video || !loaded()) return;
    if (video.paused) void video.play()?.catch(() => undefined);
    else video.pause();
  }

  return { video: () => video, element, time, duration, paused, attach, reset, seek, togglePlay };
}

export type VideoElement = ReturnType<typeof createVideoElement>;
