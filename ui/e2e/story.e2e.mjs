// End-to-end test of a story becoming a storyboard, in a real window (Xvfb + tauri-driver +
// WebKitWebDriver), driven by real WebDriver input only (element clicks, key and pointer
// actions; page scripts only read, or scroll a panel as a wheel would): New from story → the story typed → planned offline → the
// review → accepted → the storyboard and the story beside it → a shot selected highlights its
// words → words selected select their shot → the camera changed from its menu → the prompt
// preview follows → Save As → the file holds the camera and the shot's source. Run by
// scripts/test-ui.sh after studio.e2e.mjs.
//
// Env: STUDIO_APP, WEBDRIVER_URL, STUDIO_E2E_DIR, E2E_ARTIFACTS; STUDIO_E2E_SCREENSHOTS=DIR also
// writes the README's picture of the story beside its storyboard there (story-1920x1080.jpg).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { Key } from "./webdriver.mjs";
import { e2eRun, resize, xid } from "./harness.mjs";
import { quit, until } from "./processes.mjs";

const { dir, artifacts, step, launch, shot } = e2eRun("story");

// Three characters in two places, with quoted speech in the usual patterns.
const STORY = [
  "Mara Quinn walked into the harbour bar. Rain ran off her coat.",
  '"We sail at dawn," Mara said.',
  'Jo looked up from the counter and wiped a glass. "Not in this storm," Jo said.',
  "",
  "Eli climbed the iron stairs in the lighthouse with a lantern.",
  'Eli: "The light is out again."',
  "",
  'Mara ran up the stairs behind him. "Then we fix it tonight," she said.',
].join("\n");

const metrics = {};
const { s, pid } = await launch();
await resize(s, 1920, 1080);

// ---------- New from story: typed with real keys, planned offline ----------
await s.clickOn("#new-from-story");
await s.waitFor("the New from story dialog", "return document.getElementById('story-dialog').open", 10000);
await s.click(await s.find("#story-input"));
await s.pressKeys(...[...STORY].map((c) => (c === "\n" ? Key.enter : c)));
const typed = await s.exec("return document.getElementById('story-input').value");
assert.equal(typed, STORY, "the story as typed");
assert.ok(await s.exec("return document.getElementById('planner-offline').checked"), "the offline planner is the default");
await s.waitFor("Plan to be enabled", "return !document.getElementById('story-plan').disabled", 10000);
const plan = await s.find("#story-plan");
const t0 = Date.now();
await s.click(plan);
const shots = await s.waitFor("the plan's shots in the review", "return document.querySelectorAll('#plan-shots li').length", 60000);
metrics.planClickToReviewMs = Date.now() - t0;
const review = await s.waitFor(
  "the review's measure",
  "const r = document.querySelector('.plan-review'); return r && r.dataset.shownAfterMs ? {shownAfterMs: Number(r.dataset.shownAfterMs), summary: document.getElementById('plan-summary').textContent, issues: document.querySelectorAll('#plan-issues li').length, invented: document.querySelectorAll('#plan-invented .invented').length} : null",
  10000,
);
metrics.planReviewInPageMs = review.shownAfterMs;
metrics.plannedShots = shots;
step(`planned ${shots} shots; review shown ${metrics.planClickToReviewMs} ms after the click on Plan (in the page: ${review.shownAfterMs} ms); ${review.summary}`);
for (const name of ["Mara", "Jo", "Eli"]) assert.ok(review.summary.includes(name), `the cast names ${name}: ${review.summary}`);
assert.ok(shots >= 2, `a shot per place at least: ${shots}`);
await shot("story-review");
// An issue, if the check found any, points at its words when clicked.
if (review.issues) {
  await s.clickOn("#plan-issues li button");
  await s.waitFor("the issue's words shown", "return document.querySelector('#plan-story .run.current, #plan-story .run.marked')", 5000);
}
// Invented names (if the planner made any) are accepted from their menus.
for (let i = 0; i < review.invented; i++) {
  const css = `#plan-invented .invented:nth-of-type(${i + 1}) select`;
  await s.clickOn(css);
  await s.clickOn(`${css} option[value="accept"]`);
}
const t1 = Date.now();
await s.clickOn("#plan-accept");
await s.waitFor("the shots on the storyboard", `return document.querySelectorAll('#scenarios li').length === ${shots} && !document.getElementById('story-dialog').open`, 20000);
metrics.acceptToStoryboardMs = Date.now() - t1;
await s.waitFor("the story beside the storyboard", "return document.getElementById('story-view')?.textContent.length > 0", 10000);
assert.equal(await s.exec("return document.getElementById('story-view').textContent"), STORY, "the panel shows the story as written");
step(`accepted: ${shots} cards, the story beside them (${metrics.acceptToStoryboardMs} ms)`);

