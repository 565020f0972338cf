// The Settings dialog: the form, its problems, keys (never their values), cache and model checks.
import { createStore } from "solid-js/store";
import {
  commands,
  type FieldProblem,
  type KeysUpdate,
  type KeysView,
  type ModelReport,
  type ProviderChoice,
  type StudioSettings,
} from "../bindings";
import { cacheUsageText, errorText, keysWhereText } from "../format";
import { keysUpdate, priceRows, priceTable, type PriceRow } from "../forms";
import type { StatusStore } from "./status";

/** The form as typed: numbers stay text until sent. */
export interface SettingsForm {
  temporalAddress: string;
  namespace: string;
  bundledWorker: boolean;
  provider: ProviderChoice;
  maxParallelSegments: string;
  useCache: boolean;
  prices: PriceRow[];
  /** Typed keys; empty leaves the stored key as it is. */
  geminiApiKey: string;
  vertexCredentialsFile: string;
  temporalApiKey: string;
}

export interface SettingsState {
  open: boolean;
  form: SettingsForm;
  keys: KeysView | null;
  /** Where keys are kept, or why that could not be read. */
  keysWhere: string;
  problems: FieldProblem[];
  result: string;
  cacheUsage: string;
  /** Settings → Test key; shown until a test fails. */
  report: ModelReport | null;
}

/** Where the stored Temporal API key may go (Rust sends it to that address only). */
export function temporalKeyText(k: KeysView): string {
  if (!k.temporalApiKey) return "";
  return k.temporalApiKeyAddress
    ? ` The Temporal API key is sent only to ${k.temporalApiKeyAddress}.`
    : " The Temporal API key was saved by an older studio for no address and is not sent anywhere: enter it again.";
}

export function createSettingsStore(status: StatusStore) {
  const [state, setState] = createStore<SettingsState>({
    open: false,
    form: {
      temporalAddress: "",
      namespace: "",
      bundledWorker: false,
      provider: "auto",
      maxParallelSegments: "",
      useCache: false,
      prices: [],
      geminiApiKey: "",
      vertexCredentialsFile: "",
      temporalApiKey: "",
    },
    keys: null,
    keysWhere: "",
    problems: [],
    result: "",
    cacheUsage: "Artifact cache: …",
    report: null,
  });

  const settings = (): StudioSettings => ({
    prices: priceTable(state.form.prices),
    temporalAddress: state.form.temporalAddress,
    namespace: state.form.namespace,
    bundledWorker: state.form.bundledWorker,
    provider: state.form.provider,
    maxParallelSegments: Number(state.form.maxParallelSegments),
    useCache: state.form.useCache,
  });

  async function showCacheUsage() {
    const r = await commands.cacheUsage();
    setState("cacheUsage", r.status === "ok" ? cacheUsageText(r.data) : r.error.message);
  }

  /** Where keys are kept and which are set; the key fields start empty again. */
  function showKeys(k: KeysView) {
    setState({ keys: k, keysWhere: keysWhereText(k) + temporalKeyText(k) });
    setState("form", { geminiApiKey: "", vertexCredentialsFile: k.vertexCredentialsFile ?? "", temporalApiKey: "" });
  }

  async function open() {
    const r = await commands.getSettings();
    if (r.status === "error") return status.set(errorText(r.error), "error");
    const s = r.data;
    setState("form", {
      temporalAddress: s.temporalAddress,
      namespace: s.namespace,
      bundledWorker: s.bundledWorker,
      provider: s.provider,
      maxParallelSegments: String(s.maxParallelSegments),
      useCache: s.useCache,
      prices: priceRows(s.prices),
    });
    await showCacheUsage();
    const k = await commands.getKeys();
    if (k.status === "ok") showKeys(k.data);
    else setState({ keys: null, keysWhere: k.error.message });
    setState({ result: "", problems: [], open: true });
  }

  async function save() {
    const r = await commands.saveSettings(settings());
    setState({
      problems: r.status === "error" ? r.error.problems : [],
      result: r.status === "ok" ? "Saved. Restart the studio to apply." : r.error.message,
    });
  }

  async function testConnection() {
    setState("result", "Testing…");
    const r = await commands.testConnection(settings());
    setState("result", r.status === "ok" ? r.data : `Failed: ${errorText(r.error)}`);
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

  async function clearCache() {
    const r = await commands.clearCache();
    setState("result", r.status === "ok" ? `Forgot ${r.data} cached artifact set(s); finished jobs still play.` : r.error.message);
    await showCacheUsage();
  }

  return {
    state,
    open,
    close: () => setState("open", false),
    edit: <K extends keyof SettingsForm>(key: K, value: SettingsForm[K]) => setState("form", key, value),
    editPrice: <K extends keyof PriceRow>(index: number, key: K, value: string) => setState("form", "prices", index, key, value),
    addPrice: () => setState("form", "prices", (rows) => [...rows, { model: "", perImage: "0", perVideoSecond: "0" }]),
    save,
    testConnection,
    saveTypedKeys,
    removeGeminiKey,
    testKey,
    clearCache,
  };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
