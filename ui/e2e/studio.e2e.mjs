// End-to-end test of the studio in a real window (Xvfb + tauri-driver + WebKitWebDriver), on the
// embedded Temporal dev server and the offline provider. Run by scripts/test-ui.sh.
//
// Env: STUDIO_APP (binary), WEBDRIVER_URL (tauri-driver), STUDIO_E2E_DIR (scratch dir; the app's
// data dir and the project live there), TEMPORAL_CLI, E2E_ARTIFACTS (screenshots, metrics).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { Key, Session } from "./webdriver.mjs";
import { e2eRun, resize, xid } from "./harness.mjs";
import { quit, treeMemory, until } from "./processes.mjs";
import { mediaSeconds, temporalAt } from "./temporal.mjs";
import { tabStops, tabTo } from "./focus.mjs";

// The shared run settings (ui/e2e/harness.mjs): env, artifacts, a screen shot on failure
// (studio-failure.png), and window shots (`shot(name, docs)`: the X window as drawn).
const { app, driver, dir, artifacts, step, shot } = e2eRun("studio");
const devPort = Number(process.env.STUDIO_E2E_PORT ?? 17233);
const temporal = temporalAt(devPort);
const metrics = {};

// The project the app opens from its command line; autosave writes the new order back here.
// It holds fields a newer studio might write (this one keeps them on every rewrite).
const projectPath = path.join(dir, "e2e.studio.json");
fs.writeFileSync(
  projectPath,
  JSON.stringify({
    version: 1,
    character: { name: "Ava", basePrompt: "a bush pilot in a leather jacket", referenceImages: [], gait: "a slight limp" },
    scenarios: [
      { id: "first", prompt: "first shot: walks to the plane", durationSeconds: 4 },
      { id: "second", prompt: "second shot: climbs in", durationSeconds: 4 },
      { id: "third", prompt: "third shot: takes off", durationSeconds: 4, grade: { lut: "teal" } },
    ],
    quality: "standard",
    aspectRatio: "16:9",
    soundtrack: { track: "theme.ogg" },
  }),
);
const projectAsWritten = fs.readFileSync(projectPath);
const projectMtime = fs.statSync(projectPath).mtimeMs;
const order = () => JSON.parse(fs.readFileSync(projectPath, "utf8")).scenarios.map((s) => s.id);
/** The window's saved preferences, as on disk (`window.json` in the data dir). */
const savedPrefs = () => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "data", "window.json"), "utf8")).prefs ?? {};
  } catch {
    return {}; // not written yet, or mid-replace on a file system without atomic rename
  }
};

async function launch() {
  const t0 = Date.now();
  const s = await Session.create(driver, { "tauri:options": { application: app, args: [projectPath] } });
  await s.waitFor("the editor", "return document.querySelectorAll('#scenarios li').length === 3", 30000);
  const interactive = Date.now() - t0;
  shownAt = Date.now();
  try {
    await s.waitFor("the studio to be ready", "return document.body.dataset.ready === 'true'", 120000);
  } catch (e) {
    // Say what the window says: the studio's own start-up error, if it has one.
    const status = await s.exec("return document.getElementById('status').textContent").catch(() => "?");
    throw new Error(`${e.message}; the status bar says: ${status}`);
  }
  return { s, interactive, ready: Date.now() - t0 };
}

/** When the last launch showed the project. */
let shownAt = 0;

function appPid() {
  const out = execFileSync("pgrep", ["-n", "-f", path.basename(app)], { encoding: "utf8" });
  return Number(out.trim());
}

// ---------- first launch ----------
let { s, interactive, ready } = await launch();
metrics.coldStartToInteractiveMs = interactive;
metrics.coldStartToStudioReadyMs = ready;
step(`window interactive after ${interactive} ms, studio ready after ${ready} ms`);
await shot("1-editor");

// Opening is not an edit: the file is as it was written (bytes and time), also after the
// autosave delay (800 ms) has passed twice since the project was shown.
const autosaveWindow = shownAt + 1600 - Date.now();
if (autosaveWindow > 0) await new Promise((r) => setTimeout(r, autosaveWindow));
assert.ok(fs.readFileSync(projectPath).equals(projectAsWritten), "opening the project rewrote it");
assert.equal(fs.statSync(projectPath).mtimeMs, projectMtime, "opening the project touched it");
step("opening the project left its file as it was");