// ---------- a shot selected highlights its words; words selected select their shot ----------
const ids = await s.exec("return [...document.querySelectorAll('#scenarios li')].map(l => l.dataset.id)");
await s.clickOn(`#scenarios li[data-id="${ids[1]}"]`);
const highlighted = await s.waitFor(
  "the second shot's words highlighted",
  `const r = [...document.querySelectorAll('#story-view .run.current')]; return r.length && r.every(x => x.dataset.shots.split(' ').includes('${ids[1]}')) ? r.map(x => x.textContent).join('') : null`,
  5000,
);
assert.ok(STORY.includes(highlighted.trim()) && highlighted.trim().length > 0, `highlighted words: ${highlighted}`);
step(`shot 2 selected: its words highlighted (${JSON.stringify(highlighted.trim().slice(0, 60))})`);
// Drag across words of the last shot with the pointer: that shot is selected.
const last = ids[ids.length - 1];
const box = await s.exec(
  `const run = [...document.querySelectorAll('#story-view .run')].find(r => r.dataset.shots.split(' ').includes('${last}'));
   const view = document.getElementById('story-view').getBoundingClientRect();
   const rect = [...run.getClientRects()].find(r => r.width > 30 && r.top >= view.top && r.bottom <= view.bottom);
   return rect && {x: Math.round(rect.left + 4), y: Math.round(rect.top + rect.height / 2), w: Math.round(rect.width)};`,
);
assert.ok(box, "the last shot's words are on screen in the story panel");
await s.actions([
  {
    type: "pointer",
    id: "mouse",
    parameters: { pointerType: "mouse" },
    actions: [
      { type: "pointerMove", duration: 0, x: box.x, y: box.y },
      { type: "pointerDown", button: 0 },
      { type: "pointerMove", duration: 120, x: box.x + Math.min(box.w - 8, 80), y: box.y },
      { type: "pointerUp", button: 0 },
    ],
  },
]);
await s.waitFor("the last shot selected from its words", `return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === '${last}'`, 5000);
const selectedWords = await s.exec("return String(getSelection())");
assert.ok(selectedWords.length > 0, "the drag selected words");
step(`words selected in the story (${JSON.stringify(selectedWords)}) selected their shot, ${last}`);
// Keyboard: ↑ in the story goes to the shot before.
await s.click(await s.find("#story-view"));
await s.waitFor("the last shot still selected", `return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === '${last}'`, 5000);
await s.pressKeys(Key.up);
await s.waitFor("↑ to the shot before", `return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === '${ids[ids.length - 2]}'`, 5000);
await s.pressKeys(Key.down);
await s.waitFor("↓ back to the last shot", `return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === '${last}'`, 5000);
step("↑/↓ in the story move between shots");

// ---------- the camera from its menu; the prompt preview follows ----------
const before = await s.waitFor("the prompt preview", "return document.getElementById('scene-video-prompt')?.textContent || null", 10000);
const size = await s.exec("return document.getElementById('scene-shot-size').value");
const want = size === "close-up" ? "extreme-close-up" : "close-up";
const words = want === "close-up" ? "Close-up" : "Extreme close-up";
// The editor scrolls (a person's wheel): the menu comes into its view before it is clicked.
await s.exec("document.getElementById('scene-shot-size').scrollIntoView({block: 'center'})");
await s.clickOn("#scene-shot-size");
await s.clickOn(`#scene-shot-size option[value="${want}"]`);
await s.waitFor("the shot size picked", `return document.getElementById('scene-shot-size').value === '${want}'`, 5000);
const after = await s.waitFor("the preview to follow", `const t = document.getElementById('scene-video-prompt').textContent; return t.startsWith('${words}') ? t : null`, 5000);
assert.notEqual(after, before);
step(`camera → ${want}: the prompt sent now reads ${JSON.stringify(after.slice(0, 70))}…`);

