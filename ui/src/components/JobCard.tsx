// One job: state and progress, the strip of clips, steering controls (pause, resume, cancel,
// quality, add a scene), Preview and the Temporal UI when it ends, and its details.
import { createEffect, Index, on, type Accessor } from "solid-js";
import type { SegmentState_Serialize as Segment } from "../bindings";
import { qualityOf } from "../forms";
import type { Job } from "../stores/jobs";
import { useStudio } from "../stores/studio";
import JobDetail from "./JobDetail";

/** One clip of the strip: its state, its thumbnail once made; a click plays it. */
function Clip(props: { segment: Accessor<Segment> }) {
  const { jobs } = useStudio();
  createEffect(() => {
    const clip = props.segment().clipUrl;
    if (clip) void jobs.loadThumbnail(clip);
  });
  const thumbnail = () => {
    const clip = props.segment().clipUrl;
    return clip ? jobs.state.thumbnails[clip] : undefined;
  };
  return (
    <span
      class={`seg ${props.segment().status}`}
      title={`${props.segment().id}: ${props.segment().prompt}`}
      style={{ "background-image": thumbnail() ? `url("${thumbnail()}")` : undefined }}
      onClick={() => {
        const clip = props.segment().clipUrl;
        if (clip) void jobs.previewClip(clip);
      }}
    />
  );
}

export default function JobCard(props: { job: Job }) {
  const { jobs } = useStudio();
  const job = () => props.job;
  const id = () => props.job.id;
  /** Ended: the steering controls go; Preview and the Temporal UI may come. */
  const ended = () => job().status !== undefined && job().status !== "running";
  const paused = () => job().progress?.paused ?? false;
  let quality!: HTMLSelectElement;
  let scene!: HTMLInputElement;
  // Every progress message sets the quality select to the job's quality.
  createEffect(
    on(
      () => job().updates,
      () => {
        const q = job().progress?.quality;
        if (q) quality.value = q;
      },
    ),
  );
  return (
    <li
      class="job"
      data-id={id()}
      data-percentage={job().progress?.percentage}
      data-stage={job().progress?.stage}
      data-status={job().status}
    >
      <div class="row">
        <strong class="name">{job().name}</strong>
        <span class="state muted">{job().stateText}</span>
        <span class="spacer"></span>
        <button class="details-toggle small" aria-expanded={job().detailsOpen} onClick={() => jobs.toggleDetails(id())}>
          {"Takes & history"}
        </button>
      </div>
      <progress max="100" value={job().progress?.percentage ?? 0}></progress>
      <div class="step muted">{job().progress?.currentStep}</div>
      <div class="segments">
        <Index each={job().progress?.segments ?? []}>{(segment) => <Clip segment={segment} />}</Index>
      </div>
      <div class="controls row">
        <button class="pause small" hidden={ended() || paused()} onClick={() => void jobs.pause(id())}>
          Pause
        </button>
        <button class="resume small" hidden={ended() || !paused()} onClick={() => void jobs.resume(id())}>
          Resume
        </button>
        <button class="cancel small" hidden={ended()} onClick={() => void jobs.cancel(id())}>
          Cancel
        </button>
        <select
          ref={quality}
          class="job-quality small"
          aria-label="Quality"
          hidden={ended()}
          onChange={(e) => {
            const q = qualityOf(e.currentTarget.value);
            if (q) void jobs.changeQuality(id(), q);
          }}
        >
          <option value="standard">standard</option>
          <option value="high">high</option>
          <option value="4k">4k</option>
        </select>
        <input ref={scene} class="new-scene" placeholder="Add a scene…" aria-label="Add a scene" hidden={ended()} />
        <button
          class="add small"
          hidden={ended()}
          onClick={async () => {
            if (await jobs.addScene(id(), scene.value)) scene.value = "";
          }}
        >
          Add
        </button>
        <button class="play small" hidden={!ended() || !job().videoUrl} onClick={() => jobs.play(id())}>
          Preview
        </button>
        <button class="web-ui small" hidden={!ended() || !job().webUiUrl} onClick={() => jobs.openWebUi(id())}>
          Temporal UI
        </button>
      </div>
      <div class="job-error warn">{job().message}</div>
      <JobDetail job={job()} />
    </li>
  );
}