// Reorder by drag and drop: the third card's handle onto the first card.
const handles = await s.findAll("#scenarios .handle");
const from = await s.rect(handles[2]);
const to = await s.rect(handles[0]);
// The storyboard wraps its cards in rows: move to the first card's handle in both directions.
const x = Math.round(from.x + from.width / 2);
const y0 = Math.round(from.y + from.height / 2);
const x1 = Math.round(to.x + 2);
const y1 = Math.round(to.y + 2);
const moves = [];
for (let i = 1; i <= 10; i++) moves.push({ type: "pointerMove", duration: 30, x: Math.round(x + ((x1 - x) * i) / 10), y: Math.round(y0 + ((y1 - y0) * i) / 10) });
await s.actions([
  {
    type: "pointer",
    id: "mouse",
    parameters: { pointerType: "mouse" },
    actions: [
      { type: "pointerMove", duration: 0, x, y: y0 },
      { type: "pointerDown", button: 0 },
      { type: "pause", duration: 150 },
      ...moves,
      { type: "pause", duration: 150 },
      { type: "pointerUp", button: 0 },
      { type: "pointerMove", duration: 0, x: 5, y: 5 },
    ],
  },
]);
await s.waitFor("the new order on screen", "return [...document.querySelectorAll('#scenarios li')].map(l => l.dataset.id).join() === 'third,first,second'", 5000);
const deadline = Date.now() + 5000;
while (order().join() !== "third,first,second") {
  assert.ok(Date.now() < deadline, `the new order was not saved: ${order()}`);
  await new Promise((r) => setTimeout(r, 100));
}
step(`drag and drop saved the order ${order()}`);
const rewritten = JSON.parse(fs.readFileSync(projectPath, "utf8"));
assert.deepEqual(
  [rewritten.soundtrack, rewritten.character.gait, rewritten.scenarios.find((x) => x.id === "third").grade],
  [{ track: "theme.ogg" }, "a slight limp", { lut: "teal" }],
  `the fields this studio does not know survive its save: ${JSON.stringify(rewritten)}`,
);