// The editor's new fields fit its width (nothing scrolls sideways).
const sideways = await s.exec("const e = document.getElementById('scene-editor'); return e.scrollWidth - e.clientWidth");
if (sideways > 1) {
  const wide = await s.exec(
    "const e = document.getElementById('scene-editor'); const r = e.getBoundingClientRect(); return [...e.querySelectorAll('*')].filter(x => x.getBoundingClientRect().right > r.right - 12 + 1).map(x => x.tagName + '#' + x.id + '.' + x.className + ' ' + Math.round(x.getBoundingClientRect().right - r.right)).slice(0, 12)",
  );
  assert.fail(`the scene editor scrolls sideways by ${sideways} px: ${wide.join(", ")}`);
}

// ---------- Save As; the file holds the story, the camera and the shot's source ----------
const saved = path.join(dir, "story.studio.json");
await s.clickOn("#save-as");
await answerSaveDialog(saved);
await until("the planned project saved", () => fs.existsSync(saved), 15000);
const project = JSON.parse(fs.readFileSync(saved, "utf8"));
assert.equal(project.story?.text, STORY, "the story is kept in the project");
const scene = project.scenarios.find((x) => x.id === last);
assert.deepEqual(scene.camera?.shot, want, `the camera of ${last}: ${JSON.stringify(scene)}`);
assert.ok(Number.isInteger(scene.source?.start) && scene.source.end > scene.source.start, `the shot's source: ${JSON.stringify(scene.source)}`);
const told = Array.from(STORY).slice(scene.source.start, scene.source.end).join("");
assert.ok(told.includes(selectedWords.trim()), `the shot's source tells the words selected: ${JSON.stringify(told)}`);
const covered = project.scenarios.every((x, i) => i === 0 || x.source.start >= project.scenarios[i - 1].source.end);
assert.ok(covered, "the shots' sources are in story order");
// The picture for the README: the story beside its storyboard, a shot's words highlighted.
await s.clickOn(`#scenarios li[data-id="${ids[0]}"]`);
await s.waitFor("the first shot's words highlighted", `return document.querySelector('#story-view .run.current')?.dataset.shots.split(' ').includes('${ids[0]}')`, 5000);
// The pointer off the cards, so no tooltip covers them.
await s.actions([{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: [{ type: "pointerMove", duration: 0, x: 1500, y: 950 }] }]);
await shot("story-1920x1080", true);
step(`saved: ${last} has camera ${scene.camera.shot}/${scene.camera.move} and source ${scene.source.start}..${scene.source.end} (${JSON.stringify(told.trim().slice(0, 50))})`);

await quit(s, pid);
fs.writeFileSync(path.join(artifacts, "story-metrics.json"), JSON.stringify(metrics, null, 2));
console.log(JSON.stringify(metrics));
step("all passed");
process.exit(0);

/** The native Save dialog (GTK, opened by Rust): the path typed into its name field, Enter. */
async function answerSaveDialog(file) {
  const app = xid();
  const end = Date.now() + 20000;
  for (;;) {
    const windows = (() => {
      try {
        return execFileSync("xdotool", ["search", "--onlyvisible", "--name", "."], { encoding: "utf8" }).trim().split("\n");
      } catch {
        return [];
      }
    })();
    const name = (w) => {
      try {
        return execFileSync("xdotool", ["getwindowname", w], { encoding: "utf8" });
      } catch {
        return "";
      }
    };
    const dialog = windows.find((w) => w && w !== app && /save/i.test(name(w)));
    if (dialog) {
      execFileSync("xdotool", ["windowfocus", "--sync", dialog]);
      execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"]);
      execFileSync("xdotool", ["type", "--delay", "10", file]);
      execFileSync("xdotool", ["key", "--clearmodifiers", "Return"]);
      // Bounded: the dialog closes once it has the name (or the wait ends and the file check says why).
      for (let i = 0; i < 100 && /save/i.test(name(dialog)); i++) await new Promise((r) => setTimeout(r, 100));
      execFileSync("xdotool", ["windowfocus", "--sync", app]);
      return;
    }
    assert.ok(Date.now() < end, "no Save dialog within 20 s");
    await new Promise((r) => setTimeout(r, 200));
  }
}
