// The studio window: compose a project, render it, watch and steer jobs, preview the result.
// All work happens in Rust behind the generated `commands`; this file only renders state.
import { Channel } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { ask } from "@tauri-apps/plugin-dialog";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import { openUrl, revealItemInDir } from "@tauri-apps/plugin-opener";
import Sortable from "sortablejs";
import {
  commands,
  type ApiError_Serialize as ApiError,
  type BatchView,
  type CharacterView_Serialize as CharacterView,
  type FieldProblem,
  type JobDetail_Serialize as JobDetail,
  type JobView_Serialize as JobView,
  type KeysUpdate,
  type KeysView,
  type ModelReport,
  type PriceTable_Deserialize as PriceTable,
  type Progress_Deserialize as ProgressIn,
  type Progress_Serialize as Progress,
  type FileChoice,
  type Project_Serialize as Project,
  type ProviderChoice,
  type Quality,
  type StudioSettings,
} from "./bindings";
import * as editor from "./editor";

/**
 * Files are picked in dialogs the Rust side opens (the backend accepts only paths chosen there,
 * so the page never names a file by itself). Empty when cancelled.
 */
async function choose(choice: FileChoice, suggestedName: string | null = null): Promise<string[]> {
  const r = await commands.chooseFiles(choice, suggestedName);
  if (r.status === "error") {
    setStatus(r.error.message, "error");
    return [];
  }
  return r.data;
}

/** The values of the typed enums the selects offer (the generated types are unions). */
const QUALITIES: Quality[] = ["standard", "high", "4k"];
const PROVIDERS: ProviderChoice[] = ["auto", "offline", "gemini", "vertex"];

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let project: Project;
let projectPath: string | null = null;
let problems: FieldProblem[] = [];
let lastDeleted: editor.Deleted | null = null;
let studioReady = false;
let autosaveTimer: number | undefined;
let checkTimer: number | undefined;
let currentVideo: string | null = null;
const watching = new Set<string>();
/** Clip URI → thumbnail URL, so the strip does not ask again on every progress update. */
const thumbCache = new Map<string, string>();

function unwrap<T>(r: { status: "ok"; data: T } | { status: "error"; error: ApiError }): T {
  if (r.status === "error") throw r.error;
  return r.data;
}

function setStatus(text: string, kind: "ok" | "warn" | "error" = "ok") {
  const s = $("status");
  s.textContent = text;
  s.dataset.kind = kind;
}

function errorText(e: unknown): string {
  return typeof e === "object" && e && "message" in e ? String((e as ApiError).message) : String(e);
}

// ---------- editor ----------

function changed(opts: { rerender?: boolean } = {}) {
  if (opts.rerender) renderEditor();
  renderSummary();
  window.clearTimeout(checkTimer);
  checkTimer = window.setTimeout(check, 150);
  if (projectPath) {
    window.clearTimeout(autosaveTimer);
    autosaveTimer = window.setTimeout(() => void saveTo(projectPath!), 800);
  }
}

async function check() {
  const r = await commands.checkProject(projectPath, project);
  problems = r.status === "ok" ? r.data : [];
  document.querySelectorAll<HTMLElement>("[data-field]").forEach((el) => {
    const field = el.dataset.field!;
    const mine = problems.filter((p) => p.field === field || (field === "scenarios" && p.field === "scenarios"));
    if (el.classList.contains("field-error")) el.textContent = mine.map((p) => p.message).join("; ");
    else el.classList.toggle("invalid", mine.length > 0);
  });
  updateRenderButton();
  void showEstimate();
}

/** The price of a render, from the configured models and the price table (Rust side). */
async function showEstimate() {
  if (!studioReady) return;
  const r = await commands.estimateCost(project);
  if (r.status !== "ok") return;
  const e = r.data;
  const unpriced = e.cost.unpricedModels.length ? ` (no price for ${e.cost.unpricedModels.join(", ")})` : "";
  $("summary").dataset.cost = String(e.cost.usd ?? 0);
  $("estimate").textContent = `estimated ${editor.usd(e.cost.usd ?? 0)} with ${e.videoModel}${unpriced}`;
}

/** What every job of the open project has cost. */
async function showProjectSpent() {
  const el = $("project-spent");
  if (!studioReady || !projectPath) return void (el.textContent = "");
  const r = await commands.projectCost(projectPath);
  if (r.status === "ok") {
    el.textContent = `Spent on this project so far: ${editor.usd(r.data.usd ?? 0)}`;
    el.dataset.usd = String(r.data.usd ?? 0);
  }
}

function updateRenderButton() {
  const reason = !studioReady
    ? "Waiting for the studio to start…"
    : problems.length
      ? `Fix ${problems.length} problem(s): ${problems.map((p) => p.message).join("; ")}`
      : "";
  ($("render") as HTMLButtonElement).disabled = reason !== "";
  $("render-reason").textContent = reason;
}

function renderSummary() {
  const t = editor.timing(project);
  const summary = $("summary");
  if (!summary.querySelector("#estimate")) summary.innerHTML = `<span id="length"></span> · <span id="estimate">estimating…</span>`;
  $("length").textContent = `${project.scenarios.length} scenario(s), ${t.seconds} s of video, about ${t.minutes} min`;
}

