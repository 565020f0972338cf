import { describe, expect, it } from "vitest";
import type { Project } from "./bindings";
import {
  automaticVoice,
  barsOf,
  clampDb,
  dbText,
  hasSound,
  laneBlocks,
  laneGain,
  mixOf,
  previewGain,
  setDialogueMode,
  setMusic,
  setNarration,
  setNarrator,
  setSceneDialogueMode,
  setTrack,
  setVoice,
  spokenSeconds,
  type Lane,
} from "./sound";

const P: Project = {
  version: 1,
  character: { id: "ava", name: "Ava", basePrompt: "a pilot", referenceImages: [] },
  cast: [{ id: "jo", name: "Jo", basePrompt: "a mechanic", referenceImages: [] }],
  scenarios: [
    { id: "a", prompt: "walks", durationSeconds: 4 },
    { id: "b", prompt: "talks", durationSeconds: 8 },
  ],
  quality: "standard",
  aspectRatio: "16:9",
};

/** The project as the file would hold it (keys with undefined values are not written). */
const asFile = (p: Project) => JSON.parse(JSON.stringify(p)) as Project;

describe("the mix", () => {
  it("saves a muted lane and leaves the mix out once every track is back at its default", () => {
    const muted = setTrack(P, "music", { mute: true });
    expect(muted.mix).toEqual({ music: { mute: true } });
    expect(mixOf(muted).dialogue).toEqual({ volumeDb: 0, mute: false });
    const back = setTrack(muted, "music", { mute: false });
    expect("mix" in back).toBe(false);
    expect(asFile(back)).toEqual(P);
  });

  it("keeps volumes in Rust's range, to a tenth of a dB", () => {
    expect(clampDb(-100)).toBe(-60);
    expect(clampDb(40)).toBe(12);
    expect(clampDb(-6.04)).toBe(-6);
    expect(clampDb(Number.NaN)).toBe(0);
    expect(setTrack(P, "dialogue", { volumeDb: 99 }).mix).toEqual({ dialogue: { volumeDb: 12 } });
    // No change, no new object (so no undo step for a slider that did not move).
    expect(setTrack(P, "dialogue", { volumeDb: 0 })).toBe(P);
    expect(dbText(-6)).toBe("\u22126 dB");
    expect(dbText(3)).toBe("+3 dB");
  });

  it("silences muted lanes and every lane but the soloed ones, and never amplifies", () => {
    const mix = mixOf(setTrack(setTrack(P, "music", { mute: true }), "dialogue", { volumeDb: -6 }));
    const none = new Set<Lane>();
    expect(laneGain(mix, none, "music")).toBe(0);
    expect(laneGain(mix, none, "dialogue")).toBeCloseTo(0.501, 3);
    expect(laneGain(mix, none, "narration")).toBe(1);
    expect(laneGain(mix, new Set<Lane>(["narration"]), "dialogue")).toBe(0);
    expect(laneGain(mix, new Set<Lane>(["narration"]), "narration")).toBe(1);
    // Solo does not unmute.
    expect(laneGain(mix, new Set<Lane>(["music"]), "music")).toBe(0);
    expect(laneGain(mixOf(setTrack(P, "clips", { volumeDb: 6 })), none, "clips")).toBe(1);
  });
});

describe("voices", () => {
  it("sets a cast member's description and speech voice, and drops an empty voice", () => {
    const described = setVoice(P, 1, { description: "gravelly, fifties" });
    expect(described.cast?.[0].voice).toEqual({ description: "gravelly, fifties" });
    const both = setVoice(described, 1, { speech: "Puck" });
    expect(both.cast?.[0].voice).toEqual({ description: "gravelly, fifties", speech: "Puck" });
    const lead = setVoice(both, 0, { speech: "Kore" });
    expect(lead.character.voice).toEqual({ description: "", speech: "Kore" });
    const gone = setVoice(setVoice(both, 1, { speech: undefined }), 1, { description: "" });
    expect("voice" in (gone.cast?.[0] ?? {})).toBe(false);
    expect(asFile(gone)).toEqual(P);
    expect(setVoice(P, 7, { speech: "Kore" })).toBe(P);
  });

  it("gives the narrator a voice of its own", () => {
    const n = setNarrator(P, { speech: "Charon" });
    expect(n.narrator).toEqual({ description: "", speech: "Charon" });
    expect("narrator" in setNarrator(n, { speech: undefined })).toBe(false);
  });

  it("picks the automatic voice by a character's place, as Rust's default_voice does", () => {
    const voices = ["A", "B", "C"];
    expect(automaticVoice(voices, 0)).toBe("A");
    expect(automaticVoice(voices, 4)).toBe("B");
    expect(automaticVoice([], 2)).toBe("");
  });
});

describe("dialogue mode and narration", () => {
  it("leaves the defaults out of the file", () => {
    const vo = setDialogueMode(P, "voiceOver");
    expect(vo.dialogueMode).toBe("voiceOver");
    expect("dialogueMode" in setDialogueMode(vo, "native")).toBe(false);
    const shot = setSceneDialogueMode(P, "b", "native");
    expect(shot.scenarios[1].dialogueMode).toBe("native");
    expect("dialogueMode" in setSceneDialogueMode(shot, "b", undefined).scenarios[1]).toBe(false);
    const told = setNarration(P, "a", "It began at dawn.");
    expect(told.scenarios[0].narration).toBe("It began at dawn.");
    expect(asFile(setNarration(told, "a", ""))).toEqual(P);
    expect(setNarration(P, "nope", "x")).toBe(P);
  });
});

