// The studio window: toolbar; the cast strip, then locations and props, then the music; the story (a planned
// project's) at the left, the player over the storyboard, the scene editor at the right; the
// jobs queue; the status bar. All work happens in Rust behind the
// generated `commands`; components only show the stores.
import { onMount, Show } from "solid-js";
import CastPanel from "./components/CastPanel";
import CharacterLibrary from "./components/CharacterLibrary";
import ConflictDialog from "./components/ConflictDialog";
import ElementsPanel from "./components/ElementsPanel";
import HelpDialog from "./components/HelpDialog";
import JobsPanel from "./components/JobsPanel";
import MusicPanel from "./components/MusicPanel";
import Player from "./components/Player";
import ProjectBar from "./components/ProjectBar";
import ReplanDialog from "./components/ReplanDialog";
import SceneEditor, { ResizeHandle } from "./components/SceneEditor";
import SettingsDialog from "./components/SettingsDialog";
import StatusBar from "./components/StatusBar";
import StoryDialog from "./components/StoryDialog";
import StoryPanel from "./components/StoryPanel";
import Storyboard from "./components/Storyboard";
import Toolbar from "./components/Toolbar";
import Welcome from "./components/Welcome";
import { createStudio, StudioContext, useStudio } from "./stores/studio";
import "./App.css";

function Layout() {
  const { storyboard, player } = useStudio();
  return (
    <>
      <Toolbar />
      <Show when={!storyboard.showWelcome()} fallback={<main class="layout welcome-layout"><Welcome /></main>}>
        <main class="layout">
          <CastPanel />
          <ElementsPanel />
          <MusicPanel />
          <div class="workspace">
            <StoryPanel />
            <div class="center" classList={{ "has-preview": player.request() !== null }}>
              <div class="player-area">
                <Player />
              </div>
              <Storyboard />
              <ProjectBar />
            </div>
            <div class="side" style={{ width: `${storyboard.state.prefs.editorWidth}px` }}>
              <ResizeHandle />
              <SceneEditor />
              <div class="queue" aria-label="Render queue">
                <JobsPanel />
              </div>
            </div>
          </div>
        </main>
      </Show>
      <StatusBar />
      <CharacterLibrary />
      <SettingsDialog />
      <HelpDialog />
      <ConflictDialog />
      <StoryDialog />
      <ReplanDialog />
    </>
  );
}

export default function App() {
  const studio = createStudio();
  onMount(() => void studio.start());
  return (
    <StudioContext.Provider value={studio}>
      <Layout />
    </StudioContext.Provider>
  );
}
