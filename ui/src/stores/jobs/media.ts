// The clips' media URLs and thumbnails, each asked of Rust once per clip.
import { commands } from "../../bindings";
import type { JobList } from "./list";

export function createClipMedia(list: JobList) {
  const { state, setState } = list;
  const thumbnailsAsked = new Set<string>();
  const mediaAsked = new Set<string>();

  /** A clip's media URL, asked once per clip. */
  async function mediaUrlOf(clip: string): Promise<string | undefined> {
    const known = state.mediaUrls[clip];
    if (known) return known;
    const u = await commands.mediaUrl(clip);
    if (u.status === "error") return undefined;
    setState("mediaUrls", clip, u.data);
    return u.data;
  }

  /** A clip of the segment strip: its thumbnail, asked for once per clip. */
  async function loadThumbnail(clip: string) {
    if (thumbnailsAsked.has(clip)) return;
    thumbnailsAsked.add(clip);
    const t = await commands.clipThumbnail(clip);
    if (t.status === "ok") setState("thumbnails", clip, t.data);
    else thumbnailsAsked.delete(clip);
  }

  /** A clip the storyboard shows: its media URL (asked again if it failed) and its thumbnail. */
  function loadClip(clip: string) {
    if (mediaAsked.has(clip)) return;
    mediaAsked.add(clip);
    void mediaUrlOf(clip).then((u) => {
      if (!u) mediaAsked.delete(clip);
    });
    void loadThumbnail(clip);
  }

  return { mediaUrlOf, loadThumbnail, loadClip };
}

export type ClipMedia = ReturnType<typeof createClipMedia>;
