// The window's toolbar: project files, the Characters and Settings views, undo, Render.
import { useStudio } from "../stores/studio";

export default function Toolbar() {
  const { project, jobs, library, settings } = useStudio();
  return (
    <header class="toolbar">
      <strong class="brand">SmokeTech Studio</strong>
      <button id="new" onClick={() => void project.newProject()}>New</button>
      <button id="open" onClick={() => void project.open()}>Open…</button>
      <button id="save" onClick={() => project.save()}>Save</button>
      <button id="save-as" onClick={() => void project.saveAs()}>Save As…</button>
      <span id="project-path" class="muted">{project.state.path ?? "unsaved project"}</span>
      <span class="spacer"></span>
      <button id="characters" onClick={() => void library.open()}>Characters</button>
      <button id="settings" onClick={() => void settings.open()}>Settings</button>
      <button id="undo" disabled={project.state.lastDeleted === null} onClick={() => project.undoDelete()}>Undo delete</button>
      <button
        id="render"
        class="primary"
        disabled={project.renderReason() !== "" || jobs.starting()}
        onClick={() => void jobs.startRender()}
      >
        Render
      </button>
    </header>
  );
}