// Undo and redo: in the page (keys to the window) and through the native menu's accelerators
// (real key presses on the X display, which GTK turns into menu picks).
const shownOrder = () => s.exec("return [...document.querySelectorAll('#scenarios li')].map(l => l.dataset.id).join()");
const waitOrder = async (what, want) => {
  await s.waitFor(what, `return [...document.querySelectorAll('#scenarios li')].map(l => l.dataset.id).join() === '${want}'`, 5000);
  const end = Date.now() + 5000;
  while (order().join() !== want) {
    assert.ok(Date.now() < end, `${what}: the file says ${order()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
await s.chord([Key.ctrl], "z");
await waitOrder("Ctrl+Z to undo the drag", "first,second,third");
await s.chord([Key.ctrl, Key.shift], "z");
await waitOrder("Ctrl+Shift+Z to redo it", "third,first,second");
const xdo = (...args) => execFileSync("xdotool", args, { encoding: "utf8" }).trim();
const appWindow = xdo("search", "--onlyvisible", "--name", "SmokeTech Studio").split("\n")[0];
xdo("windowfocus", "--sync", appWindow);
xdo("key", "--clearmodifiers", "ctrl+z");
await waitOrder("the menu's Undo (Ctrl+Z on the display)", "first,second,third");
xdo("key", "--clearmodifiers", "ctrl+shift+z");
await waitOrder("the menu's Redo (Ctrl+Shift+Z on the display)", "third,first,second");
step(`undo/redo by keys and by the native menu's accelerators: ${await shownOrder()}`);
await shot("2-reordered");

// Render, watch, pause and resume mid-run.
await s.waitFor("Render to be enabled", "return !document.getElementById('render').disabled", 10000);
await s.exec("window.__progress = []");
await s.click(await s.find("#render"));
await s.waitFor("a job card", "return document.querySelector('#jobs li.job')");
await s.exec(`
  const li = document.querySelector('#jobs li.job');
  new MutationObserver(() => window.__progress.push({t: Date.now(), pct: Number(li.dataset.percentage), done: li.querySelectorAll('.seg.done').length, stage: li.dataset.stage}))
    .observe(li, {attributes: true, subtree: true, childList: true});`);
await s.waitFor("clips to start", "return document.querySelector('#jobs li.job')?.dataset.stage === 'generating_videos'", 60000);
await shot("3-rendering");
await s.click(await s.find("#jobs li.job .pause"));
await s.waitFor("the job to show paused", "return document.querySelector('#jobs li.job .state').textContent.includes('paused')", 10000);
await shot("4-paused");
await s.waitFor("Resume to show", "return !document.querySelector('#jobs li.job .resume').hidden", 10000);
await s.click(await s.find("#jobs li.job .resume"));
step("paused and resumed");
await s.waitFor("the job to complete", "return document.querySelector('#jobs li.job')?.dataset.status === 'completed'", 180000);
await s.waitFor(
  "clip thumbnails in the segment strip",
  "const segs = [...document.querySelectorAll('#jobs li.job .seg.done')]; return segs.length === 3 && segs.every(b => b.style.backgroundImage.includes('http://127.0.0.1:'))",
  20000,
);
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
// Scene to scene on the timeline: a click on the last scene's segment lands in it (8-12 s),
// J goes back one scene (4-8 s).
await s.waitFor("the timeline's three scenes", "return document.querySelectorAll('#timeline .tl-seg').length === 3", 20000);
await s.clickOn('#timeline .tl-seg[data-scene="second"]');
await s.waitFor("a seek into the third segment", "const v = document.getElementById('player'); return !v.seeking && v.currentTime >= 7.9 && v.currentTime < 12");
// J shuttles back (the picture follows, frame by frame), K stops it where it is.
await s.keys(await s.find("#preview"), "j");
await s.waitFor("J shuttling back", "const v = document.getElementById('player'); return v.currentTime < 7.9");
await s.keys(await s.find("#preview"), "k");
const stopped = await s.waitFor("K to stop the shuttle", "const v = document.getElementById('player'); return !v.seeking && v.paused && document.querySelector('#cut .player-toggle').textContent === 'Play' ? v.currentTime : null");
await new Promise((r) => setTimeout(r, 300));
assert.equal(await s.exec("return document.getElementById('player').currentTime"), stopped, "stopped by K");
step(`preview loaded (readyState ${video.rs}, ${video.d.toFixed(2)} s) and seeks`);
await shot("5-preview");

// Progress latency: each clip's completion (history) to the window showing it.
const jobId = await s.exec("return document.querySelector('#jobs li.job').dataset.id");
const events = temporal.history(jobId);
const progress = await s.exec("return window.__progress");
const latencies = [];
// Pair the k-th clip completion (history) with the first window update showing k clips done,
// and the workflow's completion with the first update showing 100 %.
const attr = (e, name) => e[name] ?? e.attributes ?? {};
const scheduled = new Map();
for (const e of events) {
  if (e.eventType.endsWith("ACTIVITY_TASK_SCHEDULED")) {
    const a = attr(e, "activityTaskScheduledEventAttributes");
    scheduled.set(String(e.eventId), a.activityType?.name);
  }
}
const clipDone = events
  .filter((e) => e.eventType.endsWith("ACTIVITY_TASK_COMPLETED"))
  .filter((e) => scheduled.get(String(attr(e, "activityTaskCompletedEventAttributes").scheduledEventId)) === "generateVideoSegment")
  .map((e) => Date.parse(e.eventTime))
  .sort((a, b) => a - b);
clipDone.forEach((t, k) => {
  const shown = progress.find((p) => p.done >= k + 1);
  if (shown) latencies.push(shown.t - t);
});
const completed = events.find((e) => e.eventType.endsWith("WORKFLOW_EXECUTION_COMPLETED"));
const shownDone = progress.find((p) => p.pct === 100);
if (completed && shownDone) latencies.push(shownDone.t - Date.parse(completed.eventTime));
assert.ok(latencies.length >= 4, `could not pair progress with history: ${JSON.stringify(clipDone)}`);
latencies.sort((a, b) => a - b);
metrics.progressLatencyMs = { samples: latencies, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[latencies.length - 1] };
step(`progress latency ${JSON.stringify(metrics.progressLatencyMs)}`);

await new Promise((r) => setTimeout(r, 3000));
const mib = (b) => (b / 1048576).toFixed(0);
const memoryLine = (m) => `RSS ${mib(m.rssBytes)} MiB, PSS ${mib(m.pssBytes)} MiB ${JSON.stringify(m.processes)}`;
metrics.memoryAfterRenderWithPreview = treeMemory(appPid());
step(`memory after a render with the preview loaded: ${memoryLine(metrics.memoryAfterRenderWithPreview)}`);
// The last view comes back after a restart: here the second scene's editor.
await s.clickOn('#scenarios li[data-id="second"]');
await s.waitFor("the second scene's editor", "return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === 'second'", 10000);
// The prefs are saved a moment after a change: wait for the file to say so.
await until("the last view saved in window.json", () => savedPrefs().lastView === "scene" && savedPrefs().lastScene === "second");
/** The dev server this data dir recorded (pid, port): the app stops its own as it exits. */
const serverRecord = () => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "data", "temporal", "server.json"), "utf8"));
  } catch {
    return null;
  }
};
const firstServer = serverRecord();
await quit(s, appPid());
// Relaunched at once: the first app's dev server may still be stopping. Which server the
// relaunch uses is said, to tell a later failure that comes from it.
/** A process's state letter (R, S, Z for exited but not yet reaped…), or "gone". */
const procState = (pid) => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];
  } catch {
    return "gone";
  }
};
const stateAtRelaunch = firstServer ? procState(firstServer.pid) : "gone";

// ---------- relaunch: the finished job is listed with its output ----------
({ s } = await launch());
step(
  `relaunched: the first dev server (pid ${firstServer?.pid}) was ${{ gone: "gone", Z: "exited (not yet reaped)" }[stateAtRelaunch] ?? `still running (state ${stateAtRelaunch})`} at relaunch; the relaunch uses ${serverRecord()?.pid === firstServer?.pid ? "that one" : `its own (pid ${serverRecord()?.pid})`}`,
);
await s.waitFor("the finished job", "const li = document.querySelector('#jobs li.job'); return li && li.dataset.status === 'completed' && !li.querySelector('.play').hidden", 30000);
await new Promise((r) => setTimeout(r, 3000));
metrics.idleMemory = treeMemory(appPid());
step(`idle memory of the app's process tree (studio ready, no video loaded): ${memoryLine(metrics.idleMemory)}`);
await s.clickOn("#jobs li.job .play");
await s.waitFor("the preview after relaunch", "return document.getElementById('player').readyState >= 2", 30000);
await s.waitFor("the last view (the second scene's editor) after relaunch", "return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === 'second'", 10000);
step("after relaunch the finished job is listed and plays; the second scene's editor is open again");

