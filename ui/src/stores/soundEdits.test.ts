// The sound edits go through the project's undo history: a burst of typing (a voice's
// description, a narration, the music prompt) or a volume drag is one step; a menu pick or a
// mute is a step of its own; undo brings the file's shape back.
import { createRoot } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Project } from "../bindings";
import { COALESCE_MS } from "../history";
import { createDocument } from "./project/document";
import { createSoundEdits } from "./project/soundEdits";

const P: Project = {
  version: 1,
  character: { name: "Ava", basePrompt: "a pilot", referenceImages: [] },
  scenarios: [{ id: "a", prompt: "walks", durationSeconds: 4 }],
  quality: "standard",
  aspectRatio: "16:9",
};

function setup() {
  return createRoot((dispose) => {
    const touched: (string | undefined)[] = [];
    const doc = createDocument((field) => touched.push(field));
    doc.load(structuredClone(P));
    return { doc, edits: createSoundEdits(doc), touched, dispose };
  });
}

/** Types `text` a character at a time, 100 ms apart. */
function typeInto(set: (v: string) => void, text: string) {
  for (let i = 1; i <= text.length; i++) {
    set(text.slice(0, i));
    vi.advanceTimersByTime(100);
  }
}

describe("sound edits and undo", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("undoes a typed voice description in one step and a picked speech voice in another", () => {
    const { doc, edits, touched, dispose } = setup();
    typeInto((v) => edits.setVoice(0, { description: v }), "warm");
    edits.setVoice(0, { speech: "Kore" });
    expect(doc.current().character.voice).toEqual({ description: "warm", speech: "Kore" });
    expect(touched).toContain("character.voice");
    doc.undo();
    expect(doc.current().character.voice).toEqual({ description: "warm" });
    doc.undo();
    expect(doc.current()).toEqual(P);
    expect(doc.canUndo()).toBe(false);
    doc.redo();
    doc.redo();
    expect(doc.current().character.voice?.speech).toBe("Kore");
    dispose();
  });

  it("makes a volume drag one step, and a mute another", () => {
    const { doc, edits, dispose } = setup();
    for (const db of [-1, -2, -4, -6]) {
      edits.setTrack("music", { volumeDb: db });
      vi.advanceTimersByTime(50);
    }
    edits.setTrack("music", { mute: true });
    expect(doc.current().mix?.music).toEqual({ volumeDb: -6, mute: true });
    doc.undo();
    expect(doc.current().mix?.music).toEqual({ volumeDb: -6 });
    doc.undo();
    expect(doc.current()).toEqual(P);
    dispose();
  });

  it("keeps narration bursts and the music prompt apart, and each burst of typing whole", () => {
    const { doc, edits, dispose } = setup();
    typeInto((v) => edits.setNarration("a", v), "Dawn");
    vi.advanceTimersByTime(COALESCE_MS + 1);
    typeInto((v) => edits.setNarration("a", v), "Dawn came");
    typeInto((v) => edits.setMusic({ prompt: v }), "harp");
    expect(doc.current().music?.prompt).toBe("harp");
    doc.undo();
    expect(doc.current().music).toBeUndefined();
    expect(doc.current().scenarios[0].narration).toBe("Dawn came");
    doc.undo();
    expect(doc.current().scenarios[0].narration).toBe("Dawn");
    doc.undo();
    expect(doc.current()).toEqual(P);
    dispose();
  });

  it("undoes the dialogue mode, a shot's own mode and the narrator", () => {
    const { doc, edits, dispose } = setup();
    edits.setDialogueMode("voiceOver");
    edits.setSceneDialogueMode("a", "native");
    edits.setNarrator({ speech: "Charon" });
    expect(doc.current()).toMatchObject({ dialogueMode: "voiceOver", narrator: { speech: "Charon" } });
    doc.undo();
    doc.undo();
    expect(doc.current().scenarios[0].dialogueMode).toBeUndefined();
    doc.undo();
    expect(doc.current()).toEqual(P);
    dispose();
  });
});
