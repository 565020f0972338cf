// The player: the finished video (any version) or one clip, as large as the window allows and
// always whole (letterboxed), the film's captions over the picture, a title card or the credits
// when the playhead is on one, and the crop window to drag when reframing for another shape.
// The timeline, the transport and the sound lanes are under it, across the column
// (`CutPanel.tsx`); the keys are the timeline's (J/K/L shuttle, ←/→ one frame). In the jobs
// panel (before the layout places a player) it keeps its own small scene strip and bar.
import { createContext, createEffect, For, onCleanup, onMount, Show, useContext } from "solid-js";
import { creditsOf, titlesOf } from "../cutEdit";
import { versionText } from "../format";
import type { PlayerStore } from "../stores/player";
import { useStudio } from "../stores/studio";
import { clockText } from "../timeline";
import { onCutKey } from "./CutTimeline";
import Reframer from "./Reframer";
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
  const { player, sound, cut, project } = useStudio();
  const inJobsPanel = useContext(InJobsPanel);
  let video!: HTMLVideoElement;
  onMount(() => {
    player.attach(video);
    video.addEventListener("seeked", cut.onSeeked);
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
  const onKey = (e: KeyboardEvent) => (inJobsPanel ? onPlayerKey(e, player) : onCutKey(e, cut));
  /** The title card or credits under the playhead. */
  const card = () => {
    if (inJobsPanel) return null;
    const cur = cut.current();
    const p = project.state.project;
    if (cur?.kind === "title") {
      const t = titlesOf(p)[cur.index];
      return t ? { text: t.text, style: t.style ?? "plain" } : null;
    }
    if (cur?.kind === "credits") {
      const cr = creditsOf(p);
      const names = [p.character, ...(p.cast ?? [])].map((c) => c.name.trim()).filter(Boolean);
      return cr ? { text: [cr.heading?.trim() || "Starring", ...names].join("\n"), style: cr.style ?? "plain" } : null;
    }
    return null;
  };
  return (
    <div
      id="preview"
      class="preview player-area"
      hidden={inJobsPanel && player.request() === null}
      data-empty={player.request() === null ? "true" : undefined}
      tabindex="0"
      role="region"
      aria-label={inJobsPanel ? "Player (J, K, L: previous scene, play or pause, next scene; arrows: scene boundaries)" : "Player (J, K, L: shuttle back, stop, forward; arrows: one frame)"}
      aria-keyshortcuts="J K L ArrowLeft ArrowRight"
      data-kind={player.source().kind}
      data-playing-scene={player.playingSceneId() ?? undefined}
      onKeyDown={onKey}
    >
      <div class="player-stage">
        <div class="player-frame" aria-hidden={player.request() !== null ? "true" : undefined}>
          <Show when={player.request() === null}>
            <p class="player-empty muted">Render, or press Preview on a job, to play the video here.</p>
          </Show>
        </div>
        <video id="player" ref={video} controls preload="metadata" aria-label="Video" hidden={player.request() === null}>
          <Show when={inJobsPanel ? null : sound.captionsUrl()}>
            {(url) => <Captions url={url()} />}
          </Show>
        </video>
        <Show when={card()}>
          {(t) => (
            <div class="player-card" data-style={t().style} aria-live="polite">
              <p>{t().text}</p>
            </div>
          )}
        </Show>
        <Show when={!inJobsPanel}>
          <Reframer />
        </Show>
      </div>
      <Show when={inJobsPanel}>
        <Timeline />
        <div class="player-bar row">
          <button class="player-toggle small" aria-label={player.paused() ? "Play" : "Pause"} onClick={() => player.togglePlay()}>
            {player.paused() ? "Play" : "Pause"}
          </button>
          <span class="player-time" aria-live="off">
            <span class="current">{clockText(player.time())}</span> / <span class="duration">{clockText(player.duration())}</span>
          </span>
          <span class="spacer"></span>
          <VersionPicker />
        </div>
      </Show>
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
export function VersionPicker() {
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