// Settings → Test key: the models the provider can use and the choice per role (offline here).
await s.click(await s.find("#settings"));
await s.waitFor("the Settings dialog", "return document.getElementById('settings-dialog').open", 10000);
await s.click(await s.find("#key-test"));
await s.waitFor(
  "the model report",
  "const r = document.getElementById('model-report'); return !r.hidden && r.textContent.includes('Images') && r.textContent.includes('offline')",
  30000,
);
const modelReport = await s.exec("return document.getElementById('model-report').textContent");
await s.click(await s.find("#settings-dialog button[value=cancel]"));
await s.waitFor("the Settings dialog to close", "return !document.getElementById('settings-dialog').open", 10000);
step(`Test key shows the choice per role: ${modelReport.replace(/\s+/g, " ").slice(0, 120)}`);
await shot("6-relaunched");

// Iterate on one shot: the job's takes, timeline and cost; regenerate one scenario with a new
// prompt (version 2), then pick its first take again (version 3: nothing generated).
const estimate = await s.waitFor("the cost estimate", "const t = document.getElementById('estimate')?.textContent; return t && t.startsWith('estimated $') ? t : null", 20000);
assert.match(estimate, /with offline/, estimate);
await s.clickOn("#jobs li.job .details-toggle");
const timeline = await s.waitFor(
  "the job's takes and timeline",
  "const li = document.querySelector('#jobs li.job'); const t = [...li.querySelectorAll('.timeline .title')].map(e => e.textContent); return li.querySelectorAll('.take-row').length === 3 && t.length > 0 ? t : null",
  30000,
);
for (const needle of ["Render started", "Character images", "Paused", "Resumed", "Stitch 3 clips", "Completed"]) {
  assert.ok(timeline.some((t) => t.startsWith(needle)), `timeline lacks ${needle}: ${JSON.stringify(timeline)}`);
}
await s.typeInto('#jobs li.job .take-row[data-scene="first"] .retake-prompt', "Ava runs across the dock at night");
await s.clickOn('#jobs li.job .take-row[data-scene="first"] .regenerate');
/** What the job's card shows: said when a wait on it times out. */
const jobCard = () =>
  s.exec(`const li = document.querySelector('#jobs li.job'); const sel = li.querySelector('.take-row[data-scene="first"] .take');
    return JSON.stringify({status: li.dataset.status, stage: li.dataset.stage, pct: li.dataset.percentage, version: li.querySelector('.details')?.dataset.version,
      takes: sel?.options.length, versions: li.querySelectorAll('.version-row').length, card: li.textContent.replace(/\\s+/g, ' ').slice(0, 300),
      status_bar: document.getElementById('status').textContent, health: document.getElementById('health').textContent})`);
const regenAt = Date.now();
const v2 = await s
  .waitFor(
    "version 2 with a second take of the scenario",
    `const li = document.querySelector('#jobs li.job');
   const d = li.querySelector('.details');
   const sel = li.querySelector('.take-row[data-scene="first"] .take');
   return li.dataset.status === 'completed' && d.dataset.version === '2' && sel.options.length === 2
     ? {take: sel.value, versions: li.querySelectorAll('.version-row').length, spent: li.querySelector('.spent').textContent} : null`,
    120000,
  )
  .catch(async (e) => {
    throw new Error(`${e.message}; the job's card: ${await jobCard()}; the job in Temporal: ${temporal.standing(jobId, artifacts)}`);
  });
metrics.regenerateMs = Date.now() - regenAt;
assert.equal(v2.take, "2");
assert.equal(v2.versions, 2);
assert.match(v2.spent, /^Spent \$/, v2.spent);
step(`regenerated one scenario: version 2, take ${v2.take}, ${v2.spent}`);
await shot("7-takes");
await s.clickOn('#jobs li.job .take-row[data-scene="first"] .take');
await s.clickOn('#jobs li.job .take-row[data-scene="first"] .take option[value="1"]');
await s.waitFor("take 1 picked", "return document.querySelector('#jobs li.job .take-row[data-scene=\"first\"] .take').value === '1'", 5000);
await s.clickOn("#jobs li.job .stitch-takes");
await s.waitFor(
  "version 3 stitched from the picked takes",
  "const li = document.querySelector('#jobs li.job'); return li.dataset.status === 'completed' && li.querySelector('.details').dataset.version === '3' && li.querySelectorAll('.version-row').length === 3",
  120000,
);
await s.waitFor("the new version's preview", "return document.getElementById('player').readyState >= 2", 30000);
step("picked the first take again: version 3 plays");
// The scene editor lists the scene's takes: using the other one stitches version 4.
await s.clickOn('#scenarios li[data-id="first"]');
await s.waitFor(
  "the scene's takes in its editor",
  "return document.querySelectorAll('#scene-takes li').length === 2 && document.querySelector('#scene-takes li.current')?.dataset.take === '1'",
  10000,
);
await s.clickOn('#scene-takes li[data-take="2"] .use-take');
await s.waitFor(
  "version 4 made with take 2",
  "const li = document.querySelector('#jobs li.job'); return li.dataset.status === 'completed' && li.querySelector('.details').dataset.version === '4' && document.querySelector('#scene-takes li.current')?.dataset.take === '2'",
  120000,
);
step("used take 2 from the scene editor: version 4 stitched");

