// The status bar: the last message, the connection line, and the file dialogs that report to it.
import { createStore } from "solid-js/store";
import { commands, type EndpointSource, type FileChoice } from "../bindings";
import { healthText } from "../format";
import { chooseFiles } from "../ipc";

export type StatusKind = "ok" | "warn" | "error";

export interface StatusState {
  text: string;
  /** Unset until the first message (the bar styles `error`). */
  kind?: StatusKind;
  health: string;
  connected?: boolean;
  /** Where the Temporal address came from (the bar marks one that is not the embedded server). */
  source?: EndpointSource["kind"];
}

export function createStatusStore() {
  const [state, setState] = createStore<StatusState>({ text: "Starting the studio…", health: "" });

  function set(text: string, kind: StatusKind = "ok") {
    setState({ text, kind });
  }

  /** Connection, workers and backlog (polled every 5 s once the studio is up). */
  async function refreshHealth() {
    const r = await commands.health();
    if (r.status === "error") return void setState("health", "not connected");
    setState({ health: healthText(r.data), connected: r.data.connected, source: r.data.endpointSource.kind });
    if (r.data.warnings.length) set(r.data.warnings.join(" "), "error");
  }

  /** A file dialog opened by Rust; its errors go to the status bar. */
  function choose(choice: FileChoice, suggestedName: string | null = null): Promise<string[]> {
    return chooseFiles(choice, suggestedName, (message) => set(message, "error"));
  }

  return { state, set, refreshHealth, choose };
}

export type StatusStore = ReturnType<typeof createStatusStore>;
