// The status bar's store against a mocked `health` command: where the Temporal address came from
// is part of the connection line, so an environment variable that replaces the embedded server is seen.
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EndpointSource, Health } from "../bindings";
import { createStatusStore } from "./status";

function health(endpointSource: EndpointSource, address: string, embeddedServer: boolean): Health {
  return { connected: true, address, endpointSource, embeddedServer, bundledWorker: true, workers: 1, backlog: 0, backlogAgeSecs: 0, error: null, warnings: [] };
}

let answer: Health;

beforeEach(() => {
  mockWindows("main");
  mockIPC((cmd) => {
    if (cmd === "health") return answer;
    throw new Error(`unexpected command ${cmd}`);
  });
});

afterEach(() => clearMocks());

describe("the status bar's connection line", () => {
  it("names TEMPORAL_ADDRESS when it replaces the embedded server", async () => {
    const status = createStatusStore();
    answer = health({ kind: "environment", variable: "TEMPORAL_ADDRESS" }, "10.0.0.5:7233", false);
    await status.refreshHealth();
    expect(status.state.health).toContain("Temporal 10.0.0.5:7233 (from TEMPORAL_ADDRESS)");
    expect(status.state.source).toBe("environment");

    answer = health({ kind: "embedded" }, "127.0.0.1:7233", true);
    await status.refreshHealth();
    expect(status.state.health).toMatch(/^embedded Temporal · /);
    expect(status.state.source).toBe("embedded");
  });
});
