// Editing the project's characters (index 0 is the lead, then the cast): names, prompts, and
// characters taken from the library.
import type { Character, CharacterView } from "../../bindings";
import * as castEdit from "../../cast";
import type { StatusStore } from "../status";
import type { DocumentStore } from "./document";

const fieldOf = (index: number, name: string) => (index === 0 ? `character.${name}` : `cast[${index - 1}].${name}`);

const fromLibrary = (c: CharacterView): Character => ({ name: c.name, basePrompt: c.basePrompt, referenceImages: [], libraryId: c.id });

export function createCastEdits(doc: DocumentStore, status: StatusStore) {
  const { editWith } = doc;

  function setName(name: string, index = 0) {
    editWith((p) => castEdit.updateCharacter(p, index, { name }), `char${index}.name`, fieldOf(index, "name"));
  }

  function setBasePrompt(basePrompt: string, index = 0) {
    // An edited prompt is no longer the library character's: it is generated anew.
    editWith((p) => castEdit.updateCharacter(p, index, { basePrompt, libraryId: undefined }), `char${index}.prompt`, fieldOf(index, "basePrompt"));
  }

  function detachLibrary(index = 0) {
    editWith((p) => castEdit.updateCharacter(p, index, { libraryId: undefined }));
  }

  /** The lead becomes the library character (the Characters view's "Use in project"). */
  function useLibraryCharacter(c: CharacterView) {
    editWith((p) => castEdit.updateCharacter(p, 0, { ...fromLibrary(c), id: p.character.id }));
    status.set(`Using ${c.name} from the library`);
  }

  function addCharacter(c: Character) {
    if (castEdit.characters(doc.current()).length >= castEdit.MAX_CHARACTERS)
      return status.set(`A project has at most ${castEdit.MAX_CHARACTERS} characters`, "warn");
    editWith((p) => castEdit.addCharacter(p, c));
  }

  return {
    setName,
    setBasePrompt,
    detachLibrary,
    useLibraryCharacter,
    addLibraryCharacter: (c: CharacterView) => addCharacter(fromLibrary(c)),
    newCharacter: () => addCharacter({ name: "New character", basePrompt: "", referenceImages: [] }),
    removeCharacter: (index: number) => editWith((p) => castEdit.removeCharacter(p, index)),
  };
}
