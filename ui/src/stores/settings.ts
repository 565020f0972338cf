// The Settings dialog, one store made of parts by concern (in `settings/`): the form and its
// problems (`form.ts`), keys, never their values (`keys.ts`), the cache (`cache.ts`); opening
// it, saving and testing the connection (here).
import { commands } from "../bindings";
import { errorText } from "../format";
import { priceRows } from "../forms";
import { createCache } from "./settings/cache";
import { createSettingsForm } from "./settings/form";
import { createKeys } from "./settings/keys";
import type { StatusStore } from "./status";

export type { SettingsForm, SettingsState } from "./settings/form";
export { temporalKeyText } from "./settings/keys";

export function createSettingsStore(status: StatusStore) {
  const form = createSettingsForm();
  const { state, setState, settings } = form;
  const keys = createKeys(form);
  const cache = createCache(form);

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
    await cache.showCacheUsage();
    await keys.loadKeys();
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

  return {
    state,
    open,
    close: () => setState("open", false),
    edit: form.edit,
    editPrice: form.editPrice,
    addPrice: form.addPrice,
    save,
    testConnection,
    saveTypedKeys: keys.saveTypedKeys,
    removeGeminiKey: keys.removeGeminiKey,
    testKey: keys.testKey,
    clearCache: cache.clearCache,
  };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
