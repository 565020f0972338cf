// The welcome screen of a new, untouched, never-saved project: the example project, the
// recent projects, New and Open.
import { For, Show } from "solid-js";
import { basename } from "../scenes";
import { useStudio } from "../stores/studio";

export default function Welcome() {
  const { project, storyboard, story } = useStudio();
  return (
    <section id="welcome" class="welcome" aria-labelledby="welcome-title">
      <h2 id="welcome-title">Welcome to SmokeTech Studio</h2>
      <p class="muted">Compose characters and a storyboard of scenes (or plan them from your story), press Render, get one stitched video.</p>
      <div class="row welcome-actions">
        <button id="open-example" class="primary" onClick={() => void project.openExample()}>
          Open the example project
        </button>
        <button id="welcome-new" onClick={() => storyboard.dismissWelcome()}>
          New project
        </button>
        <button id="welcome-story" onClick={() => story.planning.open()}>
          New from story…
        </button>
        <button id="welcome-open" onClick={() => void project.open()}>
          Open…
        </button>
      </div>
      <h3>Recent projects</h3>
      <Show when={storyboard.state.recent.length} fallback={<p class="muted">None yet.</p>}>
        <ul id="recent" class="recent">
          <For each={storyboard.state.recent}>
            {(path) => (
              <li>
                <button title={path} onClick={() => void project.openRecent(path)}>
                  {basename(path)}
                </button>
                <span class="muted small-text">{path}</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}
