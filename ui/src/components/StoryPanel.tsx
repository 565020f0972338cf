// The story beside the storyboard (a project planned from a story): the text with the selected
// shot's words highlighted, words selected there selecting their shot, what the check finds,
// and editing the story to plan it again. Collapsible and resizable; both are remembered.
import { Show } from "solid-js";
import { STORY_MAX, STORY_MIN } from "../stores/storyboard";
import { useStudio } from "../stores/studio";
import PlanIssues from "./PlanIssues";
import StoryText from "./StoryText";

/** The panel's right edge: drag it, or focus it and press ←/→. */
function StoryResize() {
  const { storyboard } = useStudio();
  const width = () => storyboard.state.prefs.storyWidth;
  return (
    <div
      id="story-resize"
      class="resize-handle story-resize"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the story panel"
      aria-valuemin={STORY_MIN}
      aria-valuemax={STORY_MAX}
      aria-valuenow={width()}
      tabIndex={0}
      onPointerDown={(ev) => {
        if (ev.button !== 0) return;
        ev.preventDefault();
        const [startX, startW] = [ev.clientX, width()];
        const move = (e: PointerEvent) => storyboard.setStoryWidth(startW + (e.clientX - startX));
        const up = () => {
          window.removeEventListener("pointermove", move);
          window.removeEventListener("pointerup", up);
          document.body.classList.remove("resizing");
        };
        document.body.classList.add("resizing");
        window.addEventListener("pointermove", move);
        window.addEventListener("pointerup", up);
      }}
      onKeyDown={(ev) => {
        if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
        ev.preventDefault();
        storyboard.setStoryWidth(width() + (ev.key === "ArrowRight" ? 20 : -20));
      }}
    />
  );
}

function StoryEditor() {
  const { story } = useStudio();
  const r = story.replanning;
  return (
    <div class="story-editing">
      <textarea id="story-draft" class="story-input" aria-label="The story (edit it, then plan again)" value={r.state.draft} onInput={(e) => r.setDraft(e.currentTarget.value)} />
      <div class="field-error" role="alert">{r.state.error}</div>
      <div class="row">
        <button type="button" id="story-replan" class="primary small" disabled={r.state.busy} onClick={() => void r.planAgain()}>
          {r.state.busy ? "Planning…" : "Plan again"}
        </button>
        <button type="button" id="story-edit-cancel" class="small" onClick={() => r.cancelEdit()}>
          Cancel
        </button>
        <span class="muted small-text">Shots you changed by hand are kept; you see every change before it is applied.</span>
      </div>
    </div>
  );
}

export default function StoryPanel() {
  const { project, storyboard, story } = useStudio();
  const open = () => storyboard.state.prefs.storyOpen;
  const issues = () => story.issues();
  return (
    <Show when={project.state.project.story}>
      {(st) => (
        <>
          <section
            id="story-panel"
            class="story-panel"
            classList={{ collapsed: !open() }}
            aria-label="Story"
            style={open() ? { width: `${storyboard.state.prefs.storyWidth}px` } : undefined}
          >
            <div class="row story-bar">
              <button
                id="story-toggle"
                class="small icon"
                aria-label={open() ? "Collapse the story" : "Show the story"}
                aria-expanded={open()}
                aria-controls="story-body"
                title={open() ? "Collapse the story" : "Show the story"}
                onClick={() => storyboard.setStoryOpen(!open())}
              >
                {open() ? "◂" : "▸"}
              </button>
              <h2>Story</h2>
              <Show when={open()}>
                <span class="spacer"></span>
                <span id="story-issue-count" class="badge" classList={{ warn: issues().length > 0 }} title="What the check finds in the shots against the story">
                  {issues().length ? `${issues().length} to check` : "faithful"}
                </span>
                <Show when={!story.replanning.state.editing}>
                  <button type="button" id="story-edit" class="small" onClick={() => story.replanning.startEdit()}>
                    Edit story
                  </button>
                </Show>
              </Show>
            </div>
            <div id="story-body" class="story-body" hidden={!open()}>
              <Show
                when={!story.replanning.state.editing}
                fallback={<StoryEditor />}
              >
                <StoryText
                  id="story-view"
                  label="Story: select words to select their shot"
                  text={st().text}
                  shots={project.state.project.scenarios}
                  current={story.current()}
                  marked={story.marked()}
                  onSelectAt={(at) => story.selectAt(at)}
                  onStep={(d) => story.step(d)}
                />
              </Show>
              <Show when={issues().length}>
                <details class="story-issues" open>
                  <summary>What the check finds ({issues().length})</summary>
                  <PlanIssues id="story-issues" issues={issues()} project={project.state.project} onShow={(span, shot) => story.showIssue(span, shot)} />
                </details>
              </Show>
            </div>
          </section>
          <Show when={open()}>
            <StoryResize />
          </Show>
        </>
      )}
    </Show>
  );
}
