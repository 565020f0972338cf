// What the player is asked to play: a job's version with its scenes, one clip, or a file.
import { createSignal } from "solid-js";
import { commands } from "../../bindings";
import type { PlayerScene } from "../../timeline";

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

/** `reset`: the playhead of the element, back to the start for a new video. */
export function createLoading(reset: () => void) {
  // Every request loads again, even of the same URL (as a click on Preview should).
  const [request, setRequest] = createSignal<PreviewRequest | null>(null, { equals: false });
  const [source, setSource] = createSignal<PlaySource>({ kind: "video", scenes: [] });

  function load(r: PreviewRequest, s: PlaySource) {
    setSource(s);
    reset();
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

  return { request, source, preview, playVideo, describe, playClip, previewFile };
}

export type Loading = ReturnType<typeof createLoading>;
