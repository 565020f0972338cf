// Undo/redo of project edits: snapshots before each edit, typing coalesced into one step per
// burst. Pure (no Solid), so Vitest covers it.

export interface History<T> {
  past: T[];
  future: T[];
  /** The kind of the last recorded edit (e.g. "scenarios.first.prompt") and when it was made. */
  lastKey: string | null;
  lastAt: number;
}

/** Levels kept; the oldest go first. */
export const HISTORY_LIMIT = 200;
/** Edits of the same field closer than this make one undo step (a burst of typing). */
export const COALESCE_MS = 1000;

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [], lastKey: null, lastAt: 0 };
}

/**
 * Records `before` (the state an edit is about to change). An edit with the same `key` as the
 * previous one within COALESCE_MS joins its step; `key` null never joins.
 */
export function record<T>(h: History<T>, before: T, key: string | null, now: number): History<T> {
  if (key !== null && key === h.lastKey && now - h.lastAt < COALESCE_MS) return { ...h, lastAt: now, future: [] };
  const past = [...h.past, before];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, future: [], lastKey: key, lastAt: now };
}

/** Steps back: the state to show, and the history with `current` ready for redo. */
export function undo<T>(h: History<T>, current: T): [T, History<T>] | null {
  if (h.past.length === 0) return null;
  const past = h.past.slice(0, -1);
  const prev = h.past[h.past.length - 1];
  return [prev, { past, future: [current, ...h.future], lastKey: null, lastAt: 0 }];
}

export function redo<T>(h: History<T>, current: T): [T, History<T>] | null {
  if (h.future.length === 0) return null;
  const [next, ...future] = h.future;
  return [next, { past: [...h.past, current], future, lastKey: null, lastAt: 0 }];
}

export const canUndo = <T>(h: History<T>) => h.past.length > 0;
export const canRedo = <T>(h: History<T>) => h.future.length > 0;
