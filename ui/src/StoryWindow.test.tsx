// "New from story", the story panel, the shot fields and planning again, in the window against
// mocked Rust commands: the ids and events the end-to-end test drives, without a real window.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { $, type Args, mockCommands, mountApp, unmountApp, waitFor } from "./testing";
import type { PlanOutcome, Project, ReplanOutcome } from "./bindings";
import { charToUnit } from "./story";

// Emoji and CJK before the shots' words: a selection's UTF-16 offsets differ from Rust's chars.
const STORY = '🚀🚀 Mara walks into the bar. "出发 now," Mara says. Jo nods at the door.';
const chars = Array.from(STORY);
const at = (words: string) => Array.from(STORY.slice(0, STORY.indexOf(words))).length;
const span = (words: string) => ({ start: at(words), end: at(words) + Array.from(words).length });

function planned(): Project {
  return {
    version: 1,
    character: { id: "mara", name: "Mara", basePrompt: "Mara", referenceImages: [] },
    cast: [{ id: "jo", name: "Jo", basePrompt: "Jo", referenceImages: [] }],
    scenarios: [
      { id: "shot-1", prompt: "Mara walks into the bar", durationSeconds: 4, source: { start: 0, end: at('"出发') }, camera: { shot: "wide", move: "static" }, location: "bar", planned: "f1" },
      { id: "shot-2", prompt: "Mara speaks", durationSeconds: 4, source: { start: at('"出发'), end: at("Jo nods") }, dialogue: [{ speaker: "mara", line: "出发 now," }], planned: "f2" },
      { id: "shot-3", prompt: "Jo nods", durationSeconds: 4, source: { start: at("Jo nods"), end: chars.length }, cast: ["jo"], props: ["door"], planned: "f3" },
    ],
    quality: "standard",
    aspectRatio: "16:9",
    story: { text: STORY, format: "plain" },
    elements: [
      { id: "bar", kind: "location", name: "The bar", prompt: "a bar" },
      { id: "door", kind: "prop", name: "Door", prompt: "a door" },
    ],
  };
}

const OUTCOME = (): PlanOutcome => ({
  project: planned(),
  issues: [{ kind: "invented", id: "door", name: "Door", what: "prop" }, { kind: "uncovered", span: span("Jo nods"), sentence: "Jo nods at the door." }],
  invented: ["door"],
  planner: { kind: "offline" },
  libraryMatches: [{ characterId: "jo", name: "Jo", libraryId: "lib-jo", used: true }],
  problems: [{ field: "scenarios[2].durationSeconds", message: "4 s is too short for its dialogue" }],
  cost: { usd: 0, unpricedModels: [] },
  millis: 3,
});

let calls: { cmd: string; args: Args }[];
const handlers: Record<string, (args: Args) => unknown> = {
  new_project: () => ({ version: 1, character: { name: "", basePrompt: "", referenceImages: [] }, scenarios: [], quality: "standard", aspectRatio: "16:9" }),
  initial_project: () => null,
  check_project: () => [],
  estimate_cost: () => ({ imageModel: "i", videoModel: "offline", images: 3, videoSeconds: 12, cost: { usd: 0, unpricedModels: [] } }),
  studio_status: () => ({ dataDir: "/data", artifactsDir: "/data/a" }),
  health: () => ({ connected: true, address: "x", endpointSource: { kind: "embedded" }, embeddedServer: true, bundledWorker: true, workers: 1, backlog: 0, backlogAgeSecs: 0, error: null, warnings: [] }),
  list_jobs: () => [],
  list_characters: () => [],
  list_batches: () => [],
  recent_projects: () => [],
  window_prefs: () => ({ editorWidth: 380, playerHeight: 360, lastView: "storyboard", lastScene: null, volume: null, muted: false, storyOpen: true, storyWidth: 360 }),
  update_window_prefs: () => null,
  plan_story: () => OUTCOME(),
  check_plan: (a) => ((a.project as Project).scenarios.length < 3 ? [{ kind: "uncovered", span: span("Jo nods"), sentence: "Jo nods at the door." }] : []),
  // What Rust composes (`Project::video_prompt`): the camera opens the prompt.
  video_prompt: (a) => {
    const s = (a.project as Project).scenarios.find((x) => x.id === a.sceneId);
    return `${s?.camera?.shot ?? "medium"} shot, ${s?.camera?.move ?? "static"}: ${s?.prompt}`;
  },
};

