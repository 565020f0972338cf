// The project's characters: the lead (`character`) and the others (`cast`), how scenes name
// them (ids), and keeping a one-character project in the old shape (no cast, no ids). Pure.
import type { Character, Project, Scenario } from "./bindings";

export const MAX_CHARACTERS = 6;

/** "Ava Lee!" → "ava-lee"; empty names give "character". */
export function slug(name: string): string {
  const s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s || "character";
}

/** The slug of `name`, made unique among `taken` with -2, -3… */
export function uniqueId(name: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = slug(name);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Every character, lead first. */
export function characters(p: Project): Character[] {
  return [p.character, ...(p.cast ?? [])];
}

/** Adds a character; the lead and the new one get ids once there are two or more. */
export function addCharacter(p: Project, c: Character): Project {
  if (characters(p).length >= MAX_CHARACTERS) return p;
  const taken: string[] = [];
  const withId = (x: Character): Character => {
    const id = x.id && !taken.includes(x.id) ? x.id : uniqueId(x.name, taken);
    taken.push(id);
    return { ...x, id };
  };
  const lead = withId(p.character);
  const cast = (p.cast ?? []).map(withId);
  const added = withId({ ...c, id: undefined });
  return { ...p, character: lead, cast: [...cast, added] };
}

/** Drops every `cast`, id and scene cast: the shape of a one-character project. */
function oneCharacterShape(p: Project, lead: Character): Project {
  const { id: _id, ...character } = lead;
  void _id;
  const scenarios = p.scenarios.map((s): Scenario => {
    const { cast: _c, ...rest } = s;
    void _c;
    return rest;
  });
  const { cast: _cast, ...rest } = p;
  void _cast;
  return { ...rest, character, scenarios };
}

/** Removes the character at `index` (0 = the lead: the next one leads); never the last one. */
export function removeCharacter(p: Project, index: number): Project {
  const all = characters(p);
  if (all.length <= 1 || index < 0 || index >= all.length) return p;
  const gone = all[index];
  const rest = all.filter((_, i) => i !== index);
  if (rest.length === 1) return oneCharacterShape(p, rest[0]);
  const scenarios = p.scenarios.map((s) => (s.cast && gone.id ? { ...s, cast: s.cast.filter((id) => id !== gone.id) } : s));
  return { ...p, character: rest[0], cast: rest.slice(1), scenarios };
}

/** Replaces the character at `index` (0 = the lead). */
export function updateCharacter(p: Project, index: number, change: Partial<Character>): Project {
  if (index === 0) return { ...p, character: { ...p.character, ...change } };
  const cast = [...(p.cast ?? [])];
  if (!cast[index - 1]) return p;
  cast[index - 1] = { ...cast[index - 1], ...change };
  return { ...p, cast };
}

/** The ids of the characters in a scene (the lead alone when it names none). */
export function sceneCast(p: Project, s: Scenario): Character[] {
  const all = characters(p);
  if (!s.cast || s.cast.length === 0) return [p.character];
  return all.filter((c) => c.id !== undefined && s.cast?.includes(c.id));
}

/** Puts a character in a scene or takes it out; an empty cast is left out (the lead alone). */
export function toggleSceneCast(p: Project, sceneIndex: number, characterId: string, on: boolean): Project {
  const s = p.scenarios[sceneIndex];
  if (!s) return p;
  const ids = characters(p).map((c) => c.id);
  // A scene without a cast has the lead in it: start from that.
  const current = s.cast && s.cast.length ? s.cast : p.character.id ? [p.character.id] : [];
  const next = ids.filter((id): id is string => id !== undefined && (id === characterId ? on : current.includes(id)));
  const scenarios = [...p.scenarios];
  const { cast: _c, ...rest } = s;
  void _c;
  scenarios[sceneIndex] = next.length ? { ...rest, cast: next } : rest;
  return { ...p, scenarios };
}
