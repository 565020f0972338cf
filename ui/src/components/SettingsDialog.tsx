// Settings (a modal dialog): Temporal, worker, provider, parallel clips, prices, the artifact
// cache and keys; validated by Rust, applied at the next start. Each part of the form is its
// own component below; they read and write the one settings store.
import { createEffect, For, Show } from "solid-js";
import { modelReportRows } from "../format";
import { providerOf, settingProblemText } from "../forms";
import { useStudio } from "../stores/studio";

export default function SettingsDialog() {
  const { settings } = useStudio();
  const state = settings.state;
  let dialog!: HTMLDialogElement;
  createEffect(() => {
    if (state.open && !dialog.open) dialog.showModal();
    else if (!state.open && dialog.open) dialog.close();
  });
  return (
    <dialog id="settings-dialog" ref={dialog} onClose={() => settings.close()}>
      <form method="dialog" class="settings">
        <h2>Settings</h2>
        <ConnectionFields />
        <PriceTable />
        <CacheRow />
        <KeysSection />
        <p class="muted">Keys are never written to settings.json or a project. Changes apply at the next start.</p>
        <p id="settings-result" class="muted">{state.result}</p>
        <div class="row">
          <button type="button" id="set-test" onClick={() => void settings.testConnection()}>
            Test connection
          </button>
          <span class="spacer"></span>
          <button value="cancel">Close</button>
          <button type="button" id="set-save" class="primary" onClick={() => void settings.save()}>
            Save
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A field's error line (`data-setting`): its problems from the last save. */
function Problems(props: { setting: string }) {
  const { settings } = useStudio();
  return (
    <div class="field-error" data-setting={props.setting}>
      {settingProblemText(settings.state.problems, props.setting)}
    </div>
  );
}

const storedPlaceholder = (stored: boolean | undefined) =>
  stored === undefined ? undefined : stored ? "stored (type to replace)" : "not set";

/** Temporal, the bundled worker, the provider, clips rendered at once. */
function ConnectionFields() {
  const { settings } = useStudio();
  const form = settings.state.form;
  return (
    <>
    <label>
      Temporal address (host:port; empty = embedded local server)
      <input
        id="set-address"
        placeholder="embedded"
        value={form.temporalAddress}
        onInput={(e) => settings.edit("temporalAddress", e.currentTarget.value)}
      />
    </label>
    <Problems setting="temporalAddress" />
    <label>
      Namespace{" "}
      <input id="set-namespace" placeholder="default" value={form.namespace} onInput={(e) => settings.edit("namespace", e.currentTarget.value)} />
    </label>
    <label class="check">
      <input
        type="checkbox"
        id="set-bundled"
        checked={form.bundledWorker}
        onChange={(e) => settings.edit("bundledWorker", e.currentTarget.checked)}
      />{" "}
      Run the bundled worker (off: only external workers render)
    </label>
    <label>
      Provider
      <select id="set-provider" value={form.provider} onChange={(e) => settings.edit("provider", providerOf(e.currentTarget.value))}>
        <option value="auto">Automatic (Google when keys are set, else offline)</option>
        <option value="offline">Offline (local, no keys)</option>
        <option value="gemini">Google Gemini API (GEMINI_API_KEY)</option>
        <option value="vertex">Google Vertex AI (service account)</option>
      </select>
    </label>
    <Problems setting="provider" />
    <label>
      Clips rendered at once{" "}
      <input
        id="set-parallel"
        type="number"
        min="1"
        max="16"
        value={form.maxParallelSegments}
        onInput={(e) => settings.edit("maxParallelSegments", e.currentTarget.value)}
      />
    </label>
    <Problems setting="maxParallelSegments" />
    </>
  );
}

/** The prices per model (for estimates and what jobs cost). */
function PriceTable() {
  const { settings } = useStudio();
  const form = settings.state.form;
  return (
    <>
    <h3>Prices (US$, used for estimates and what jobs cost)</h3>
    <table class="prices">
      <thead>
        <tr>
          <th>Model</th>
          <th>per image</th>
          <th>per video second</th>
        </tr>
      </thead>
      <tbody id="prices">
        <For each={form.prices}>
          {(row, i) => (
            <tr>
              <td>
                <input class="model" aria-label="Model" value={row.model} onInput={(e) => settings.editPrice(i(), "model", e.currentTarget.value)} />
              </td>
              <td>
                <input
                  class="per-image"
                  type="number"
                  min="0"
                  step="0.001"
                  aria-label="Price per image"
                  value={row.perImage}
                  onInput={(e) => settings.editPrice(i(), "perImage", e.currentTarget.value)}
                />
              </td>
              <td>
                <input
                  class="per-second"
                  type="number"
                  min="0"
                  step="0.01"
                  aria-label="Price per video second"
                  value={row.perVideoSecond}
                  onInput={(e) => settings.editPrice(i(), "perVideoSecond", e.currentTarget.value)}
                />
              </td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
    <button type="button" id="price-add" class="small" onClick={() => settings.addPrice()}>
      + Model
    </button>
    <Problems setting="prices" />
    </>
  );
}

/** Reusing artifacts, the cache's usage and clearing it. */
function CacheRow() {
  const { settings } = useStudio();
  const state = settings.state;
  const form = state.form;
  return (
    <>
    <label class="check">
      <input type="checkbox" id="set-cache" checked={form.useCache} onChange={(e) => settings.edit("useCache", e.currentTarget.checked)} />{" "}
      Reuse artifacts that identical inputs made before (no paying twice for an unchanged shot)
    </label>
    <div class="row">
      <span id="cache-usage" class="muted">{state.cacheUsage}</span>
      <span class="spacer"></span>
      <button type="button" id="cache-clear" onClick={() => void settings.clearCache()}>
        Clear cache
      </button>
    </div>
    </>
  );
}

/** Where keys are kept, the key fields (never their values), testing and saving them. */
function KeysSection() {
  const { settings } = useStudio();
  const state = settings.state;
  const form = state.form;
  return (
    <>
    <h3>Keys</h3>
    <p
      id="keys-where"
      class={state.keys && !state.keys.inKeyring ? "warn" : "muted"}
      data-in-keyring={state.keys ? String(state.keys.inKeyring) : undefined}
    >
      {state.keysWhere}
    </p>
    <label>
      Gemini API key{" "}
      <input
        id="key-gemini"
        type="password"
        autocomplete="off"
        placeholder={storedPlaceholder(state.keys?.geminiApiKey)}
        value={form.geminiApiKey}
        onInput={(e) => settings.edit("geminiApiKey", e.currentTarget.value)}
      />
    </label>
    <Problems setting="geminiApiKey" />
    <label>
      Vertex AI service-account file{" "}
      <input
        id="key-vertex"
        placeholder="/path/to/service-account.json"
        value={form.vertexCredentialsFile}
        onInput={(e) => settings.edit("vertexCredentialsFile", e.currentTarget.value)}
      />
    </label>
    <Problems setting="vertexCredentialsFile" />
    <label>
      Temporal Cloud API key{" "}
      <input
        id="key-temporal"
        type="password"
        autocomplete="off"
        placeholder={storedPlaceholder(state.keys?.temporalApiKey)}
        value={form.temporalApiKey}
        onInput={(e) => settings.edit("temporalApiKey", e.currentTarget.value)}
      />
    </label>
    <Problems setting="temporalApiKey" />
    <div class="row">
      <button type="button" id="key-test" onClick={() => void settings.testKey()}>
        Test key
      </button>
      <span class="spacer"></span>
      <button type="button" id="key-clear-gemini" class="small" hidden={!state.keys?.geminiApiKey} onClick={() => void settings.removeGeminiKey()}>
        Remove Gemini key
      </button>
      <button type="button" id="keys-save" onClick={() => void settings.saveTypedKeys()}>
        Save keys
      </button>
    </div>
    <dl id="model-report" class="model-report" hidden={state.report === null}>
      <Show when={state.report}>
        {(report) => (
          <For each={modelReportRows(report())}>
            {([term, value]) => (
              <>
                <dt>{term}</dt>
                <dd>{value}</dd>
              </>
            )}
          </For>
        )}
      </Show>
    </dl>
    </>
  );
}
