// The studio window: compose a project, render it, watch and steer jobs, preview the result.
// All work happens in Rust behind the generated `commands`; components only show the stores.
import { onMount } from "solid-js";
import CharacterLibrary from "./components/CharacterLibrary";
import JobsPanel from "./components/JobsPanel";
import ProjectEditor from "./components/ProjectEditor";
import SettingsDialog from "./components/SettingsDialog";
import StatusBar from "./components/StatusBar";
import Toolbar from "./components/Toolbar";
import { createStudio, StudioContext } from "./stores/studio";

export default function App() {
  const studio = createStudio();
  onMount(() => void studio.start());
  return (
    <StudioContext.Provider value={studio}>
      <Toolbar />
      <main>
        <ProjectEditor />
        <JobsPanel />
      </main>
      <StatusBar />
      <CharacterLibrary />
      <SettingsDialog />
    </StudioContext.Provider>
  );
}
