// The project store's file handling against mocked Rust commands, on fake timers: opening a
// project never writes it, an edit autosaves once, and a file another program changed is not
// overwritten but asked about (Reload, Overwrite, Save as…).
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { createRoot } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Project_Serialize as Project } from "../bindings";
import { AUTOSAVE_MS, createProjectStore } from "./project";
import { createStatusStore } from "./status";

const PROJECT: Project = {
  version: 1,
  character: { name: "Ava", basePrompt: "a pilot", referenceImages: [] },
  scenarios: [{ id: "a", prompt: "walks", durationSeconds: 4 }],
  quality: "standard",
  aspectRatio: "16:9",
};

const OTHER: Project = { ...PROJECT, character: { ...PROJECT.character, name: "Zed" } };

let calls: { cmd: string; args: Record<string, unknown> }[];
/** What `save_project` answers next: written, or another program changed the file. */
let conflictOnSave = false;

const saves = () => calls.filter((c) => c.cmd === "save_project");

function setup() {
  return createRoot((dispose) => {
    const status = createStatusStore();
    const project = createProjectStore(status);
    return { status, project, dispose };
  });
}

/** Lets the mocked IPC answer and the debounce windows pass (twice the autosave delay). */
const settle = () => vi.advanceTimersByTimeAsync(2 * AUTOSAVE_MS);

describe("the project file", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    conflictOnSave = false;
    mockWindows("main");
    mockIPC((cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const handlers: Record<string, () => unknown> = {
        open_project: () => structuredClone(args.path === "/other.json" ? OTHER : PROJECT),
        check_project: () => [],
        choose_files: () => ["/copy.json"],
        save_project: () =>
          conflictOnSave
            ? Promise.reject({ code: "conflict", message: "changed by another program", problems: [] })
            : null,
      };
      return handlers[cmd]?.() ?? null;
    });
  });

  afterEach(() => {
    clearMocks();
    vi.useRealTimers();
  });

  it("is not written when it is only opened, and once after an edit", async () => {
    const s = setup();
    // As the window opens one (studio.ts): open, then `changed()` for the check.
    expect(await s.project.openGranted("/p.json")).toBe(true);
    s.project.changed();
    await settle();
    expect(calls.map((c) => c.cmd)).toContain("check_project");
    expect(saves()).toEqual([]);
    expect(s.project.state.dirty).toBe(false);

    s.project.setName("Ava B.");
    s.project.setName("Ava Bell");
    await settle();
    expect(saves()).toHaveLength(1);
    expect(saves()[0].args).toMatchObject({ path: "/p.json", options: { from: null, overwrite: false } });
    expect((saves()[0].args.project as Project).character.name).toBe("Ava Bell");
    expect(s.project.state.dirty).toBe(false);
    // Nothing more without another edit.
    s.project.changed();
    await settle();
    expect(saves()).toHaveLength(1);
    s.dispose();
  });

  it("writes a pending edit to its own file before another project is opened", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    s.project.setName("Ava B.");
    await s.project.openGranted("/other.json");
    await settle();
    expect(saves().map((c) => [c.args.path, (c.args.project as Project).character.name])).toEqual([["/p.json", "Ava B."]]);
    expect(s.project.state.project.character.name).toBe("Zed");
    s.dispose();
  });

  it("asks instead of overwriting a file another program changed, and waits for the answer", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    conflictOnSave = true;
    s.project.setName("Ava B.");
    await settle();
    expect(saves()).toHaveLength(1);
    expect(s.project.state.conflict).toMatchObject({ path: "/p.json", asking: true });
    expect(s.project.state.dirty).toBe(true);
    // Autosave waits while the question is open, and after it is put off.
    s.project.setName("Ava Bell");
    await settle();
    s.project.dismissConflict();
    s.project.setName("Ava Bellamy");
    await settle();
    expect(saves()).toHaveLength(1);

    expect(s.project.state.conflict?.asking).toBe(false);
    // Save (Ctrl+S) checks again, and asks again: the file is still another program's.
    s.project.save();
    await settle();
    expect(saves()).toHaveLength(2);
    expect(saves()[1].args).toMatchObject({ path: "/p.json", options: { overwrite: false } });
    expect((saves()[1].args.project as Project).character.name).toBe("Ava Bellamy");
    expect(s.project.state.conflict?.asking).toBe(true);
    s.dispose();
  });

  it("resolves a conflict by overwriting, reloading or saving as another file", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    conflictOnSave = true;
    s.project.setName("Ava B.");
    await settle();
    conflictOnSave = false;
    await s.project.overwriteFile();
    expect(saves()[1].args).toMatchObject({ path: "/p.json", options: { from: null, overwrite: true } });
    expect(s.project.state.conflict).toBeNull();
    expect(s.project.state.dirty).toBe(false);

    conflictOnSave = true;
    s.project.setName("Ava C.");
    await settle();
    conflictOnSave = false;
    await s.project.saveConflictAs();
    expect(saves()[3].args).toMatchObject({ path: "/copy.json", options: { from: "/p.json", overwrite: false } });
    expect(s.project.state.path).toBe("/copy.json");
    expect(s.project.state.conflict).toBeNull();

    conflictOnSave = true;
    s.project.setName("Ava D.");
    await settle();
    const opens = calls.filter((c) => c.cmd === "open_project").length;
    await s.project.reloadFromDisk();
    expect(calls.filter((c) => c.cmd === "open_project")).toHaveLength(opens + 1);
    expect(s.project.state.project.character.name).toBe("Ava");
    expect(s.project.state.conflict).toBeNull();
    expect(s.project.state.dirty).toBe(false);
    await settle();
    expect(saves()).toHaveLength(5);
    s.dispose();
  });
});
