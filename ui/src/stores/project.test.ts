// The project store's file handling against mocked Rust commands, on fake timers: opening a
// project never writes it, an edit autosaves once, and a file another program changed is not
// overwritten but asked about (Reload, Overwrite, Save as…).
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { createRoot } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Project } from "../bindings";
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
/** An error `save_project` answers instead (a newer studio's file, a full disk…). */
let saveFails: { code: string; message: string } | null = null;
/** The creator's answer to a native question ("Yes" / "No"). */
let answer = "No";

const saves = () => calls.filter((c) => c.cmd === "save_project");
const asked = () => calls.filter((c) => c.cmd === "plugin:dialog|message").map((c) => c.args.message as string);
const opens = () => calls.filter((c) => c.cmd === "open_project" || c.cmd === "open_recent").map((c) => c.args.path);


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
    saveFails = null;
    answer = "No";
    mockWindows("main");
    mockIPC((cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const handlers: Record<string, () => unknown> = {
        open_project: () => structuredClone(args.path === "/other.json" ? OTHER : PROJECT),
        open_recent: () => structuredClone(OTHER),
        new_project: () => structuredClone({ ...PROJECT, character: { ...PROJECT.character, name: "" } }),
        "plugin:dialog|message": () => answer,
        check_project: () => [],
        choose_files: () => ["/copy.json"],
        save_project: () =>
          conflictOnSave
            ? Promise.reject({ code: "conflict", message: "changed by another program", problems: [] })
            : saveFails
              ? Promise.reject({ ...saveFails, problems: [] })
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
    expect(saves()[0].args).toMatchObject({ path: "/p.json", options: { kind: "inPlace", overwrite: false } });
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
    expect(saves()[1].args).toMatchObject({ path: "/p.json", options: { kind: "inPlace", overwrite: false } });
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
    expect(saves()[1].args).toMatchObject({ path: "/p.json", options: { kind: "inPlace", overwrite: true } });
    expect(s.project.state.conflict).toBeNull();
    expect(s.project.state.dirty).toBe(false);

    conflictOnSave = true;
    s.project.setName("Ava C.");
    await settle();
    conflictOnSave = false;
    await s.project.saveConflictAs();
    expect(saves()[3].args).toEqual({ path: "/copy.json", project: expect.anything(), options: { kind: "saveAs", from: "/p.json" } });
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

  it("keeps edits a refused save left unsaved: opening another project or closing asks first", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    conflictOnSave = true;
    s.project.setName("Ava B.");
    await settle();
    // The creator cancels the conflict dialog and goes on editing (autosave held back).
    s.project.dismissConflict();
    s.project.setName("Ava Bell");
    await settle();
    expect(s.project.unsaved()).toBe(true);

    // Told no: nothing is opened, the edits stay.
    await s.project.openRecent("/other.json");
    expect(await s.project.openGranted("/other.json")).toBe(false);
    expect(await s.project.leave("Close the window")).toBe(false);
    expect(asked()).toHaveLength(3);
    expect(asked()[0]).toMatch(/changed by another program.*Open another project anyway/);
    expect(opens()).toEqual(["/p.json"]);
    expect(s.project.state.project.character.name).toBe("Ava Bell");
    expect(saves()).toHaveLength(1);

    // Told yes: the other project opens.
    answer = "Yes";
    await s.project.openRecent("/other.json");
    expect(s.project.state.project.character.name).toBe("Zed");
    expect(s.project.unsaved()).toBe(false);
    s.dispose();
  });

  it("does not open another project over a pending edit its own save refused", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    s.project.setName("Ava B.");
    // The pending autosave, written before the next project opens, meets another program's change.
    conflictOnSave = true;
    expect(await s.project.openGranted("/other.json")).toBe(false);
    expect(saves()).toHaveLength(1);
    expect(s.project.state.project.character.name).toBe("Ava B.");
    expect(s.project.state.conflict).toMatchObject({ path: "/p.json", asking: true });
    // The conflict dialog asks, not a second question on top of it.
    expect(asked()).toEqual([]);
    expect(opens()).toEqual(["/p.json"]);
    s.dispose();
  });

  it("asks before dropping an edit whose save failed, when opening another project or closing", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    s.project.setName("Ava B.");
    saveFails = { code: "newerVersion", message: "written by a newer studio (version 3)" };
    await s.project.openRecent("/other.json");
    expect(saves()).toHaveLength(1);
    expect(asked()).toHaveLength(1);
    expect(asked()[0]).toMatch(/could not be saved \(written by a newer studio \(version 3\)\)/);
    expect(s.project.state.project.character.name).toBe("Ava B.");
    expect(s.project.unsaved()).toBe(true);
    // Closing asks too (nothing left pending to write: asked straight away).
    expect(await s.project.leave("Close the window")).toBe(false);
    expect(asked()).toHaveLength(2);
    expect(saves()).toHaveLength(1);

    // A later save that works clears it: leaving no longer asks.
    saveFails = null;
    s.project.setName("Ava Bell");
    await settle();
    expect(saves()).toHaveLength(2);
    expect(s.project.unsaved()).toBe(false);
    expect(await s.project.leave("Close the window")).toBe(true);
    expect(asked()).toHaveLength(2);
    s.dispose();
  });

  it("writes a pending edit before the window closes", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    s.project.setName("Ava B.");
    expect(await s.project.leave("Close the window")).toBe(true);
    expect(saves()).toHaveLength(1);
    expect((saves()[0].args.project as Project).character.name).toBe("Ava B.");
    expect(asked()).toEqual([]);
    s.dispose();
  });

  it("saves an untitled project as another file with nothing of that file's, then in place", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    await s.project.newProject();
    s.project.setName("Zoe");
    await s.project.saveAs();
    expect(saves()).toHaveLength(1);
    expect(saves()[0].args).toEqual({ path: "/copy.json", project: expect.anything(), options: { kind: "saveAs", from: null } });
    expect(s.project.state.path).toBe("/copy.json");
    expect(s.project.state.dirty).toBe(false);
    s.project.setName("Zoe B.");
    await settle();
    expect(saves()[1].args).toMatchObject({ path: "/copy.json", options: { kind: "inPlace", overwrite: false } });
    s.dispose();
  });

  it("never gives a new scene the id of a deleted one", async () => {
    const s = setup();
    await s.project.openGranted("/p.json");
    const added = s.project.addScenario();
    s.project.deleteScenes([added]);
    const again = s.project.addScenario();
    expect([added, again]).toEqual(["scene-2", "scene-3"]);
    expect(s.project.duplicateScenes([again])).toEqual(["scene-4"]);
    s.dispose();
  });
});