describe("music", () => {
  it("takes a prompt or a file, never both, and is gone once nothing is chosen", () => {
    const prompted = setMusic(P, { prompt: "slow piano" });
    expect(prompted.music).toEqual({ prompt: "slow piano", loop: true, fadeSeconds: 2 });
    const filed = setMusic(prompted, { file: "/music/theme.ogg" });
    expect(filed.music?.prompt).toBeUndefined();
    expect(filed.music?.file).toBe("/music/theme.ogg");
    const ranged = setMusic(filed, { from: "b", to: "b", loop: false, fadeSeconds: 99 });
    expect(ranged.music).toMatchObject({ from: "b", to: "b", loop: false, fadeSeconds: 30 });
    expect(setMusic(ranged, { from: undefined }).music?.from).toBeUndefined();
    expect("music" in setMusic(ranged, null)).toBe(false);
    // The prompt typed away, nothing else chosen: no music (the file keeps its shape).
    expect(asFile(setMusic(prompted, { prompt: "" }))).toEqual(P);
    expect(setMusic(setMusic(prompted, { loop: false }), { prompt: "" }).music).toEqual({ prompt: "", loop: false, fadeSeconds: 2 });
  });
});

describe("the lanes before a render", () => {
  it("places each shot's lines from its start at 2.5 words a second, narration and music too", () => {
    let p = setVoice(P, 0, { speech: "Kore" });
    p = {
      ...p,
      scenarios: [
        { ...p.scenarios[0], dialogue: [{ speaker: "ava", line: "We sail at dawn" }] },
        {
          ...p.scenarios[1],
          dialogue: [
            { speaker: "jo", line: "Not in this storm" },
            { speaker: "ava", line: "Then we fix it tonight and we go at first light, whatever the sea says" },
          ],
          narration: "The storm did not wait",
        },
      ],
    };
    p = setSceneDialogueMode(setDialogueMode(p, "voiceOver"), "a", "native");
    p = setMusic(p, { prompt: "strings", from: "b" });
    const blocks = laneBlocks(p, [
      { start: 0, end: 4 },
      { start: 4, end: 12 },
    ]);
    const dialogue = blocks.filter((b) => b.lane === "dialogue");
    expect(dialogue.map((b) => [b.who, b.native])).toEqual([
      ["Ava", true],
      ["Jo", false],
      ["Ava", false],
    ]);
    // "We sail at dawn": 4 words, 1.6 s, from 0.3 s.
    expect(dialogue[0].start).toBeCloseTo(0.3);
    expect(dialogue[0].end).toBeCloseTo(1.9);
    // Shot b starts at 4 s; Jo's 4 words end at 5.9 s, Ava's 15 words (6 s) from 6.15 s do not fit.
    expect(dialogue[1].start).toBeCloseTo(4.3);
    expect(dialogue[2].start).toBeCloseTo(6.15);
    expect(dialogue[2].end).toBe(12);
    expect(dialogue[2].overflows).toBe(true);
    expect(dialogue[1].overflows).toBe(false);
    const narration = blocks.filter((b) => b.lane === "narration");
    expect(narration).toHaveLength(1);
    expect(narration[0]).toMatchObject({ scene: "b", text: "The storm did not wait" });
    expect(narration[0].end - narration[0].start).toBeCloseTo(2);
    const music = blocks.filter((b) => b.lane === "music");
    expect(music).toEqual([{ lane: "music", scene: "b", start: 4, end: 12, text: "strings" }]);
    // Shots elsewhere on the film (another cut, or clips of other lengths): the blocks follow.
    expect(
      laneBlocks(p, [
        { start: 0, end: 5 },
        { start: 5, end: 15 },
      ]).find((b) => b.lane === "music")?.start,
    ).toBe(5);
    expect(hasSound(p)).toBe(true);
    expect(hasSound(P)).toBe(false);
  });

  it("times a line by its words", () => {
    expect(spokenSeconds("")).toBe(0);
    expect(spokenSeconds("  Hi ")).toBe(0.4);
    expect(spokenSeconds("one two three four five")).toBe(2);
  });
});

describe("waveforms", () => {
  it("keeps every peak when a lane is narrower than the peaks", () => {
    expect(barsOf([0, 0.9, 0.1, 0.2], 2)).toEqual([0.9, 0.2]);
    expect(barsOf([0.5, 2], 8)).toEqual([0.5, 1]);
    expect(barsOf([], 8)).toEqual([]);
    expect(barsOf([0.1, 0.2, 0.3], 0)).toEqual([0.3]);
  });
});

describe("the stems beside the video", () => {
  it("apply the mix now relative to the render's, and cannot bring back what the render muted", () => {
    const rendered = mixOf(setTrack(setTrack(P, "music", { volumeDb: -6 }), "narration", { mute: true }));
    const none = new Set<Lane>();
    // As rendered: every stem as it is.
    expect(previewGain(rendered, rendered, none, "music")).toBe(1);
    // Turned down 6 dB more since: 6 dB down; turned up past the render: as loud as the stem is.
    expect(previewGain(mixOf(setTrack(P, "music", { volumeDb: -12 })), rendered, none, "music")).toBeCloseTo(0.501, 3);
    expect(previewGain(mixOf(P), rendered, none, "music")).toBe(1);
    // Muted or soloed away now: nothing.
    expect(previewGain(mixOf(setTrack(P, "dialogue", { mute: true })), rendered, none, "dialogue")).toBe(0);
    expect(previewGain(mixOf(P), rendered, new Set<Lane>(["music"]), "dialogue")).toBe(0);
    // Without the render's mix: the stems as they are.
    expect(previewGain(mixOf(setTrack(P, "music", { volumeDb: -6 })), null, none, "music")).toBe(1);
  });
});
