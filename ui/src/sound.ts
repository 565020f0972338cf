// The film's sound in the project: voices (a cast member's, the narrator's), the dialogue mode
// (project and per shot), a shot's narration, the music, and the mix (volume and mute per
// track); and where the lines fall on the timeline before a render has timed them. Pure edits
// and arithmetic (no Solid, no DOM), so Vitest covers them. Every edit leaves a field out of
// the project when it is back at its default, so a project without sound keeps its shape.
import type { DialogueMode, Mix, Music, Project, Scenario, Track, Voice } from "./bindings";

import { characters, updateCharacter } from "./cast";
import type { FilmWindow } from "./lanes";
import { speakers } from "./shots";

/** The tracks of the mix, as the lanes under the player list them. */
export type Lane = "dialogue" | "narration" | "music" | "clips";

export const LANES: [Lane, string][] = [
  ["dialogue", "Dialogue"],
  ["narration", "Narration"],
  ["music", "Music"],
  ["clips", "Clips' sound"],
];

export const laneOf = (v: string): Lane | undefined => LANES.find(([l]) => l === v)?.[0];

/** A track's volume range in dB (Rust refuses others: `Track::volume_db`, -60..=12). */
export const MIN_DB = -60;
export const MAX_DB = 12;

/** The natural pace the estimate assumes (the preflight flags lines that cannot keep it). */
export const WORDS_PER_SECOND = 2.5;

/** A track's level with its defaults filled in (the file leaves defaults out). */
export interface Level {
  volumeDb: number;
  mute: boolean;
}

/** The mix with every track's level (what the lanes show). */
export type Levels = Record<Lane, Level> & { burnCaptions: boolean };

export const DEFAULT_LEVEL: Level = { volumeDb: 0, mute: false };

const levelOf = (t: Track | undefined): Level => ({ volumeDb: clampDb(t?.volumeDb ?? 0), mute: t?.mute ?? false });

/** The project's mix, every track filled in (the default when the file has none). */
export function mixOf(p: Project): Levels {
  return levelsOf(p.mix);
}

/** A mix with every track filled in. */
export function levelsOf(m: Mix | null | undefined): Levels {
  return {
    clips: levelOf(m?.clips),
    dialogue: levelOf(m?.dialogue),
    narration: levelOf(m?.narration),
    music: levelOf(m?.music),
    burnCaptions: m?.burnCaptions ?? false,
  };
}

const sameLevel = (a: Level, b: Level) => a.volumeDb === b.volumeDb && a.mute === b.mute;

/** `p` with the mix `levels`, written as the file keeps it: only what differs from the defaults. */
function withMix(p: Project, levels: Levels): Project {
  const { mix: _old, ...rest } = p;
  void _old;
  const mix: Mix = {};
  for (const [lane] of LANES) {
    const l = levels[lane];
    if (sameLevel(l, DEFAULT_LEVEL)) continue;
    const t: Track = {};
    if (l.volumeDb !== 0) t.volumeDb = l.volumeDb;
    if (l.mute) t.mute = true;
    mix[lane] = t;
  }
  if (levels.burnCaptions) mix.burnCaptions = true;
  return Object.keys(mix).length ? { ...rest, mix } : rest;
}

/** A volume in range, to a tenth of a dB (a slider's float noise is not a change). */
export function clampDb(db: number): number {
  if (!Number.isFinite(db)) return 0;
  return Math.round(Math.max(MIN_DB, Math.min(MAX_DB, db)) * 10) / 10;
}

/** Changes one track's volume or mute. */
export function setTrack(p: Project, lane: Lane, change: Partial<Level>): Project {
  const mix = mixOf(p);
  const next: Level = { ...mix[lane], ...change };
  next.volumeDb = clampDb(next.volumeDb);
  if (sameLevel(next, mix[lane])) return p;
  return withMix(p, { ...mix, [lane]: next });
}

export function setBurnCaptions(p: Project, burnCaptions: boolean): Project {
  return withMix(p, { ...mixOf(p), burnCaptions });
}

// ---------- voices ----------

/** A voice with nothing in it is no voice (left out of the file). */
function voiceOrNone(v: Voice): Voice | undefined {
  const description = v.description;
  const speech = v.speech || undefined;
  if (!description.trim() && !speech) return undefined;
  return speech ? { description, speech } : { description };
}

function mergeVoice(old: Voice | null | undefined, change: Partial<Voice>): Voice | undefined {
  return voiceOrNone({ description: "", ...(old ?? {}), ...change });
}

/**
 * The speech voice a character without one speaks in: Rust's `default_voice`, by its place
 * among the characters (0 the lead, then the cast), from the voices in Rust's order.
 */
export function automaticVoice(voices: readonly string[], position: number): string {
  return voices.length ? voices[position % voices.length] : "";
}

