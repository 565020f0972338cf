// Locations and props, a strip like the cast's: each with its name, prompt and reference images
// (supplied by file dialog, shown as thumbnails; without any, a render generates an
// establishing wide and a reverse, a prop's view and detail). Shots name them in the editor.
import { createEffect, createSignal, For, Match, Show, Switch } from "solid-js";
import type { Element } from "../bindings";
import { useStudio } from "../stores/studio";
import "./Story.css";

function ElementReference(props: { element: string; path: string; index: number; name: string }) {
  const { project } = useStudio();
  createEffect(() => void project.loadThumbnail(props.path));
  const thumbnail = () => project.thumbnailOf(props.path);
  return (
    <figure title={props.path}>
      <Switch>
        <Match when={thumbnail()}>{(url) => <img alt={`${props.name}, reference ${props.index + 1}`} src={url()} />}</Match>
        <Match when={thumbnail() === null}>
          <span class="warn unreadable">unreadable</span>
        </Match>
      </Switch>
      <button class="small" aria-label={`Remove reference ${props.index + 1} of ${props.name}`} onClick={() => project.removeElementReference(props.element, props.index)}>
        ✕
      </button>
    </figure>
  );
}

function ElementCard(props: { element: Element; index: number }) {
  const { project } = useStudio();
  const e = () => props.element;
  const field = (name: string) => `elements[${props.index}].${name}`;
  const kindWord = () => (e().kind === "location" ? "Location" : "Prop");
  return (
    <li class="element-card" data-id={e().id} data-kind={e().kind}>
      <div class="row member-head">
        <label class="grow">
          <span class="label-text">{kindWord()}</span>
          <input class="element-name" value={e().name} onInput={(ev) => project.setElementName(e().id, ev.currentTarget.value)} onBlur={() => project.touch(field("name"))} />
        </label>
        <button class="remove-element small icon" aria-label={`Remove ${e().name || "this element"}`} title="Remove it from the project and its shots" onClick={() => project.removeElement(e().id)}>
          ✕
        </button>
      </div>
      <label>
        <span class="label-text">Prompt</span>
        <textarea
          class="element-prompt"
          rows="2"
          aria-label={`Prompt of ${e().name || "this element"}`}
          classList={{ invalid: project.messages(field("prompt")).length > 0 }}
          value={e().prompt}
          onInput={(ev) => project.setElementPrompt(e().id, ev.currentTarget.value)}
          onBlur={() => project.touch(field("prompt"))}
        />
      </label>
      <div class="field-error" data-field={field("prompt")}>{[...project.messages(field("name")), ...project.messages(field("prompt"))].join("; ")}</div>
      <div class="refs">
        <div class="thumbs">
          <For each={e().referenceImages ?? []}>{(path, i) => <ElementReference element={e().id} path={path} index={i()} name={e().name} />}</For>
        </div>
        <Show when={!(e().referenceImages ?? []).length}>
          <span class="muted small-text">{e().libraryId ? "images from the library" : "images made at the next render"}</span>
        </Show>
        <button class="small add-ref" aria-label={`Add reference images of ${e().name || "this element"}`} onClick={() => void project.chooseElementReferences(e().id)}>
          Add references…
        </button>
      </div>
    </li>
  );
}

export default function ElementsPanel() {
  const { project } = useStudio();
  const all = () => project.state.project.elements ?? [];
  // Folded to one line of names at first: the storyboard and the scene editor need the height.
  const [open, setOpen] = createSignal(false);
  let list!: HTMLUListElement;
  function add(kind: "location" | "prop") {
    project.addElement(kind);
    setOpen(true);
    queueMicrotask(() => {
      const names = list.querySelectorAll<HTMLInputElement>(".element-name");
      names[names.length - 1]?.select();
    });
  }
  const counts = () => {
    const n = (k: string) => all().filter((e) => e.kind === k).length;
    return `${n("location")} location${n("location") === 1 ? "" : "s"}, ${n("prop")} prop${n("prop") === 1 ? "" : "s"}`;
  };
  return (
    <section id="elements" class="cast elements" aria-label="Locations and props" classList={{ collapsed: !open() }}>
      <div class="row cast-bar">
        <button id="elements-toggle" class="small icon" aria-label="Show the locations and props" aria-expanded={open()} aria-controls="elements-list" title={open() ? "Collapse" : "Expand"} onClick={() => setOpen(!open())}>
          {open() ? "▾" : "▸"}
        </button>
        <h2>Locations and props</h2>
        <Show when={!open()}>
          <span class="cast-chips">
            <For each={all()}>{(e) => <span class="chip" data-kind={e.kind}>{e.name || e.id}</span>}</For>
          </span>
        </Show>
        <span class="muted hint">{counts()}</span>
        <span class="spacer"></span>
        <button id="new-location" class="small" onClick={() => add("location")}>
          New location
        </button>
        <button id="new-prop" class="small" onClick={() => add("prop")}>
          New prop
        </button>
      </div>
      <ul id="elements-list" ref={list} class="cast-list elements-list" hidden={!open()}>
        <For each={all()}>{(e, i) => <ElementCard element={e} index={i()} />}</For>
      </ul>
    </section>
  );
}