function renderEditor() {
  renderLibraryBadge();
  ($("char-name") as HTMLInputElement).value = project.character.name;
  ($("char-prompt") as HTMLTextAreaElement).value = project.character.basePrompt;
  ($("quality") as HTMLSelectElement).value = project.quality;
  ($("aspect") as HTMLSelectElement).value = project.aspectRatio;
  $("project-path").textContent = projectPath ?? "unsaved project";
  ($("undo") as HTMLButtonElement).disabled = lastDeleted === null;
  void renderRefs();
  const list = $("scenarios");
  list.replaceChildren(
    ...project.scenarios.map((s, i) => {
      const li = document.createElement("li");
      li.className = "card";
      li.dataset.id = s.id;
      li.tabIndex = 0;
      li.setAttribute("aria-description", "Drag the handle, or press Alt+Up/Down, to move");
      li.innerHTML = `
        <span class="handle" aria-label="Drag to reorder">⋮⋮</span>
        <span class="index">${i + 1}</span>
        <textarea class="prompt" rows="2" placeholder="What happens in this shot?" data-field="scenarios[${i}].prompt"></textarea>
        <select class="duration" data-field="scenarios[${i}].durationSeconds"><option value="4">4 s</option><option value="6">6 s</option><option value="8">8 s</option></select>
        <button class="dup small" title="Duplicate">Copy</button>
        <button class="del small" title="Delete">✕</button>
        <div class="field-error rule" data-field="scenarios[${i}].durationSeconds"></div>`;
      const prompt = li.querySelector<HTMLTextAreaElement>(".prompt")!;
      prompt.value = s.prompt;
      prompt.oninput = () => {
        project.scenarios[i] = { ...project.scenarios[i], prompt: prompt.value };
        changed();
      };
      const dur = li.querySelector<HTMLSelectElement>(".duration")!;
      dur.value = String(s.durationSeconds);
      dur.onchange = () => {
        project.scenarios[i] = { ...project.scenarios[i], durationSeconds: Number(dur.value) as editor.Duration };
        changed();
      };
      li.querySelector<HTMLButtonElement>(".dup")!.onclick = () => {
        project = editor.duplicateScenario(project, i);
        changed({ rerender: true });
      };
      li.querySelector<HTMLButtonElement>(".del")!.onclick = () => {
        [project, lastDeleted] = editor.deleteScenario(project, i);
        changed({ rerender: true });
      };
      li.onkeydown = (ev) => {
        if (!ev.altKey || (ev.key !== "ArrowUp" && ev.key !== "ArrowDown")) return;
        ev.preventDefault();
        const to = ev.key === "ArrowUp" ? i - 1 : i + 1;
        project = editor.moveScenario(project, i, to);
        changed({ rerender: true });
        (list.children[Math.max(0, Math.min(to, project.scenarios.length - 1))] as HTMLElement)?.focus();
      };
      return li;
    }),
  );
}

async function renderRefs() {
  const box = $("ref-thumbs");
  const items = await Promise.all(
    project.character.referenceImages.map(async (p, i) => {
      const fig = document.createElement("figure");
      const r = await commands.thumbnail(p);
      fig.innerHTML = r.status === "ok" ? `<img alt="reference ${i + 1}">` : `<span class="warn">unreadable</span>`;
      if (r.status === "ok") fig.querySelector("img")!.src = r.data;
      const rm = document.createElement("button");
      rm.className = "small";
      rm.textContent = "✕";
      rm.onclick = () => {
        project.character.referenceImages.splice(i, 1);
        changed({ rerender: true });
      };
      fig.append(rm);
      return fig;
    }),
  );
  box.replaceChildren(...items);
}

function bindEditor() {
  $("char-name").oninput = (e) => {
    project.character.name = (e.target as HTMLInputElement).value;
    changed();
  };
  $("char-prompt").oninput = (e) => {
    project.character.basePrompt = (e.target as HTMLTextAreaElement).value;
    // An edited prompt is no longer the library character's: it is generated anew.
    if (project.character.libraryId) {
      const { libraryId: _edited, ...rest } = project.character;
      project.character = rest;
      renderLibraryBadge();
    }
    changed();
  };
  $("quality").onchange = (e) => {
    project.quality = (e.target as HTMLSelectElement).value as Project["quality"];
    changed();
  };
  $("aspect").onchange = (e) => {
    project.aspectRatio = (e.target as HTMLSelectElement).value as Project["aspectRatio"];
    changed();
  };
  $("add-scenario").onclick = () => {
    project = editor.addScenario(project);
    changed({ rerender: true });
  };
  $("undo").onclick = () => {
    if (!lastDeleted) return;
    project = editor.undoDelete(project, lastDeleted);
    lastDeleted = null;
    changed({ rerender: true });
  };
  $("add-ref").onclick = async () => {
    const picked = await choose("referenceImages");
    if (picked.length === 0) return;
    project.character.referenceImages.push(...picked);
    changed({ rerender: true });
  };
  // Pointer-event sorting (HTML5 drag events are unreliable in WebKitGTK).
  Sortable.create($("scenarios"), {
    handle: ".handle",
    animation: 120,
    forceFallback: true,
    onEnd: (ev) => {
      if (ev.oldIndex === undefined || ev.newIndex === undefined) return;
      project = editor.moveScenario(project, ev.oldIndex, ev.newIndex);
      changed({ rerender: true });
    },
  });
  $("new").onclick = async () => {
    project = await commands.newProject();
    projectPath = null;
    lastDeleted = null;
    changed({ rerender: true });
  };
  $("open").onclick = async () => {
    const [path] = await choose("openProject");
    if (!path) return;
    try {
      project = unwrap(await commands.openProject(path));
      projectPath = path;
      changed({ rerender: true });
    } catch (e) {
      setStatus(`Cannot open ${path}: ${errorText(e)}`, "error");
    }
  };
  $("save").onclick = () => (projectPath ? void saveTo(projectPath) : void saveAs());
  $("save-as").onclick = () => void saveAs();
  $("render").onclick = () => void startRender();
}

async function saveAs() {
  const [path] = await choose("saveProject", "project.studio.json");
  if (!path) return;
  projectPath = path;
  await saveTo(path);
  renderEditor();
}

