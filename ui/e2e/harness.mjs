// What every window e2e file does around its own test, once: the environment scripts/test-ui.sh
// gives it, the app launched through tauri-driver (and its pid, to make sure it is gone at the
// end), the X window sized and placed with xdotool, screenshots of the window as drawn (the
// README's pictures with STUDIO_E2E_SCREENSHOTS=DIR), and one of the whole screen when a test
// fails.
//
// Env: STUDIO_APP, WEBDRIVER_URL, STUDIO_E2E_DIR, E2E_ARTIFACTS, STUDIO_E2E_SCREENSHOTS.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Session } from "./webdriver.mjs";

/**
 * The run's settings for the e2e file `name` ("cut", "story"…): its log line prefix, its
 * artifacts folder (made), and a screenshot of the screen as `NAME-failure.png` if it fails.
 */
export function e2eRun(name) {
  const app = process.env.STUDIO_APP;
  const driver = process.env.WEBDRIVER_URL ?? "http://127.0.0.1:4444";
  const dir = process.env.STUDIO_E2E_DIR;
  const artifacts = process.env.E2E_ARTIFACTS ?? path.join(dir, "artifacts-out");
  fs.mkdirSync(artifacts, { recursive: true });
  process.on("exit", (code) => {
    if (code === 0) return;
    try {
      execFileSync("import", ["-window", "root", path.join(artifacts, `${name}-failure.png`)]);
    } catch {
      // no display
    }
  });
  return {
    app,
    driver,
    dir,
    artifacts,
    step: (msg) => console.log(`[e2e ${name}] ${msg}`),
    launch: (args = []) => launch(driver, app, args),
    shot: (file, docs = false) => shot(artifacts, file, docs),
  };
}

/**
 * Starts the app with `args` in a new WebDriver session and waits until the studio is ready
 * (bounded). The pid is the newest process of the app's binary: the one this session started.
 */
export async function launch(driver, app, args = []) {
  const s = await Session.create(driver, { "tauri:options": { application: app, args } });
  const pid = Number(execFileSync("pgrep", ["-n", "-f", path.basename(app)], { encoding: "utf8" }).trim());
  await s.waitFor("the studio to be ready", "return document.body.dataset.ready === 'true'", 120000);
  return { s, pid };
}

/** The studio's X window (the visible one named SmokeTech Studio). */
export const xid = () => execFileSync("xdotool", ["search", "--onlyvisible", "--name", "SmokeTech Studio"], { encoding: "utf8" }).trim().split("\n")[0];

/**
 * Sizes the window to `w`×`h` at the screen's corner, and waits until the page has that width
 * and two frames have passed (the layout settled: container units, the timeline's width).
 */
export async function resize(s, w, h) {
  execFileSync("xdotool", ["windowsize", "--sync", xid(), String(w), String(h)]);
  execFileSync("xdotool", ["windowmove", xid(), "0", "0"]);
  await s.waitFor(`the page at ${w} px`, `return innerWidth === ${w}`, 10000);
  await s.execAsync("const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)))");
}

/**
 * The window as drawn (the X window, menu bar included) in `artifacts/NAME.png`; `docs` also
 * writes the README's JPEG to STUDIO_E2E_SCREENSHOTS when set. Taken after 600 ms, once
 * hover effects and transitions have settled.
 */
export async function shot(artifacts, name, docs = false) {
  await new Promise((r) => setTimeout(r, 600));
  const file = path.join(artifacts, `${name}.png`);
  execFileSync("import", ["-window", xid(), file]);
  const docsDir = process.env.STUDIO_E2E_SCREENSHOTS;
  if (docs && docsDir) {
    fs.mkdirSync(docsDir, { recursive: true });
    execFileSync("/usr/bin/convert", [file, "-quality", "82", path.join(docsDir, `${name}.jpg`)]);
  }
}
