// The preview player: which video plays, and revealing or exporting it.
import { createSignal } from "solid-js";
import { revealItemInDir } from "@tauri-apps/plugin-opener";
import { commands } from "../bindings";
import type { StatusStore } from "./status";

export interface PreviewRequest {
  /** Loopback media URL the `<video>` loads. */
  url: string;
  /** The file on disk (Reveal, Export); null for a single clip. */
  path: string | null;
}

export function createPlayerStore(status: StatusStore) {
  // Every request loads again, even of the same URL (as a click on Preview should).
  const [request, setRequest] = createSignal<PreviewRequest | null>(null, { equals: false });

  function preview(url: string, path: string | null) {
    setRequest({ url, path });
  }

  /** Plays a media file (a clip or a version's video) by its path. */
  async function previewFile(file: string, path: string | null) {
    const u = await commands.mediaUrl(file);
    if (u.status === "ok") preview(u.data, path);
  }

  const currentVideo = () => request()?.path ?? null;

  function reveal() {
    const video = currentVideo();
    if (video) void revealItemInDir(video);
  }

  async function exportVideo() {
    const video = currentVideo();
    if (!video) return;
    const [dest] = await status.choose("exportVideo", "video.mp4");
    if (!dest) return;
    const r = await commands.exportVideo(video, dest);
    if (r.status === "ok") status.set(`Exported to ${dest}`);
    else status.set(`Export failed: ${r.error.message}`, "error");
  }

  return { request, preview, previewFile, reveal, exportVideo };
}

export type PlayerStore = ReturnType<typeof createPlayerStore>;
