import { describe, expect, it } from "vitest";
import { droppedImages, fieldMessages, keysUpdate, priceRows, priceTable, providerOf, qualityOf, settingProblemText } from "./forms";

describe("forms", () => {
  it("reads the selects' values as the typed enums", () => {
    expect(qualityOf("4k")).toBe("4k");
    expect(qualityOf("8k")).toBeUndefined();
    expect(providerOf("vertex")).toBe("vertex");
    expect(providerOf("nonsense")).toBe("auto");
  });

  it("finds each field's problems", () => {
    const problems = [
      { field: "scenarios[0].prompt", message: "empty" },
      { field: "scenarios[0].prompt", message: "too long" },
      { field: "scenarios", message: "none" },
    ];
    expect(fieldMessages(problems, "scenarios[0].prompt")).toEqual(["empty", "too long"]);
    expect(fieldMessages(problems, "scenarios")).toEqual(["none"]);
    expect(fieldMessages(problems, "scenarios[1].prompt")).toEqual([]);
  });

  it("says a setting's problems and its parts'", () => {
    const problems = [
      { field: "prices", message: "bad table" },
      { field: "prices.veo.perImage", message: "negative" },
      { field: "pricesX", message: "other field" },
    ];
    expect(settingProblemText(problems, "prices")).toBe("bad table; veo.perImage: negative");
    expect(settingProblemText(problems, "namespace")).toBe("");
  });

  it("round-trips the price table, dropping rows without a model", () => {
    const rows = priceRows({ veo: { perImage: null, perVideoSecond: 0.4 } });
    expect(rows).toEqual([{ model: "veo", perImage: "0", perVideoSecond: "0.4" }]);
    expect(priceTable([...rows, { model: "  ", perImage: "1", perVideoSecond: "1" }, { model: " img ", perImage: "", perVideoSecond: "" }])).toEqual({
      veo: { perImage: 0, perVideoSecond: 0.4 },
      img: { perImage: 0, perVideoSecond: 0 },
    });
  });

  it("leaves keys typed as nothing unchanged", () => {
    expect(keysUpdate(" k ", "", "  ")).toEqual({ geminiApiKey: "k", vertexCredentialsFile: null, temporalApiKey: null });
  });

  it("accepts only images dropped on the window", () => {
    expect(droppedImages(["/a.PNG", "/b.jpeg", "/c.jpg", "/d.webp", "/e.gif", "/f.png.txt"])).toEqual(["/a.PNG", "/b.jpeg", "/c.jpg", "/d.webp"]);
  });
});
