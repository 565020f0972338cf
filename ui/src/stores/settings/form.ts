// The Settings dialog's one store: the form as typed, its problems, the result line.
import { createStore } from "solid-js/store";
import type { FieldProblem, KeysView, ModelReport, ProviderChoice, StudioSettings } from "../../bindings";
import { priceTable, type PriceRow } from "../../forms";

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

export function createSettingsForm() {
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

  /** The settings the form says (what Save and Test connection send). */
  const settings = (): StudioSettings => ({
    prices: priceTable(state.form.prices),
    temporalAddress: state.form.temporalAddress,
    namespace: state.form.namespace,
    bundledWorker: state.form.bundledWorker,
    provider: state.form.provider,
    maxParallelSegments: Number(state.form.maxParallelSegments),
    useCache: state.form.useCache,
  });

  return {
    state,
    setState,
    settings,
    edit: <K extends keyof SettingsForm>(key: K, value: SettingsForm[K]) => setState("form", key, value),
    editPrice: <K extends keyof PriceRow>(index: number, key: K, value: string) => setState("form", "prices", index, key, value),
    addPrice: () => setState("form", "prices", (rows) => [...rows, { model: "", perImage: "0", perVideoSecond: "0" }]),
  };
}

export type SettingsFormStore = ReturnType<typeof createSettingsForm>;
