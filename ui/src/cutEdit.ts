// Editing the cut of a project (pure, covered by Vitest): a shot's trim, the transition into
// it, where its picture sits in another frame shape; title cards and the end credits. Each
// function returns the edited copy; the project store makes each one undo step.
import type { Credits, EndFrame, Project, Reframe, Scenario, TitleCard, TitleStyle, Trim } from "./bindings";
import {
  clampTrim,
  MAX_TRANSITION_SECONDS,
  snap,
  storedTrim,
  TITLE_MAX_SECONDS,
  TITLE_MIN_SECONDS,
  type CutShot,
  type CutTitle,
  type TransitionKind,
  type TrimRange,
} from "./cut";

export type TitleStyleName = TitleStyle;
export const TITLE_STYLES: readonly TitleStyle[] = ["plain", "bold", "serif"];
export const TRANSITION_KINDS: readonly TransitionKind[] = ["cut", "crossfade", "dip-to-black"];
/** The longest title text (`MAX_TITLE_CHARS` in studio-core). */
export const MAX_TITLE_CHARS = 300;

export type TitleCardFields = TitleCard;
export type CreditsFields = Credits;
export type ReframeFields = Reframe;

const num = (x: number | null | undefined, fallback: number) => (typeof x === "number" && Number.isFinite(x) ? x : fallback);
/** A stored trim as numbers (a missing number: the clip's edge). */
export const trimRange = (t: Trim, clipSeconds: number): TrimRange => ({ in: num(t.in, 0), out: num(t.out, clipSeconds) });

/** The cut of a project for the timeline (clip lengths as planned). */
export function cutOf(p: Project): { shots: CutShot[]; titles: CutTitle[]; credits: CutTitle | null } {
  return {
    shots: p.scenarios.map((s) => ({
      id: s.id,
      clipSeconds: s.durationSeconds,
      trim: s.trim ? trimRange(s.trim, s.durationSeconds) : null,
      transition: s.transition ? { kind: s.transition.kind, seconds: num(s.transition.seconds, 0) } : null,
    })),
    titles: (p.titles ?? []).map((t) => ({ seconds: num(t.seconds, 3), before: t.before ?? null })),
    credits: p.credits ? { seconds: num(p.credits.seconds, 5) } : null,
  };
}

export const titlesOf = (p: Project): TitleCard[] => p.titles ?? [];
export const creditsOf = (p: Project): Credits | null => p.credits ?? null;
export const sceneCut = (p: Project, id: string): Scenario | undefined => p.scenarios.find((s) => s.id === id);

/** Sets a scene's optional field, or removes it (null): the file keeps no empty field. */
function setSceneField<K extends "trim" | "transition" | "reframe" | "endFrame">(p: Project, id: string, field: K, value: Scenario[K] | null): Project {
  const scenarios = p.scenarios.map((s) => {
    if (s.id !== id) return s;
    const { [field]: _old, ...rest } = s;
    void _old;
    return (value === null || value === undefined ? rest : { ...rest, [field]: value }) as Scenario;
  });
  return { ...p, scenarios };
}

/** A shot's trim, clamped and on frames; the whole clip stores none. */
export function setTrim(p: Project, id: string, trim: TrimRange | null, clipSeconds: number): Project {
  return setSceneField(p, id, "trim", trim ? storedTrim(trim, clipSeconds) : null);
}

/** The transition into a shot (a cut, or a kind with its seconds, at most MAX_TRANSITION_SECONDS and on frames). */
export function setTransition(p: Project, id: string, kind: TransitionKind, seconds: number): Project {
  if (kind === "cut") return setSceneField(p, id, "transition", null);
  const s = snap(Math.max(1 / 24, Math.min(MAX_TRANSITION_SECONDS, Number.isFinite(seconds) ? seconds : 1)));
  return setSceneField(p, id, "transition", { kind, seconds: s });
}

/** Where a shot's picture sits in another frame shape: x, y in -1..1, or the whole of it on a blurred fill. */
export function setReframe(p: Project, id: string, r: ReframeFields | null): Project {
  if (!r) return setSceneField(p, id, "reframe", null);
  const c = (v: number | null | undefined) => Math.round(Math.max(-1, Math.min(1, num(v, 0))) * 1000) / 1000;
  return setSceneField(p, id, "reframe", r.mode === "fit" ? { mode: "fit", x: 0, y: 0 } : { mode: "crop", x: c(r.x), y: c(r.y) });
}

export const clampTitleSeconds = (s: number) => Math.round(Math.max(TITLE_MIN_SECONDS, Math.min(TITLE_MAX_SECONDS, Number.isFinite(s) ? s : 3)) * 10) / 10;

function withTitles(p: Project, titles: TitleCardFields[]): Project {
  const { titles: _old, ...rest } = p;
  void _old;
  return titles.length ? { ...rest, titles } : rest;
}

/** A new title card before shot `before` (undefined: after the last); returns the project and its index. */
export function addTitle(p: Project, before: string | undefined, text = "Title"): [Project, number] {
  const titles = [...titlesOf(p), { text, seconds: 3, ...(before ? { before } : {}) }];
  return [withTitles(p, titles), titles.length - 1];
}

/** Changes a title card; a plain style and "after the last shot" are left out of the file. */
export function updateTitle(p: Project, index: number, change: Partial<TitleCardFields>): Project {
  const titles = titlesOf(p).map((t, i) => {
    if (i !== index) return t;
    const next = { ...t, ...change };
    const out: TitleCard = { text: next.text.slice(0, MAX_TITLE_CHARS), seconds: clampTitleSeconds(num(next.seconds, 3)) };
    if (next.style && next.style !== "plain") out.style = next.style;
    if (next.before) out.before = next.before;
    return out;
  });
  return withTitles(p, titles);
}

export function removeTitle(p: Project, index: number): Project {
  return withTitles(
    p,
    titlesOf(p).filter((_, i) => i !== index),
  );
}

/** The end credits on (with a length, style, heading) or off (null). */
export function setCredits(p: Project, credits: Partial<CreditsFields> | null): Project {
  const { credits: _old, ...rest } = p;
  void _old;
  if (!credits) return rest;
  const prev = creditsOf(p) ?? { seconds: 5 };
  const next = { ...prev, ...credits };
  const out: Credits = { seconds: clampTitleSeconds(num(next.seconds, 5)) };
  if (next.style && next.style !== "plain") out.style = next.style;
  if (next.heading) out.heading = next.heading.slice(0, MAX_TITLE_CHARS);
  return { ...rest, credits: out };
}

/** A trim as shown: the stored one (clamped) or the whole clip. */
export function trimOf(p: Project, id: string, clipSeconds: number): TrimRange {
  const t = sceneCut(p, id)?.trim;
  return t ? clampTrim(trimRange(t, clipSeconds), clipSeconds) : { in: 0, out: clipSeconds };
}

/** The frame a shot ends on: the next shot's first, an image (a path relative to the project's folder when inside it), or the model's own (null). */
export function setEndFrame(p: Project, id: string, end: EndFrame | null, projectPath: string | null = null): Project {
  if (end && end !== "nextShot") {
    const dir = projectPath ? projectPath.replace(/[/\\][^/\\]*$/, "") : null;
    const img = end.image;
    const rel = dir && img.startsWith(`${dir}/`) ? img.slice(dir.length + 1) : img;
    return setSceneField(p, id, "endFrame", { image: rel });
  }
  // The last shot has no next shot to end on.
  if (end === "nextShot" && p.scenarios[p.scenarios.length - 1]?.id === id) return p;
  return setSceneField(p, id, "endFrame", end);
}
