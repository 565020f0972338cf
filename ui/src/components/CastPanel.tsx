// The cast strip: the project's characters, lead first, each with its angle thumbnails (a
// library character's) or reference thumbnails, name, prompt, references and voice (with its
// sample), then the narrator's voice; remove (never the last one), add from the library or a
// new one. The lead keeps the ids #char-name,
// #char-prompt and #char-library.
import { For, Show } from "solid-js";
import type { Character } from "../bindings";
import { characters, MAX_CHARACTERS } from "../cast";
import { automaticVoice } from "../sound";
import { useStudio } from "../stores/studio";
import { Angles, Face } from "./Faces";
import ReferenceImages from "./ReferenceImages";
import VoiceFields from "./VoiceFields";
import "./CastPanel.css";

function Member(props: { character: Character; index: number; count: number }) {
  const { project, sound } = useStudio();
  const lead = () => props.index === 0;
  const field = (name: string) => (lead() ? `character.${name}` : `cast[${props.index - 1}].${name}`);
  const idOf = (name: string) => (lead() ? name : undefined);
  return (
    <li class="cast-member" classList={{ lead: lead() }} data-id={props.character.id ?? ""} data-index={props.index}>
      <div class="row member-head">
        <Angles character={props.character} />
        <div class="member-names">
          <label>
            <span class="label-text">{lead() ? "Lead" : "Character"}</span>
            <input
              id={idOf("char-name")}
              class="char-name"
              value={props.character.name}
              onInput={(e) => project.setName(e.currentTarget.value, props.index)}
              onBlur={() => project.touch(field("name"))}
            />
          </label>
          <span class="muted small-text id-text">{props.character.id ? `id: ${props.character.id}` : ""}</span>
        </div>
        <button
          class="remove-character small icon"
          aria-label={`Remove ${props.character.name || "this character"}`}
          title={props.count < 2 ? "A project keeps at least one character" : "Remove from the project"}
          disabled={props.count < 2}
          onClick={() => project.removeCharacter(props.index)}
        >
          ✕
        </button>
      </div>
      <p id={idOf("char-library")} class="library-badge" hidden={!props.character.libraryId}>
        <Show when={props.character.libraryId}>
          {"From the library: its angles are reused. "}
          <button class="small" onClick={() => project.detachLibrary(props.index)}>
            Detach
          </button>
        </Show>
      </p>
      <label>
        <span class="label-text">Prompt</span>
        <textarea
          id={idOf("char-prompt")}
          class="char-prompt"
          rows="2"
          classList={{ invalid: project.messages(field("basePrompt")).length > 0 }}
          value={props.character.basePrompt}
          onInput={(e) => project.setBasePrompt(e.currentTarget.value, props.index)}
          onBlur={() => project.touch(field("basePrompt"))}
        />
      </label>
      <div class="field-error" data-field={field("basePrompt")}>{project.messages(field("basePrompt")).join("; ")}</div>
      <div class="field-error" data-field={field("name")}>{project.messages(field("name")).join("; ")}</div>
      <ReferenceImages character={props.index} />
      <VoiceFields
        voice={props.character.voice}
        who={props.character.name || `character ${props.index + 1}`}
        automatic={automaticVoice(sound.voices(), props.index)}
        onChange={(change) => project.setVoice(props.index, change)}
      />
    </li>
  );
}

/** The narrator: a voice of its own, which speaks the shots' narration. */
function Narrator() {
  const { project, sound } = useStudio();
  return (
    <li id="narrator" class="narrator">
      <div class="row member-head">
        <span class="angles" aria-hidden="true">
          <span class="placeholder">N</span>
        </span>
        <div class="member-names">
          <h3>Narrator</h3>
          <span class="muted small-text">speaks the shots' narration</span>
        </div>
      </div>
      <VoiceFields voice={project.state.project.narrator} who="the narrator" automatic={sound.narrator()} onChange={(change) => project.setNarrator(change)} />
    </li>
  );
}

export default function CastPanel() {
  const { project, library, panels } = useStudio();
  const all = () => characters(project.state.project);
  const full = () => all().length >= MAX_CHARACTERS;
  let pick!: HTMLSelectElement;
  let list!: HTMLUListElement;
  // Short windows start with the cast folded to one line of faces.
  const open = () => panels.open("cast");
  const setOpen = (on: boolean) => panels.set("cast", on);
  return (
    <section id="cast" class="cast" aria-label="Cast" classList={{ collapsed: !open() }}>
      <div class="row cast-bar">
        <button id="cast-toggle" class="small icon" aria-label="Show the cast" aria-expanded={open()} aria-controls="cast-list" title={open() ? "Collapse the cast" : "Expand the cast"} onClick={() => setOpen(!open())}>
          {open() ? "▾" : "▸"}
        </button>
        <h2>Cast</h2>
        <Show when={!open()}>
          <span class="cast-chips">
            <For each={all()}>
              {(c) => (
                <span class="chip">
                  <Face character={c} size={20} /> {c.name || "unnamed"}
                </span>
              )}
            </For>
          </span>
        </Show>
        <span class="muted hint">{all().length} of {MAX_CHARACTERS}</span>
        <span class="spacer"></span>
        <label class="inline">
          <span class="sr-only">Add from library</span>
          <select
            id="add-from-library"
            ref={pick}
            disabled={full()}
            onFocus={() => library.search(library.state.query)}
            onChange={(e) => {
              const c = library.state.cards.find((x) => x.id === e.currentTarget.value);
              if (c) {
                project.addLibraryCharacter(c);
                setOpen(true);
              }
              pick.value = "";
            }}
          >
            <option value="">Add from library…</option>
            <For each={library.state.cards}>{(c) => <option value={c.id}>{c.name}</option>}</For>
          </select>
        </label>
        <button
          id="new-character"
          class="small"
          disabled={full()}
          onClick={() => {
            // The new member shows, its name ready to type (a folded cast unfolds).
            project.newCharacter();
            setOpen(true);
            queueMicrotask(() => {
              const names = list.querySelectorAll<HTMLInputElement>(".char-name");
              names[names.length - 1]?.select();
            });
          }}
        >
          New character
        </button>
      </div>
      <ul id="cast-list" ref={list} class="cast-list" hidden={!open()}>
        <For each={all()}>{(c, i) => <Member character={c} index={i()} count={all().length} />}</For>
        <Narrator />
      </ul>
      <div class="field-error" data-field="cast">{project.messages("cast").join("; ")}</div>
    </section>
  );
}
