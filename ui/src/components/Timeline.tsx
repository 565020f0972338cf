// The scenes of what the player plays, under it: one segment per scene, as wide as the scene is
// long, with its clip's thumbnail; a click (or Enter) seeks to the scene's start.
import { createEffect, For, Show } from "solid-js";
import { useStudio } from "../stores/studio";
import { clockText, startOf, totalOf, type PlayerScene } from "../timeline";

export default function Timeline() {
  const { player, jobs } = useStudio();
  const total = () => totalOf(player.durations());
  const thumbnail = (scene: PlayerScene) =>
    scene.clip ? jobs.state.thumbnails[scene.clip] : jobs.sceneStates()[scene.id]?.thumbnailUrl;
  createEffect(() => {
    for (const s of player.scenes()) if (s.clip) void jobs.loadThumbnail(s.clip);
  });
  const playhead = () => (total() > 0 ? Math.min(100, (player.time() / total()) * 100) : 0);
  return (
    <div id="timeline" class="scene-timeline" role="group" aria-label="Scenes" data-scenes={player.scenes().length}>
      <div class="tl-track">
        <For each={player.scenes()}>
          {(scene, i) => {
            const d = () => player.durations()[i()] ?? 0;
            const start = () => startOf(i(), player.durations());
            const playing = () => player.playingIndex() === i();
            return (
              <button
                type="button"
                class="tl-seg"
                classList={{ playing: playing() }}
                data-scene={scene.id}
                data-start={start().toFixed(3)}
                aria-current={playing() ? "true" : undefined}
                aria-label={`Scene ${i() + 1}, ${scene.id}, from ${clockText(start())}`}
                title={`${scene.id} · ${clockText(start())}–${clockText(start() + d())}`}
                style={{
                  "flex-grow": String(d() > 0 ? d() : 1),
                  "background-image": thumbnail(scene) ? `url("${thumbnail(scene)}")` : undefined,
                }}
                onClick={() => player.seekToScene(scene.id)}
              >
                <span class="tl-label">{i() + 1}</span>
              </button>
            );
          }}
        </For>
        <Show when={player.scenes().length > 0 && total() > 0}>
          <div class="tl-playhead" aria-hidden="true" style={{ left: `${playhead()}%` }} />
        </Show>
      </div>
    </div>
  );
}
