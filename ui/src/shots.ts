// A shot's camera, place, props and dialogue, and the project's locations and props
// (elements): the pure edits the project store makes, so Vitest covers them.
import type { Camera, CameraMove, DialogueLine, Element, ElementKind, Project, Scenario, ShotSize } from "./bindings";
import { uniqueId } from "./cast";

/** The menus' values, in the order the menus list them (the generated types are unions). */
export const SHOT_SIZES: [ShotSize, string][] = [
  ["extreme-wide", "Extreme wide"],
  ["wide", "Wide"],
  ["medium", "Medium"],
  ["close-up", "Close-up"],
  ["extreme-close-up", "Extreme close-up"],
];

export const CAMERA_MOVES: [CameraMove, string][] = [
  ["static", "Static"],
  ["pan", "Pan"],
  ["tilt", "Tilt"],
  ["dolly-in", "Dolly in"],
  ["dolly-out", "Dolly out"],
  ["tracking", "Tracking"],
  ["crane", "Crane"],
  ["handheld", "Handheld"],
];

export const shotSizeOf = (v: string): ShotSize | undefined => SHOT_SIZES.find(([s]) => s === v)?.[0];
export const cameraMoveOf = (v: string): CameraMove | undefined => CAMERA_MOVES.find(([m]) => m === v)?.[0];

/** The camera a shot without one is framed with (Rust's defaults). */
export const DEFAULT_CAMERA: Camera = { shot: "medium", move: "static" };

/** Replaces one scene (by id) with `f` of it. */
function withScene(p: Project, id: string, f: (s: Scenario) => Scenario): Project {
  const i = p.scenarios.findIndex((s) => s.id === id);
  if (i < 0) return p;
  const scenarios = [...p.scenarios];
  scenarios[i] = f(scenarios[i]);
  return { ...p, scenarios };
}

/** `s` with `field` set, or left out when `value` is undefined (the file keeps its shape). */
function setField<K extends keyof Scenario>(s: Scenario, field: K, value: Scenario[K] | undefined): Scenario {
  const { [field]: _old, ...rest } = s;
  void _old;
  return (value === undefined ? rest : { ...rest, [field]: value }) as Scenario;
}

export function setCamera(p: Project, id: string, change: Partial<Camera>): Project {
  return withScene(p, id, (s) => ({ ...s, camera: { ...DEFAULT_CAMERA, ...s.camera, ...change } }));
}

/** The shot's location (an element id); "" removes it. */
export function setLocation(p: Project, id: string, location: string): Project {
  return withScene(p, id, (s) => setField(s, "location", location || undefined));
}

/** Puts a prop in the shot or takes it out (in the project's order of elements). */
export function toggleProp(p: Project, id: string, prop: string, on: boolean): Project {
  const order = (p.elements ?? []).map((e) => e.id);
  return withScene(p, id, (s) => {
    const now = new Set(s.props ?? []);
    if (on) now.add(prop);
    else now.delete(prop);
    const props = order.filter((x) => now.has(x));
    return setField(s, "props", props.length ? props : undefined);
  });
}

// ---------- dialogue ----------

function withDialogue(p: Project, id: string, f: (d: DialogueLine[]) => DialogueLine[]): Project {
  return withScene(p, id, (s) => {
    const d = f([...(s.dialogue ?? [])]);
    return setField(s, "dialogue", d.length ? d : undefined);
  });
}

/** The lead's id, or the one it gets when it first speaks (a one-character project has none). */
const leadId = (p: Project) => p.character.id ?? uniqueId(p.character.name, (p.cast ?? []).flatMap((c) => (c.id ? [c.id] : [])));

/** The project with the lead named by an id, so a line can name it as its speaker. */
function withLeadId(p: Project): Project {
  return p.character.id ? p : { ...p, character: { ...p.character, id: leadId(p) } };
}

/** A new line at the end, spoken by `speaker` (a character's id; see `speakers`). */
export function addLine(p: Project, id: string, speaker: string): Project {
  const q = speaker === leadId(p) ? withLeadId(p) : p;
  return withDialogue(q, id, (d) => [...d, { speaker, line: "" }]);
}

export function setLine(p: Project, id: string, index: number, change: Partial<DialogueLine>): Project {
  const q = change.speaker !== undefined && change.speaker === leadId(p) ? withLeadId(p) : p;
  return withDialogue(q, id, (d) => (d[index] ? d.map((l, i) => (i === index ? { ...l, ...change } : l)) : d));
}

export function removeLine(p: Project, id: string, index: number): Project {
  return withDialogue(p, id, (d) => d.filter((_, i) => i !== index));
}

/** Moves line `index` by `delta` places; out of range changes nothing. */
export function moveLine(p: Project, id: string, index: number, delta: number): Project {
  return withDialogue(p, id, (d) => {
    const to = index + delta;
    if (!d[index] || to < 0 || to >= d.length) return d;
    const [l] = d.splice(index, 1);
    d.splice(to, 0, l);
    return d;
  });
}

/** Who may speak, as `[id, name]`: the lead first (with the id it gets when it first speaks), then the cast. */
export function speakers(p: Project): [string, string][] {
  const lead: [string, string] = [leadId(p), p.character.name || "the lead"];
  return [lead, ...(p.cast ?? []).flatMap((c) => (c.id ? [[c.id, c.name || c.id] as [string, string]] : []))];
}

// ---------- elements: locations and props ----------

export function elementsOf(p: Project, kind: ElementKind): Element[] {
  return (p.elements ?? []).filter((e) => e.kind === kind);
}

/** A new element (named "New location" / "New prop") with an id no element has; returns its id. */
export function addElement(p: Project, kind: ElementKind): [Project, string] {
  const name = kind === "location" ? "New location" : "New prop";
  const id = uniqueId(name, (p.elements ?? []).map((e) => e.id));
  return [{ ...p, elements: [...(p.elements ?? []), { id, kind, name, prompt: "" }] }, id];
}

export function updateElement(p: Project, id: string, change: Partial<Omit<Element, "id" | "kind">>): Project {
  if (!p.elements?.some((e) => e.id === id)) return p;
  return { ...p, elements: p.elements.map((e) => (e.id === id ? { ...e, ...change } : e)) };
}

/** Removes an element, and its mentions from every shot. */
export function removeElement(p: Project, id: string): Project {
  const elements = (p.elements ?? []).filter((e) => e.id !== id);
  const scenarios = p.scenarios.map((s) => {
    const a = s.location === id ? setField(s, "location", undefined) : s;
    return a.props?.includes(id) ? setField(a, "props", a.props.filter((x) => x !== id).length ? a.props.filter((x) => x !== id) : undefined) : a;
  });
  const { elements: _e, ...rest } = p;
  void _e;
  return elements.length ? { ...rest, elements, scenarios } : { ...rest, scenarios };
}