// "Extend by N s" in the scene editor (the offline model extends by 1-10 s, models.toml): the
// take in use continued by 3 s as a new take, stitched as version 5. Typed and clicked with
// real input; checked in the job's result as Temporal holds it (the clips' files measured).
const before = temporal.result(jobId).segments.find((x) => x.id === "first");
const inUse = before.takes.find((t) => t.number === before.take);
await s.clickOn("#scene-extend-seconds");
await s.chord([Key.ctrl], "a");
await s.pressKeys("3", Key.tab);
await s.waitFor("3 s to extend by", "return document.getElementById('scene-extend-seconds').value === '3'", 5000);
await s.waitFor("Extend to be enabled", "return !document.getElementById('scene-extend').disabled", 10000);
const extendAt = Date.now();
await s.clickOn("#scene-extend");
await s
  .waitFor(
    "version 5 with the extended take in use",
    "const li = document.querySelector('#jobs li.job'); return li.dataset.status === 'completed' && li.querySelector('.details').dataset.version === '5' && document.querySelectorAll('#scene-takes li').length === 3 && document.querySelector('#scene-takes li.current')?.dataset.take === '3'",
    120000,
  )
  .catch(async (e) => {
    throw new Error(`${e.message}; the job's card: ${await jobCard()}; the job in Temporal: ${temporal.standing(jobId, artifacts)}`);
  });
metrics.extendMs = Date.now() - extendAt;
const after = temporal.result(jobId);
const extended = after.segments.find((x) => x.id === "first");
const take3 = extended.takes.find((t) => t.number === 3);
assert.equal(extended.take, 3, `the extended take is in use: ${JSON.stringify(extended)}`);
const firstAt = after.segments.findIndex((x) => x.id === "first");
const [v4, v5] = after.versions.slice(-2);
assert.equal(v5.number, 5);
assert.deepEqual(v5.takes, v4.takes.map((n, i) => (i === firstAt ? 3 : n)), "only the first scene's take changed");
const grown = mediaSeconds(take3.clipUrl) - mediaSeconds(inUse.clipUrl);
assert.ok(Math.abs(grown - 3) < 0.1, `the extended clip is 3 s longer than take ${inUse.number}'s: ${grown.toFixed(3)} s`);
step(`extended the first scene by 3 s from its editor: take 3 (${mediaSeconds(take3.clipUrl).toFixed(2)} s, +${grown.toFixed(2)} s) in version 5, in ${metrics.extendMs} ms`);