/** Changes the voice of the character at `index` (0 = the lead): its description or speech voice. */
export function setVoice(p: Project, index: number, change: Partial<Voice>): Project {
  const c = characters(p)[index];
  if (!c) return p;
  const voice = mergeVoice(c.voice, change);
  const q = updateCharacter(p, index, { voice });
  // Left out, not `voice: undefined`, so the file keeps its shape.
  if (voice !== undefined) return q;
  const strip = <T extends { voice?: unknown }>(x: T): T => {
    const { voice: _v, ...rest } = x;
    void _v;
    return rest as T;
  };
  return index === 0 ? { ...q, character: strip(q.character) } : { ...q, cast: (q.cast ?? []).map((x, i) => (i === index - 1 ? strip(x) : x)) };
}

/** Changes the narrator's voice. */
export function setNarrator(p: Project, change: Partial<Voice>): Project {
  const narrator = mergeVoice(p.narrator, change);
  const { narrator: _old, ...rest } = p;
  void _old;
  return narrator ? { ...rest, narrator } : rest;
}

// ---------- dialogue mode and narration ----------

export const DIALOGUE_MODES: [DialogueMode, string][] = [
  ["native", "Spoken in the clip (lip-synced)"],
  ["voiceOver", "Voice-over (the character's voice)"],
];

export const dialogueModeOf = (v: string): DialogueMode | undefined => DIALOGUE_MODES.find(([m]) => m === v)?.[0];

/** The project's dialogue mode; native (the default) is left out of the file. */
export function setDialogueMode(p: Project, mode: DialogueMode): Project {
  const { dialogueMode: _old, ...rest } = p;
  void _old;
  return mode === "native" ? rest : { ...rest, dialogueMode: mode };
}

/** How a shot's lines are spoken: its own choice, else the project's. */
export function sceneMode(p: Project, s: Scenario): DialogueMode {
  return s.dialogueMode ?? p.dialogueMode ?? "native";
}

function withScene(p: Project, id: string, f: (s: Scenario) => Scenario): Project {
  const i = p.scenarios.findIndex((s) => s.id === id);
  if (i < 0) return p;
  const scenarios = [...p.scenarios];
  scenarios[i] = f(scenarios[i]);
  return { ...p, scenarios };
}

function setSceneField<K extends "narration" | "dialogueMode">(s: Scenario, field: K, value: Scenario[K] | undefined): Scenario {
  const { [field]: _old, ...rest } = s;
  void _old;
  return (value === undefined ? rest : { ...rest, [field]: value }) as Scenario;
}

/** A shot's own dialogue mode; undefined follows the project's. */
export function setSceneDialogueMode(p: Project, id: string, mode: DialogueMode | undefined): Project {
  return withScene(p, id, (s) => setSceneField(s, "dialogueMode", mode));
}

/** What the narrator says over a shot; empty removes it. */
export function setNarration(p: Project, id: string, narration: string): Project {
  return withScene(p, id, (s) => setSceneField(s, "narration", narration === "" ? undefined : narration));
}

// ---------- music ----------

/** Music as the panel starts it: a prompt, under the whole film, looped, 2 s fades. */
export const NEW_MUSIC: Music = { prompt: "", loop: true, fadeSeconds: 2 };

/**
 * Changes the music; `null` removes it. A prompt and a file exclude each other (Rust takes
 * exactly one): setting one drops the other.
 */
export function setMusic(p: Project, change: Partial<Music> | null): Project {
  const { music: old, ...rest } = p;
  if (change === null) return rest;
  const next: Music = { ...NEW_MUSIC, ...(old ?? {}), ...change };
  if (change.file !== undefined && change.file !== null) delete next.prompt;
  if (change.prompt !== undefined && change.prompt !== null) delete next.file;
  for (const k of ["from", "to"] as const) if (!next[k]) delete next[k];
  next.fadeSeconds = clampFade(next.fadeSeconds ?? 2);
  // Nothing chosen any more (the prompt typed away, no file, the rest as it starts): no music.
  const untouched = !next.prompt && !next.file && !next.from && !next.to && next.loop !== false && next.fadeSeconds === 2;
  return untouched ? rest : { ...rest, music: next };
}

/** A fade within Rust's range (0 to `MAX_FADE_SECONDS`, 30 s), to a tenth of a second. */
export function clampFade(s: number): number {
  return Number.isFinite(s) ? Math.round(Math.max(0, Math.min(30, s)) * 10) / 10 : 2;
}

/** The file name of a music file (the panel shows it, not the path). */
export const fileName = (path: string) => path.split(/[\\/]/).pop() ?? path;

// ---------- levels ----------

/** dB to an amplitude gain. */
export const gainOf = (db: number) => Math.pow(10, clampDb(db) / 20);

/**
 * What a lane plays at in the preview: 0 when muted, or when another lane is soloed and this
 * one is not; else its volume as a gain, at most 1 (a media element cannot amplify).
 */
export function laneGain(mix: Levels, solo: ReadonlySet<Lane>, lane: Lane): number {
  const t = mix[lane];
  if (t.mute) return 0;
  if (solo.size > 0 && !solo.has(lane)) return 0;
  return Math.min(1, gainOf(t.volumeDb));
}

/**
 * What a lane's stem plays at beside the video. The stems carry the render's mix (`rendered`),
 * so the project's mix now is applied relative to it: a lane turned down 6 dB since the render
 * plays 6 dB down, one muted or soloed away now plays at nothing. A track the render muted has
 * a silent stem, which only a render brings back. Without the render's mix the stems play as
 * they are. At most 1: a media element cannot amplify.
 */
