// A job's details: steering while it runs (quality, add a scene), cost, versions (each playable in
// the player), takes per scenario (pick one, or regenerate with an edited prompt), stitching the
// picked takes as a new version, and the timeline.
import { createEffect, For, on, Show } from "solid-js";
import type { SegmentState as Segment } from "../bindings";
import { budgetWait, spentText, takeText, timelineAt, timelineTitle, versionText } from "../format";
import { qualityOf } from "../forms";
import type { Job } from "../stores/jobs";
import { useStudio } from "../stores/studio";

function TakeRow(props: { job: Job; segment: Segment; index: number; finished: boolean }) {
  const { jobs } = useStudio();
  let prompt!: HTMLInputElement;
  const takes = () => props.segment.takes ?? [];
  return (
    <li class="take-row" data-scene={props.segment.id}>
      <span class="scene">{props.segment.id}</span>{" "}
      <select
        class="take small"
        aria-label={`Take of ${props.segment.id}`}
        disabled={!props.finished || takes().length < 2}
        value={String(props.segment.take ?? 0)}
        on:change={(e) => jobs.pickTake(props.job.id, props.index, Number(e.currentTarget.value))}
      >
        <For each={takes()}>{(t) => <option value={String(t.number)}>{takeText(t)}</option>}</For>
      </select>{" "}
      <input
        ref={prompt}
        class="retake-prompt"
        aria-label={`Prompt for a new take of ${props.segment.id}`}
        value={props.segment.prompt}
        title="Edit the prompt for the new take, or keep it for another take of the same shot"
      />{" "}
      <button class="regenerate small" onClick={() => void jobs.regenerate(props.job.id, props.segment, prompt.value)}>
        Regenerate
      </button>
    </li>
  );
}

/** Steering a running job: its quality, and a scene added at the end. */
function Steering(props: { job: Job }) {
  const { jobs } = useStudio();
  const id = () => props.job.id;
  const ended = () => props.job.status !== undefined && props.job.status !== "running";
  let quality!: HTMLSelectElement;
  let scene!: HTMLInputElement;
  // Every progress message sets the quality select to the job's quality.
  createEffect(
    on(
      () => props.job.updates,
      () => {
        const q = props.job.progress?.quality;
        if (q) quality.value = q;
      },
    ),
  );
  const waiting = () => budgetWait(props.job.progress?.budget);
  return (
    <>
    <Show when={!ended() && waiting()}>
      {(w) => (
        <div class="budget-wait row" role="status">
          <span class="budget-text">{w().text}</span>
          <button class="approve-spend small" onClick={() => void jobs.approveSpend(id(), w().approve)}>
            Approve ${w().approve.toFixed(2)} more
          </button>
        </div>
      )}
    </Show>
    <div class="steering row" hidden={ended()}>
      <label class="inline">
        <span>Quality</span>
        <select
          ref={quality}
          class="job-quality small"
          onChange={(e) => {
            const q = qualityOf(e.currentTarget.value);
            if (q) void jobs.changeQuality(id(), q);
          }}
        >
          <option value="standard">standard</option>
          <option value="high">high</option>
          <option value="4k">4k</option>
        </select>
      </label>
      <input
        ref={scene}
        class="new-scene"
        placeholder="Add a scene…"
        aria-label="Prompt of a scene to add"
        onKeyDown={async (e) => {
          if (e.key === "Enter" && (await jobs.addScene(id(), scene.value))) scene.value = "";
        }}
      />
      <button
        class="add small"
        onClick={async () => {
          if (await jobs.addScene(id(), scene.value)) scene.value = "";
        }}
      >
        Add
      </button>
    </div>
    </>
  );
}

export default function JobDetail(props: { job: Job }) {
  const { jobs, player } = useStudio();
  const detail = () => props.job.detail;
  const finished = () => detail()?.status === "completed";
  let box!: HTMLDivElement;
  // Opened details come into view (the queue is a small scrolled panel).
  createEffect(
    on(
      () => props.job.detailsOpen && detail() !== undefined,
      (shown) => {
        // (jsdom, in unit tests, has no scrolling.)
        if (shown && typeof box.scrollIntoView === "function") box.scrollIntoView({ block: "start" });
      },
    ),
  );
  return (
    <div ref={box} class="details" id={`details-${props.job.id}`} hidden={!props.job.detailsOpen} data-version={detail()?.version}>
      <Steering job={props.job} />
      <div class="row">
        <span class="spent" data-usd={detail() ? String(detail()?.spent.usd ?? 0) : undefined}>
          <Show when={detail()}>{(d) => spentText(d().spent)}</Show>
        </span>
        <span class="spacer"></span>
        <span class="version muted">
          <Show when={detail()}>{(d) => `version ${d().version} · ${d().status}`}</Show>
        </span>
      </div>
      <h4>Versions</h4>
      <ol class="versions">
        <For each={detail()?.versions ?? []}>
          {(v) => (
            <li
              class="version-row"
              data-version={v.number}
              classList={{ playing: player.source().jobId === props.job.id && player.source().version === v.number }}
            >
              {versionText(v)}
              <Show when={v.videoPath}>
                <button
                  class="small"
                  aria-label={`Play version ${v.number}`}
                  onClick={() => void jobs.playVersion(props.job.id, v.number)}
                >
                  Play
                </button>
              </Show>
            </li>
          )}
        </For>
      </ol>
      <h4>Scenarios and takes</h4>
      <ol class="takes">
        <For each={detail()?.segments ?? []}>
          {(segment, i) => <TakeRow job={props.job} segment={segment} index={i()} finished={finished()} />}
        </For>
      </ol>
      <button
        class="stitch-takes small"
        disabled={!jobs.canStitch(props.job)}
        hidden={detail() !== undefined && !finished()}
        onClick={() => void jobs.stitchPicked(props.job.id)}
      >
        Stitch the picked takes as a new version
      </button>
      <h4>Timeline</h4>
      <ol class="timeline">
        <For each={detail()?.timeline ?? []}>
          {(e) => (
            <li class={`tl ${e.kind}`}>
              <span class="at muted">{timelineAt(e)}</span> <span class="title">{timelineTitle(e)}</span>
              <div class="detail muted">{e.detail ?? ""}</div>
              <div class="warn">{e.error ?? ""}</div>
            </li>
          )}
        </For>
      </ol>
    </div>
  );
}