// The character library: generate three in bulk, search, rename, delete and undo, then use one
// in the project and render with no character step.
await s.clickOn("#characters");
await s.waitFor("the Characters view", "return document.getElementById('characters-dialog').open", 10000);
await s.typeInto("#lib-list", ["Nova, a deep-sea diver in a brass helmet", "Rex, a retired boxer with a broken nose", "Mira, a street violinist in a red coat"].join(Key.enter));
await s.clickOn("#lib-generate");
await s.waitFor(
  "three characters with their angles",
  "const g = document.getElementById('lib-grid'); const cards = [...g.querySelectorAll('.lib-card')]; return document.getElementById('lib-batch').dataset.status === 'completed' && cards.length === 3 && cards.every(c => c.dataset.hasAngles === 'true' && c.querySelector('img').src.startsWith('http://127.0.0.1:'))",
  120000,
);
step("generated 3 characters in bulk; each shows its front angle");
// Clears a field with real keys (select all, delete): the input event runs as a person's would.
async function clearField(css) {
  await s.clickOn(css);
  await s.chord([Key.ctrl], "a");
  await s.pressKeys(Key.backspace);
}
const card = (name) => `#lib-grid .lib-card[data-name="${name}"]`;
await s.typeInto("#lib-search", "boxer");
await s.waitFor("a search by prompt", "const c = document.querySelectorAll('#lib-grid .lib-card'); return c.length === 1 && c[0].dataset.name === 'Rex'", 10000);
const rename = await s.find(`${card("Rex")} .lib-name`);
await s.type(rename, "Rex Stone");
await s.keys(rename, Key.enter);
await s.waitFor("the rename saved", "return [...document.querySelectorAll('#lib-grid .lib-card')].some(c => c.dataset.name === 'Rex Stone')", 10000);
// Enter confirms a rename; it must not close the Characters view (it once submitted its form).
assert.ok(await s.exec("return document.getElementById('characters-dialog').open"), "Enter in a name field closed the Characters view");
await clearField("#lib-search"); // an emptied search lists everyone
await s.waitFor("the rename", "return [...document.querySelectorAll('#lib-grid .lib-card')].some(c => c.dataset.name === 'Rex Stone') && document.querySelectorAll('#lib-grid .lib-card').length === 3", 10000);
await s.clickOn(`${card("Mira")} .del`);
await s.waitFor("the delete", "return document.querySelectorAll('#lib-grid .lib-card').length === 2 && !document.getElementById('lib-undo').hidden", 10000);
await s.clickOn("#lib-undo button");
await s.waitFor("the undo", "return [...document.querySelectorAll('#lib-grid .lib-card')].some(c => c.dataset.name === 'Mira')", 10000);
step("searched, renamed, deleted and undid the delete");
// Edit a prompt (committed when focus leaves it): the old angles are dropped; regenerate them.
await s.typeInto(`${card("Mira")} .lib-prompt`, "a street violinist in a green coat");
await s.pressKeys(Key.tab);
await s.waitFor("the stale angles dropped", `const c = document.querySelector('${card("Mira")}'); return c && c.dataset.hasAngles === 'false' && c.querySelector('.use').disabled`, 10000);
await s.clickOn(`${card("Mira")} .regen`);
await s.waitFor(
  "the regenerated angles",
  `const c = document.querySelector('${card("Mira")}'); return document.getElementById('lib-batch').dataset.status === 'completed' && c && c.dataset.hasAngles === 'true'`,
  60000,
);
step("edited a prompt (angles dropped) and regenerated the angles");
await shot("8-characters");
await s.clickOn(`${card("Nova")} .use`);
await s.waitFor("the library badge in the editor", "return !document.getElementById('char-library').hidden && document.getElementById('char-name').value === 'Nova'", 10000);
const saved = await (async () => {
  for (let i = 0; i < 50; i++) {
    const c = JSON.parse(fs.readFileSync(projectPath, "utf8")).character;
    if (c.libraryId) return c;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
})();
assert.ok(saved?.libraryId, "the project file names the library character");
/** Clicks Render and waits for the new job to complete; returns its id. */
async function renderAndWait(what) {
  await s.waitFor("Render to be enabled", "return !document.getElementById('render').disabled", 10000);
  const before = await s.exec("return document.querySelectorAll('#jobs li.job').length");
  await s.clickOn("#render");
  await s.waitFor(
    what,
    `const j = document.querySelectorAll('#jobs li.job'); return j.length === ${before} + 1 && j[0].dataset.status === 'completed'`,
    120000,
  );
  return s.exec("return document.querySelector('#jobs li.job').dataset.id");
}
const libJob = await renderAndWait("the render with the library character");
const libHistory = JSON.stringify(temporal.history(libJob));
assert.ok(!libHistory.includes("generateCharacterImages"), "a library character needs no character step");
assert.ok(libHistory.includes("generateVideoSegment"));
step("rendered with a library character: no character step in its history");

// A cast of two: a new character beside the library lead, both in the first scene. The clip's
// request carries both faces (the offline provider records its references in the MP4's comment).
await s.clickOn("#new-character");
const member = '#cast-list li.cast-member[data-index="1"]';
await s.waitFor("a second cast member", `return document.querySelector('${member}')`, 10000);
await s.typeInto(`${member} .char-name`, "Lena");
await s.typeInto(`${member} .char-prompt`, "a mechanic with grease on her cheek");
const castIds = await s.exec("return [...document.querySelectorAll('#cast-list li.cast-member')].map(li => li.dataset.id)");
assert.equal(castIds.length, 2, `two characters: ${castIds}`);
await s.clickOn('#scenarios li[data-id="first"]');
await s.clickOn(`#scene-editor .cast-check[data-character="${castIds[1]}"]`);
await s.waitFor(
  "both characters in the first scene",
  "return [...document.querySelectorAll('#scene-editor .cast-check')].every(c => c.checked) && document.querySelectorAll('#scenarios li[data-id=\"first\"] .faces .face').length === 2",
  10000,
);
const castJob = await renderAndWait("the two-character render");
const castEvents = temporal.history(castJob);
const characterSteps = castEvents.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === "generateCharacterImages");
assert.equal(characterSteps.length, 1, "one character step: the new character's (the lead is from the library)");
const castResult = temporal.result(castJob);
const sha = (uri) => crypto.createHash("sha256").update(fs.readFileSync(fileURLToPath(uri))).digest("hex");
const leadFront = sha(castResult.characterImages[0]);
const lenaFront = sha(castResult.castImages[0].front);
const firstClip = castResult.segments.find((x) => x.id === "first").clipUrl;
const probe = JSON.parse(execFileSync("ffprobe", ["-v", "error", "-show_entries", "format_tags=comment", "-of", "json", fileURLToPath(firstClip)], { encoding: "utf8" }));
const record = JSON.parse(probe.format.tags.comment);
assert.deepEqual(record.references.slice(0, 2), [leadFront, lenaFront], `the first scene's references: ${JSON.stringify(record)}`);
const secondClip = castResult.segments.find((x) => x.id === "second").clipUrl;
const alone = JSON.parse(JSON.parse(execFileSync("ffprobe", ["-v", "error", "-show_entries", "format_tags=comment", "-of", "json", fileURLToPath(secondClip)], { encoding: "utf8" })).format.tags.comment);
assert.ok(!alone.references.includes(lenaFront), "a scene without Lena has no reference of hers");
step(`a two-character scene: its clip was made from both faces (${record.references.length} references); the others from the lead alone`);

