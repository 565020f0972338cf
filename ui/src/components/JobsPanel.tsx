// The Jobs panel: one card per job, newest first, and the preview player under them.
import { For } from "solid-js";
import { useStudio } from "../stores/studio";
import JobCard from "./JobCard";
import Player from "./Player";

export default function JobsPanel() {
  const { jobs } = useStudio();
  return (
    <section class="jobs">
      <h2>Jobs</h2>
      <ul id="jobs">
        <For each={jobs.state.jobs}>{(job) => <JobCard job={job} />}</For>
      </ul>
      <Player />
    </section>
  );
}
