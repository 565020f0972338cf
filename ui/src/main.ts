// The studio window: compose a project, render it, watch and steer jobs, preview the result.
// All work happens in Rust behind the generated `commands`; this file only renders state.
import { Channel } from "@tauri-apps/api/core";
import { ask, open, save } from "@tauri-apps/plugin-dialog";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import { openUrl, revealItemInDir } from "@tauri-apps/plugin-opener";
import Sortable from "sortablejs";
import {
  commands,
  type ApiError_Serialize as ApiError,
  type FieldProblem,
  type JobView_Serialize as JobView,
  type Progress_Deserialize as ProgressIn,
  type Progress_Serialize as Progress,
  type Project_Serialize as Project,
  type StudioSettings,
} from "./bindings";
import * as editor from "./editor";

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
  problems = await commands.checkProject(projectPath, project);
  document.querySelectorAll<HTMLElement>("[data-field]").forEach((el) => {
    const field = el.dataset.field!;
    const mine = problems.filter((p) => p.field === field || (field === "scenarios" && p.field === "scenarios"));
    if (el.classList.contains("field-error")) el.textContent = mine.map((p) => p.message).join("; ");
    else el.classList.toggle("invalid", mine.length > 0);
  });
  updateRenderButton();
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
  const e = editor.estimate(project);
  $("summary").textContent =
    `${project.scenarios.length} scenario(s), ${e.seconds} s of video · ` +
    `estimated $${e.cost.toFixed(2)} with Veo 3 · about ${e.minutes} min`;
}

function renderEditor() {
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
        <select class="duration"><option value="4">4 s</option><option value="6">6 s</option><option value="8">8 s</option></select>
        <button class="dup small" title="Duplicate">Copy</button>
        <button class="del small" title="Delete">✕</button>`;
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
    const picked = await open({ multiple: true, filters: [{ name: "Images", extensions: ["png", "jpg", "jpeg", "webp"] }] });
    if (!picked) return;
    project.character.referenceImages.push(...(Array.isArray(picked) ? picked : [picked]));
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
    const path = await open({ filters: [{ name: "Studio project", extensions: ["json"] }] });
    if (typeof path !== "string") return;
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
  const path = await save({ defaultPath: "project.studio.json", filters: [{ name: "Studio project", extensions: ["json"] }] });
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
    <div class="row"><strong class="name"></strong><span class="state muted"></span></div>
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
    <div class="job-error warn"></div>`;
  li.querySelector(".name")!.textContent = name;
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
    const r = await commands.changeQuality(id, q.value);
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
}

function settingsForm(): StudioSettings {
  return {
    temporalAddress: ($("set-address") as HTMLInputElement).value,
    namespace: ($("set-namespace") as HTMLInputElement).value,
    bundledWorker: ($("set-bundled") as HTMLInputElement).checked,
    provider: ($("set-provider") as HTMLSelectElement).value,
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

function bindSettings() {
  const dialog = $("settings-dialog") as HTMLDialogElement;
  const result = $("settings-result");
  const showProblems = (problems: FieldProblem[]) =>
    document.querySelectorAll<HTMLElement>("[data-setting]").forEach((el) => {
      el.textContent = problems.filter((p) => p.field === el.dataset.setting).map((p) => p.message).join("; ");
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
    await showCacheUsage();
    result.textContent = "";
    showProblems([]);
    dialog.showModal();
  };
  $("set-save").onclick = async () => {
    const r = await commands.saveSettings(settingsForm());
    showProblems(r.status === "error" ? r.error.problems : []);
    result.textContent = r.status === "ok" ? "Saved. Restart the studio to apply." : r.error.message;
  };
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

async function start() {
  project = await commands.newProject();
  const initial = await commands.initialProject();
  if (initial) {
    const r = await commands.openProject(initial);
    if (r.status === "ok") {
      project = r.data;
      projectPath = initial;
    } else setStatus(`Cannot open ${initial}: ${r.error.message}`, "error");
  }
  bindEditor();
  bindSettings();
  $("reveal").onclick = () => currentVideo && void revealItemInDir(currentVideo);
  $("export").onclick = async () => {
    if (!currentVideo) return;
    const dest = await save({ defaultPath: "video.mp4", filters: [{ name: "MP4 video", extensions: ["mp4"] }] });
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
  await loadJobs();
}

void start();