// Each view at 1280x720 and 1920x1080, as the window draws it (the X window, menu bar included).
// With STUDIO_E2E_SCREENSHOTS=DIR they are also written there as JPEGs (docs/screenshots/).
for (const [w, h] of [[1280, 720], [1920, 1080]]) {
  // The page lays out at the new size before anything is clicked at its new place.
  await resize(s, w, h);
  await s.clickOn('#scenarios li[data-id="first"]');
  await s.waitFor("the scene editor", "return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === 'first'", 10000);
  await shot(`studio-${w}x${h}`, true);
  await s.clickOn("#characters");
  await s.waitFor("the Characters view", "return document.getElementById('characters-dialog').open", 10000);
  await shot(`characters-${w}x${h}`, true);
  await s.pressKeys(Key.escape);
  await s.waitFor("the Characters view to close", "return !document.getElementById('characters-dialog').open", 10000);
  await s.clickOn("#settings");
  await s.waitFor("the Settings dialog", "return document.getElementById('settings-dialog').open", 10000);
  await shot(`settings-${w}x${h}`, true);
  await s.clickOn("#settings-dialog button[value=cancel]");
  await s.waitFor("the Settings dialog to close", "return !document.getElementById('settings-dialog').open", 10000);
}
await resize(s, 1360, 860);
step("each view shot at 1280x720 and 1920x1080");

// One instance: a second start hands its project to this window and exits before it touches
// the data dir, so this session's undo of a delete still works afterwards. Without a D-Bus
// session it cannot hand over: the window lock stops it, it says so and exits.
// The second project lives in a folder of its own: it names a reference beside it (zed.png),
// and its cast member names one outside that folder (ivy.png); another image beside it
// (unnamed.png) is named by nothing.
const secondDir = path.join(dir, "zed");
fs.mkdirSync(secondDir, { recursive: true });
const png = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "../../examples/pilot/reference.png"));
fs.writeFileSync(path.join(secondDir, "zed.png"), png);
fs.writeFileSync(path.join(secondDir, "unnamed.png"), png);
const outsideRef = path.join(dir, "ivy.png");
fs.writeFileSync(outsideRef, png);
const secondProject = path.join(secondDir, "second.studio.json");
fs.writeFileSync(
  secondProject,
  JSON.stringify({
    version: 1,
    character: { id: "zed", name: "Zed", basePrompt: "a lighthouse keeper", referenceImages: ["zed.png"] },
    cast: [{ id: "ivy", name: "Ivy", basePrompt: "a florist with a bicycle", referenceImages: [outsideRef] }],
    scenarios: [{ id: "z1", prompt: "lights the lamp", durationSeconds: 4 }],
    quality: "standard",
    aspectRatio: "16:9",
  }),
);
await s.click(await s.find("#characters"));
await s.waitFor("the Characters view", "return document.getElementById('characters-dialog').open", 10000);
await s.clickOn(`${card("Rex Stone")} .del`);
await s.waitFor("the delete", "return !document.getElementById('lib-undo').hidden && ![...document.querySelectorAll('#lib-grid .lib-card')].some(c => c.dataset.name === 'Rex Stone')", 10000);
/** xdotool's output, or "" when it fails (a search that finds nothing exits 1). */
const xdoMaybe = (...args) => {
  try {
    return xdo(...args);
  } catch {
    return "";
  }
};
/** Waits (bounded) for a native dialog titled `title`, answers it with Escape on the display,
 * and gives the focus back to the studio's window (with no window manager nobody else does). */
