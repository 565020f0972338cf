// A job's details: cost, versions (each playable), takes per scenario (pick one, or regenerate
// with an edited prompt), stitching the picked takes as a new version, and the timeline.
import { For, Show } from "solid-js";
import type { SegmentState_Serialize as Segment } from "../bindings";
import { spentText, takeText, timelineAt, timelineTitle, versionText } from "../format";
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

export default function JobDetail(props: { job: Job }) {
  const { jobs } = useStudio();
  const detail = () => props.job.detail;
  const finished = () => detail()?.status === "completed";
  return (
    <div class="details" hidden={!props.job.detailsOpen} data-version={detail()?.version}>
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
            <li class="version-row">
              {versionText(v)}
              <Show when={v.videoPath}>
                {(path) => (
                  <button class="small" onClick={() => void jobs.previewVersion(path())}>
                    Preview
                  </button>
                )}
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
