import { describe, expect, it } from "vitest";
import { isNonProductCode, toCustomerId, toInvoiceDate } from "../../../../src/connectors/files/map.js";

describe("Online Retail mapping", () => {
  it.each([
    ["12/1/10 8:26", "2010-12-01T08:26:00.000Z"],
    ["12/9/2011 12:50", "2011-12-09T12:50:00.000Z"],
    ["2010-12-01 08:26:00", "2010-12-01T08:26:00.000Z"],
    ["2/30/11 8:00", "2/30/11 8:00"],
    ["yesterday", "yesterday"],
  ])("reads invoice date %s as %s", (cell, iso) => {
    expect(toInvoiceDate(cell)).toBe(iso);
  });

  it.each([
    ["17850", "17850"],
    ["17850.0", "17850"],
    ["", ""],
    ["17850.5", "17850.5"],
  ])("reads CustomerID %j as %j", (cell, id) => {
    expect(toCustomerId(cell)).toBe(id);
  });

  it.each([
    ["POST", true],
    ["m", true],
    ["BANK CHARGES", true],
    ["85123A", false],
    ["DCGS0076", false],
  ])("treats stock code %s as a charge line: %s", (code, charge) => {
    expect(isNonProductCode(code)).toBe(charge);
  });
});
