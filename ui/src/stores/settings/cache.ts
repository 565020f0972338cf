// The artifact cache in the Settings dialog: its usage, and forgetting it.
import { commands } from "../../bindings";
import { cacheUsageText } from "../../format";
import type { SettingsFormStore } from "./form";

export function createCache({ setState }: SettingsFormStore) {
  async function showCacheUsage() {
    const r = await commands.cacheUsage();
    setState("cacheUsage", r.status === "ok" ? cacheUsageText(r.data) : r.error.message);
  }

  async function clearCache() {
    const r = await commands.clearCache();
    setState("result", r.status === "ok" ? `Forgot ${r.data} cached artifact set(s); finished jobs still play.` : r.error.message);
    await showCacheUsage();
  }

  return { showCacheUsage, clearCache };
}
