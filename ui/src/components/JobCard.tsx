// One job of the queue, compact: name, state, progress, the strip of clips, pause / resume /
// cancel, Preview and the Temporal UI, and a toggle for its details (steering, takes, versions).
import { createEffect, Index, type Accessor } from "solid-js";
import type { SegmentState as Segment } from "../bindings";
import type { Job } from "../stores/jobs";
import { useStudio } from "../stores/studio";
import JobDetail from "./JobDetail";

/** One clip of the strip: its state, its thumbnail once made; a click plays it alone. */
function Clip(props: { segment: Accessor<Segment>; index: number }) {
  const { jobs, player } = useStudio();
  createEffect(() => {
    const clip = props.segment().clipUrl;
    if (clip) void jobs.loadThumbnail(clip);
  });
  const thumbnail = () => {
    const clip = props.segment().clipUrl;
    return clip ? jobs.state.thumbnails[clip] : undefined;
  };
  const done = () => Boolean(props.segment().clipUrl);
  return (
    <button
      type="button"
      class={`seg ${props.segment().status}`}
      classList={{ playing: done() && player.playingSceneId() === props.segment().id }}
      data-scene={props.segment().id}
      title={`${props.segment().id}: ${props.segment().prompt}`}
      aria-label={`Scene ${props.index + 1} (${props.segment().id}): ${props.segment().status}${done() ? ", play its clip" : ""}`}
      disabled={!done()}
      style={{ "background-image": thumbnail() ? `url("${thumbnail()}")` : undefined }}
      onClick={() => {
        const clip = props.segment().clipUrl;
        if (clip) void jobs.previewClip(clip, props.segment().id);
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
  const percentage = () => job().progress?.percentage ?? (job().status === "completed" ? 100 : 0);
  return (
    <li
      class="job compact"
      data-id={id()}
      data-percentage={job().progress?.percentage}
      data-stage={job().progress?.stage}
      data-status={job().status}
      aria-label={`${job().name}: ${job().stateText}`}
    >
      <div class="job-head">
        <strong class="name" title={id()}>
          {job().name}
        </strong>
        <span class="state muted">{job().stateText}</span>
        <progress max="100" value={percentage()} aria-label={`${job().name} progress`}></progress>
      </div>
      <div class="job-strip">
        <div class="segments">
          <Index each={job().progress?.segments ?? []}>{(segment, i) => <Clip segment={segment} index={i} />}</Index>
        </div>
        <span class="step muted">{job().progress?.currentStep}</span>
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
        <button class="play small" hidden={!ended() || !job().videoUrl} onClick={() => jobs.play(id())}>
          Preview
        </button>
        <button
          class="web-ui small link"
          hidden={!job().webUiUrl}
          title={job().webUiUrl ?? undefined}
          onClick={() => jobs.openWebUi(id())}
        >
          Temporal UI
        </button>
        <span class="spacer"></span>
        <button
          class="details-toggle small"
          aria-expanded={job().detailsOpen}
          aria-controls={`details-${id()}`}
          onClick={() => jobs.toggleDetails(id())}
        >
          {"Details"}
        </button>
      </div>
      <div class="job-error warn" role="status">
        {job().message}
      </div>
      <JobDetail job={job()} />
    </li>
  );
}
