// End-to-end test of the film's sound in a real window (Xvfb + tauri-driver + WebKitWebDriver),
// driven by real WebDriver input only (element clicks, key and pointer actions; page scripts
// only read, or scroll a panel as a wheel would): a cast member's speech voice picked from its
// menu and its voice described → Play sample (spoken by espeak-ng offline, played from the
// loopback media server; a second press comes from the cache) → a shot's narration typed → the
// project's dialogue as voice-over → a music prompt → the music lane muted, undone and redone
// from the keyboard → the project file on disk holds all of it → a render → the lanes show the
// stems' waveforms and the player the film's captions. Run by scripts/test-ui.sh after the
// story test.
//
// Env: STUDIO_APP, WEBDRIVER_URL, STUDIO_E2E_DIR, E2E_ARTIFACTS; STUDIO_E2E_SCREENSHOTS=DIR also
// writes the README's picture of the sound lanes there (sound-1920x1080.jpg).
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { Key } from "./webdriver.mjs";
import { e2eRun, resize } from "./harness.mjs";
import { quit, until } from "./processes.mjs";

const { dir, artifacts, step, launch, shot } = e2eRun("sound");

// Two characters, two shots with lines: the lanes have something to show before any render.
const projectPath = path.join(dir, "sound.studio.json");
fs.writeFileSync(
  projectPath,
  JSON.stringify({
    version: 1,
    character: { id: "mara", name: "Mara", basePrompt: "a sea captain in an oilskin coat", referenceImages: [] },
    cast: [{ id: "jo", name: "Jo", basePrompt: "a barkeeper with rolled sleeves", referenceImages: [] }],
    scenarios: [
      { id: "bar", prompt: "the harbour bar at night, rain on the windows", durationSeconds: 4, cast: ["mara", "jo"], dialogue: [{ speaker: "mara", line: "We sail at dawn." }] },
      { id: "quay", prompt: "the quay in a storm, waves over the wall", durationSeconds: 4, cast: ["mara", "jo"], dialogue: [{ speaker: "jo", line: "Not in this storm." }] },
    ],
    quality: "standard",
    aspectRatio: "16:9",
  }),
);
const onDisk = () => JSON.parse(fs.readFileSync(projectPath, "utf8"));

const metrics = {};
const { s, pid } = await launch([projectPath]);
await s.waitFor("the project's two shots", "return document.querySelectorAll('#scenarios li').length === 2", 60000);
await resize(s, 1920, 1080);

// ---------- a voice per cast member, and its sample ----------
if ((await s.exec("return document.getElementById('cast-toggle').getAttribute('aria-expanded')")) !== "true") await s.clickOn("#cast-toggle");
const lead = '#cast-list .cast-member[data-index="0"]';
await s.waitFor("the speech voices in the menu", `return document.querySelectorAll('${lead} .voice-speech option').length === 31`, 20000);
await s.exec(`document.querySelector('${lead} .voice-speech').scrollIntoView({block: 'center'})`);
await s.clickOn(`${lead} .voice-speech`);
await s.clickOn(`${lead} .voice-speech option[value="Kore"]`);
await s.waitFor("Kore picked", `return document.querySelector('${lead} .voice-speech').value === 'Kore'`, 5000);
const description = "low and weathered, a Cornish accent";
await s.typeInto(`${lead} .voice-description`, description);
await s.clickOn(`${lead} .voice-sample`);
const sample = await s.waitFor(
  "the sample to load in its audio element",
  `const a = document.querySelector('${lead} .voice-sample-audio');
   return a.readyState >= 1 && a.duration > 0 ? {src: a.currentSrc, d: a.duration, text: document.querySelector('${lead} .voice-sample-state').textContent} : null`,
  60000,
);
assert.ok(sample.src.startsWith("http://127.0.0.1:"), `the sample plays from the loopback server: ${sample.src}`);
assert.ok(sample.d > 0.5 && sample.d < 30, `the sample's length: ${sample.d}`);
assert.ok(!sample.text.includes("cache"), `the first sample is spoken: ${sample.text}`);
metrics.sampleSeconds = sample.d;
// The same voice again: from the cache, the same file.
await s.waitFor("the sample button back", `return !document.querySelector('${lead} .voice-sample').disabled`, 20000);
await s.clickOn(`${lead} .voice-sample`);
const again = await s.waitFor(
  "the sample from the cache",
  `const t = document.querySelector('${lead} .voice-sample-state').textContent; return t.includes('from the cache') ? {t, src: document.querySelector('${lead} .voice-sample-audio').currentSrc} : null`,
  20000,
);
assert.equal(again.src, sample.src, "a cached sample is the same file");
step(`Mara's voice: Kore, ${JSON.stringify(description)}; sample ${sample.d.toFixed(2)} s from ${new URL(sample.src).pathname.split("/").pop()}, then ${again.t}`);