async function saveTo(path: string) {
  const r = await commands.saveProject(path, project);
  if (r.status === "error") setStatus(`Not saved: ${r.error.message}`, "error");
  else setStatus(`Saved ${path}`);
}

// ---------- jobs ----------

function jobCard(id: string, name: string): HTMLElement {
  let li = document.querySelector<HTMLElement>(`#jobs li[data-id="${CSS.escape(id)}"]`);
  if (li) return li;
  li = document.createElement("li");
  li.className = "job";
  li.dataset.id = id;
  li.innerHTML = `
    <div class="row"><strong class="name"></strong><span class="state muted"></span><span class="spacer"></span><button class="details-toggle small">Takes &amp; history</button></div>
    <progress max="100" value="0"></progress>
    <div class="step muted"></div>
    <div class="segments"></div>
    <div class="controls row">
      <button class="pause small">Pause</button>
      <button class="resume small" hidden>Resume</button>
      <button class="cancel small">Cancel</button>
      <select class="job-quality small"><option value="standard">standard</option><option value="high">high</option><option value="4k">4k</option></select>
      <input class="new-scene" placeholder="Add a scene…" />
      <button class="add small">Add</button>
      <button class="play small" hidden>Preview</button>
      <button class="web-ui small" hidden>Temporal UI</button>
    </div>
    <div class="job-error warn"></div>
    <div class="details" hidden>
      <div class="row"><span class="spent"></span><span class="spacer"></span><span class="version muted"></span></div>
      <h4>Versions</h4><ol class="versions"></ol>
      <h4>Scenarios and takes</h4><ol class="takes"></ol>
      <button class="stitch-takes small" disabled>Stitch the picked takes as a new version</button>
      <h4>Timeline</h4><ol class="timeline"></ol>
    </div>`;
  li.querySelector(".name")!.textContent = name;
  li.querySelector<HTMLButtonElement>(".details-toggle")!.onclick = () => {
    const d = li!.querySelector<HTMLElement>(".details")!;
    d.hidden = !d.hidden;
    if (!d.hidden) void loadDetail(li!, id, name);
  };
  const err = (e: unknown) => (li!.querySelector(".job-error")!.textContent = errorText(e));
  li.querySelector<HTMLButtonElement>(".pause")!.onclick = async () => {
    const r = await commands.pauseJob(id);
    if (r.status === "error") err(r.error);
  };
  li.querySelector<HTMLButtonElement>(".resume")!.onclick = async () => {
    const r = await commands.resumeJob(id);
    if (r.status === "error") err(r.error);
  };
  li.querySelector<HTMLButtonElement>(".cancel")!.onclick = async () => {
    if (!(await ask(`Cancel "${name}"? Clips already made are kept in the artifact store.`, { title: "Cancel render", kind: "warning" }))) return;
    const r = await commands.cancelJob(id);
    if (r.status === "error") err(r.error);
  };
  const q = li.querySelector<HTMLSelectElement>(".job-quality")!;
  q.onchange = async () => {
    const quality = QUALITIES.find((v) => v === q.value);
    if (!quality) return;
    const r = await commands.changeQuality(id, quality);
    if (r.status === "error") err(r.error);
    else li!.querySelector(".job-error")!.textContent = `quality ${r.data} → ${q.value}`;
  };
  li.querySelector<HTMLButtonElement>(".add")!.onclick = async () => {
    const input = li!.querySelector<HTMLInputElement>(".new-scene")!;
    const r = await commands.addSegment(id, input.value, 8);
    if (r.status === "error") err(r.error);
    else input.value = "";
  };
  $("jobs").prepend(li);
  return li;
}

function showProgress(li: HTMLElement, p: Progress) {
  li.querySelector<HTMLProgressElement>("progress")!.value = p.percentage;
  li.dataset.percentage = String(p.percentage);
  li.dataset.stage = p.stage;
  li.querySelector(".state")!.textContent = `${p.stage.replace(/_/g, " ")} · ${p.percentage}%${p.paused ? " · paused" : ""}`;
  li.querySelector(".step")!.textContent = p.currentStep;
  li.querySelector<HTMLButtonElement>(".pause")!.hidden = p.paused;
  li.querySelector<HTMLButtonElement>(".resume")!.hidden = !p.paused;
  li.querySelector<HTMLSelectElement>(".job-quality")!.value = p.quality;
  li.querySelector(".segments")!.replaceChildren(
    ...p.segments.map((s) => {
      const b = document.createElement("span");
      b.className = `seg ${s.status}`;
      b.title = `${s.id}: ${s.prompt}`;
      if (s.clipUrl) {
        const clip = s.clipUrl;
        const cached = thumbCache.get(clip);
        if (cached) b.style.backgroundImage = `url("${cached}")`;
        else
          void commands.clipThumbnail(clip).then((t) => {
            if (t.status !== "ok") return;
            thumbCache.set(clip, t.data);
            b.style.backgroundImage = `url("${t.data}")`;
          });
        b.onclick = async () => {
          const u = await commands.mediaUrl(clip);
          if (u.status === "ok") preview(u.data, null);
        };
      }
      return b;
    }),
  );
}

function finished(li: HTMLElement, status: string, videoUrl: string | null, videoPath: string | null) {
  li.dataset.status = status;
  li.querySelector(".controls")!.querySelectorAll("button:not(.play):not(.web-ui), select, input").forEach((el) => ((el as HTMLElement).hidden = true));
  li.querySelector(".state")!.textContent = status;
  if (videoUrl) {
    const play = li.querySelector<HTMLButtonElement>(".play")!;
    play.hidden = false;
    play.onclick = () => preview(videoUrl, videoPath);
  }
}

