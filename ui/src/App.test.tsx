// The window against mocked Rust commands: the ids, classes, data-* attributes and events that the
// end-to-end tests (e2e/*.e2e.mjs) drive, checked without a real window.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { $, type Args, mockCommands, mountApp, unmountApp, waitFor } from "./testing";
import type {
  CharacterView,
  JobDetail,
  JobView,
  Project,
  WindowPrefs,
} from "./bindings";

const PROJECT: Project = {
  version: 1,
  character: { name: "Ava", basePrompt: "a bush pilot", referenceImages: [] },
  scenarios: [
    { id: "first", prompt: "walks to the plane", durationSeconds: 4 },
    { id: "second", prompt: "climbs in", durationSeconds: 4 },
    { id: "third", prompt: "takes off", durationSeconds: 4 },
  ],
  quality: "standard",
  aspectRatio: "16:9",
};

const JOB: JobView = { id: "job-1", name: "Ava", projectPath: "/p.studio.json", startedAt: 1, status: "completed", videoPath: "/v/job-1.mp4", version: 1 };

const DETAIL: JobDetail = {
  id: "job-1",
  status: "completed",
  version: 1,
  segments: [
    { id: "first", prompt: "walks", status: "done", take: 2, takes: [{ number: 1, prompt: "walks", clipUrl: "c1" }, { number: 2, prompt: "runs", clipUrl: "c2" }] },
    { id: "second", prompt: "climbs", status: "done", take: 1, takes: [{ number: 1, prompt: "climbs", clipUrl: "c3" }] },
  ],
  versions: [{ number: 1, videoPath: "/v/job-1.mp4", takes: [2, 1], quality: "standard", cost: { usd: 0.5, unpricedModels: [] }, sceneSeconds: [] }],
  spent: { usd: 0.5, unpricedModels: [] },
  usage: [],
  timeline: [{ atMs: 0, kind: "started", title: "Render started", detail: null, durationMs: null, outcome: null, error: null }],
  webUiUrl: null,
};

const REX: CharacterView = { id: "rex", name: "Rex", basePrompt: "a retired boxer", references: [], createdAt: 1, updatedAt: 1, anglePaths: [], referencePaths: [] };

const PREFS: WindowPrefs = { editorWidth: 420, playerHeight: 360, lastView: "storyboard", lastScene: null, volume: null, muted: false, storyOpen: true, storyWidth: 360, panels: {} };


let calls: { cmd: string; args: Args }[];
let files: Record<string, string>;

const handlers: Record<string, (args: Args) => unknown> = {
  new_project: () => ({ ...PROJECT, scenarios: [] }),
  initial_project: () => "/p.studio.json",
  open_project: () => structuredClone(PROJECT),
  save_project: (a) => {
    files[String(a.path)] = JSON.stringify(a.project);
    return null;
  },
  check_project: (a) =>
    (a.project as Project).scenarios.flatMap((s, i) => (s.prompt ? [] : [{ field: `scenarios[${i}].prompt`, message: "needs a prompt" }])),
  estimate_cost: () => ({ imageModel: "i", videoModel: "offline", images: 3, videoSeconds: 12, cost: { usd: 0, unpricedModels: [] } }),
  project_cost: () => ({ usd: 0.5, unpricedModels: [] }),
  studio_status: () => ({ dataDir: "/data", artifactsDir: "/data/a" }),
  health: () => ({ connected: true, address: "127.0.0.1:7233", endpointSource: { kind: "embedded" }, embeddedServer: true, bundledWorker: true, workers: 1, backlog: 0, backlogAgeSecs: 0, error: null, warnings: [] }),
  list_jobs: () => [JOB],
  media_url: (a) => `http://127.0.0.1:9/media${String(a.path)}`,
  job_detail: () => structuredClone(DETAIL),
  list_characters: (a) => (String(a.query) === "boxer" || a.query === "" ? [REX] : []),
  list_batches: () => [],
  recent_projects: () => ["/films/dock.studio.json"],
  window_prefs: () => structuredClone(prefs),
  // Rust merges each change into the stored prefs (`update_window_prefs`).
  update_window_prefs: (a) => {
    for (const change of a.changes as Record<string, unknown>[]) prefs = { ...prefs, ...change };
    return structuredClone(prefs);
  },
};

/** The prefs as the mocked Rust stores them. */
let prefs: WindowPrefs;


