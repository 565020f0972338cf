// The Characters view's batch against mocked Rust commands: it follows a batch over Rust's
// stream (`watch_batch`), as jobs are followed, never asking for its status on a timer.
import type { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { createRoot } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BatchView, CharacterView } from "../bindings";
import { createLibraryStore } from "./library";
import { createProjectStore } from "./project";
import { createStatusStore } from "./status";

const view = (inLibrary: number, status: BatchView["status"] = "running"): BatchView => ({ id: "characters-1", status, processed: inLibrary, total: 2, run: 1, inLibrary });

const character = (i: number): CharacterView => ({ id: `c${i}`, name: `Hero ${i}`, basePrompt: "a hero", references: [], createdAt: 1, updatedAt: 1, anglePaths: [], referencePaths: [] });

let calls: string[];
/** What the mocked Rust pushes over the batch's channel, then answers. */
let pushes: BatchView[];
/** Characters in the mocked library. */
let filed: number;

function setup() {
  return createRoot((dispose) => {
    const status = createStatusStore();
    const library = createLibraryStore({ status, project: createProjectStore(status) });
    return { library, dispose };
  });
}

describe("the Characters view's batch", () => {
  beforeEach(() => {
    calls = [];
    filed = 0;
    pushes = [view(0), view(1), view(2, "completed")];
    mockWindows("main");
    mockIPC((cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push(cmd);
      switch (cmd) {
        case "generate_characters":
          return view(0);
        case "list_characters":
          return Array.from({ length: filed }, (_, i) => character(i + 1));
        case "watch_batch":
          return (async () => {
            const channel = args.onProgress as Channel<BatchView>;
            for (const v of pushes) {
              await new Promise((r) => setTimeout(r, 5));
              filed = v.inLibrary;
              channel.onmessage(v);
            }
            return pushes[pushes.length - 1];
          })();
        default:
          return null;
      }
    });
  });

  afterEach(() => clearMocks());

  it("shows each pushed view, lists the library as characters are filed, and stops with the batch", async () => {
    const s = setup();
    expect(await s.library.generate("Hero 1, a hero\nHero 2, a hero")).toBe(true);
    expect(s.library.state.watched).toBe("characters-1");
    await vi.waitFor(() => expect(s.library.state.watched).toBe(null), { timeout: 2000, interval: 5 });
    expect(s.library.state.batch).toEqual(view(2, "completed"));
    expect(s.library.state.cards.map((c) => c.id)).toEqual(["c1", "c2"]);
    expect(calls.filter((c) => c === "watch_batch")).toHaveLength(1);
    expect(calls).not.toContain("batch_status");
    s.dispose();
  });
});
