// Walking the window with the keyboard alone, for the window e2e: every Tab stop once round the
// window (what it is, its name, whether it shows a focus ring and is on screen), and Tab until
// a condition holds.
import assert from "node:assert/strict";
import { Key } from "./webdriver.mjs";

/** The focused element as a Tab stop (null on the page itself). */
const FOCUS = `const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const path = []; for (let n = e; n && n !== document.body; n = n.parentElement) path.unshift(n.tagName + ':' + [...n.parentElement.children].indexOf(n));
  const cs = getComputedStyle(e); const r = e.getBoundingClientRect();
  const name = e.getAttribute('aria-label') || (e.labels && [...e.labels].map(l => l.textContent).join(' ').trim()) || e.getAttribute('title') || e.getAttribute('placeholder') || e.textContent.trim();
  return { path: path.join('/'), what: e.id ? '#' + e.id : e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''), name: (name || '').slice(0, 50),
    ring: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none',
    shown: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth };`;

/**
 * Presses Tab round the window once (at most 200 presses) and returns each stop it focused:
 * `{path, what, name, ring, shown}`. Fails when Tab stays stuck on one element.
 */
export async function tabStops(s) {
  const stops = [];
  const start = await s.exec(FOCUS);
  if (start) stops.push(start);
  let stay = 0; // Tabs that stayed on one element (the video's own controls take a few)
  for (let i = 0; i < 200; i++) {
    await s.pressKeys(Key.tab);
    const f = await s.exec(FOCUS);
    if (!f) continue;
    if (stops.length && f.path === stops[stops.length - 1].path) {
      assert.ok(++stay < 12, `Tab is stuck in ${f.what}`);
      continue;
    }
    stay = 0;
    if (stops.some((x) => x.path === f.path)) break; // round the window once
    stops.push(f);
  }
  return stops;
}

/** Presses Tab (at most 150 times) until `script` holds in the page. */
export async function tabTo(s, what, script) {
  for (let i = 0; i < 150; i++) {
    if (await s.exec(script)) return;
    await s.pressKeys(Key.tab);
  }
  throw new Error(`Tab never reached ${what}`);
}
