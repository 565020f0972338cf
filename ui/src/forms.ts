// What the forms send and how their problems are shown: pure, so Vitest covers it.
import type {
  FieldProblem,
  KeysUpdate,
  PriceTable,
  ProviderChoice,
  Quality,
} from "./bindings";

/** The values of the typed enums the selects offer (the generated types are unions). */
export const QUALITIES: Quality[] = ["standard", "high", "4k"];
export const PROVIDERS: ProviderChoice[] = ["auto", "offline", "gemini", "vertex"];

export function qualityOf(value: string): Quality | undefined {
  return QUALITIES.find((q) => q === value);
}

export function providerOf(value: string): ProviderChoice {
  return PROVIDERS.find((p) => p === value) ?? "auto";
}

/** The messages for one editor field (`data-field`), e.g. `scenarios[2].prompt`. */
export function fieldMessages(problems: FieldProblem[], field: string): string[] {
  return problems.filter((p) => p.field === field).map((p) => p.message);
}

/** What a Settings field's error line (`data-setting`) says: its own problems and its parts'. */
export function settingProblemText(problems: FieldProblem[], key: string): string {
  return problems
    .filter((p) => p.field === key || p.field.startsWith(`${key}.`))
    .map((p) => (p.field === key ? p.message : `${p.field.slice(key.length + 1)}: ${p.message}`))
    .join("; ");
}

/** One row of the Settings price table, as typed (numbers stay text until saved). */
export interface PriceRow {
  model: string;
  perImage: string;
  perVideoSecond: string;
}

export function priceRows(table: PriceTable): PriceRow[] {
  return Object.entries(table).map(([model, p]) => ({
    model,
    perImage: String(p?.perImage ?? 0),
    perVideoSecond: String(p?.perVideoSecond ?? 0),
  }));
}

/** The price table to save: rows without a model are left out, empty prices are 0. */
export function priceTable(rows: PriceRow[]): PriceTable {
  const num = (v: string) => (v === "" ? 0 : Number(v));
  const table: PriceTable = {};
  for (const r of rows) {
    const model = r.model.trim();
    if (model) table[model] = { perImage: num(r.perImage), perVideoSecond: num(r.perVideoSecond) };
  }
  return table;
}

/** Keys typed in Settings: an empty field leaves that key as it is. */
export function keysUpdate(gemini: string, vertex: string, temporal: string): KeysUpdate {
  const value = (v: string) => (v.trim() === "" ? null : v.trim());
  return { geminiApiKey: value(gemini), vertexCredentialsFile: value(vertex), temporalApiKey: value(temporal) };
}

/** The files dropped on the window that can be reference images. */
export function droppedImages(paths: string[]): string[] {
  return paths.filter((p) => /\.(png|jpe?g|webp)$/i.test(p));
}