// ---------- narration, voice-over, music ----------
await s.clickOn('#scenarios li[data-id="quay"]');
await s.waitFor("the quay shot in the editor", "return document.querySelector('#scene-editor .scene-editor-body')?.dataset.id === 'quay'", 5000);
const narration = "By dawn the storm had not broken.";
await s.exec("document.getElementById('scene-narration').scrollIntoView({block: 'center'})");
await s.typeInto("#scene-narration", narration);
await s.waitFor("the narration's time shown", "return document.getElementById('scene-narration-time').textContent.includes('s at a natural pace')", 5000);
await s.clickOn("#dialogue-mode");
await s.clickOn('#dialogue-mode option[value="voiceOver"]');
await s.waitFor("voice-over picked", "return document.getElementById('dialogue-mode').value === 'voiceOver'", 5000);
if ((await s.exec("return document.getElementById('music-toggle').getAttribute('aria-expanded')")) !== "true") await s.clickOn("#music-toggle");
const musicPrompt = "slow cello and sea wind, no vocals";
await s.typeInto("#music-prompt", musicPrompt);
step("narration typed, dialogue as voice-over, music prompt set");

// ---------- the lanes: the lines where they fall; mute the music, undo, redo ----------
await s.waitFor("the sound lanes", "return document.querySelectorAll('#sound-lanes .sound-lane').length === 4", 10000);
const blocks = await s.exec("return Object.fromEntries([...document.querySelectorAll('#sound-lanes .sound-lane')].map(l => [l.dataset.lane, l.querySelectorAll('.lane-block').length]))");
assert.deepEqual(blocks, { dialogue: 2, narration: 1, music: 1, clips: 0 }, "the lines, the narration and the music as blocks before a render");
const musicMute = '#sound-lanes .sound-lane[data-lane="music"] .lane-mute';
await s.clickOn(musicMute);
await s.waitFor("the music lane muted", `return document.querySelector('${musicMute}').getAttribute('aria-pressed') === 'true'`, 5000);
// The mute button has the focus (not a text field): the keys go to the project's history.
await s.chord([Key.ctrl], "z");
await s.waitFor("Ctrl+Z unmutes it", `return document.querySelector('${musicMute}').getAttribute('aria-pressed') === 'false'`, 5000);
await s.chord([Key.ctrl, Key.shift], "z");
await s.waitFor("Ctrl+Shift+Z mutes it again", `return document.querySelector('${musicMute}').getAttribute('aria-pressed') === 'true'`, 5000);
step("music lane muted, undone and redone from the keyboard");

// ---------- the project file on disk ----------
await until(
  "the autosaved project holding the sound",
  () => {
    const p = onDisk();
    return p.mix?.music?.mute === true && p.music?.prompt === musicPrompt && p.character?.voice?.speech === "Kore" && p.scenarios?.[1]?.narration === narration;
  },
  10000,
);
const saved = onDisk();
assert.deepEqual(saved.character.voice, { description, speech: "Kore" });
assert.equal(saved.dialogueMode, "voiceOver");
assert.equal(saved.scenarios[1].narration, narration);
assert.equal(saved.music.prompt, musicPrompt);
assert.deepEqual(saved.mix, { music: { mute: true } }, "only the changed track is written");
assert.equal(saved.cast[0].voice, undefined, "Jo keeps no voice field: none was set");
step("the project file holds the voice, the narration, voice-over, the music and the muted lane");
// Heard in the render: the music lane on again (a muted track's stem is silent).
await s.clickOn(musicMute);
await until("the mix back to its default in the file", () => onDisk().mix === undefined, 10000);

// ---------- a render: waveforms from the stems, captions over the player ----------
await s.waitFor("Render to be enabled", "return !document.getElementById('render').disabled", 20000);
// The data dir is the earlier tests' too: their jobs are listed; this render is a new card.
const jobsBefore = await s.exec("return document.querySelectorAll('#jobs li.job').length");
const t0 = Date.now();
await s.clickOn("#render");
await s.waitFor(
  "the render to complete",
  `const j = document.querySelectorAll('#jobs li.job'); return j.length === ${jobsBefore} + 1 && j[0].dataset.status === 'completed'`,
  240000,
);
metrics.renderMs = Date.now() - t0;
await s.waitFor("the film in the player", "const v = document.getElementById('player'); return v.readyState >= 1 && v.duration > 0", 30000);
const waves = await s.waitFor(
  "the stems' waveforms in the lanes",
  "const c = [...document.querySelectorAll('#sound-lanes .sound-lane canvas.waveform')]; return c.length === 4 && c.every(x => Number(x.dataset.peaks) > 0) ? Object.fromEntries(c.map(x => [x.closest('.sound-lane').dataset.lane, Number(x.dataset.max)])) : null",
  30000,
);
for (const lane of ["dialogue", "narration", "music"]) assert.ok(waves[lane] > 0.01, `the ${lane} stem is heard: ${JSON.stringify(waves)}`);
// The caption track as the page has it (said when the wait fails).
const captionsState = `const v = document.getElementById('player'); const el = document.getElementById('player-captions'); const t = el?.track;
  return {elements: v.querySelectorAll('track').length, tracks: v.textTracks.length, mode: t?.mode ?? null, cues: t?.cues?.length ?? null,
    src: el?.src ?? null, readyState: el?.readyState ?? null, texts: t?.cues ? [...t.cues].map(c => c.text) : []};`;
