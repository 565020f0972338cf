// The installed .deb as a user meets it: launch /usr/bin/smoketech-studio under Xvfb with a fresh
// home directory, check the window opens, the embedded Temporal server runs from the bundled
// sidecar (not from PATH or the project's .venv), and the example project renders with the
// offline provider. Run by scripts/test-bundle.sh.
//
// Env: STUDIO_APP (the installed binary), WEBDRIVER_URL, BUNDLE_PROJECT (a copy of the example
// project), BUNDLE_SIDECAR (the path the sidecar must run from).
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { Session } from "./webdriver.mjs";

const step = (msg) => console.log(`[bundle] ${msg}`);
const t0 = Date.now();
const s = await Session.create(process.env.WEBDRIVER_URL, {
  "tauri:options": { application: process.env.STUDIO_APP, args: [process.env.BUNDLE_PROJECT] },
});
await s.waitFor("the editor with the example's scenarios", "return document.querySelectorAll('#scenarios li').length === 3", 30000);
const windowMs = Date.now() - t0;
step(`first launch to an interactive window: ${windowMs} ms`);
await s.waitFor("the studio to be ready", "return document.body.dataset.ready === 'true'", 120000);
const readyMs = Date.now() - t0;
step(`first launch to the embedded server and worker ready: ${readyMs} ms`);

// Which temporal runs the embedded server: the sidecar, by its executable path.
const servers = execFileSync("pgrep", ["-a", "-f", "server start-dev"], { encoding: "utf8" }).trim().split("\n");
const exes = servers.map((l) => execFileSync("readlink", ["-f", `/proc/${l.split(" ")[0]}/exe`], { encoding: "utf8" }).trim());
assert.ok(exes.includes(process.env.BUNDLE_SIDECAR), `the dev server runs from ${JSON.stringify(exes)}`);
step(`embedded Temporal server runs from the sidecar ${process.env.BUNDLE_SIDECAR}`);

await s.waitFor("Render to be enabled", "return !document.getElementById('render').disabled", 30000);
await s.click(await s.find("#render"));
await s.waitFor("the job to complete", "return document.querySelector('#jobs li.job')?.dataset.status === 'completed'", 240000);
const video = await s.waitFor(
  "the preview",
  "const v = document.getElementById('player'); return v.readyState >= 2 ? v.duration : null",
  30000,
);
// The example: 8 + 6 + 4 seconds.
assert.ok(Math.abs(video - 18) < 0.2, `video duration ${video}`);
step(`the example rendered in the installed app: ${video.toFixed(2)} s of video, ${Date.now() - t0} ms after launch`);
await s.quit();
console.log(JSON.stringify({ firstLaunchToWindowMs: windowMs, firstLaunchToReadyMs: readyMs }));
process.exit(0);
