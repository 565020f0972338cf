import { describe, expect, it } from "vitest";
import type { Health, ModelReport, Progress } from "./bindings";
import {
  batchPercent,
  batchText,
  cacheUsageText,
  errorText,
  estimateText,
  healthText,
  jobStateText,
  keysWhereText,
  lengthText,
  budgetWait,
  modelReportRows,
  renderBlockReason,
  spentText,
  takeText,
  timelineAt,
  timelineTitle,
  versionText,
} from "./format";

const health: Health = {
  connected: true,
  address: "127.0.0.1:7233",
  endpointSource: { kind: "embedded" },
  embeddedServer: true,
  bundledWorker: true,
  workers: 1,
  backlog: 0,
  backlogAgeSecs: 0,
  error: null,
  warnings: [],
};

const report: ModelReport = {
  provider: "offline",
  listedAt: null,
  listed: 0,
  imageModel: "offline-image",
  videoModel: "offline-video",
  draftVideoModel: "offline-draft",
  videoRoute: "local",
  native4k: false,
  referenceImages: 0,
  usableImageModels: ["offline-image"],
  usableVideoModels: ["offline-video", "offline-draft"],
  unknown: [],
  roles: [],
};

describe("format", () => {
  it("reads errors from Rust and from anything thrown", () => {
    expect(errorText({ code: "io", message: "no such file", problems: [] })).toBe("no such file");
    // The message is a headline; the problems it lists follow it once.
    expect(
      errorText({
        code: "invalidProject",
        message: 'project "/p.json" has 2 problem(s)',
        problems: [
          { field: "scenarios[0].prompt", message: "empty prompt" },
          { field: "character.referenceImages[0]", message: "missing.png does not exist" },
        ],
      }),
    ).toBe('project "/p.json" has 2 problem(s): empty prompt; missing.png does not exist');
    expect(errorText("plain")).toBe("plain");
    expect(errorText(null)).toBe("null");
  });

  it("summarises a project, its estimate and why Render waits", () => {
    const project = {
      version: 1,
      character: { name: "Ava", basePrompt: "a pilot", referenceImages: [] },
      scenarios: [
        { id: "a", prompt: "x", durationSeconds: 8 },
        { id: "b", prompt: "y", durationSeconds: 4 },
      ],
      quality: "standard" as const,
      aspectRatio: "16:9" as const,
    };
    expect(lengthText(project)).toBe("2 scenario(s), 12 s of video");
    const cost = { usd: 1.2, unpricedModels: ["veo-x"] };
    expect(estimateText({ imageModel: "i", videoModel: "offline", images: 3, videoSeconds: 12, cost, wallSeconds: null })).toBe(
      "estimated $1.20 with offline (no price for veo-x)",
    );
    const e = { imageModel: "i", videoModel: "omni", images: 3, videoSeconds: 8, cost: { usd: 0.91, unpricedModels: [] }, wallSeconds: null };
    expect(estimateText(e, 5)).toBe("estimated $0.91 of a $5.00 budget with omni");
    expect(estimateText(e, 0.6)).toBe("estimated $0.91 — over the $0.60 budget with omni");
    expect(spentText({ usd: null, unpricedModels: [] })).toBe("Spent $0.00");
    expect(renderBlockReason(false, [])).toBe("Waiting for the studio to start…");
    expect(renderBlockReason(true, [])).toBe("");
    expect(renderBlockReason(true, [{ field: "a", message: "one" }, { field: "b", message: "two" }])).toBe("Fix 2 problem(s): one; two");
  });

  it("describes the connection", () => {
    expect(healthText(health)).toBe("embedded Temporal · bundled worker · 1 worker(s) polling · no backlog");
    expect(healthText({ ...health, embeddedServer: false, bundledWorker: false, backlog: 2, backlogAgeSecs: 9 })).toBe(
      "Temporal 127.0.0.1:7233 · external workers only · 1 worker(s) polling · backlog 2 (oldest 9 s)",
    );
    expect(healthText({ ...health, connected: false, error: "refused" })).toBe("disconnected from 127.0.0.1:7233: refused");
  });

  it("says where a Temporal address that replaces the embedded server comes from", () => {
    const remote = { ...health, address: "10.0.0.5:7233", embeddedServer: false };
    expect(healthText({ ...remote, endpointSource: { kind: "environment", variable: "TEMPORAL_ADDRESS" } })).toBe(
      "Temporal 10.0.0.5:7233 (from TEMPORAL_ADDRESS) · bundled worker · 1 worker(s) polling · no backlog",
    );
    const profile = { kind: "profile", file: "/home/a/.config/temporalio/temporal.toml", profile: "prod" } as const;
    expect(healthText({ ...remote, endpointSource: profile })).toBe(
      "Temporal 10.0.0.5:7233 (from profile prod of /home/a/.config/temporalio/temporal.toml) · bundled worker · 1 worker(s) polling · no backlog",
    );
    expect(healthText({ ...remote, endpointSource: { kind: "settings" }, connected: false, error: "refused" })).toBe(
      "disconnected from 10.0.0.5:7233 (from Settings): refused",
    );
  });

  it("describes a job's state, versions, takes and timeline", () => {
    const p: Progress = { stage: "generating_videos", percentage: 40, currentStep: "", segments: [], paused: true, quality: "high", version: 1 };
    expect(jobStateText(p)).toBe("generating videos · 40% · paused");
    expect(jobStateText({ ...p, paused: false })).toBe("generating videos · 40%");
    expect(versionText({ number: 2, videoPath: null, takes: [1, 2], quality: "standard", cost: { usd: 0.039, unpricedModels: [] }, sceneSeconds: [] })).toBe(
      "v2 · takes 1, 2 · standard · $0.039 ",
    );
    expect(takeText({ number: 1, prompt: "x".repeat(50), clipUrl: "" })).toBe(`take 1: ${"x".repeat(40)}`);
    const e = { atMs: 1234, kind: "step" as const, title: "Clip first", detail: null, durationMs: 2500, outcome: "failed", error: null };
    expect(timelineAt(e)).toBe("+1.2 s");
    expect(timelineTitle(e)).toBe("Clip first (2.5 s) · failed");
    expect(timelineTitle({ atMs: 0, kind: "completed", title: "Completed", detail: null, durationMs: null, outcome: "completed", error: null })).toBe("Completed");
  });

  it("describes batches, the cache, keys and the model report", () => {
    const b = { id: "b", status: "running" as const, processed: 2, total: 4, run: 1, inLibrary: 1 };
    expect(batchText(b)).toBe("1 of 4 characters in the library · 2 generated · run 1 · running");
    expect(batchPercent(b)).toBe(25);
    expect(batchPercent({ ...b, total: 0 })).toBe(0);
    expect(cacheUsageText({ entries: 1, mebibytes: 2.25 })).toBe("Artifact cache: 1 entry, 2.3 MiB");
    expect(cacheUsageText({ entries: 0, mebibytes: null })).toBe("Artifact cache: 0 entries, 0.0 MiB");
    const keys = { inKeyring: true, detail: "in the OS keyring", geminiApiKey: false, vertexCredentialsFile: null, temporalApiKey: false, temporalApiKeyAddress: null };
    expect(keysWhereText(keys)).toBe("Keys are in the OS keyring.");
    expect(keysWhereText({ ...keys, inKeyring: false, detail: "in a file" })).toBe("Keys: in a file.");
    expect(modelReportRows(report)).toEqual([
      ["Provider", "offline"],
      ["Images", "offline-image"],
      ["Video", "offline-video (local, 4k by upscale, first frame)"],
      ["Drafts", "offline-draft"],
      ["Also usable", "offline-draft"],
    ]);
    const listed = modelReportRows({ ...report, listedAt: 1, listed: 9, native4k: true, referenceImages: 3, unknown: ["veo-9"], usableVideoModels: ["offline-video"] });
    expect(listed[0]).toEqual(["Provider", "offline (9 models listed)"]);
    expect(listed[2]).toEqual(["Video", "offline-video (local, native 4k, 3 reference images)"]);
    expect(listed[4]).toEqual(["Also usable", "nothing else"]);
    expect(listed[5]).toEqual(["Not in the model table", "veo-9"]);
    const vertex = modelReportRows({
      ...report,
      roles: [
        { role: "images", model: "nano", route: "generateContent", location: "global", problem: null },
        { role: "video", model: "veo", route: "predictLongRunning", location: "us-central1", problem: null },
        { role: "drafts", model: "omni", route: "interactions", location: null, problem: "kept in europe-west4" },
      ],
    });
    expect(vertex.slice(4, 7)).toEqual([
      ["Route (images)", "nano via generateContent at global"],
      ["Route (video)", "veo via predictLongRunning at us-central1"],
      ["Route (drafts)", "omni via interactions — cannot be called: kept in europe-west4"],
    ]);
  });
});

describe("render time", () => {
  it("reads the estimate's wall seconds", async () => {
    const { wallTimeText, elapsedText } = await import("./format");
    expect(wallTimeText(null)).toBe("");
    expect(wallTimeText(18)).toBe("about 20 s");
    expect(wallTimeText(2)).toBe("about 5 s");
    expect(wallTimeText(58)).toBe("about 1 min");
    expect(wallTimeText(170)).toBe("about 3 min");
    expect(wallTimeText(5400)).toBe("about 1 h 30 min");
    expect(elapsedText(65)).toBe("1:05");
  });
});

describe("budget", () => {
  it("says what a job waiting at its budget needs, rounded up to the cent", () => {
    expect(budgetWait(null)).toBeNull();
    expect(budgetWait({ approvedUsd: 1, spentUsd: 0.2, inFlightUsd: 0, waitingForUsd: null, waitingStep: null })).toBeNull();
    const w = budgetWait({ approvedUsd: 0.6, spentUsd: 0.5143, inFlightUsd: 0, waitingForUsd: 0.4, waitingStep: "a clip of scene-2" });
    expect(w).toEqual({
      text: "Budget reached: $0.51 spent of $0.60; next step $0.40 (a clip of scene-2)",
      approve: 0.32,
    });
  });
});
