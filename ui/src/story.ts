// A story beside its storyboard: offsets, the story cut into runs by the shots that tell them,
// the shot under a selection, and what the plan's issues point at. Pure, so Vitest covers it.
//
// Rust counts a story in Unicode scalar values (its `char`s): every `SourceSpan` is a pair of
// such offsets. JavaScript strings count UTF-16 code units, and an emoji or a character outside
// the Basic Multilingual Plane is two of them. Every offset that crosses between a span and the
// DOM (a text node's offset, `String.slice`) goes through `charToUnit` / `unitToChar`.
import type { PlanIssue, Scenario, SourceSpan, StoryFormat } from "./bindings";

// ---------- offsets ----------

/** The number of Unicode scalar values (Rust `char`s) in `text`. */
export function charLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one scalar value.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The UTF-16 index of the `chars`-th scalar value (clamped to the text). */
export function charToUnit(text: string, chars: number): number {
  let unit = 0;
  for (let n = 0; n < chars && unit < text.length; n++) {
    const c = text.charCodeAt(unit);
    const pair = c >= 0xd800 && c <= 0xdbff && unit + 1 < text.length && isLow(text.charCodeAt(unit + 1));
    unit += pair ? 2 : 1;
  }
  return unit;
}

/**
 * The scalar-value offset of UTF-16 index `unit` (clamped). An index between the two halves of
 * a surrogate pair (a browser selection can land there) counts as the start of that character.
 */
export function unitToChar(text: string, unit: number): number {
  const end = Math.max(0, Math.min(unit, text.length));
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
      if (i + 1 >= end) break; // `end` splits the pair: the character starts here
      i++;
    }
    n++;
  }
  return n;
}

const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** The words of `span` (scalar-value offsets, end exclusive) in `text`. */
export function spanText(text: string, span: SourceSpan): string {
  return text.slice(charToUnit(text, span.start), charToUnit(text, span.end));
}

// ---------- runs: the story cut by the shots that tell it ----------

/** A stretch of the story told by the same shots (none: words no shot tells). */
export interface Run {
  text: string;
  /** Scalar-value offsets into the story, end exclusive. */
  start: number;
  end: number;
  /** Ids of the shots whose `source` covers this stretch, in storyboard order. */
  shots: string[];
}

type Shot = Pick<Scenario, "id" | "source">;

/**
 * The story cut wherever a shot's words start or end, each stretch with the shots that tell
 * it. Spans outside the text are clipped; overlapping spans give a stretch with both shots.
 */
export function storyRuns(text: string, shots: Shot[]): Run[] {
  const length = charLength(text);
  const clip = (n: number) => Math.max(0, Math.min(length, n));
  const spans = shots.flatMap((s) => (s.source && s.source.end > s.source.start ? [{ id: s.id, start: clip(s.source.start), end: clip(s.source.end) }] : []));
  const cuts = [...new Set([0, length, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const runs: Run[] = [];
  let unit = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [start, end] = [cuts[i], cuts[i + 1]];
    if (end <= start) continue;
    const endUnit = unit + charToUnit(text.slice(unit), end - start);
    const covering = spans.filter((s) => s.start <= start && end <= s.end).map((s) => s.id);
    runs.push({ text: text.slice(unit, endUnit), start, end, shots: covering });
    unit = endUnit;
  }
  return runs;
}

/**
 * The shot whose words hold scalar offset `at` (a selection's start): the first in storyboard
 * order whose span covers it. A selection that starts between two shots' words (a space, a
 * blank line no shot tells) goes to the next shot's words, else to the last shot before it.
 */
export function shotAt(shots: Shot[], at: number): string | undefined {
  const spanned = shots.filter((s): s is Shot & { source: SourceSpan } => !!s.source && s.source.end > s.source.start);
  const covering = spanned.find((s) => s.source.start <= at && at < s.source.end);
  if (covering) return covering.id;
  const after = spanned.filter((s) => s.source.start > at).sort((a, b) => a.source.start - b.source.start)[0];
  if (after) return after.id;
  return spanned.filter((s) => s.source.end <= at).sort((a, b) => b.source.end - a.source.end)[0]?.id;
}

/** The shot after (`delta` 1) or before (-1) `current` in story order (↑/↓ in the story). */
export function shotBeside(shots: Shot[], current: string | null, delta: 1 | -1): string | undefined {
  const ordered = shots.filter((s) => s.source).sort((a, b) => (a.source?.start ?? 0) - (b.source?.start ?? 0));
  if (ordered.length === 0) return undefined;
  const i = ordered.findIndex((s) => s.id === current);
  if (i < 0) return (delta > 0 ? ordered[0] : ordered[ordered.length - 1]).id;
  return ordered[Math.max(0, Math.min(ordered.length - 1, i + delta))].id;
}

// ---------- the check's issues ----------

/** The words an issue is about (none for an invented name). */
export function issueSpan(issue: PlanIssue): SourceSpan | undefined {
  return "span" in issue ? issue.span : undefined;
}

/** The shot an issue concerns, if any: named by it, else the one telling its words. */
export function issueShot(issue: PlanIssue, shots: Shot[]): string | undefined {
  if ("shot" in issue && issue.shot) return issue.shot;
  const span = issueSpan(issue);
  return span ? shots.find((s) => s.source && s.source.start <= span.start && span.start < s.source.end)?.id : undefined;
}

/** What the issue says, in the window's words; `nameOf` names a character's or a shot's id. */
export function issueText(issue: PlanIssue, nameOf: (id: string) => string = (id) => id): string {
  switch (issue.kind) {
    case "uncovered":
      return "No shot tells this sentence";
    case "lineMissing":
      return issue.shot ? `This line is not spoken in ${nameOf(issue.shot)}` : "No shot speaks this line";
    case "wrongSpeaker":
      return `Spoken by ${nameOf(issue.found)} in ${nameOf(issue.shot)}; the story gives it to ${nameOf(issue.expected)}`;
    case "invented":
      return `${issue.name} is not in the story: the planner invented this ${issue.what}`;
    case "outOfOrder":
      return `The words of ${nameOf(issue.shot)} are out of story order`;
  }
}

/** The sentence or line an issue quotes. */
export function issueQuote(issue: PlanIssue, story: string): string {
  switch (issue.kind) {
    case "uncovered":
      return issue.sentence;
    case "lineMissing":
    case "wrongSpeaker":
      return issue.quote;
    case "invented":
      return issue.name;
    case "outOfOrder":
      return spanText(story, issue.span);
  }
}

// ---------- files ----------

/** The format a story file's name suggests: `.fountain` (or `.spmd`) is a screenplay. */
export function formatOf(fileName: string): StoryFormat {
  return /\.(fountain|spmd)$/i.test(fileName) ? "fountain" : "plain";
}
