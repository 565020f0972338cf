// Playing a job's videos: its latest version, a chosen version, one scene's clip; and the
// scenes of a version (its takes) that the player's timeline shows.
import { commands } from "../../bindings";
import { versionScenes, type PlayerScene } from "../../timeline";
import type { PlayerStore } from "../player";
import type { ProjectStore } from "../project";
import type { JobList } from "./list";
import type { ClipMedia } from "./media";

/** A scene added to a running job lasts this long (as `addScene` asks for). */
const ADDED_SCENE_SECONDS = 8;

interface Deps {
  list: JobList;
  media: ClipMedia;
  player: PlayerStore;
  project: ProjectStore;
  loadDetail: (id: string) => Promise<void>;
}

export function createPlayback({ list, media, player, project, loadDetail }: Deps) {
  const { find, report } = list;

  /** Plays the job's latest video, with its scenes once its takes are known. */
  function play(id: string) {
    const job = find(id);
    if (!job?.videoUrl) return;
    const url = job.videoUrl;
    player.playVideo(url, job.videoPath, { jobId: id, scenes: [] });
    if (job.detail) describeLatest(id, url);
    else void loadDetail(id).then(() => describeLatest(id, url));
  }

  /** Seconds of a scenario: the open project's, or what an added scene gets. */
  function durationOf(sceneId: string): number {
    return project.state.project.scenarios.find((s) => s.id === sceneId)?.durationSeconds ?? ADDED_SCENE_SECONDS;
  }

  /** The scenes of one of a job's versions (its takes), for the timeline. */
  function scenesOf(id: string, version: number): PlayerScene[] {
    const detail = find(id)?.detail;
    const v = detail?.versions.find((x) => x.number === version);
    if (!detail || !v) return [];
    // Measured from the version's clips by Rust when it could; else the project's durations.
    const measured = new Map(detail.segments.map((s, i) => [s.id, v.sceneSeconds[i]]));
    return versionScenes(detail.segments, v.takes, (id) => measured.get(id) ?? durationOf(id));
  }

  /** The latest version's scenes for the video that plays (if it still does). */
  function describeLatest(id: string, url: string) {
    const latest = find(id)?.detail?.versions.at(-1);
    if (latest) player.describe(url, { jobId: id, version: latest.number, scenes: scenesOf(id, latest.number) });
  }

  /** Plays one of a job's versions (the version picker, a version row's Preview). */
  async function playVersion(id: string, version: number) {
    const v = find(id)?.detail?.versions.find((x) => x.number === version);
    if (!v?.videoPath) return;
    const u = await commands.mediaUrl(v.videoPath);
    if (u.status === "error") return report(id, u.error);
    player.playVideo(u.data, v.videoPath, { jobId: id, version, scenes: scenesOf(id, version) });
  }

  /** A scene's clip (artifact URI) played alone. */
  async function playSceneClip(clip: string, sceneId: string) {
    const url = await media.mediaUrlOf(clip);
    if (url) player.playClip(url, sceneId, clip);
  }

  return {
    play,
    scenesOf,
    describeLatest,
    playVersion,
    playSceneClip,
    previewClip: (clip: string, sceneId?: string) => (sceneId ? playSceneClip(clip, sceneId) : player.previewFile(clip, null)),
    previewVersion: (path: string) => player.previewFile(path, path),
  };
}
