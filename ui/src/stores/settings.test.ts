// What Settings says about the Temporal API key: the one address Rust sends it to.
import { describe, expect, it } from "vitest";
import type { KeysView } from "../bindings";
import { temporalKeyText } from "./settings";

const keys: KeysView = { inKeyring: true, detail: "in the OS keyring", geminiApiKey: false, vertexCredentialsFile: null, temporalApiKey: true, temporalApiKeyAddress: "ns.acct.tmprl.cloud:7233" };

describe("the Temporal API key's address", () => {
  it("names where the key goes, or that an old key goes nowhere", () => {
    expect(temporalKeyText(keys)).toBe(" The Temporal API key is sent only to ns.acct.tmprl.cloud:7233.");
    expect(temporalKeyText({ ...keys, temporalApiKeyAddress: null })).toContain("enter it again");
    expect(temporalKeyText({ ...keys, temporalApiKey: false, temporalApiKeyAddress: null })).toBe("");
  });
});