/** Fills the job's details: versions, takes per scenario (pick or regenerate), cost, timeline. */
async function loadDetail(li: HTMLElement, id: string, name: string) {
  const r = await commands.jobDetail(id);
  const err = li.querySelector(".job-error")!;
  if (r.status === "error") return void (err.textContent = r.error.message);
  renderDetail(li, id, name, r.data);
}

function renderDetail(li: HTMLElement, id: string, name: string, d: JobDetail) {
  const box = li.querySelector<HTMLElement>(".details")!;
  const err = li.querySelector(".job-error")!;
  const spent = box.querySelector<HTMLElement>(".spent")!;
  const unpriced = d.spent.unpricedModels.length ? ` (no price for ${d.spent.unpricedModels.join(", ")})` : "";
  spent.textContent = `Spent ${editor.usd(d.spent.usd ?? 0)}${unpriced}`;
  spent.dataset.usd = String(d.spent.usd ?? 0);
  box.querySelector(".version")!.textContent = `version ${d.version} · ${d.status}`;
  box.dataset.version = String(d.version);
  box.querySelector(".versions")!.replaceChildren(
    ...d.versions.map((v) => {
      const item = document.createElement("li");
      item.className = "version-row";
      item.textContent = `v${v.number} · takes ${v.takes.join(", ")} · ${v.quality} · ${editor.usd(v.cost.usd ?? 0)} `;
      if (v.videoPath) {
        const b = document.createElement("button");
        b.className = "small";
        b.textContent = "Preview";
        const path = v.videoPath;
        b.onclick = async () => {
          const u = await commands.mediaUrl(path);
          if (u.status === "ok") preview(u.data, path);
        };
        item.append(b);
      }
      return item;
    }),
  );
  const current = d.segments.map((s) => s.take ?? 0);
  const picked = [...current];
  const stitch = box.querySelector<HTMLButtonElement>(".stitch-takes")!;
  const finishedJob = d.status === "completed";
  stitch.disabled = true;
  stitch.hidden = !finishedJob;
  stitch.onclick = async () => {
    const r = await commands.pickTakes(id, picked);
    if (r.status === "error") return void (err.textContent = r.error.message);
    err.textContent = `Stitching version ${r.data.version}…`;
    void watch(id, name);
  };
  box.querySelector(".takes")!.replaceChildren(
    ...d.segments.map((s, i) => {
      const item = document.createElement("li");
      item.className = "take-row";
      item.dataset.scene = s.id;
      item.innerHTML = `<span class="scene"></span> <select class="take small"></select>
        <input class="retake-prompt" /> <button class="regenerate small">Regenerate</button>`;
      item.querySelector(".scene")!.textContent = s.id;
      const select = item.querySelector<HTMLSelectElement>(".take")!;
      const takes = s.takes ?? [];
      select.replaceChildren(
        ...takes.map((t) => {
          const o = document.createElement("option");
          o.value = String(t.number);
          o.textContent = `take ${t.number}: ${t.prompt.slice(0, 40)}`;
          return o;
        }),
      );
      select.value = String(s.take ?? 0);
      select.disabled = !finishedJob || takes.length < 2;
      select.onchange = () => {
        picked[i] = Number(select.value);
        stitch.disabled = !editor.takesChanged(current, picked);
      };
      const prompt = item.querySelector<HTMLInputElement>(".retake-prompt")!;
      prompt.value = s.prompt;
      prompt.title = "Edit the prompt for the new take, or keep it for another take of the same shot";
      item.querySelector<HTMLButtonElement>(".regenerate")!.onclick = async () => {
        const text = prompt.value.trim();
        const r = await commands.regenerateSegment(id, s.id, text === s.prompt ? null : text);
        if (r.status === "error") return void (err.textContent = r.error.message);
        err.textContent = `Take ${r.data.take} of ${s.id} for version ${r.data.version}`;
        void watch(id, name);
      };
      return item;
    }),
  );
  box.querySelector(".timeline")!.replaceChildren(
    ...d.timeline.map((e) => {
      const item = document.createElement("li");
      item.className = `tl ${e.kind}`;
      const dur = e.durationMs != null ? ` (${(e.durationMs / 1000).toFixed(1)} s)` : "";
      const outcome = e.outcome && e.outcome !== "completed" ? ` · ${e.outcome}` : "";
      item.innerHTML = `<span class="at muted"></span> <span class="title"></span><div class="detail muted"></div><div class="warn"></div>`;
      item.querySelector(".at")!.textContent = `+${(e.atMs / 1000).toFixed(1)} s`;
      item.querySelector(".title")!.textContent = `${e.title}${dur}${outcome}`;
      item.querySelector(".detail")!.textContent = e.detail ?? "";
      item.querySelector(".warn")!.textContent = e.error ?? "";
      return item;
    }),
  );
}

function preview(url: string, path: string | null) {
  $("preview").hidden = false;
  const player = $("player") as HTMLVideoElement;
  player.src = url;
  player.load();
  currentVideo = path;
}