describe("the studio window", () => {
  let dispose: () => void;

  beforeEach(async () => {
    calls = [];
    files = {};
    prefs = structuredClone(PREFS);
    mockCommands((cmd, args) => {
      calls.push({ cmd, args });
      return handlers[cmd]?.(args) ?? null;
    });
    await mount();
  });

  async function mount() {
    dispose = await mountApp();
  }

  afterEach(() => unmountApp(dispose));

  it("shows the project given at start, ready to render", async () => {
    const cards = [...document.querySelectorAll<HTMLLIElement>("#scenarios li")];
    expect(cards.map((li) => li.dataset.id)).toEqual(["first", "second", "third"]);
    expect(cards.map((li) => li.querySelector(".index")?.textContent)).toEqual(["1", "2", "3"]);
    expect(document.querySelectorAll("#scenarios .handle")).toHaveLength(3);
    expect($<HTMLInputElement>("#char-name")?.value).toBe("Ava");
    expect($("#project-path")?.textContent).toBe("/p.studio.json");
    expect($("#status")?.textContent).toBe("Ready · embedded Temporal · data in /data");
    await waitFor(() => $("#estimate")?.textContent?.startsWith("estimated $"));
    expect($("#estimate")?.textContent).toBe("estimated $0.00 with offline");
    expect($<HTMLButtonElement>("#render")?.disabled).toBe(false);
  });

  it("remembers the scene being edited and reopens its editor at the next start", async () => {
    $<HTMLLIElement>('#scenarios li[data-id="second"]')?.click();
    await waitFor(() => $<HTMLElement>("#scene-editor .scene-editor-body")?.dataset.id === "second");
    const saved = await waitFor(() => calls.filter((c) => c.cmd === "update_window_prefs").pop());
    // Only what the storyboard changed is sent.
    expect(saved.args.changes).toEqual([{ lastView: "scene" }, { lastScene: "second" }]);
    expect([prefs.lastView, prefs.lastScene, prefs.editorWidth]).toEqual(["scene", "second", 420]);

    dispose();
    await mount();
    await waitFor(() => $<HTMLElement>("#scene-editor .scene-editor-body")?.dataset.id === "second");
    // A scene this project does not have: its first scene's editor.
    dispose();
    prefs.lastScene = "gone";
    await mount();
    await waitFor(() => $<HTMLElement>("#scene-editor .scene-editor-body")?.dataset.id === "first");
  });

  it("keeps the player's volume when the storyboard saves the selected scene after it", async () => {
    // The player saves a new volume...
    const video = await waitFor(() => $<HTMLVideoElement>("#player"));
    video.volume = 0.25;
    video.dispatchEvent(new Event("volumechange"));
    await waitFor(() => prefs.volume === 0.25);
    // ...then the storyboard, which read the prefs at start, saves the selected scene.
    $<HTMLLIElement>('#scenarios li[data-id="second"]')?.click();
    await waitFor(() => prefs.lastScene === "second");
    expect(prefs).toMatchObject({ volume: 0.25, lastView: "scene", lastScene: "second", editorWidth: 420 });
  });

  it("marks a touched problem, blocks Render with the reason after an attempt, and autosaves", async () => {
    $<HTMLLIElement>('#scenarios li[data-id="second"]')?.click();
    const prompt = await waitFor(() => $<HTMLTextAreaElement>("#scene-editor #scene-prompt"));
    expect(prompt.value).toBe("climbs in");
    prompt.value = "";
    prompt.dispatchEvent(new Event("input", { bubbles: true }));
    await waitFor(() => prompt.classList.contains("invalid"));
    expect(prompt.dataset.field).toBe("scenarios[1].prompt");
    expect($<HTMLButtonElement>("#render")?.disabled).toBe(false);
    $<HTMLButtonElement>("#render")?.click();
    await waitFor(() => $<HTMLButtonElement>("#render")?.disabled);
    expect(calls.some((c) => c.cmd === "render")).toBe(false);
    expect($("#render-reason")?.textContent).toBe("Fix 1 problem(s): needs a prompt");
    await waitFor(() => files["/p.studio.json"]);
    expect((JSON.parse(files["/p.studio.json"]) as Project).scenarios[1].prompt).toBe("");
  });

  it("writes a pending edit when the window is closed from its title bar, and asks before losing one it could not save", async () => {
    const { emit } = await import("@tauri-apps/api/event");
    const closed = () => calls.some((c) => c.cmd === "plugin:window|destroy");
    const name = await waitFor(() => $<HTMLInputElement>("#char-name"));
    // An edit, then the window manager's close at once (before the autosave's delay): it is
    // written, then the window goes.
    name.value = "Ava Kowalski";
    name.dispatchEvent(new Event("input", { bubbles: true }));
    await emit("tauri://close-requested");
    await waitFor(closed);
    expect((JSON.parse(files["/p.studio.json"]) as Project).character.name).toBe("Ava Kowalski");

    // A save that fails: the close asks, and the creator's "no" keeps the window open.
    calls = [];
    const save = handlers.save_project;
    handlers.save_project = () => {
      throw { code: "io", message: "the disk is full", problems: [] };
    };
    try {
      name.value = "Ava K.";
      name.dispatchEvent(new Event("input", { bubbles: true }));
      await emit("tauri://close-requested");
      // The plugin's `ask` is its message dialog with Yes/No; the mock answers no.
      const asked = await waitFor(() => calls.find((c) => c.cmd === "plugin:dialog|message"));
      expect(String(asked.args.message)).toContain("could not be saved (the disk is full)");
      await new Promise((r) => setTimeout(r, 50));
      expect(closed()).toBe(false);
    } finally {
      handlers.save_project = save;
    }
  });

  it("undoes typing as one step and redoes it, with Ctrl+Z and Ctrl+Shift+Z", async () => {
    const name = $<HTMLInputElement>("#char-name");
    if (!name) throw new Error("no name");
    for (const v of ["Av", "A", "Al", "Ali"]) {
      name.value = v;
      name.dispatchEvent(new Event("input", { bubbles: true }));
    }
    expect($<HTMLButtonElement>("#undo")?.disabled).toBe(false);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "z", ctrlKey: true }));
    expect($<HTMLInputElement>("#char-name")?.value).toBe("Ava");
    expect($<HTMLButtonElement>("#undo")?.disabled).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Z", ctrlKey: true, shiftKey: true }));
    expect($<HTMLInputElement>("#char-name")?.value).toBe("Ali");
    expect($<HTMLButtonElement>("#redo")?.disabled).toBe(true);
  });

  it("adds a second character with ids, and puts it in a scene", async () => {
    $<HTMLButtonElement>("#new-character")?.click();
    await waitFor(() => document.querySelectorAll("#cast .cast-member").length === 2);
    expect([...document.querySelectorAll<HTMLLIElement>("#cast .cast-member")].map((li) => li.dataset.id)).toEqual(["ava", "new-character"]);
    $<HTMLLIElement>('#scenarios li[data-id="first"]')?.click();
    const check = await waitFor(() => $<HTMLInputElement>('#scene-editor .cast-check[data-character="new-character"]'));
    check.click();
    await waitFor(() => files["/p.studio.json"]?.includes("new-character"));
    const saved = JSON.parse(files["/p.studio.json"]) as Project;
    expect(saved.scenarios[0].cast).toEqual(["ava", "new-character"]);
    expect($<HTMLInputElement>("#scene-continue")?.disabled).toBe(true);
  });

  it("deletes a scenario and undoes it in place", async () => {
    $<HTMLButtonElement>('#scenarios li[data-id="second"] .del')?.click();
    expect([...document.querySelectorAll<HTMLLIElement>("#scenarios li")].map((li) => li.dataset.id)).toEqual(["first", "third"]);
    const undo = $<HTMLButtonElement>("#undo");
    expect(undo?.disabled).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    undo?.click();
    expect([...document.querySelectorAll<HTMLLIElement>("#scenarios li")].map((li) => li.dataset.id)).toEqual(["first", "second", "third"]);
    expect(undo?.disabled).toBe(true);
  });

  it("shows a job waiting at its budget and approves what its next step needs", async () => {
    dispose();
    const running: JobView = { ...JOB, id: "job-2", status: "running", videoPath: null };
    const progress = {
      stage: "generatingVideos",
      percentage: 55,
      currentStep: "Budget reached: $0.51 spent, next step $0.40 (a clip of second); approve more to go on",
      segments: [],
      paused: false,
      quality: "standard",
      version: 1,
      usage: [],
      budget: { approvedUsd: 0.6, spentUsd: 0.5143, inFlightUsd: 0, waitingForUsd: 0.4, waitingStep: "a clip of second" },
    };
    handlers.list_jobs = () => [running];
    handlers.watch_job = (a) => {
      (a.onProgress as { onmessage: (p: unknown) => void }).onmessage({ ...progress, index: 0 } as never);
      return new Promise(() => {});
    };
    handlers.approve_spend = (a) => 0.6 + Number(a.usd);
    try {
      await mount();
      const li = await waitFor(() => $<HTMLLIElement>('#jobs li.job[data-id="job-2"]'));
      li.querySelector<HTMLButtonElement>(".details-toggle")?.click();
      const button = await waitFor(() => li.querySelector<HTMLButtonElement>(".approve-spend"));
      expect(li.querySelector(".budget-text")?.textContent).toBe(
        "Budget reached: $0.51 spent of $0.60; next step $0.40 (a clip of second)",
      );
      expect(button.textContent).toBe("Approve $0.32 more");
      button.click();
      const call = await waitFor(() => calls.find((c) => c.cmd === "approve_spend"));
      expect(call.args).toEqual({ id: "job-2", usd: 0.32 });
    } finally {
      handlers.list_jobs = () => [JOB];
      delete handlers.watch_job;
      delete handlers.approve_spend;
    }
  });

  it("lists a finished job that previews, with its takes", async () => {
    const li = await waitFor(() => $<HTMLLIElement>('#jobs li.job[data-status="completed"]'));
    expect(li.dataset.id).toBe("job-1");
    expect(li.querySelector(".state")?.textContent).toBe("completed");
    const play = await waitFor(() => {
      const b = li.querySelector<HTMLButtonElement>(".play");
      return b && !b.hidden && b;
    });
    expect(li.querySelector<HTMLButtonElement>(".pause")?.hidden).toBe(true);
    const load = vi.spyOn(HTMLMediaElement.prototype, "load").mockImplementation(() => {});
    play.click();
    await waitFor(() => load.mock.calls.length >= 1);
    expect($("#preview")?.hidden).toBe(false);
    expect($<HTMLVideoElement>("#player")?.getAttribute("src")).toBe("http://127.0.0.1:9/media/v/job-1.mp4");

    li.querySelector<HTMLButtonElement>(".details-toggle")?.click();
    await waitFor(() => li.querySelectorAll(".take-row").length === 2);
    const details = li.querySelector<HTMLElement>(".details");
    expect(details?.hidden).toBe(false);
    expect(details?.dataset.version).toBe("1");
    expect(li.querySelector(".spent")?.textContent).toBe("Spent $0.50");
    expect(li.querySelectorAll(".version-row")).toHaveLength(1);
    expect([...li.querySelectorAll(".timeline .title")].map((e) => e.textContent)).toEqual(["Render started"]);
    const take = li.querySelector<HTMLSelectElement>('.take-row[data-scene="first"] .take');
    expect(take?.options).toHaveLength(2);
    expect(take?.value).toBe("2");
    const stitch = li.querySelector<HTMLButtonElement>(".stitch-takes");
    expect(stitch?.disabled).toBe(true);
    // The e2e sets the value and sends a change event that does not bubble.
    if (take) take.value = "1";
    take?.dispatchEvent(new Event("change"));
    expect(stitch?.disabled).toBe(false);
  });

  it("leaves the storyboard's scene statuses alone while their clock ticks", async () => {
    // The status line's clock ticks every second (for "generating 0:42"): a finished scene's
    // data-status set again each tick cost the page a 50-70 ms frame a second with 50 shots.
    await waitFor(() => $('#scenarios .scene-status[data-status="done"]'));
    const changes: string[] = [];
    const watch = new MutationObserver((rs) => changes.push(...rs.map((r) => `${(r.target as Element).className}@${r.attributeName}`)));
    watch.observe($("#scenarios") as Node, { subtree: true, attributes: true, attributeFilter: ["data-status"] });
    await new Promise((r) => setTimeout(r, 1300));
    watch.disconnect();
    expect(changes).toEqual([]);
  });

  it("searches the library on an input event that does not bubble", async () => {
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.open = true;
    };
    $<HTMLButtonElement>("#characters")?.click();
    await waitFor(() => document.querySelectorAll("#lib-grid .lib-card").length === 1);
    const card = $<HTMLLIElement>("#lib-grid .lib-card");
    expect(card?.dataset.name).toBe("Rex");
    expect(card?.dataset.hasAngles).toBe("false");
    expect(card?.querySelector<HTMLButtonElement>(".use")?.disabled).toBe(true);
    const search = $<HTMLInputElement>("#lib-search");
    if (search) search.value = "nobody";
    search?.dispatchEvent(new Event("input"));
    await waitFor(() => document.querySelectorAll("#lib-grid .lib-card").length === 0);
    expect(calls.filter((c) => c.cmd === "list_characters").at(-1)?.args.query).toBe("nobody");
  });

  it("greets a new, never-saved project with the welcome screen and no red", async () => {
    dispose();
    handlers.initial_project = () => null;
    try {
      dispose = await mountApp();
      const recent = await waitFor(() => $<HTMLButtonElement>("#recent li button"));
      expect(recent.textContent).toBe("dock.studio.json");
      expect(recent.title).toBe("/films/dock.studio.json");
      expect($("#open-example")).not.toBeNull();
      $<HTMLButtonElement>("#welcome-new")?.click();
      await waitFor(() => $("#scenarios"));
      expect($("#welcome")).toBeNull();
      const red = [...document.querySelectorAll(".field-error, .warn")].filter((e) => e.textContent?.trim());
      expect(red).toHaveLength(0);
      expect($<HTMLElement>(".side")?.style.width).toBe("420px");
    } finally {
      handlers.initial_project = () => "/p.studio.json";
    }
  });
});
