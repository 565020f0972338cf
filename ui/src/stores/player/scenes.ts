// The scenes of what plays on the timeline: their durations fitted to the video, the scene
// under the playhead, and moving by scene (J/L, ←/→, a click on a scene).
import { createMemo } from "solid-js";
import { fitTo, nextBoundary, previousBoundary, sceneAt, startOf, stepScene } from "../../timeline";
import type { VideoElement } from "./element";
import type { Loading } from "./loading";

export function createSceneTimeline(loading: Loading, element: VideoElement) {
  const { request, source } = loading;
  const { time, duration, seek } = element;

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

  /** Moves the playhead to a scene's start; false when that scene is not in what plays. */
  function seekToScene(sceneId: string): boolean {
    const i = scenes().findIndex((s) => s.id === sceneId);
    if (i < 0) return false;
    seek(startOf(i, durations()));
    return true;
  }

  /** J (-1) and L (+1). */
  const stepBy = (delta: number) => seek(stepScene(time(), durations(), delta));
  /** ← (-1) and → (+1). */
  function boundary(delta: -1 | 1) {
    if (delta < 0) return seek(previousBoundary(time(), durations()));
    const next = nextBoundary(time(), durations());
    if (next !== null) seek(next);
  }

  return { scenes, durations, playingIndex, playingSceneId, seekToScene, stepBy, boundary };
}