export function previewGain(now: Levels, rendered: Levels | null, solo: ReadonlySet<Lane>, lane: Lane): number {
  if (now[lane].mute) return 0;
  if (solo.size > 0 && !solo.has(lane)) return 0;
  const db = now[lane].volumeDb - (rendered ? rendered[lane].volumeDb : now[lane].volumeDb);
  return Math.min(1, Math.pow(10, db / 20));
}

/** "−6 dB", "0 dB", "+3 dB". */
export function dbText(db: number): string {
  const v = clampDb(db);
  return v > 0 ? `+${v} dB` : v < 0 ? `\u2212${-v} dB` : "0 dB";
}

// ---------- the lines on the timeline, before a render times them ----------

/** Seconds a line takes at the natural pace (a word or less: a beat). */
export function spokenSeconds(text: string): number {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return words === 0 ? 0 : Math.max(0.4, words / WORDS_PER_SECOND);
}

/** One line or cue on a lane, in seconds from the film's start. */
export interface LaneBlock {
  lane: Lane;
  /** The scenario it belongs to (music: where it starts). */
  scene: string;
  start: number;
  end: number;
  text: string;
  /** The speaker's name (dialogue). */
  who?: string;
  /** Spoken in the clip by the video model (shown on the dialogue lane, voiced by nobody). */
  native?: boolean;
  /** It does not fit in its shot at the natural pace: cut at the shot's end. */
  overflows?: boolean;
}

/** A line starts this long into its shot, and lines of one shot are this far apart. */
const LEAD_IN = 0.3;
const GAP = 0.25;

/**
 * Where dialogue, narration and music fall on the film, estimated: each shot's lines one after
 * another from the start of its window at 2.5 words a second, its narration from there, the
 * music from its first shot's window to its last's. `windows[i]` is where scene i's lines may
 * go on the film (`lanes.shotWindows` of the cut's layout: after trims, transitions and title
 * cards the film's time is not the clips' end to end).
 */
export function laneBlocks(p: Project, windows: readonly FilmWindow[]): LaneBlock[] {
  const names = new Map(speakers(p));
  const out: LaneBlock[] = [];
  const windowOf = (i: number): FilmWindow => {
    const w = windows[i];
    const last = windows.length ? windows[windows.length - 1].end : 0;
    return w ? { start: w.start, end: Math.max(w.start, w.end) } : { start: last, end: last };
  };
  p.scenarios.forEach((s, i) => {
    const { start: t0, end } = windowOf(i);
    let cursor = t0 + LEAD_IN;
    const native = sceneMode(p, s) === "native";
    for (const l of s.dialogue ?? []) {
      const len = spokenSeconds(l.line);
      if (len === 0) continue;
      const start = Math.min(cursor, end);
      const stop = Math.min(start + len, end);
      out.push({ lane: "dialogue", scene: s.id, start, end: stop, text: l.line, who: names.get(l.speaker) ?? l.speaker, native, overflows: start + len > end + 1e-9 });
      cursor = start + len + GAP;
    }
    const narration = s.narration ?? "";
    const len = spokenSeconds(narration);
    if (len > 0) {
      const start = Math.min(t0 + LEAD_IN, end);
      out.push({ lane: "narration", scene: s.id, start, end: Math.min(start + len, end), text: narration, overflows: start + len > end + 1e-9 });
    }
  });
  const m = p.music;
  if (m && (m.prompt?.trim() || m.file) && p.scenarios.length) {
    const ids = p.scenarios.map((s) => s.id);
    const from = Math.max(0, m.from ? ids.indexOf(m.from) : 0);
    const toAt = m.to ? ids.indexOf(m.to) : ids.length - 1;
    const to = toAt < 0 ? ids.length - 1 : Math.max(from, toAt);
    out.push({ lane: "music", scene: ids[from], start: windowOf(from).start, end: windowOf(to).end, text: m.prompt?.trim() || fileName(m.file ?? "") });
  }
  return out;
}

/** Whether the project has any sound of its own to show lanes for (lines, narration, music). */
export function hasSound(p: Project): boolean {
  return Boolean(p.music) || p.scenarios.some((s) => (s.dialogue ?? []).some((l) => l.line.trim()) || (s.narration ?? "").trim());
}

// ---------- waveforms ----------

/**
 * A waveform's bars for a lane `width` pixels wide: the peaks (0..1, evenly over the film)
 * taken `bars` at a time (the loudest of each group), so a narrow lane still shows every peak.
 */
export function barsOf(peaks: readonly number[], bars: number): number[] {
  const n = Math.max(1, Math.floor(bars));
  if (peaks.length === 0) return [];
  if (peaks.length <= n) return peaks.map((v) => Math.max(0, Math.min(1, v)));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * peaks.length) / n);
    const b = Math.max(a + 1, Math.floor(((i + 1) * peaks.length) / n));
    let m = 0;
    for (let k = a; k < b; k++) m = Math.max(m, peaks[k]);
    out.push(Math.max(0, Math.min(1, m)));
  }
  return out;
}