const captions = await s
  .waitFor("the captions over the player", `const c = (() => { ${captionsState} })(); return c.mode === 'showing' && c.cues ? c.texts : null`, 20000)
  .catch(async (e) => {
    throw new Error(`${e.message}: ${JSON.stringify(await s.exec(captionsState))}`);
  });
for (const line of ["We sail at dawn.", "Not in this storm.", narration]) {
  assert.ok(captions.some((c) => c.includes(line.replace(/\.$/, ""))), `a caption for ${JSON.stringify(line)}: ${JSON.stringify(captions)}`);
}
// The stems play beside the video: a lane muted now plays at nothing (and the mute is saved);
// a soloed lane plays alone (and solo is not saved).
await s.waitFor("the stems playing in the lanes", "return document.getElementById('sound-lanes').dataset.stemsPlaying === 'true'", 10000);
const gains = () => s.exec("return Object.fromEntries([...document.querySelectorAll('#sound-lanes .sound-lane')].map(l => [l.dataset.lane, Number(l.dataset.gain)]))");
assert.deepEqual(await gains(), { dialogue: 1, narration: 1, music: 1, clips: 1 });
await s.clickOn(musicMute);
await s.waitFor("the music lane silent", "return document.querySelector('#sound-lanes .sound-lane[data-lane=\"music\"]').dataset.gain === '0.000'", 5000);
await until("the mute saved", () => onDisk().mix?.music?.mute === true, 10000);
await s.clickOn('#sound-lanes .sound-lane[data-lane="narration"] .lane-solo');
await s.waitFor("narration alone", "return document.querySelector('#sound-lanes .sound-lane[data-lane=\"dialogue\"]').dataset.gain === '0.000'", 5000);
assert.deepEqual(await gains(), { dialogue: 0, narration: 1, music: 0, clips: 0 });
await new Promise((r) => setTimeout(r, 1500)); // past the autosave delay: solo writes nothing
assert.deepEqual(onDisk().mix, { music: { mute: true } }, "solo is not saved");
await s.clickOn('#sound-lanes .sound-lane[data-lane="narration"] .lane-solo');
await s.clickOn(musicMute);
await s.waitFor("every lane heard again", "return [...document.querySelectorAll('#sound-lanes .sound-lane')].every(l => l.dataset.gain === '1.000')", 5000);
step(`rendered in ${metrics.renderMs} ms: stems' loudest peaks ${JSON.stringify(waves)}, ${captions.length} captions; mute and solo heard on the stems`);

// The picture for the README: the lanes under the player (the cast and music strips folded,
// as a creator would to give the player room), the playhead in the second shot.
await s.clickOn("#cast-toggle");
await s.clickOn("#music-toggle");
await s.clickOn('#timeline .tl-seg[data-scene="quay"]');
// The picture (and the captions at its foot) fit in the stage the column gives the player.
const fit = await s.exec("const v = document.getElementById('player').getBoundingClientRect(); const st = document.querySelector('#preview .player-stage').getBoundingClientRect(); return {video: v.height, stage: st.height, inside: v.top >= st.top - 1 && v.bottom <= st.bottom + 1}");
assert.ok(fit.inside, `the video overflows its stage: ${JSON.stringify(fit)}`);
// At the second shot's start the narration is on screen: its cue is active.
const active = await s.waitFor(
  "the narration's caption active",
  "const t = document.getElementById('player-captions').track; return t.activeCues && t.activeCues.length ? [...t.activeCues].map(c => c.text) : null",
  10000,
);
assert.deepEqual(active, [narration]);
await s.actions([{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: [{ type: "pointerMove", duration: 0, x: 1500, y: 1000 }] }]);
await shot("sound-1920x1080", true);

await quit(s, pid);
fs.writeFileSync(path.join(artifacts, "sound-metrics.json"), JSON.stringify(metrics, null, 2));
console.log(JSON.stringify(metrics));
step("all passed");
process.exit(0);
