// A character's reference images: thumbnails (from Rust; relative paths resolve against the
// project file's folder), remove, add by file dialog. The lead's keep the ids #ref-thumbs and
// #add-ref.
import { createEffect, For, Match, Switch } from "solid-js";
import { useStudio } from "../stores/studio";

function Reference(props: { path: string; index: number; character: number }) {
  const { project } = useStudio();
  createEffect(() => void project.loadThumbnail(props.path));
  const thumbnail = () => project.thumbnailOf(props.path);
  return (
    <figure title={props.path}>
      <Switch>
        <Match when={thumbnail()}>{(url) => <img alt={`reference ${props.index + 1}`} src={url()} />}</Match>
        <Match when={thumbnail() === null}>
          <span class="warn unreadable">unreadable</span>
        </Match>
      </Switch>
      <button class="small" aria-label={`Remove reference ${props.index + 1}`} onClick={() => project.removeReference(props.index, props.character)}>
        ✕
      </button>
    </figure>
  );
}

export default function ReferenceImages(props: { character: number }) {
  const { project } = useStudio();
  const lead = () => props.character === 0;
  const refs = () => (lead() ? project.state.project.character : project.state.project.cast?.[props.character - 1])?.referenceImages ?? [];
  return (
    <div class="refs">
      <div id={lead() ? "ref-thumbs" : undefined} class="thumbs">
        <For each={refs()}>{(path, i) => <Reference path={path} index={i()} character={props.character} />}</For>
      </div>
      <button id={lead() ? "add-ref" : undefined} class="small add-ref" onClick={() => void project.chooseReferences(props.character)}>
        Add references…
      </button>
    </div>
  );
}
