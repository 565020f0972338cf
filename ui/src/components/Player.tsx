// The preview: the finished video (or one clip) from the loopback media server.
import { createEffect } from "solid-js";
import { useStudio } from "../stores/studio";

export default function Player() {
  const { player } = useStudio();
  let video!: HTMLVideoElement;
  // Each request loads again, like a click on Preview should, even for the same video.
  createEffect(() => {
    const r = player.request();
    if (!r) return;
    video.src = r.url;
    video.load();
  });
  return (
    <div id="preview" class="preview" hidden={player.request() === null}>
      <video id="player" ref={video} controls preload="metadata"></video>
      <div class="row">
        <button id="reveal" onClick={() => player.reveal()}>Reveal in folder</button>
        <button id="export" onClick={() => void player.exportVideo()}>Export…</button>
      </div>
    </div>
  );
}
