// The window's toolbar: project files, undo/redo, the Characters and Settings views, Render.
import { basename } from "../scenes";
import { useStudio } from "../stores/studio";

export default function Toolbar() {
  const studio = useStudio();
  const { project, jobs, library, settings } = studio;
  return (
    <header class="toolbar" role="toolbar" aria-label="Project">
      <strong class="brand">SmokeTech Studio</strong>
      <button id="new" onClick={() => void project.newProject()}>New</button>
      <button id="new-from-story" title="A new project planned from a story, script or treatment (Ctrl+Shift+N)" onClick={() => studio.story.planning.open()}>
        From story…
      </button>
      <button id="open" onClick={() => void project.open()}>Open…</button>
      <button id="save" onClick={() => project.save()}>Save</button>
      <button id="save-as" onClick={() => void project.saveAs()}>Save As…</button>
      <span id="project-path" class="muted" title={project.state.path ?? undefined}>
        {project.state.path ?? "unsaved project"}
      </span>
      <span class="visually-dirty muted" hidden={!project.unsaved()} aria-label="unsaved changes">
        ●
      </span>
      <span class="spacer"></span>
      <button id="undo" title="Undo (Ctrl+Z)" aria-label="Undo" disabled={!project.canUndo()} onClick={() => project.undo()}>
        ↶ Undo
      </button>
      <button id="redo" title="Redo (Ctrl+Shift+Z)" aria-label="Redo" disabled={!project.canRedo()} onClick={() => project.redo()}>
        ↷ Redo
      </button>
      <button id="characters" onClick={() => void library.open()}>Characters</button>
      <button id="settings" onClick={() => void settings.open()}>Settings</button>
      <button
        id="render"
        class="primary"
        title={project.renderReason() || `Render ${basename(project.state.path ?? "the project")} (Ctrl+R)`}
        disabled={!project.state.ready || jobs.starting() || (project.state.attempted && project.renderReason() !== "")}
        onClick={() => studio.render()}
      >
        Render
      </button>
    </header>
  );
}
