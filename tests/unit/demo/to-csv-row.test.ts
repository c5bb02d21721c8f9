import { describe, expect, it } from "vitest";
import { toCsvRow } from "../../../src/demo/to-csv-row.js";

describe("toCsvRow", () => {
  it("joins plain cells with commas and ends the line", () => {
    expect(toCsvRow(["p1", 94.99, true, "Shoes/Sneakers"])).toBe("p1,94.99,true,Shoes/Sneakers\n");
  });

  it("writes undefined and null as empty cells", () => {
    expect(toCsvRow(["c1", undefined, null, "GB"])).toBe("c1,,,GB\n");
  });

  it("quotes cells with a comma, a quote or a line break", () => {
    expect(toCsvRow(["12,99", 'say "hi"', "a\nb"])).toBe('"12,99","say ""hi""","a\nb"\n');
  });

  it("keeps leading spaces as they are", () => {
    expect(toCsvRow(["  Ann.Lee@Example.COM"])).toBe("  Ann.Lee@Example.COM\n");
  });
});
