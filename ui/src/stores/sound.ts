// The film's sound in the window (the project's own sound fields are edited through the project
// store, with undo: `project/soundEdits.ts`): the speech voices, voice samples (spoken once by
// Rust, then from its artifact cache, and played here from the loopback media server), which
// lanes are soloed (a preview-only state, never saved), and the sound of the job that plays:
// its captions (a caption track over the player, from a `data:` URL), its stems' waveforms, and the stems played
// beside the video so the lanes' mute, solo and volume are heard (`sound/stems.ts`).
import { createEffect, createMemo, createResource, createSignal } from "solid-js";
import { createStore } from "solid-js/store";
import { commands, type JobSoundView, type VoiceSampleRequest, type VoiceSampleView } from "../bindings";
import { errorText } from "../format";
import { laneGain, levelsOf, mixOf, previewGain, type Lane } from "../sound";
import type { JobsStore } from "./jobs";
import type { PlayerStore } from "./player";
import type { ProjectStore } from "./project";
import { createStemPlayback, STEM_OF } from "./sound/stems";
import type { StatusStore } from "./status";

/** How many peaks a lane's waveform asks for (the lanes are at most a 4K window wide). */
export const PEAKS = 1000;

/** A sample as the cast panel shows it. */
export interface SampleState {
  making: boolean;
  sample?: VoiceSampleView;
  error?: string;
}

/** The same voice, style and line are one sample. */
export const sampleKey = (r: VoiceSampleRequest) => JSON.stringify([r.voice, r.style ?? "", r.text ?? ""]);

interface Deps {
  project: ProjectStore;
  jobs: JobsStore;
  player: PlayerStore;
  status: StatusStore;
}

export function createSoundStore({ project, jobs, player, status }: Deps) {
  const [voices] = createResource(() => commands.speechVoices());

  // ---------- samples ----------
  const [samples, setSamples] = createStore<Record<string, SampleState>>({});

  /** Asks Rust for a voice's sample (made once; then from the cache): its state by `sampleKey`. */
  async function makeSample(request: VoiceSampleRequest): Promise<VoiceSampleView | null> {
    const key = sampleKey(request);
    setSamples(key, { making: true });
    const r = await commands.voiceSample(request);
    if (r.status === "ok") {
      setSamples(key, { making: false, sample: r.data });
      return r.data;
    }
    setSamples(key, { making: false, error: errorText(r.error) });
    status.set(`No sample of ${request.voice}: ${errorText(r.error)}`, "error");
    return null;
  }

  // ---------- solo (preview only) ----------
  const [solo, setSolo] = createSignal<ReadonlySet<Lane>>(new Set());
  function toggleSolo(lane: Lane) {
    const next = new Set(solo());
    if (next.has(lane)) next.delete(lane);
    else next.add(lane);
    setSolo(next);
  }

  // ---------- the playing job's sound ----------
  /** The job whose version plays, once it has finished (its sound is then known). */
  const playingJob = createMemo(() => {
    const s = player.source();
    if (s.kind !== "video" || !s.jobId) return null;
    const job = jobs.state.jobs.find((j) => j.id === s.jobId);
    return job?.status === "completed" ? `${s.jobId}\n${job.detail?.versions.at(-1)?.number ?? 0}` : null;
  });
  const [jobSound] = createResource(playingJob, async (key): Promise<(JobSoundView & { id: string }) | null> => {
    const id = key.split("\n")[0];
    const r = await commands.jobSound(id);
    return r.status === "ok" ? { ...r.data, id } : null;
  });
  /** The sound of what plays, when it is the version that sound belongs to. */
  const current = createMemo(() => {
    const s = jobSound();
    const src = player.source();
    if (!s || src.jobId !== s.id || (src.version !== undefined && src.version !== s.version)) return null;
    return s;
  });

  /**
   * The captions as a `data:` URL (the page's CSP lets media come from `data:` and the loopback
   * server only): a track from the loopback server would be cross-origin, which a `<track>`
   * refuses unless the video and the server both speak CORS.
   */
  const captionsUrl = createMemo(() => {
    const vtt = current()?.captionsVtt;
    return vtt ? `data:text/vtt;charset=utf-8,${encodeURIComponent(vtt)}` : null;
  });

  // ---------- waveforms ----------
  const [peaks, setPeaks] = createStore<Record<string, number[] | null>>({});
  const asked = new Set<string>();
  /** A lane's waveform for what plays: asked of Rust once per job, version and stem. */
  function peaksOf(lane: Lane): number[] | null | undefined {
    const s = current();
    if (!s?.stems) return undefined;
    const key = `${s.id}/${s.version}/${lane}`;
    if (!asked.has(key)) {
      asked.add(key);
      void commands.stemPeaks(s.id, STEM_OF[lane], PEAKS).then((r) => setPeaks(key, r.status === "ok" ? r.data.map((v) => v ?? 0) : null));
    }
    return peaks[key];
  }

  // ---------- the lanes heard ----------
  const mix = createMemo(() => mixOf(project.state.project));
  /** The mix the render used (its stems carry it), when known. */
  const rendered = createMemo(() => {
    const m = current()?.mix;
    return m ? levelsOf(m) : null;
  });
  /** A lane as heard beside the video now (before the player's own volume): 0 is silent. */
  const laneLevel = (lane: Lane) => (current()?.stems ? previewGain(mix(), rendered(), solo(), lane) : laneGain(mix(), solo(), lane));
  /** The render muted this track: its stem is silent until the next render. */
  const mutedInRender = (lane: Lane) => Boolean(current()?.stems && rendered()?.[lane].mute);
  const master = () => (player.muted() ? 0 : player.volume());
  const gain = (lane: Lane) => master() * laneLevel(lane);
  const stems = createStemPlayback({ video: player.videoElement, urls: () => current()?.stems ?? null, gain });
  // While the stems play, the video's own (mixed) sound would double them.
  createEffect(() => player.setSilenced(stems.active()));

  return {
    /** The speech voices, in Rust's order (empty until known). */
    voices: () => voices()?.voices ?? [],
    /** The narrator's voice when the project names none. */
    narrator: () => voices()?.narrator ?? "",
    samples,
    makeSample,
    solo,
    toggleSolo,
    /** The sound of the job that plays (captions, stems), when known. */
    current,
    captionsUrl,
    peaksOf,
    laneLevel,
    mutedInRender,
    /** The stems play beside the video: the lanes' levels are heard. */
    stemsPlaying: stems.active,
    audioOf: stems.audioOf,
  };
}

export type SoundStore = ReturnType<typeof createSoundStore>;