async function watch(id: string, name: string) {
  if (watching.has(id)) return;
  watching.add(id);
  const li = jobCard(id, name);
  // Running again (a new version): steering controls come back.
  li.dataset.status = "running";
  li.querySelectorAll<HTMLElement>(".controls > *").forEach((el) => {
    el.hidden = el.matches(".play, .web-ui, .resume");
  });
  // Rust sends the serialized shape (all fields present).
  const channel = new Channel<Progress>();
  channel.onmessage = (p) => showProgress(li, p);
  const r = await commands.watchJob(id, channel as Channel<ProgressIn>);
  watching.delete(id);
  if (r.status === "ok") {
    const webUi = r.data.webUiUrl;
    if (webUi) {
      const b = li.querySelector<HTMLButtonElement>(".web-ui")!;
      b.onclick = () => void openUrl(webUi);
      b.hidden = false;
    }
    setStatus(`Finished ${name}: ${r.data.videoPath ?? "video ready"}`);
    void notify(`${name} is ready`, r.data.videoPath ?? "Your video has finished rendering.");
    finished(li, "completed", r.data.videoUrl, r.data.videoPath);
    if (r.data.videoUrl) preview(r.data.videoUrl, r.data.videoPath);
    if (!li.querySelector<HTMLElement>(".details")!.hidden) void loadDetail(li, id, name);
    void showProjectSpent();
  } else {
    finished(li, r.error.code === "jobCancelled" ? "canceled" : "failed", null, null);
    setStatus(`${name}: ${r.error.message}`, r.error.code === "jobCancelled" ? "warn" : "error");
    if (r.error.code !== "jobCancelled") void notify(`${name} failed`, r.error.message);
    li.querySelector(".job-error")!.textContent = r.error.message;
  }
}

async function startRender() {
  ($("render") as HTMLButtonElement).disabled = true;
  try {
    const job = unwrap(await commands.render(project, projectPath));
    setStatus(`Rendering ${job.id}`);
    void watch(job.id, job.name);
  } catch (e) {
    setStatus(`Cannot render: ${errorText(e)}`, "error");
  } finally {
    updateRenderButton();
  }
}

async function loadJobs() {
  const r = await commands.listJobs();
  if (r.status === "error") return setStatus(r.error.message, "error");
  for (const j of [...r.data].reverse()) showJob(j);
}

async function showJob(j: JobView) {
  if (j.status === "running") return void watch(j.id, j.name);
  const li = jobCard(j.id, j.name);
  let url: string | null = null;
  if (j.videoPath) {
    const u = await commands.mediaUrl(j.videoPath);
    if (u.status === "ok") url = u.data;
  }
  finished(li, j.status, url, j.videoPath);
}

async function notify(title: string, body: string) {
  try {
    if (!(await isPermissionGranted()) && (await requestPermission()) !== "granted") return;
    sendNotification({ title, body });
  } catch {
    // No notification service (e.g. a bare X server): the status bar already says it.
  }
}

// ---------- characters ----------

/** The batch being watched (at most one at a time in the view). */
let watchedBatch: string | null = null;
let batchTimer: number | undefined;
let lastDeletedCharacter: { id: string; name: string } | null = null;

async function mediaUrlOf(path: string): Promise<string | null> {
  const r = await commands.mediaUrl(path);
  return r.status === "ok" ? r.data : null;
}

function libStatus(text: string, kind: "ok" | "error" = "ok") {
  const el = $("lib-status");
  el.textContent = text;
  el.className = kind === "error" ? "warn" : "muted";
}

async function renderLibrary() {
  const q = ($("lib-search") as HTMLInputElement).value;
  const r = await commands.listCharacters(q);
  if (r.status === "error") return libStatus(r.error.message, "error");
  const grid = $("lib-grid");
  grid.dataset.count = String(r.data.length);
  const cards = await Promise.all(r.data.map(characterCard));
  grid.replaceChildren(...cards);
}

async function characterCard(c: CharacterView): Promise<HTMLElement> {
  const li = document.createElement("li");
  li.className = "lib-card";
  li.dataset.id = c.id;
  li.dataset.name = c.name;
  const front = c.anglePaths[0];
  const url = front ? await mediaUrlOf(front) : null;
  li.innerHTML = `
    ${url ? `<img alt="front view">` : `<div class="no-angles">${watchedBatch ? "generating…" : "no angles yet"}</div>`}
    <input class="lib-name" />
    <textarea class="lib-prompt" rows="2" title="Editing the prompt drops the angles made from the old one: regenerate them"></textarea>
    <div class="muted small-text lib-model"></div>
    <div class="row">
      <button type="button" class="use small">Use in project</button>
      <button type="button" class="dup small">Duplicate</button>
      <button type="button" class="regen small">Regenerate angles</button>
      <button type="button" class="exp small">Export…</button>
      <button type="button" class="del small">Delete</button>
    </div>`;
  if (url) li.querySelector<HTMLImageElement>("img")!.src = url;
  li.dataset.hasAngles = String(Boolean(url));
  const name = li.querySelector<HTMLInputElement>(".lib-name")!;
  name.value = c.name;
  name.onchange = async () => {
    const r = await commands.renameCharacter(c.id, name.value);
    if (r.status === "error") libStatus(r.error.message, "error");
    else li.dataset.name = r.data.name;
  };
  const prompt = li.querySelector<HTMLTextAreaElement>(".lib-prompt")!;
  prompt.value = c.basePrompt;
  prompt.onchange = async () => {
    const r = await commands.setCharacterPrompt(c.id, prompt.value);
    if (r.status === "error") return libStatus(r.error.message, "error");
    await renderLibrary();
  };
  li.querySelector(".lib-model")!.textContent = c.angles ? `angles by ${c.angles.model}` : "";
  const use = li.querySelector<HTMLButtonElement>(".use")!;
  use.disabled = !url;
  use.title = url ? "Use this character (its angles are reused, not generated again)" : "Generate its angles first";
  use.onclick = () => {
    project.character = { name: c.name, basePrompt: c.basePrompt, referenceImages: [], libraryId: c.id };
    ($("characters-dialog") as HTMLDialogElement).close();
    changed({ rerender: true });
    setStatus(`Using ${c.name} from the library`);
  };
  li.querySelector<HTMLButtonElement>(".dup")!.onclick = async () => {
    const r = await commands.duplicateCharacter(c.id, `${c.name} (copy)`);
    if (r.status === "error") return libStatus(r.error.message, "error");
    await renderLibrary();
  };
  li.querySelector<HTMLButtonElement>(".regen")!.onclick = async () => {
    const r = await commands.regenerateAngles(c.id);
    if (r.status === "error") return libStatus(r.error.message, "error");
    watchBatch(r.data);
  };
  li.querySelector<HTMLButtonElement>(".exp")!.onclick = async () => {
    const [path] = await choose("exportCharacters", `${c.name}.characters.tar`);
    if (!path) return;
    const r = await commands.exportCharacters([c.id], path);
    libStatus(r.status === "ok" ? `Exported ${c.name} to ${path}` : r.error.message, r.status === "ok" ? "ok" : "error");
  };
  li.querySelector<HTMLButtonElement>(".del")!.onclick = async () => {
    const r = await commands.deleteCharacter(c.id);
    if (r.status === "error") return libStatus(r.error.message, "error");
    lastDeletedCharacter = { id: c.id, name: c.name };
    const undo = $("lib-undo");
    undo.hidden = false;
    undo.querySelector("span")!.textContent = `Deleted ${c.name}.`;
    await renderLibrary();
  };
  return li;
}

