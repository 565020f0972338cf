// Window preferences are saved by field: each part of the window (the storyboard's last view,
// the editor's width, the player's volume) sends only what it changed, and Rust merges it into
// the stored preferences under its lock (`update_window_prefs`). Writing back the whole
// preferences a part read at start would undo what another part saved since (a lost update).
import { commands, type WindowPrefChange, type WindowPrefs } from "../bindings";

/** The fields `change` sets, one change each (fields left undefined are not sent). */
export function prefChanges(change: Partial<WindowPrefs>): WindowPrefChange[] {
  return (Object.keys(change) as (keyof WindowPrefs)[])
    .filter((field) => change[field] !== undefined)
    .map((field) => ({ [field]: change[field] }) as WindowPrefChange);
}

/** Saves the fields `change` sets; the merged preferences, or null when nothing was saved. */
export async function savePrefChanges(change: Partial<WindowPrefs>): Promise<WindowPrefs | null> {
  const changes = prefChanges(change);
  if (changes.length === 0) return null;
  try {
    const r = await commands.updateWindowPrefs(changes);
    return r.status === "ok" ? r.data : null;
  } catch {
    // No store (an older backend): tried again on the next change.
    return null;
  }
}
