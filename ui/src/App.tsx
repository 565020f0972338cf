// The studio window: toolbar; the cast, locations and props, and music strips (one line each
// when folded); the story (a planned project's) at the left; in the middle the storyboard
// beside the player (the player takes the room: at least half the window's width, whole),
// the timeline and the sound lanes across under them; the scene editor and the jobs queue at
// the right; the status bar. All work happens in Rust behind the
// generated `commands`; components only show the stores.
import { onMount, Show } from "solid-js";
import CastPanel from "./components/CastPanel";
import CharacterLibrary from "./components/CharacterLibrary";
import CutPanel from "./components/CutPanel";
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
  const { storyboard, player, project, panels } = useStudio();
  return (
    <>
      <Toolbar />
      <Show when={!storyboard.showWelcome()} fallback={<main class="layout welcome-layout"><Welcome /></main>}>
        <main class="layout">
          <div class="strips">
            <CastPanel />
            <ElementsPanel />
            <MusicPanel />
          </div>
          <div class="workspace">
            <StoryPanel />
            <div class="center" classList={{ "has-preview": player.request() !== null }}>
              <div
                class="viewer"
                classList={{ "board-folded": !panels.open("storyboard") }}
                style={{ "--aspect": project.state.project.aspectRatio === "9:16" ? "0.5625" : "1.7778" }}
              >
                <Storyboard />
                <div class="player-area">
                  <Player />
                </div>
              </div>
              <CutPanel />
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