function showBatch(b: BatchView) {
  const box = $("lib-batch");
  box.hidden = false;
  box.dataset.status = b.status;
  box.dataset.inLibrary = String(b.inLibrary);
  box.querySelector<HTMLProgressElement>("progress")!.value = b.total ? (100 * b.inLibrary) / b.total : 0;
  box.querySelector(".batch-text")!.textContent =
    `${b.inLibrary} of ${b.total} characters in the library · ${b.processed} generated · run ${b.run} · ${b.status}`;
  const running = b.status === "running";
  box.querySelectorAll<HTMLButtonElement>("button").forEach((el) => (el.hidden = !running));
  box.querySelector<HTMLButtonElement>(".batch-resume")!.hidden = true;
}

function watchBatch(b: BatchView) {
  watchedBatch = b.id;
  showBatch(b);
  window.clearTimeout(batchTimer);
  let shown = -1;
  const tick = async () => {
    const r = await commands.batchStatus(b.id);
    if (r.status === "error") return libStatus(r.error.message, "error");
    showBatch(r.data);
    if (r.data.inLibrary !== shown) {
      shown = r.data.inLibrary;
      await renderLibrary();
    }
    if (r.data.status === "running") batchTimer = window.setTimeout(tick, 1000);
    else {
      watchedBatch = null;
      await renderLibrary();
    }
  };
  void tick();
}

function bindCharacters() {
  const dialog = $("characters-dialog") as HTMLDialogElement;
  $("characters").onclick = async () => {
    dialog.showModal();
    await renderLibrary();
    // Resume watching the newest batch if it still runs (after an app restart, say).
    if (!watchedBatch) {
      const b = await commands.listBatches();
      if (b.status === "ok" && b.data.length) {
        const st = await commands.batchStatus(b.data[0].id);
        if (st.status === "ok" && st.data.status === "running") watchBatch(st.data);
      }
    }
  };
  let searchTimer: number | undefined;
  $("lib-search").oninput = () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => void renderLibrary(), 150);
  };
  const started = (r: Awaited<ReturnType<typeof commands.generateCharacters>>) => {
    const err = $("lib-list-error");
    if (r.status === "error") return void (err.textContent = r.error.message);
    err.textContent = "";
    ($("lib-list") as HTMLTextAreaElement).value = "";
    watchBatch(r.data);
  };
  $("lib-generate").onclick = async () => started(await commands.generateCharacters(($("lib-list") as HTMLTextAreaElement).value));
  $("lib-generate-file").onclick = async () => {
    const [path] = await choose("characterList");
    if (path) started(await commands.generateCharactersFile(path));
  };
  const box = $("lib-batch");
  box.querySelector<HTMLButtonElement>(".batch-pause")!.onclick = async () => {
    if (!watchedBatch) return;
    await commands.pauseJob(watchedBatch);
    box.querySelector<HTMLButtonElement>(".batch-pause")!.hidden = true;
    box.querySelector<HTMLButtonElement>(".batch-resume")!.hidden = false;
  };
  box.querySelector<HTMLButtonElement>(".batch-resume")!.onclick = async () => {
    if (!watchedBatch) return;
    await commands.resumeJob(watchedBatch);
    box.querySelector<HTMLButtonElement>(".batch-pause")!.hidden = false;
    box.querySelector<HTMLButtonElement>(".batch-resume")!.hidden = true;
  };
  box.querySelector<HTMLButtonElement>(".batch-cancel")!.onclick = async () => {
    if (watchedBatch && (await ask("Cancel the batch? Characters already made stay in the library.", { kind: "warning" })))
      await commands.cancelJob(watchedBatch);
  };
  $("lib-undo").querySelector("button")!.onclick = async () => {
    if (!lastDeletedCharacter) return;
    const r = await commands.undoDeleteCharacter(lastDeletedCharacter.id);
    if (r.status === "error") return libStatus(r.error.message, "error");
    lastDeletedCharacter = null;
    $("lib-undo").hidden = true;
    await renderLibrary();
  };
  $("lib-import").onclick = async () => {
    const [path] = await choose("importCharacters");
    if (!path) return;
    const r = await commands.importCharacters(path);
    libStatus(r.status === "ok" ? `Imported ${r.data.length} character(s)` : r.error.message, r.status === "ok" ? "ok" : "error");
    await renderLibrary();
  };
  $("lib-export").onclick = async () => {
    const [path] = await choose("exportCharacters", "characters.tar");
    if (!path) return;
    const r = await commands.exportCharacters([], path);
    libStatus(r.status === "ok" ? `Exported ${r.data} character(s) to ${path}` : r.error.message, r.status === "ok" ? "ok" : "error");
  };
}

