// The render queue: one compact row per job, newest first. Until the layout places a <Player/> of
// its own, the player shows here too.
import { For, Show } from "solid-js";
import { useStudio } from "../stores/studio";
import JobCard from "./JobCard";
import Player, { InJobsPanel } from "./Player";
import "./Jobs.css";

export default function JobsPanel() {
  const { jobs, player } = useStudio();
  return (
    <section class="jobs jobs-queue" aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Jobs</h2>
      <ul id="jobs" aria-label="Render jobs, newest first">
        <For each={jobs.state.jobs}>{(job) => <JobCard job={job} />}</For>
      </ul>
      <Show when={player.placed() === 0}>
        <InJobsPanel.Provider value={true}>
          <Player />
        </InJobsPanel.Provider>
      </Show>
    </section>
  );
}
