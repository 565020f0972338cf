// The keys in the Settings dialog: where they are kept and which are set (never their values),
// saving typed keys, removing the Gemini key, and testing it (the models it can use).
import { commands, type KeysUpdate, type KeysView } from "../../bindings";
import { errorText, keysWhereText } from "../../format";
import { keysUpdate } from "../../forms";
import type { SettingsFormStore } from "./form";

/** Where the stored Temporal API key may go (Rust sends it to that address only). */
export function temporalKeyText(k: KeysView): string {
  if (!k.temporalApiKey) return "";
  return k.temporalApiKeyAddress
    ? ` The Temporal API key is sent only to ${k.temporalApiKeyAddress}.`
    : " The Temporal API key was saved by an older studio for no address and is not sent anywhere: enter it again.";
}

export function createKeys({ state, setState }: SettingsFormStore) {
  /** Where keys are kept and which are set; the key fields start empty again. */
  function showKeys(k: KeysView) {
    setState({ keys: k, keysWhere: keysWhereText(k) + temporalKeyText(k) });
    setState("form", { geminiApiKey: "", vertexCredentialsFile: k.vertexCredentialsFile ?? "", temporalApiKey: "" });
  }

  /** The stored keys as the dialog opens. */
  async function loadKeys() {
    const k = await commands.getKeys();
    if (k.status === "ok") showKeys(k.data);
    else setState({ keys: null, keysWhere: k.error.message });
  }

  async function saveKeys(update: KeysUpdate) {
    const r = await commands.saveKeys(update);
    setState("problems", r.status === "error" ? r.error.problems : []);
    if (r.status === "error") return void setState("result", r.error.message);
    showKeys(r.data);
    setState("result", "Keys saved. Restart the studio to apply.");
  }

  const saveTypedKeys = () =>
    saveKeys(keysUpdate(state.form.geminiApiKey, state.form.vertexCredentialsFile, state.form.temporalApiKey));
  const removeGeminiKey = () => saveKeys({ geminiApiKey: "", vertexCredentialsFile: null, temporalApiKey: null });

  async function testKey() {
    setState("result", "Listing the models this key can use…");
    const r = await commands.testKey();
    if (r.status === "error") return void setState({ report: null, result: `Failed: ${errorText(r.error)}` });
    setState({ result: "", report: r.data });
  }

  return { loadKeys, saveTypedKeys, removeGeminiKey, testKey };
}
