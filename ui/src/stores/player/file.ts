// The file of the video that plays: shown in the file manager, or exported.
import { errorText } from "../../format";
import { commands } from "../../bindings";
import type { StatusStore } from "../status";
import type { Loading } from "./loading";

export function createVideoFile(loading: Loading, status: StatusStore) {
  const currentVideo = () => loading.request()?.path ?? null;

  /** Shows the video in the file manager (Rust checks it is one of the studio's). */
  async function reveal() {
    const video = currentVideo();
    if (!video) return;
    const r = await commands.revealVideo(video);
    if (r.status === "error") status.set(`Cannot show the video: ${errorText(r.error)}`, "error");
  }

  async function exportVideo() {
    const video = currentVideo();
    if (!video) return;
    const [dest] = await status.choose("exportVideo", "video.mp4");
    if (!dest) return;
    const r = await commands.exportVideo(video, dest);
    if (r.status === "ok") status.set(`Exported to ${dest}`);
    else status.set(`Export failed: ${errorText(r.error)}`, "error");
  }

  return { reveal, exportVideo };
}
