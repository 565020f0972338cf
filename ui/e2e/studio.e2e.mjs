// End-to-end test of the studio in a real window (Xvfb + tauri-driver + WebKitWebDriver), on the
// embedded Temporal dev server and the offline provider. Run by scripts/test-ui.sh.
//
// Env: STUDIO_APP (binary), WEBDRIVER_URL (tauri-driver), STUDIO_E2E_DIR (scratch dir; the app's
// data dir and the project live there), TEMPORAL_CLI, E2E_ARTIFACTS (screenshots, metrics).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { Session } from "./webdriver.mjs";

const app = process.env.STUDIO_APP;
const driver = process.env.WEBDRIVER_URL ?? "http://127.0.0.1:4444";
const dir = process.env.STUDIO_E2E_DIR;
const artifacts = process.env.E2E_ARTIFACTS ?? path.join(dir, "artifacts-out");
const devPort = Number(process.env.STUDIO_E2E_PORT ?? 17233);
fs.mkdirSync(artifacts, { recursive: true });

const metrics = {};
const step = (msg) => console.log(`[e2e] ${msg}`);

async function shot(s, name) {
  const png = await s.screenshot();
  fs.writeFileSync(path.join(artifacts, `${name}.png`), Buffer.from(png, "base64"));
}

// The project the app opens from its command line; autosave writes the new order back here.
const projectPath = path.join(dir, "e2e.studio.json");
fs.writeFileSync(
  projectPath,
  JSON.stringify({
    version: 1,
    character: { name: "Ava", basePrompt: "a bush pilot in a leather jacket", referenceImages: [] },
    scenarios: [
      { id: "first", prompt: "first shot: walks to the plane", durationSeconds: 4 },
      { id: "second", prompt: "second shot: climbs in", durationSeconds: 4 },
      { id: "third", prompt: "third shot: takes off", durationSeconds: 4 },
    ],
    quality: "standard",
    aspectRatio: "16:9",
  }),
);
const order = () => JSON.parse(fs.readFileSync(projectPath, "utf8")).scenarios.map((s) => s.id);

async function launch() {
  const t0 = Date.now();
  const s = await Session.create(driver, { "tauri:options": { application: app, args: [projectPath] } });
  await s.waitFor("the editor", "return document.querySelectorAll('#scenarios li').length === 3", 30000);
  const interactive = Date.now() - t0;
  await s.waitFor("the studio to be ready", "return document.body.dataset.ready === 'true'", 120000);
  return { s, interactive, ready: Date.now() - t0 };
}

function treeRss(rootPid) {
  // Sum RSS over the app's process tree (WebKit helpers, in-process worker), without the
  // temporal dev server.
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,rss=,comm="], { encoding: "utf8" });
  const procs = out.trim().split("\n").map((l) => l.trim().split(/\s+/));
  const children = new Map();
  for (const [pid, ppid, rss, comm] of procs) {
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push({ pid, rss: Number(rss), comm });
  }
  let total = 0;
  const stack = [String(rootPid)];
  const rootRss = procs.find((p) => p[0] === String(rootPid));
  if (rootRss) total += Number(rootRss[2]);
  while (stack.length) {
    for (const c of children.get(stack.pop()) ?? []) {
      if (c.comm.startsWith("temporal")) continue;
      total += c.rss;
      stack.push(c.pid);
    }
  }
  return total * 1024;
}

function appPid() {
  const out = execFileSync("pgrep", ["-n", "-f", path.basename(app)], { encoding: "utf8" });
  return Number(out.trim());
}

// ---------- first launch ----------
let { s, interactive, ready } = await launch();
metrics.coldStartToInteractiveMs = interactive;
metrics.coldStartToStudioReadyMs = ready;
step(`window interactive after ${interactive} ms, studio ready after ${ready} ms`);
await shot(s, "1-editor");

// Reorder by drag and drop: the third card's handle onto the first card.
const handles = await s.findAll("#scenarios .handle");
const from = await s.rect(handles[2]);
const to = await s.rect(handles[0]);
const x = Math.round(from.x + from.width / 2);
const y0 = Math.round(from.y + from.height / 2);
const y1 = Math.round(to.y + 2);
const moves = [];
for (let i = 1; i <= 10; i++) moves.push({ type: "pointerMove", duration: 30, x, y: Math.round(y0 + ((y1 - y0) * i) / 10) });
await s.actions([
  {
    type: "pointer",
    id: "mouse",
    parameters: { pointerType: "mouse" },
    actions: [{ type: "pointerMove", duration: 0, x, y: y0 }, { type: "pointerDown", button: 0 }, { type: "pause", duration: 150 }, ...moves, { type: "pause", duration: 150 }, { type: "pointerUp", button: 0 }],
  },
]);
await s.waitFor("the new order on screen", "return [...document.querySelectorAll('#scenarios li')].map(l => l.dataset.id).join() === 'third,first,second'", 5000);
const deadline = Date.now() + 5000;
while (order().join() !== "third,first,second") {
  assert.ok(Date.now() < deadline, `the new order was not saved: ${order()}`);
  await new Promise((r) => setTimeout(r, 100));
}
step(`drag and drop saved the order ${order()}`);
await shot(s, "2-reordered");

