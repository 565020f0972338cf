// A voice's fields, for a cast member or the narrator: the description the video model speaks
// with (accent, age, timbre), the speech model's voice for voice-over (a menu of its voices),
// and "Play sample": a short line spoken once by Rust (then from its artifact cache), played
// here from the loopback media server (WebKitGTK cannot play `asset:` URLs).
import { createSignal, For, Show } from "solid-js";
import type { Voice, VoiceSampleRequest, VoiceSampleView } from "../bindings";
import { usd } from "../editor";
import { sampleKey } from "../stores/sound";
import { useStudio } from "../stores/studio";

interface Props {
  voice: Voice | null | undefined;
  /** Whose voice, for the fields' names ("Ava", "the narrator"). */
  who: string;
  /** The speech voice used when none is picked (the render's choice for this character). */
  automatic: string;
  onChange: (change: Partial<Voice>) => void;
}

/** "3.1 s, from the cache" / "2.8 s, $0.0007" / "2.8 s, free". */
function sampleText(s: VoiceSampleView): string {
  const how = s.cached ? "from the cache" : s.cost.unpricedModels.length ? `no price for ${s.cost.unpricedModels.join(", ")}` : (s.cost.usd ?? 0) > 0 ? usd(s.cost.usd ?? 0) : "free";
  return `${(s.seconds ?? 0).toFixed(1)} s, ${how}`;
}

export default function VoiceFields(props: Props) {
  const { sound } = useStudio();
  let audio!: HTMLAudioElement;
  const speech = () => props.voice?.speech ?? "";
  const request = (): VoiceSampleRequest => ({ voice: speech() || props.automatic, style: props.voice?.description.trim() || undefined });
  const state = () => sound.samples[sampleKey(request())];
  const [playing, setPlaying] = createSignal(false);
  async function play() {
    const made = await sound.makeSample(request());
    if (!made) return;
    audio.src = made.url;
    audio.load();
    void audio.play()?.catch(() => undefined);
  }
  return (
    <div class="voice-fields" data-who={props.who}>
      <label>
        <span class="label-text">Voice</span>
        <input
          class="voice-description"
          aria-label={`Voice of ${props.who}: accent, age, timbre`}
          placeholder="accent, age, timbre (e.g. warm, low, Irish)"
          value={props.voice?.description ?? ""}
          onInput={(e) => props.onChange({ description: e.currentTarget.value })}
        />
      </label>
      <div class="row voice-row">
        <select
          class="voice-speech small"
          aria-label={`Speech voice of ${props.who} (voice-over)`}
          title="The speech model's voice for voice-over"
          value={speech()}
          onChange={(e) => props.onChange({ speech: e.currentTarget.value || undefined })}
        >
          <option value="">Automatic ({props.automatic || "…"})</option>
          <Show when={speech() && !sound.voices().includes(speech())}>
            <option value={speech()}>{speech()}</option>
          </Show>
          <For each={sound.voices()}>{(v) => <option value={v}>{v}</option>}</For>
        </select>
        <button
          type="button"
          class="voice-sample small"
          aria-label={`Play a sample of ${props.who}'s voice`}
          title="Speaks a short line in this voice (made once, then kept)"
          disabled={state()?.making || !request().voice}
          onClick={() => void play()}
        >
          {state()?.making ? "Speaking…" : playing() ? "Playing" : "Play sample"}
        </button>
        <span class="voice-sample-state muted small-text" aria-live="polite">
          {state()?.sample ? sampleText(state()!.sample!) : (state()?.error ?? "")}
        </span>
      </div>
      <audio class="voice-sample-audio" ref={audio} preload="auto" onPlay={() => setPlaying(true)} onPause={() => setPlaying(false)} onEnded={() => setPlaying(false)} />
    </div>
  );
}
