// Reviewing a plan before it becomes the project: which shots to take, which invented names
// to accept, which library characters to use, and what planning an edited story again would
// change. Pure, so Vitest covers it.
import type { Character, FieldProblem, LibraryMatch, PlannerUsed, Project, Scenario, ShotChange, Story } from "./bindings";
import { characters, removeCharacter } from "./cast";
import { fixContinuity } from "./scenes";
import { spanText } from "./story";

// ---------- a new plan ----------

/** The plan with only the shots `keep` names (accepting it shot by shot), in its order. */
export function keepShots(p: Project, keep: ReadonlySet<string>): Project {
  return { ...p, scenarios: fixContinuity(p.scenarios.filter((s) => keep.has(s.id))) };
}

/** What an invented id is in the plan: a character (its index, 0 the lead) or an element. */
export function inventedName(p: Project, id: string): string {
  return characters(p).find((c) => c.id === id)?.name ?? p.elements?.find((e) => e.id === id)?.name ?? id;
}

/** The creator accepts an invented name: the check no longer flags it. */
export function acceptInvented(p: Project, name: string): Project {
  const story: Story = p.story ?? { text: "", format: "plain" };
  const accepted = story.accepted ?? [];
  return accepted.includes(name) ? p : { ...p, story: { ...story, accepted: [...accepted, name] } };
}

/**
 * The creator removes an invented character or element: it leaves the project and every shot
 * that named it (cast, location, props). A line it spoke stays for the creator to reassign:
 * the check shows it.
 */
export function removeInvented(p: Project, id: string): Project {
  const index = characters(p).findIndex((c) => c.id === id);
  if (index >= 0) return removeCharacter(p, index);
  if (!p.elements?.some((e) => e.id === id)) return p;
  const elements = p.elements.filter((e) => e.id !== id);
  const scenarios = p.scenarios.map((s): Scenario => {
    const { location, props, ...rest } = s;
    const kept = props?.filter((x) => x !== id);
    return {
      ...rest,
      ...(location && location !== id ? { location } : {}),
      ...(kept && kept.length ? { props: kept } : {}),
    };
  });
  const { elements: _e, ...rest } = p;
  void _e;
  return elements.length ? { ...rest, elements, scenarios } : { ...rest, scenarios };
}

/**
 * Whether the plan's character named in `m` is the library's (its stored angles reused), as
 * the creator chose. Unused, it is the plan's own character again (generated from its prompt).
 */
export function useMatch(p: Project, m: LibraryMatch, use: boolean): Project {
  const set = (c: Character): Character => {
    if (c.id !== m.characterId && !(m.characterId === "" && c.name === m.name)) return c;
    const { libraryId: _l, ...rest } = c;
    void _l;
    return use ? { ...rest, libraryId: m.libraryId } : rest;
  };
  return { ...p, character: set(p.character), ...(p.cast ? { cast: p.cast.map(set) } : {}) };
}

/** "planned offline in 12 ms", "planned by MODEL in 3.1 s (asked twice)". */
export function plannerText(p: PlannerUsed, millis: number): string {
  const took = millis < 1000 ? `${millis} ms` : `${(millis / 1000).toFixed(1)} s`;
  if (p.kind === "offline") return `planned offline in ${took}`;
  return `planned by ${p.model} in ${took}${p.asks > 1 ? " (asked twice: its first plan missed words)" : ""}`;
}

/** A file problem of the planned project in the review's words: "Shot 3 · length: …". */
export function problemText(p: FieldProblem): string {
  const words: Record<string, string> = { durationSeconds: "length", prompt: "prompt", cast: "cast", dialogue: "dialogue", location: "location", props: "props" };
  const m = /^scenarios\[(\d+)\]\.?([A-Za-z]*)/.exec(p.field);
  if (!m) return `${p.field}: ${p.message}`;
  const what = m[2] ? `${words[m[2]] ?? m[2]}: ` : "";
  return `Shot ${Number(m[1]) + 1} · ${what}${p.message}`;
}

// ---------- planning again ----------

export type ChangeKind = ShotChange["kind"];

/** One line of the list shown before a re-plan is applied. */
export interface ChangeRow {
  kind: ChangeKind;
  id: string;
  /** "Shot 3" in the project as it would be (removed shots: as it is). */
  label: string;
  /** The words the shot tells (a removed shot: its words in the story as it was). */
  words: string;
  /** What the change says beyond its kind ("replaces scene-2, scene-3"). */
  detail: string;
}

/** The kinds in the words of the list, in the order the summary lists them. */
export const CHANGE_WORDS: Record<ChangeKind, string> = {
  kept: "kept",
  keptEdited: "kept (edited by hand)",
  replanned: "planned again",
  added: "added",
  removed: "removed",
};

/** The proposal's changes as rows: the shots as they would be, in order, then those removed. */
export function changeRows(changes: ShotChange[], before: Project, after: Project): ChangeRow[] {
  const label = (p: Project, id: string) => {
    const i = p.scenarios.findIndex((s) => s.id === id);
    return i < 0 ? id : `Shot ${i + 1}`;
  };
  const words = (p: Project, id: string) => {
    const s = p.scenarios.find((x) => x.id === id);
    return s?.source && p.story ? spanText(p.story.text, s.source).trim() : (s?.prompt ?? "");
  };
  const row = (c: ShotChange): ChangeRow => {
    const gone = c.kind === "removed";
    const p = gone ? before : after;
    const detail =
      c.kind === "replanned" && c.replaces.length
        ? `replaces ${c.replaces.map((id) => label(before, id)).join(", ")}`
        : c.kind === "keptEdited" && c.wordsChanged
          ? "its words changed; your edits are kept"
          : "";
    return { kind: c.kind, id: c.id, label: label(p, c.id), words: words(p, c.id), detail };
  };
  const order = (r: ChangeRow) => {
    const i = after.scenarios.findIndex((s) => s.id === r.id);
    return r.kind === "removed" || i < 0 ? after.scenarios.length + before.scenarios.findIndex((s) => s.id === r.id) : i;
  };
  return changes.map(row).sort((a, b) => order(a) - order(b));
}

/** "2 kept · 1 planned again · 1 added · 1 removed" (kinds with none left out). */
export function changeSummary(changes: ShotChange[]): string {
  const counts = new Map<ChangeKind, number>();
  for (const c of changes) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  const parts = (Object.keys(CHANGE_WORDS) as ChangeKind[]).filter((k) => counts.get(k)).map((k) => `${counts.get(k)} ${CHANGE_WORDS[k]}`);
  return parts.length ? parts.join(" · ") : "nothing changes";
}

/** Whether applying the proposal would change the shots at all (all kept: nothing to apply). */
export function changesAnything(changes: ShotChange[]): boolean {
  return changes.some((c) => c.kind !== "kept");
}