const cards = () => [...document.querySelectorAll<HTMLLIElement>("#scenarios li")].map((li) => li.dataset.id);
function type(el: HTMLInputElement | HTMLTextAreaElement | null, value: string) {
  if (!el) throw new Error("no field");
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}
function choose(el: HTMLSelectElement | null, value: string) {
  if (!el) throw new Error("no menu");
  el.value = value;
  el.dispatchEvent(new Event("change", { bubbles: true }));
}

describe("a story becoming a storyboard", () => {
  let dispose: () => void;
  beforeEach(async () => {
    calls = [];
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.open = true;
    };
    HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
      this.open = false;
    };
    Element.prototype.scrollIntoView ??= () => {};
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

  /** New from story → type → Plan → the review. */
  async function planStory() {
    $<HTMLButtonElement>("#welcome-story")?.click();
    await waitFor(() => $<HTMLDialogElement>("#story-dialog")?.open);
    type($("#story-input"), STORY);
    await waitFor(() => !$<HTMLButtonElement>("#story-plan")?.disabled);
    $<HTMLButtonElement>("#story-plan")?.click();
    await waitFor(() => document.querySelectorAll("#plan-shots li").length === 3);
  }

  it("plans, reviews (issues point at their words) and accepts shot by shot", async () => {
    await planStory();
    const request = calls.find((c) => c.cmd === "plan_story")?.args.request as { story: { text: string }; planner: string; useLibrary: boolean };
    expect([request.story.text, request.planner, request.useLibrary]).toEqual([STORY, "offline", true]);
    expect($("#plan-summary")?.textContent).toContain("3 shots");
    expect($("#plan-invented")?.textContent).toContain("Door");
    expect($("#plan-problems")?.textContent).toBe("Shot 3 · length: 4 s is too short for its dialogue");
    expect($<HTMLInputElement>('#plan-matches .use-match[data-character="jo"]')?.checked).toBe(true);
    // An uncovered sentence clicked: its words are marked in the story (no shot is told by them here).
    const issue = [...document.querySelectorAll<HTMLLIElement>("#plan-issues li")].find((li) => li.dataset.kind === "uncovered");
    issue?.querySelector("button")?.click();
    await waitFor(() => $("#plan-story .run.current"));
    expect($("#plan-story .run.current")?.textContent).toBe("Jo nods at the door.");
    expect($('#plan-shots li[data-id="shot-3"]')?.classList.contains("focused")).toBe(true);
    // Shot by shot: the third left out, the invented door removed, the library's Jo not used.
    $<HTMLInputElement>('#plan-shots li[data-id="shot-3"] .keep-shot')?.click();
    choose($<HTMLSelectElement>('#plan-invented .invented[data-id="door"] select'), "remove");
    $<HTMLInputElement>('#plan-matches .use-match[data-character="jo"]')?.click();
    expect($("#plan-accept")?.textContent).toBe("Accept 2 of 3 shots");
    $<HTMLButtonElement>("#plan-accept")?.click();
    await waitFor(() => cards().length === 2);
    expect($<HTMLDialogElement>("#story-dialog")?.open).toBe(false);
    expect(cards()).toEqual(["shot-1", "shot-2"]);
    expect($("#story-view")?.textContent).toBe(STORY);
    // The check's issue about the untold sentence shows in the panel.
    await waitFor(() => $("#story-issues li"));
    expect($("#story-issue-count")?.textContent).toBe("1 to check");
    // Undo goes back to the empty project the plan was made into.
    $<HTMLButtonElement>("#undo")?.click();
    await waitFor(() => cards().length === 0);
  });

  it("highlights a shot's words and selects the shot of words selected in the story", async () => {
    await planStory();
    $<HTMLButtonElement>("#plan-accept")?.click();
    await waitFor(() => cards().length === 3);
    $<HTMLLIElement>('#scenarios li[data-id="shot-2"]')?.click();
    await waitFor(() => $("#story-view .run.current"));
    expect($("#story-view .run.current")?.textContent).toBe('"出发 now," Mara says. ');
    // Words selected in the third shot's stretch, after the emoji: its UTF-16 offsets are
    // not Rust's chars.
    const run = [...document.querySelectorAll<HTMLElement>("#story-view .run")].find((r) => r.dataset.shots === "shot-3");
    const text = run?.firstChild;
    if (!run || !text) throw new Error("no run");
    const range = document.createRange();
    range.setStart(text, 3);
    range.setEnd(text, 7);
    window.getSelection()?.removeAllRanges();
    window.getSelection()?.addRange(range);
    $("#story-view")?.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    await waitFor(() => $<HTMLElement>("#scene-editor .scene-editor-body")?.dataset.id === "shot-3");
    // A click on the last character of the first shot's words: after the two rockets its
    // UTF-16 offset is two past its char offset, which read as chars would be shot 2's words.
    const first = $("#story-view .run")?.firstChild;
    if (!first?.textContent) throw new Error("no first run");
    const last = first.textContent.length - 1;
    expect(charToUnit(STORY, at('"出发') - 1)).toBe(last);
    range.setStart(first, last);
    range.setEnd(first, last);
    window.getSelection()?.removeAllRanges();
    window.getSelection()?.addRange(range);
    $("#story-view")?.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    await waitFor(() => $<HTMLElement>("#scene-editor .scene-editor-body")?.dataset.id === "shot-1");
    // ↓ in the story: the next shot.
    $("#story-view")?.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    await waitFor(() => $<HTMLElement>("#scene-editor .scene-editor-body")?.dataset.id === "shot-2");
  });

  it("edits the camera, place, props and dialogue with undo, and previews the exact prompt", async () => {
    await planStory();
    $<HTMLButtonElement>("#plan-accept")?.click();
    await waitFor(() => cards().length === 3);
    $<HTMLLIElement>('#scenarios li[data-id="shot-1"]')?.click();
    await waitFor(() => $("#scene-video-prompt")?.textContent === "wide shot, static: Mara walks into the bar");
    choose($<HTMLSelectElement>("#scene-shot-size"), "close-up");
    await waitFor(() => $("#scene-video-prompt")?.textContent === "close-up shot, static: Mara walks into the bar");
    expect($<HTMLSelectElement>("#scene-location")?.value).toBe("bar");
    choose($<HTMLSelectElement>("#scene-location"), "");
    $<HTMLInputElement>('#scene-props .prop-check[data-prop="door"]')?.click();
    $<HTMLButtonElement>("#scene-add-line")?.click();
    const line = await waitFor(() => $<HTMLInputElement>("#scene-dialogue .dialogue-row .line"));
    type(line, "Evening.");
    choose($<HTMLSelectElement>("#scene-dialogue .dialogue-row .speaker"), "jo");
    const edits = () => {
      const p = JSON.parse(JSON.stringify(calls.filter((c) => c.cmd === "video_prompt").at(-1)?.args.project)) as Project;
      return p.scenarios[0];
    };
    await waitFor(() => edits().dialogue?.[0]?.speaker === "jo");
    expect(edits()).toMatchObject({ camera: { shot: "close-up", move: "static" }, props: ["door"], dialogue: [{ speaker: "jo", line: "Evening." }] });
    expect("location" in edits()).toBe(false);
    // Each edit is one undo step (the typed line one for its burst): six back, the wide shot again.
    for (let i = 0; i < 5; i++) $<HTMLButtonElement>("#undo")?.click();
    expect($<HTMLSelectElement>("#scene-shot-size")?.value).toBe("close-up");
    $<HTMLButtonElement>("#undo")?.click();
    await waitFor(() => $<HTMLSelectElement>("#scene-shot-size")?.value === "wide");
    expect($<HTMLSelectElement>("#scene-location")?.value).toBe("bar");
  });

  it("plans an edited story again: shows the changes, applies them as one undo step, or cancels", async () => {
    await planStory();
    $<HTMLButtonElement>("#plan-accept")?.click();
    await waitFor(() => cards().length === 3);
    const edited = STORY.replace("Jo nods at the door.", "Jo laughs.");
    const proposal: ReplanOutcome = {
      replan: {
        project: { ...planned(), story: { text: edited, format: "plain" }, scenarios: [...planned().scenarios.slice(0, 2), { id: "shot-4", prompt: "Jo laughs", durationSeconds: 4, source: { start: at("Jo nods"), end: Array.from(edited).length } }] },
        changes: [{ kind: "kept", id: "shot-1" }, { kind: "kept", id: "shot-2" }, { kind: "replanned", id: "shot-4", replaces: ["shot-3"] }, { kind: "removed", id: "shot-3" }],
      },
      issues: [],
    };
    handlers.replan_story = () => proposal;
    try {
      $<HTMLButtonElement>("#story-edit")?.click();
      type(await waitFor(() => $<HTMLTextAreaElement>("#story-draft")), edited);
      $<HTMLButtonElement>("#story-replan")?.click();
      await waitFor(() => $<HTMLDialogElement>("#replan-dialog")?.open);
      expect((calls.find((c) => c.cmd === "replan_story")?.args.story as { text: string }).text).toBe(edited);
      expect($("#replan-summary")?.textContent).toBe("2 kept · 1 planned again · 1 removed");
      expect([...document.querySelectorAll<HTMLLIElement>("#replan-changes li")].map((li) => li.dataset.kind)).toEqual(["kept", "kept", "replanned", "removed"]);
      // Cancel: nothing applied, the edited story still in the panel's editor.
      $<HTMLButtonElement>("#replan-cancel")?.click();
      await waitFor(() => !$<HTMLDialogElement>("#replan-dialog")?.open);
      expect(cards()).toEqual(["shot-1", "shot-2", "shot-3"]);
      expect($<HTMLTextAreaElement>("#story-draft")?.value).toBe(edited);
      // Apply: the proposal is the project; Undo puts the shots back.
      $<HTMLButtonElement>("#story-replan")?.click();
      await waitFor(() => $<HTMLDialogElement>("#replan-dialog")?.open);
      $<HTMLButtonElement>("#replan-apply")?.click();
      await waitFor(() => cards().join() === "shot-1,shot-2,shot-4");
      expect($("#story-view")?.textContent).toBe(edited);
      $<HTMLButtonElement>("#undo")?.click();
      await waitFor(() => cards().join() === "shot-1,shot-2,shot-3");
      expect($("#story-view")?.textContent).toBe(STORY);
    } finally {
      delete handlers.replan_story;
    }
  });

  it("shows the images the last render generated for a location that had none", async () => {
    dispose();
    handlers.list_jobs = () => [{ id: "job-9", name: "Mara", projectPath: null, startedAt: 1, status: "completed", videoPath: "/v/9.mp4", version: 1 }];
    handlers.job_element_images = (a) => (a.id === "job-9" ? [{ id: "bar", urls: ["http://127.0.0.1:9/media/bar-wide.png", "http://127.0.0.1:9/media/bar-reverse.png"] }] : []);
    try {
      await mount();
      await planStory();
      $<HTMLButtonElement>("#plan-accept")?.click();
      await waitFor(() => cards().length === 3);
      $<HTMLButtonElement>("#elements-toggle")?.click();
      const imgs = await waitFor(() => {
        const found = [...document.querySelectorAll<HTMLImageElement>('#elements-list li[data-id="bar"] .generated img')];
        return found.length === 2 && found;
      });
      expect(imgs.map((i) => i.alt)).toEqual(["The bar, generated view 1", "The bar, generated view 2"]);
      expect($('#elements-list li[data-id="door"] .generated')).toBeNull();
      expect($('#elements-list li[data-id="door"]')?.textContent).toContain("images made at the next render");
    } finally {
      handlers.list_jobs = () => [];
      delete handlers.job_element_images;
    }
  });
});
