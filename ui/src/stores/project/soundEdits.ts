// Editing the film's sound: voices (a cast member's, the narrator's), the dialogue mode of the
// project and of a shot, a shot's narration, the music, and the mix's volume and mute per
// track. Every edit goes through the document, so it is one undo step (typing in a field or
// dragging a volume: one step per burst).
import type { DialogueMode, Music, Voice } from "../../bindings";
import * as sound from "../../sound";
import type { DocumentStore } from "./document";

export function createSoundEdits(doc: DocumentStore) {
  const { editWith } = doc;
  const sceneField = (id: string, name: string) => {
    const i = doc.state.project.scenarios.findIndex((s) => s.id === id);
    return i < 0 ? undefined : `scenarios[${i}].${name}`;
  };
  const voiceField = (index: number) => (index === 0 ? "character.voice" : `cast[${index - 1}].voice`);
  /** Typing a description is one step per burst; picking a speech voice is a step of its own. */
  const typing = (change: Partial<Voice>, key: string) => (change.description !== undefined ? key : null);

  return {
    /** A cast member's voice (0 = the lead): its description (typed) or speech voice (a menu). */
    setVoice: (index: number, change: Partial<Voice>) =>
      editWith((p) => sound.setVoice(p, index, change), typing(change, `voice${index}.description`), voiceField(index)),
    setNarrator: (change: Partial<Voice>) => editWith((p) => sound.setNarrator(p, change), typing(change, "narrator.description"), "narrator"),
    setDialogueMode: (mode: DialogueMode) => editWith((p) => sound.setDialogueMode(p, mode), null, "dialogueMode"),
    /** A shot's own dialogue mode; undefined follows the project's. */
    setSceneDialogueMode: (id: string, mode: DialogueMode | undefined) =>
      editWith((p) => sound.setSceneDialogueMode(p, id, mode), null, sceneField(id, "dialogueMode")),
    setNarration: (id: string, text: string) => editWith((p) => sound.setNarration(p, id, text), `${id}.narration`, sceneField(id, "narration")),
    /** The music (null removes it); typing its prompt is one step per burst. */
    setMusic: (change: Partial<Music> | null) =>
      editWith((p) => sound.setMusic(p, change), change && Object.keys(change).length === 1 && "prompt" in change ? "music.prompt" : null, "music"),
    /** A track's volume (a slider: one step per drag) or mute (a step of its own). */
    setTrack: (lane: sound.Lane, change: Partial<sound.Level>) =>
      editWith((p) => sound.setTrack(p, lane, change), "volumeDb" in change ? `mix.${lane}.volume` : null, `mix.${lane}`),
    setBurnCaptions: (on: boolean) => editWith((p) => sound.setBurnCaptions(p, on), null, "mix.burnCaptions"),
  };
}