async function dismissDialog(title, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const id = xdoMaybe("search", "--onlyvisible", "--name", title).split("\n")[0];
    if (id) {
      xdo("windowfocus", "--sync", id);
      xdo("key", "--clearmodifiers", "Escape");
      for (let i = 0; i < 100 && xdoMaybe("search", "--onlyvisible", "--name", title); i++) await new Promise((r) => setTimeout(r, 100));
      xdo("windowfocus", "--sync", xid());
      return;
    }
    assert.ok(Date.now() < end, `no dialog "${title}" within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** Starts the app again with `env`; resolves to its exit code and stderr (bounded). */
function startAgain(env, whileRunning = async () => {}) {
  const child = spawn(app, [secondProject], {
    env: { ...process.env, STUDIO_DATA_DIR: path.join(dir, "data"), STUDIO_PROVIDER: "offline", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the second start did not exit within 30 s; stderr: ${stderr}`));
    }, 30000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  return Promise.all([exited, whileRunning()]).then(([r]) => r);
}
// No session bus: the D-Bus handover cannot find this window; the lock does. The second start
// shows no window, says the studio is running (stderr and a native dialog) and exits 1.
const locked = await startAgain({ DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" }, () =>
  dismissDialog("SmokeTech Studio is already running"),
);
assert.equal(locked.code, 1, `the second start without D-Bus: ${locked.stderr}`);
assert.match(locked.stderr, /already running/, locked.stderr);
step("a second start without a D-Bus session found the window lock, said so and exited");
const handedOver = await startAgain({});
assert.equal(handedOver.code, 0, `the second start hands over and exits cleanly: ${handedOver.stderr}`);
// Ivy's reference is outside the project's folder: Rust asks before granting it (declined here).
await dismissDialog("Images outside the project's folder");
await s.waitFor("the forwarded project in this window", "return document.getElementById('char-name').value === 'Zed'", 15000);
await s.clickOn("#lib-undo button");
await s.waitFor("the undo after the second start", "return [...document.querySelectorAll('#lib-grid .lib-card')].some(c => c.dataset.name === 'Rex Stone')", 10000);
step("a second start opened its project in this window and exited; the undo trash survived both starts");
// What the project names beside it is shown; what it does not name is not, even asked for by
// the page; the declined outside file is neither shown nor uploaded.
await s.waitFor("the named reference's thumbnail", "return document.querySelector('#ref-thumbs img')?.src.startsWith('http://127.0.0.1:')", 15000);
await s.waitFor("the declined outside reference unshown", "return document.querySelector('#cast-list li.cast-member[data-index=\"1\"] .unreadable')", 15000);
const unnamed = await s.execAsync(
  "const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke('thumbnail', { path: arguments[0] }).then(() => done('shown'), (e) => done(e.code));",
  [path.join(secondDir, "unnamed.png")],
);
assert.equal(unnamed, "rejected", "an image beside the project that it does not name is not shown");
step("the project's named reference is shown; an unnamed image beside it and a declined outside one are not");

// Keyboard only. Tab walks the whole window: every stop has a name, a visible focus ring and is
// on screen, and Tab never gets stuck. Then a scene is opened, edited and rendered with keys.
await s.pressKeys(Key.escape);
await s.waitFor("the Characters view to close", "return !document.getElementById('characters-dialog').open", 10000);
// The cast member's declined reference is not uploaded: the render is refused, naming it;
// without that member the project renders (below, from the keyboard).
await s.clickOn("#render");
await s.waitFor("the render refused for the declined reference", "return document.getElementById('status').textContent.includes('need confirming')", 15000);
if ((await s.exec("return document.getElementById('cast-toggle').getAttribute('aria-expanded')")) !== "true") await s.clickOn("#cast-toggle");
await s.clickOn('#cast-list li.cast-member[data-index="1"] .remove-character');
await s.waitFor("Ivy removed", "return !document.querySelector('#cast-list li.cast-member[data-index=\"1\"]')", 10000);
step("a render naming the declined outside reference was refused; without it the project renders");
const stops = await tabStops(s);
const names = stops.map((f) => f.what);
for (const must of ["#render", "#characters", "#settings", "#new-character", "#add-scenario"]) {
  assert.ok(names.includes(must), `Tab never reaches ${must}: ${names.join(" ")}`);
}
assert.ok(stops.some((f) => f.what === "li.card"), `Tab never reaches a scene card: ${names.join(" ")}`);
const nameless = stops.filter((f) => !f.name).map((f) => f.what);
assert.deepEqual(nameless, [], "every focus stop has a name (label, aria-label or text)");
const ringless = stops.filter((f) => !f.ring).map((f) => f.what);
assert.deepEqual(ringless, [], "every focus stop shows a focus ring");
const offscreen = stops.filter((f) => !f.shown).map((f) => f.what);
assert.deepEqual(offscreen, [], "every focus stop is on screen when focused");
await tabTo(s, "the scene card", "return document.activeElement?.dataset?.id === 'z1'");
await s.pressKeys(Key.enter);
await s.waitFor("the scene editor from Enter", "return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === 'z1'", 10000);
await tabTo(s, "the scene's prompt", "return document.activeElement?.id === 'scene-prompt'");
await s.chord([Key.ctrl], Key.end); // the caret to the end of the prompt
await s.pressKeys(...[..." at dusk"]);
const savedPrompt = () => JSON.parse(fs.readFileSync(secondProject, "utf8")).scenarios[0].prompt;
for (let i = 0; i < 50 && savedPrompt() !== "lights the lamp at dusk"; i++) await new Promise((r) => setTimeout(r, 100));
assert.equal(savedPrompt(), "lights the lamp at dusk", `typed into the scene's prompt and autosaved (the editor shows ${JSON.stringify(await s.exec("return document.getElementById('scene-prompt').value"))})`);
const jobsBeforeKeys = await s.exec("return document.querySelectorAll('#jobs li.job').length");
xdo("windowfocus", "--sync", xid());
xdo("key", "--clearmodifiers", "ctrl+r");
await s.waitFor(
  "the render started from Ctrl+R",
  `const j = document.querySelectorAll('#jobs li.job'); return j.length === ${jobsBeforeKeys} + 1 && j[0].dataset.status === 'completed'`,
  120000,
);
step(`keyboard only: ${stops.length} Tab stops, each named, ringed and on screen; a scene edited and rendered with keys`);
await quit(s, appPid());

fs.writeFileSync(path.join(artifacts, "metrics.json"), JSON.stringify(metrics, null, 2));
console.log(JSON.stringify(metrics));
step("all passed");
process.exit(0);
