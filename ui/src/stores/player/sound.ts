// Volume and mute: on the `<video>` and in the window prefs (loaded at start, saved by field a
// moment after a change). While the sound lanes play the film's stems, the video's own mixed
// sound is silenced (`setSilenced`) without that being taken for the creator's mute.
import { createSignal, onCleanup } from "solid-js";
import { commands } from "../../bindings";
import { savePrefChanges } from "../prefs";

const PREFS_SAVE_DELAY_MS = 600;

export function createSound(video: () => HTMLVideoElement | undefined) {
  const [volume, setVolumeSignal] = createSignal(1);
  const [muted, setMutedSignal] = createSignal(false);
  /** The stems play in place of the video's own sound (not saved: not the creator's mute). */
  const [silenced, setSilencedSignal] = createSignal(false);
  let prefsTimer: number | undefined;
  let savedPrefs = { volume: 1, muted: false };
  onCleanup(() => window.clearTimeout(prefsTimer));

  function setVolume(v: number) {
    const clamped = Math.max(0, Math.min(1, v));
    setVolumeSignal(clamped);
    const el = video();
    if (el) el.volume = clamped;
    schedulePrefsSave();
  }

  function setMuted(m: boolean) {
    setMutedSignal(m);
    const el = video();
    if (el) el.muted = m || silenced();
    schedulePrefsSave();
  }

  function setSilenced(on: boolean) {
    setSilencedSignal(on);
    const el = video();
    if (el) el.muted = muted() || on;
  }

  /** A newly attached `<video>` takes the volume and mute. */
  function applyTo(el: HTMLVideoElement) {
    el.volume = volume();
    el.muted = muted() || silenced();
  }

  /** The element's own controls changed them. */
  function readFrom(el: HTMLVideoElement) {
    // The element keeps a float32: 0.4 reads 0.4000000059604645.
    setVolumeSignal(Math.round(el.volume * 1000) / 1000);
    if (!silenced()) setMutedSignal(el.muted);
    else if (!el.muted) {
      // Unmuted from the video's controls while the stems play: the creator wants sound,
      // which the stems give; the video's own stays silent (it would double them).
      setMutedSignal(false);
      el.muted = true;
    }
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
      const el = video();
      if (el) {
        el.volume = v;
        el.muted = m || silenced();
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

  return { volume, muted, setVolume, setMuted, silenced, setSilenced, applyTo, readFrom, loadPrefs };
}

export type Sound = ReturnType<typeof createSound>;