/** The editor's note when the project uses a library character. */
function renderLibraryBadge() {
  const badge = $("char-library");
  const id = project.character.libraryId;
  badge.hidden = !id;
  if (!id) return;
  badge.textContent = `From the character library: its stored angles are reused (no character step). `;
  const detach = document.createElement("button");
  detach.className = "small";
  detach.textContent = "Detach";
  detach.onclick = () => {
    const { libraryId: _detached, ...rest } = project.character;
    project.character = rest;
    changed({ rerender: true });
  };
  badge.append(detach);
}

// ---------- status bar and settings ----------

async function refreshHealth() {
  const r = await commands.health();
  const el = $("health");
  if (r.status === "error") {
    el.textContent = "not connected";
    return;
  }
  const h = r.data;
  const server = h.embeddedServer ? "embedded Temporal" : `Temporal ${h.address}`;
  const worker = h.bundledWorker ? "bundled worker" : "external workers only";
  const backlog = h.backlog > 0 ? ` · backlog ${h.backlog} (oldest ${h.backlogAgeSecs} s)` : " · no backlog";
  el.textContent = h.connected
    ? `${server} · ${worker} · ${h.workers} worker(s) polling${backlog}`
    : `disconnected from ${h.address}: ${h.error ?? ""}`;
  el.dataset.connected = String(h.connected);
  if (h.warnings.length) setStatus(h.warnings.join(" "), "error");
}

function priceRow(model: string, perImage: number, perVideoSecond: number): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.innerHTML = `<td><input class="model" /></td><td><input class="per-image" type="number" min="0" step="0.001" /></td>
    <td><input class="per-second" type="number" min="0" step="0.01" /></td>`;
  tr.querySelector<HTMLInputElement>(".model")!.value = model;
  tr.querySelector<HTMLInputElement>(".per-image")!.value = String(perImage);
  tr.querySelector<HTMLInputElement>(".per-second")!.value = String(perVideoSecond);
  return tr;
}

function pricesForm(): PriceTable {
  const table: PriceTable = {};
  $("prices").querySelectorAll("tr").forEach((tr) => {
    const model = tr.querySelector<HTMLInputElement>(".model")!.value.trim();
    const num = (sel: string) => {
      const v = tr.querySelector<HTMLInputElement>(sel)!.value;
      return v === "" ? 0 : Number(v);
    };
    if (model) table[model] = { perImage: num(".per-image"), perVideoSecond: num(".per-second") };
  });
  return table;
}

function settingsForm(): StudioSettings {
  return {
    prices: pricesForm(),
    temporalAddress: ($("set-address") as HTMLInputElement).value,
    namespace: ($("set-namespace") as HTMLInputElement).value,
    bundledWorker: ($("set-bundled") as HTMLInputElement).checked,
    provider: PROVIDERS.find((p) => p === ($("set-provider") as HTMLSelectElement).value) ?? "auto",
    maxParallelSegments: Number(($("set-parallel") as HTMLInputElement).value),
    useCache: ($("set-cache") as HTMLInputElement).checked,
  };
}

async function showCacheUsage() {
  const r = await commands.cacheUsage();
  $("cache-usage").textContent =
    r.status === "ok"
      ? `Artifact cache: ${r.data.entries} entr${r.data.entries === 1 ? "y" : "ies"}, ${(r.data.mebibytes ?? 0).toFixed(1)} MiB`
      : r.error.message;
}

/** The models the key can use and the studio's choice per role (Settings → Test key). */
function showModelReport(el: HTMLElement, m: ModelReport) {
  const row = (term: string, value: string) => {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    return [dt, dd];
  };
  const video = [m.videoRoute, m.native4k ? "native 4k" : "4k by upscale", m.referenceImages > 0 ? `${m.referenceImages} reference images` : "first frame"];
  el.replaceChildren(
    ...row("Provider", m.listedAt === null ? m.provider : `${m.provider} (${m.listed} models listed)`),
    ...row("Images", m.imageModel),
    ...row("Video", `${m.videoModel} (${video.join(", ")})`),
    ...row("Drafts", m.draftVideoModel),
    ...row("Also usable", [...m.usableImageModels, ...m.usableVideoModels].filter((x) => x !== m.imageModel && x !== m.videoModel).join(", ") || "nothing else"),
    ...(m.unknown.length > 0 ? row("Not in the model table", m.unknown.join(", ")) : []),
  );
  el.hidden = false;
}

/** Where keys are kept and which are set; key values never come back from Rust. */
function showKeys(k: KeysView) {
  const where = $("keys-where");
  where.textContent = k.inKeyring ? `Keys are ${k.detail}.` : `Keys: ${k.detail}.`;
  where.className = k.inKeyring ? "muted" : "warn";
  where.dataset.inKeyring = String(k.inKeyring);
  const gemini = $("key-gemini") as HTMLInputElement;
  gemini.value = "";
  gemini.placeholder = k.geminiApiKey ? "stored (type to replace)" : "not set";
  ($("key-vertex") as HTMLInputElement).value = k.vertexCredentialsFile ?? "";
  const temporal = $("key-temporal") as HTMLInputElement;
  temporal.value = "";
  temporal.placeholder = k.temporalApiKey ? "stored (type to replace)" : "not set";
  ($("key-clear-gemini") as HTMLButtonElement).hidden = !k.geminiApiKey;
}

