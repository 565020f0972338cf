// A minimal W3C WebDriver client over fetch (no extra dependencies), for tauri-driver.

/** WebDriver key codes. */
export const Key = {
  enter: "\uE007",
  tab: "\uE004",
  escape: "\uE00C",
  left: "\uE012",
  right: "\uE014",
  up: "\uE013",
  down: "\uE015",
  shift: "\uE008",
  ctrl: "\uE009",
  alt: "\uE00A",
  backspace: "\uE003",
  end: "\uE010",
  /** Releases the modifiers held in one `keys` call. */
  release: "\uE000",
};

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities) {
    const r = await call(base, "POST", "/session", { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, r.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body).catch((e) => {
      // Name the element by the selector it was found with.
      const el = path.match(/^\/element\/([^/]+)/)?.[1];
      const css = el && this.names?.get(el);
      throw css ? new Error(`${css}: ${e.message}`) : e;
    });
  }

  async find(css) {
    const r = await this.cmd("POST", "/element", { using: "css selector", value: css });
    const el = Object.values(r)[0];
    this.names ??= new Map();
    this.names.set(el, css);
    return el;
  }

  async findAll(css) {
    const r = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return r.map((e) => Object.values(e)[0]);
  }

  click(el) {
    return this.cmd("POST", `/element/${el}/click`, {});
  }

  async type(el, text) {
    // As a person types over a field: click it (that also scrolls it into view inside a
    // scrolled panel), select all, type. (WebDriver's Element Clear would fire a `change` with
    // the field empty, which no person causes.)
    await this.click(el);
    return this.replaceFocused(text);
  }

  /** Selects all in the focused field and types `text` over it. */
  async replaceFocused(text) {
    await this.chord([Key.ctrl], "a");
    return this.pressKeys(Key.backspace, ...text);
  }

  /** A real pointer click at the middle of an element (W3C pointer actions). */
  async pointerClick(el) {
    const r = await this.rect(el);
    const x = Math.round(r.x + r.width / 2);
    const y = Math.round(r.y + r.height / 2);
    return this.actions([
      {
        type: "pointer",
        id: "mouse",
        parameters: { pointerType: "mouse" },
        actions: [
          { type: "pointerMove", duration: 0, x, y },
          { type: "pointerDown", button: 0 },
          { type: "pointerUp", button: 0 },
        ],
      },
    ]);
  }

  /** Sends key strokes to an element without clearing it (e.g. `Key.enter`). */
  keys(el, text) {
    return this.cmd("POST", `/element/${el}/value`, { text });
  }

  /**
   * Finds `css` and clicks it with a real (WebDriver) click. An element the page replaced between
   * the find and the click ("stale element reference") is found again, as a person's next look
   * would: a few times, then the error stands. One half hidden in a scrolled panel is scrolled
   * into view first.
   */
  async clickOn(css) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.click(await this.find(css));
      } catch (e) {
        if (attempt >= 3 || !/stale element reference|element not interactable/.test(e.message)) throw e;
        // Half hidden at the edge of a scrolled panel (WebKitWebDriver scrolls only the page
        // into view, not a panel inside it): the panel is scrolled to it, as a person's wheel
        // would, and the click is made again (a real click; the script only scrolls).
        if (/element not interactable/.test(e.message)) {
          await this.exec("document.querySelector(arguments[0])?.scrollIntoView({block: 'center'})", [css]);
        }
      }
    }
  }

  /** Finds `css`, clears it and types `text` as a person would. */
  async typeInto(css, text) {
    // Clicked as `clickOn` clicks: a field re-rendered between the find and the click (a job's
    // take rows when its detail answers again) is found again. Nothing is typed until then.
    await this.clickOn(css);
    return this.replaceFocused(text);
  }

  /** Key strokes to whatever has focus (W3C key actions). */
  pressKeys(...keys) {
    const actions = [];
    for (const k of keys) actions.push({ type: "keyDown", value: k }, { type: "keyUp", value: k });
    return this.actions([{ type: "key", id: "keyboard", actions }]);
  }

  /** A chord: `mods` held while `key` is pressed (e.g. `chord([Key.ctrl], "z")`). */
  chord(mods, key) {
    const actions = [
      ...mods.map((m) => ({ type: "keyDown", value: m })),
      { type: "keyDown", value: key },
      { type: "keyUp", value: key },
      ...mods.reverse().map((m) => ({ type: "keyUp", value: m })),
    ];
    return this.actions([{ type: "key", id: "keyboard", actions }]);
  }

  exec(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  execAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  rect(el) {
    return this.cmd("GET", `/element/${el}/rect`);
  }

  actions(actions) {
    return this.cmd("POST", "/actions", { actions });
  }

  screenshot() {
    return this.cmd("GET", "/screenshot");
  }

  quit() {
    return call(this.base, "DELETE", `/session/${this.id}`);
  }

  /** Polls `script` (returning a truthy value when done) until it holds or `ms` passes. */
  async waitFor(what, script, ms = 60000, args = []) {
    const end = Date.now() + ms;
    for (;;) {
      const v = await this.exec(script, args);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Every WebDriver call is bounded, so a stuck browser fails the test instead of hanging CI. */
const CALL_TIMEOUT_MS = 60000;

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const json = await res.json();
  if (!res.ok || (json.value && json.value.error)) {
    throw new Error(`${method} ${path}: ${JSON.stringify(json.value ?? json).slice(0, 500)}`);
  }
  return json.value;
}
