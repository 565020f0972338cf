// A story as the creator wrote it, cut into the stretches each shot tells: the current shot's
// words highlighted (and scrolled into view), words an issue points at marked, and words the
// creator selects (or clicks) naming their shot. ↑/↓ move from shot to shot.
//
// Offsets: every run carries its start in Unicode scalar values (Rust's `char`s); a selection's
// position inside a run's text node is a UTF-16 index, converted with `unitToChar`.
import { createEffect, createMemo, For, on } from "solid-js";
import type { Scenario, SourceSpan } from "../bindings";
import { storyRuns, unitToChar } from "../story";
import "./Story.css";

interface Props {
  id?: string;
  text: string;
  shots: Pick<Scenario, "id" | "source">[];
  /** The shot whose words are highlighted. */
  current: string | null;
  /** Words to mark that no shot may tell (an issue's sentence). */
  marked: SourceSpan | null;
  /** The creator selected (or clicked) words starting at scalar offset `at`. */
  onSelectAt: (at: number) => void;
  /** ↑/↓: the shot before or after. */
  onStep?: (delta: 1 | -1) => void;
  label: string;
}

/** The scalar offset of a DOM position inside the view, or null when it is not in a run. */
function offsetOf(view: HTMLElement, node: Node, unitOffset: number): number | null {
  const run = (node.nodeType === Node.TEXT_NODE ? node.parentElement : (node as Element))?.closest<HTMLElement>(".run");
  if (run && view.contains(run)) {
    const start = Number(run.dataset.start);
    // In the run's text node: the UTF-16 index converted; on the run element itself: its start.
    return node.nodeType === Node.TEXT_NODE ? start + unitToChar(node.textContent ?? "", unitOffset) : start;
  }
  if (node === view) {
    const child = view.children[Math.min(unitOffset, view.children.length - 1)] as HTMLElement | undefined;
    return child?.dataset.start !== undefined ? Number(child.dataset.start) : null;
  }
  return null;
}

/** Scrolls `view` so `el` shows (only the view: the window itself never jumps). */
function reveal(view: HTMLElement, el: HTMLElement) {
  const v = view.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  if (r.top < v.top) view.scrollTop += r.top - v.top - 8;
  else if (r.top > v.bottom - 24) view.scrollTop += r.top - v.top - v.height / 3;
}

export default function StoryText(props: Props) {
  let view!: HTMLDivElement;
  const runs = createMemo(() => storyRuns(props.text, props.shots));
  const overlaps = (a: SourceSpan | null, start: number, end: number) => a !== null && a.start < end && start < a.end;

  // The highlighted words come into view when the shot (or the marked words) change.
  createEffect(
    on([() => props.current, () => props.marked, runs], () => {
      queueMicrotask(() => {
        const el = view.querySelector<HTMLElement>(".run.current, .run.marked");
        if (el) reveal(view, el);
      });
    }),
  );

  function selected() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0) return;
    const range = sel.getRangeAt(0);
    if (!view.contains(range.startContainer)) return;
    const at = offsetOf(view, range.startContainer, range.startOffset);
    if (at !== null) props.onSelectAt(at);
  }

  return (
    <div
      id={props.id}
      ref={view}
      class="story-text"
      tabIndex={0}
      role="document"
      aria-label={props.label}
      aria-description="Select words to find their shot; Up and Down arrows go to the shot before or after"
      onMouseUp={() => selected()}
      onKeyDown={(ev) => {
        if (!props.onStep || ev.altKey || ev.ctrlKey || ev.metaKey) return;
        if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
          ev.preventDefault();
          props.onStep(ev.key === "ArrowDown" ? 1 : -1);
        }
      }}
    >
      <For each={runs()}>
        {(run) => (
          <span
            class="run"
            classList={{ told: run.shots.length > 0, current: props.current !== null && run.shots.includes(props.current), marked: overlaps(props.marked, run.start, run.end) }}
            data-start={run.start}
            data-end={run.end}
            data-shots={run.shots.join(" ")}
          >
            {run.text}
          </span>
        )}
      </For>
    </div>
  );
}
