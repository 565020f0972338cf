// Editing the scenes (prompts, durations, continuity, who is in them, their order) and how the
// project renders (quality, aspect ratio).
import type { AspectRatio, Quality, Scenario } from "../../bindings";
import * as castEdit from "../../cast";
import * as editor from "../../editor";
import * as scenes from "../../scenes";
import type { DocumentStore } from "./document";

export function createSceneEdits(doc: DocumentStore) {
  const { edit, editWith, snapshot, usedIds } = doc;
  const indexOf = (id: string) => doc.state.project.scenarios.findIndex((s) => s.id === id);

  /** Changes one scene; `key` groups a burst of typing, `name` is the field touched. */
  function setScenario(id: string, change: Partial<Scenario>, key: string | null, name?: string) {
    const i = indexOf(id);
    if (i < 0) return;
    editWith(
      (p) => {
        const scenarios = [...p.scenarios];
        scenarios[i] = { ...scenarios[i], ...change };
        return { ...p, scenarios: scenes.fixContinuity(scenarios) };
      },
      key === null ? null : `${id}.${key}`,
      name ? `scenarios[${i}].${name}` : undefined,
    );
  }

  /** Sets (or, with undefined, removes) an optional field of one scene. */
  function setOptional<K extends "negativePrompt" | "continueFromPrevious">(id: string, field: K, value: Scenario[K] | undefined, key: string | null, name?: string) {
    const i = indexOf(id);
    if (i < 0) return;
    editWith(
      (p) => {
        const scenarios = [...p.scenarios];
        const { [field]: _old, ...rest } = scenarios[i];
        void _old;
        scenarios[i] = (value === undefined ? rest : { ...rest, [field]: value }) as Scenario;
        return { ...p, scenarios };
      },
      key,
      name ? `scenarios[${i}].${name}` : undefined,
    );
  }

  return {
    setScenarioPrompt: (id: string, prompt: string) => setScenario(id, { prompt }, "prompt", "prompt"),
    setNegativePrompt: (id: string, negativePrompt: string) =>
      setOptional(id, "negativePrompt", negativePrompt || undefined, `${id}.negative`, "negativePrompt"),
    setScenarioDuration: (id: string, durationSeconds: editor.Duration) => setScenario(id, { durationSeconds }, null, "durationSeconds"),
    /** The first scene continues from nothing. */
    setContinue: (id: string, on: boolean) => {
      if (indexOf(id) > 0) setOptional(id, "continueFromPrevious", on ? true : undefined, null);
    },
    setSceneCast(id: string, characterId: string, on: boolean) {
      const i = indexOf(id);
      if (i >= 0) editWith((p) => castEdit.toggleSceneCast(p, i, characterId, on));
    },
    /** Adds an empty scene at the end; returns its id. */
    addScenario(): string {
      const next = editor.addScenario(snapshot(), "", usedIds);
      edit(next);
      return next.scenarios[next.scenarios.length - 1].id;
    },
    /** Copies of the scenes, after the last of them; returns the copies' ids. */
    duplicateScenes(ids: string[]): string[] {
      const [next, copies] = scenes.duplicateScenes(snapshot(), ids, usedIds);
      if (copies.length) edit(next);
      return copies;
    },
    deleteScenes: (ids: string[]) => editWith((p) => scenes.deleteScenes(p, ids)),
    moveScenario: (from: number, to: number) =>
      editWith((p) => {
        const moved = editor.moveScenario(p, from, to);
        return moved === p ? p : { ...moved, scenarios: scenes.fixContinuity(moved.scenarios) };
      }),
    moveBy: (id: string, delta: number) => editWith((p) => scenes.moveBy(p, id, delta)),
    setQuality: (quality: Quality) => editWith((p) => ({ ...p, quality })),
    setAspect: (aspectRatio: AspectRatio) => editWith((p) => ({ ...p, aspectRatio })),
  };
}