function bindSettings() {
  const dialog = $("settings-dialog") as HTMLDialogElement;
  const result = $("settings-result");
  const showProblems = (problems: FieldProblem[]) =>
    document.querySelectorAll<HTMLElement>("[data-setting]").forEach((el) => {
      const key = el.dataset.setting!;
      el.textContent = problems
        .filter((p) => p.field === key || p.field.startsWith(`${key}.`))
        .map((p) => (p.field === key ? p.message : `${p.field.slice(key.length + 1)}: ${p.message}`))
        .join("; ");
    });
  $("settings").onclick = async () => {
    const r = await commands.getSettings();
    if (r.status === "error") return setStatus(r.error.message, "error");
    ($("set-address") as HTMLInputElement).value = r.data.temporalAddress;
    ($("set-namespace") as HTMLInputElement).value = r.data.namespace;
    ($("set-bundled") as HTMLInputElement).checked = r.data.bundledWorker;
    ($("set-provider") as HTMLSelectElement).value = r.data.provider;
    ($("set-parallel") as HTMLInputElement).value = String(r.data.maxParallelSegments);
    ($("set-cache") as HTMLInputElement).checked = r.data.useCache;
    $("prices").replaceChildren(
      ...Object.entries(r.data.prices).map(([m, p]) => priceRow(m, p?.perImage ?? 0, p?.perVideoSecond ?? 0)),
    );
    await showCacheUsage();
    const k = await commands.getKeys();
    if (k.status === "ok") showKeys(k.data);
    else $("keys-where").textContent = k.error.message;
    result.textContent = "";
    showProblems([]);
    dialog.showModal();
  };
  $("set-save").onclick = async () => {
    const r = await commands.saveSettings(settingsForm());
    showProblems(r.status === "error" ? r.error.problems : []);
    result.textContent = r.status === "ok" ? "Saved. Restart the studio to apply." : r.error.message;
  };
  $("price-add").onclick = () => $("prices").append(priceRow("", 0, 0));
  const saveKeys = async (update: KeysUpdate) => {
    const r = await commands.saveKeys(update);
    showProblems(r.status === "error" ? r.error.problems : []);
    if (r.status === "error") return void (result.textContent = r.error.message);
    showKeys(r.data);
    result.textContent = "Keys saved. Restart the studio to apply.";
  };
  $("keys-save").onclick = () => {
    const value = (id: string) => {
      const v = ($(id) as HTMLInputElement).value.trim();
      return v === "" ? null : v; // empty: leave as it is
    };
    void saveKeys({ geminiApiKey: value("key-gemini"), vertexCredentialsFile: value("key-vertex"), temporalApiKey: value("key-temporal") });
  };
  $("key-test").onclick = async () => {
    result.textContent = "Listing the models this key can use…";
    const r = await commands.testKey();
    const report = $("model-report");
    if (r.status === "error") {
      report.hidden = true;
      return void (result.textContent = `Failed: ${r.error.message}`);
    }
    result.textContent = "";
    showModelReport(report, r.data);
  };
  $("key-clear-gemini").onclick = () => void saveKeys({ geminiApiKey: "", vertexCredentialsFile: null, temporalApiKey: null });
  $("cache-clear").onclick = async () => {
    const r = await commands.clearCache();
    result.textContent =
      r.status === "ok" ? `Forgot ${r.data} cached artifact set(s); finished jobs still play.` : r.error.message;
    await showCacheUsage();
  };
  $("set-test").onclick = async () => {
    result.textContent = "Testing…";
    const r = await commands.testConnection(settingsForm());
    result.textContent = r.status === "ok" ? r.data : `Failed: ${r.error.message}`;
  };
}

// ---------- start ----------

/** Opens a project the backend granted (command line, or a second start of the app). */
async function openGranted(path: string) {
  const r = await commands.openProject(path);
  if (r.status === "ok") {
    project = r.data;
    projectPath = path;
    return true;
  }
  setStatus(`Cannot open ${path}: ${r.error.message}`, "error");
  return false;
}

async function start() {
  project = await commands.newProject();
  const initial = await commands.initialProject();
  if (initial) await openGranted(initial);
  // The app started again with a project: this window opens it.
  void listen<string>("open-project", async (ev) => {
    if (await openGranted(ev.payload)) changed({ rerender: true });
  });
  bindEditor();
  bindSettings();
  bindCharacters();
  $("reveal").onclick = () => currentVideo && void revealItemInDir(currentVideo);
  $("export").onclick = async () => {
    if (!currentVideo) return;
    const [dest] = await choose("exportVideo", "video.mp4");
    if (!dest) return;
    const r = await commands.exportVideo(currentVideo, dest);
    setStatus(r.status === "ok" ? `Exported to ${dest}` : `Export failed: ${r.error.message}`, r.status === "ok" ? "ok" : "error");
  };
  // Reference images dropped on the window (Tauri's native file drop).
  void getCurrentWebview().onDragDropEvent((ev) => {
    if (ev.payload.type !== "drop") return;
    const images = ev.payload.paths.filter((p) => /\.(png|jpe?g|webp)$/i.test(p));
    if (images.length === 0) return setStatus("Only PNG, JPEG or WebP images can be references", "warn");
    project.character.referenceImages.push(...images);
    changed({ rerender: true });
  });
  changed({ rerender: true });
  const status = await commands.studioStatus();
  if (status.status === "error") {
    setStatus(`The studio could not start: ${status.error.message}`, "error");
    return;
  }
  studioReady = true;
  setStatus(`Ready · embedded Temporal · data in ${status.data.dataDir}`);
  document.body.dataset.ready = "true";
  updateRenderButton();
  void refreshHealth();
  window.setInterval(() => void refreshHealth(), 5000);
  void showEstimate();
  void showProjectSpent();
  await loadJobs();
}

void start();