// Render, watch, pause and resume mid-run.
await s.waitFor("Render to be enabled", "return !document.getElementById('render').disabled", 10000);
await s.exec("window.__progress = []; document.getElementById('render').click()");
await s.waitFor("a job card", "return document.querySelector('#jobs li.job')");
await s.exec(`
  const li = document.querySelector('#jobs li.job');
  new MutationObserver(() => window.__progress.push({t: Date.now(), pct: Number(li.dataset.percentage), done: li.querySelectorAll('.seg.done').length, stage: li.dataset.stage}))
    .observe(li, {attributes: true, subtree: true, childList: true});`);
await s.waitFor("clips to start", "return document.querySelector('#jobs li.job')?.dataset.stage === 'generating_videos'", 60000);
await shot(s, "3-rendering");
await s.exec("document.querySelector('#jobs li.job .pause').click()");
await s.waitFor("the job to show paused", "return document.querySelector('#jobs li.job .state').textContent.includes('paused')", 10000);
await shot(s, "4-paused");
await s.exec("document.querySelector('#jobs li.job .resume').click()");
step("paused and resumed");
await s.waitFor("the job to complete", "return document.querySelector('#jobs li.job')?.dataset.status === 'completed'", 180000);
const pcts = await s.exec("return window.__progress.map(p => p.pct)");
assert.equal(Math.max(...pcts), 100, `progress never reached 100: ${pcts}`);
for (let i = 1; i < pcts.length; i++) assert.ok(pcts[i] >= pcts[i - 1], `progress went backwards: ${pcts}`);

// The preview plays: readyState >= 2 and the duration is the clips' sum (3 x 4 s).
const video = await s.waitFor(
  "the preview to load",
  "const v = document.getElementById('player'); return v.readyState >= 2 ? {rs: v.readyState, d: v.duration, src: v.currentSrc} : null",
  30000,
);
assert.ok(Math.abs(video.d - 12) < 0.2, `preview duration ${video.d}`);
assert.ok(video.src.startsWith("http://127.0.0.1:"), video.src);
await s.exec("const v = document.getElementById('player'); v.currentTime = 9;");
await s.waitFor("a seek", "const v = document.getElementById('player'); return !v.seeking && v.currentTime >= 8.9");
step(`preview loaded (readyState ${video.rs}, ${video.d.toFixed(2)} s) and seeks`);
await shot(s, "5-preview");

// Progress latency: each clip's completion (history) to the window showing it.
const jobId = await s.exec("return document.querySelector('#jobs li.job').dataset.id");
const history = JSON.parse(
  execFileSync(process.env.TEMPORAL_CLI, ["workflow", "show", "-w", jobId, "--address", `127.0.0.1:${devPort}`, "-o", "json"], { encoding: "utf8" }),
);
const events = history.events ?? history;
const progress = await s.exec("return window.__progress");
const latencies = [];
let seen = 0;
for (const e of events) {
  if (e.eventType !== "EVENT_TYPE_ACTIVITY_TASK_COMPLETED" && e.eventType !== "ActivityTaskCompleted") continue;
  const t = Date.parse(e.eventTime);
  const shown = progress.find((p) => p.t >= t && p.pct > 0 && p.done > seen);
  if (shown && shown.done > seen) {
    latencies.push(shown.t - t);
    seen = shown.done;
  }
}
latencies.sort((a, b) => a - b);
metrics.progressLatencyMs = { samples: latencies, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[latencies.length - 1] };
step(`progress latency ${JSON.stringify(metrics.progressLatencyMs)}`);

await new Promise((r) => setTimeout(r, 3000));
metrics.idleRssBytes = treeRss(appPid());
step(`idle RSS of the app's process tree: ${(metrics.idleRssBytes / 1048576).toFixed(0)} MiB`);
await s.quit();

// ---------- relaunch: the finished job is listed with its output ----------
({ s } = await launch());
await s.waitFor("the finished job", "const li = document.querySelector('#jobs li.job'); return li && li.dataset.status === 'completed' && !li.querySelector('.play').hidden", 30000);
await s.exec("document.querySelector('#jobs li.job .play').click()");
await s.waitFor("the preview after relaunch", "return document.getElementById('player').readyState >= 2", 30000);
step("after relaunch the finished job is listed and plays");
await shot(s, "6-relaunched");
await s.quit();

fs.writeFileSync(path.join(artifacts, "metrics.json"), JSON.stringify(metrics, null, 2));
console.log(JSON.stringify(metrics));
step("all passed");
