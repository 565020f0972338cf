// Pictures of characters: a library character's angle images, else its reference images'
// thumbnails (resolved against the project's folder), else its initials.
import { createEffect, For, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { commands, type Character } from "../bindings";
import { useStudio } from "../stores/studio";

// Angle image path → media URL (shared by every face in the window).
const [angleUrls, setAngleUrls] = createStore<Record<string, string | null>>({});
const asked = new Set<string>();

async function loadAngle(path: string) {
  if (asked.has(path)) return;
  asked.add(path);
  const r = await commands.mediaUrl(path);
  setAngleUrls(path, r.status === "ok" ? r.data : null);
}

/** The images that show a character, best first (URLs; may be empty while they load). */
export function useCharacterImages(character: () => Character | undefined) {
  const { library, project } = useStudio();
  const card = () => {
    const id = character()?.libraryId;
    return id ? library.state.cards.find((c) => c.id === id) : undefined;
  };
  createEffect(() => {
    const c = card();
    if (c) for (const p of c.anglePaths) void loadAngle(p);
    else for (const r of character()?.referenceImages ?? []) void project.loadThumbnail(r);
  });
  return () => {
    const c = card();
    if (c) {
      const urls = c.anglePaths.map((p) => angleUrls[p]).filter((u): u is string => typeof u === "string");
      return urls.length ? urls : c.frontUrl ? [c.frontUrl] : [];
    }
    return (character()?.referenceImages ?? []).map((r) => project.thumbnailOf(r)).filter((u): u is string => typeof u === "string");
  };
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return (parts.length ? parts.slice(0, 2).map((p) => p[0]) : ["?"]).join("").toUpperCase();
}

/** A small round face: the character's first image, or its initials. */
export function Face(props: { character: Character; size?: number }) {
  const images = useCharacterImages(() => props.character);
  const size = () => `${props.size ?? 24}px`;
  return (
    <span class="face" title={props.character.name || "unnamed"} style={{ width: size(), height: size() }}>
      <Show when={images()[0]} fallback={<span class="initials">{initials(props.character.name)}</span>}>
        {(url) => <img alt="" src={url()} />}
      </Show>
    </span>
  );
}

/** A character's angle (or reference) thumbnails, or a placeholder. */
export function Angles(props: { character: Character }) {
  const images = useCharacterImages(() => props.character);
  return (
    <div class="angles">
      <Show when={images().length} fallback={<span class="placeholder" aria-label="no images yet">{initials(props.character.name)}</span>}>
        <For each={images().slice(0, 3)}>{(url, i) => <img alt={`${props.character.name} view ${i() + 1}`} src={url} />}</For>
      </Show>
    </div>
  );
}
