// The character's reference images: thumbnails (from Rust), remove, add by file dialog.
import { createEffect, For, Match, Switch } from "solid-js";
import { useStudio } from "../stores/studio";

function Reference(props: { path: string; index: number }) {
  const { project } = useStudio();
  createEffect(() => void project.loadThumbnail(props.path));
  const thumbnail = () => project.state.thumbnails[props.path];
  return (
    <figure>
      <Switch>
        <Match when={thumbnail()}>{(url) => <img alt={`reference ${props.index + 1}`} src={url()} />}</Match>
        <Match when={thumbnail() === null}>
          <span class="warn">unreadable</span>
        </Match>
      </Switch>
      <button class="small" aria-label={`Remove reference ${props.index + 1}`} onClick={() => project.removeReference(props.index)}>
        ✕
      </button>
    </figure>
  );
}

export default function ReferenceImages() {
  const { project } = useStudio();
  return (
    <div class="refs">
      <div id="ref-thumbs" class="thumbs">
        <For each={project.state.project.character.referenceImages}>{(path, i) => <Reference path={path} index={i()} />}</For>
      </div>
      <button id="add-ref" onClick={() => void project.chooseReferences()}>
        Add reference images…
      </button>{" "}
      <span class="muted">or drop image files on the window</span>
    </div>
  );
}
