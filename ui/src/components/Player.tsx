// The player: the finished video (any version) or one clip, large, with the scenes' timeline under
// it, the sound lanes under that (`SoundLanes.tsx`), and the film's captions over the picture. Keys when the player area has focus: J / L back / forward one scene, K play-pause,
// ← / → previous / next scene boundary.
import { createContext, createEffect, For, onCleanup, onMount, Show, useContext } from "solid-js";
import { versionText } from "../format";
import type { PlayerStore } from "../stores/player";
import { useStudio } from "../stores/studio";
import { clockText } from "../timeline";
import SoundLanes from "./SoundLanes";
import Timeline from "./Timeline";
import "./Player.css";

/** Set by JobsPanel around the player it shows until the layout places one of its own. */
export const InJobsPanel = createContext(false);

/**
 * The film's captions over the player (a WebVTT `data:` URL from the sound store), shown at
 * once. WebKit chooses the tracks to show itself whenever one is added (the MP4's own caption
 * track comes with the video) and loaded: ours is shown again then, and the others hidden, so
 * the captions show once. Later choices from the video's own menu stand.
 */
function Captions(props: { url: string }) {
  let el!: HTMLTrackElement;
  onMount(() => {
    const video = el.parentElement;
    if (!(video instanceof HTMLVideoElement)) return;
    const choose = () => {
      for (const t of Array.from(video.textTracks)) {
        const mode = t === el.track ? "showing" : "disabled";
        if (t.mode !== mode) t.mode = mode;
      }
    };
    choose();
    video.textTracks.addEventListener("addtrack", choose);
    video.addEventListener("loadedmetadata", choose);
    el.addEventListener("load", choose);
    onCleanup(() => {
      video.textTracks.removeEventListener("addtrack", choose);
      video.removeEventListener("loadedmetadata", choose);
    });
  });
  return <track ref={el} id="player-captions" kind="captions" srclang="en" label="Captions" src={props.url} default />;
}

export default function Player() {
  const { player, sound } = useStudio();
  const inJobsPanel = useContext(InJobsPanel);
  let video!: HTMLVideoElement;
  onMount(() => {
    player.attach(video);
    if (!inJobsPanel) onCleanup(player.placePlayer());
  });
  // Each request loads again, like a click on Preview should, even for the same video.
  createEffect(() => {
    const r = player.request();
    if (!r) return;
    video.src = r.url;
    video.load();
    if (r.autoplay) void video.play()?.catch(() => undefined);
  });
  const onKey = (e: KeyboardEvent) => onPlayerKey(e, player);
  return (
    <div
      id="preview"
      class="preview player-area"
      hidden={inJobsPanel && player.request() === null}
      data-empty={player.request() === null ? "true" : undefined}
      tabindex="0"
      role="region"
      aria-label="Player (J, K, L: previous scene, play or pause, next scene; arrows: scene boundaries)"
      aria-keyshortcuts="J K L ArrowLeft ArrowRight"
      data-kind={player.source().kind}
      data-playing-scene={player.playingSceneId() ?? undefined}
      onKeyDown={onKey}
    >
      <div class="player-stage">
        <video id="player" ref={video} controls preload="metadata" aria-label="Video" hidden={player.request() === null}>
          <Show when={inJobsPanel ? null : sound.captionsUrl()}>
            {(url) => <Captions url={url()} />}
          </Show>
        </video>
        <Show when={player.request() === null}>
          <p class="player-empty muted">Render, or press Preview on a job, to play the video here.</p>
        </Show>
      </div>
      <Timeline />
      <Show when={!inJobsPanel}>
        <SoundLanes />
      </Show>
      <div class="player-bar row">
        <button class="player-toggle small" aria-label={player.paused() ? "Play" : "Pause"} onClick={() => player.togglePlay()}>
          {player.paused() ? "Play" : "Pause"}
        </button>
        <span class="player-time" aria-live="off">
          <span class="current">{clockText(player.time())}</span> / <span class="duration">{clockText(player.duration())}</span>
        </span>
        <span class="player-scene muted">{player.playingSceneId() ?? ""}</span>
        <span class="spacer"></span>
        <VersionPicker />
        <button id="reveal" class="small" disabled={!player.request()?.path} onClick={() => player.reveal()}>
          Reveal in folder
        </button>
        <button id="export" class="small" disabled={!player.request()?.path} onClick={() => void player.exportVideo()}>
          Export…
        </button>
      </div>
    </div>
  );
}

/** J / L back / forward one scene, K play-pause, ← / → scene boundaries (not while typing). */
function onPlayerKey(e: KeyboardEvent, player: PlayerStore) {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
  const keys: Record<string, () => void> = {
    j: () => player.stepBy(-1),
    k: () => player.togglePlay(),
    l: () => player.stepBy(1),
    ArrowLeft: () => player.boundary(-1),
    ArrowRight: () => player.boundary(1),
  };
  const act = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
  if (!act) return;
  e.preventDefault();
  e.stopPropagation();
  act();
}

/** The versions of the job that plays (a clip has none): pick one to play it. */
function VersionPicker() {
  const { player, jobs } = useStudio();
  const job = () => {
    const id = player.source().jobId;
    return id ? jobs.state.jobs.find((j) => j.id === id) : undefined;
  };
  const versions = () => (player.source().kind === "video" ? (job()?.detail?.versions ?? []) : []);
  return (
    <Show when={versions().length > 0}>
      <label class="version-pick">
        <span>Version</span>
        <select
          id="version-select"
          class="small"
          value={String(player.source().version ?? "")}
          onChange={(e) => {
            const id = player.source().jobId;
            if (id) void jobs.playVersion(id, Number(e.currentTarget.value));
          }}
        >
          <For each={versions()}>
            {(v) => (
              <option value={String(v.number)} disabled={!v.videoPath} selected={v.number === player.source().version}>
                {versionText(v)}
              </option>
            )}
          </For>
        </select>
      </label>
    </Show>
  );
}
