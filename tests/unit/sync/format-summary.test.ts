import { describe, expect, it } from "vitest";
import type { RunSummary } from "../../../src/domain/index.js";
import { formatSummary } from "../../../src/sync/format-summary.js";

const run: RunSummary = {
  runId: "run-1", installationId: "demo", status: "succeeded", startedAt: "2026-11-01T00:00:00.000Z", finishedAt: "2026-11-01T00:00:02.000Z", dryRun: false,
  ingest: {
    received: { contacts: 3000, products: 300, events: 60_700 }, accepted: { contacts: 2960, products: 299, events: 60_000 },
    quarantinedByReason: { "email: not a valid address": 3, "contactId: unknown contact": 12 }, identitiesMerged: 30,
    ordersDeduped: { sameOrderId: 40, sameContents: 9 }, eventsRepeated: 0, categoriesMerged: { Sneakers: "shoes > sneakers" },
  },
  quarantined: 15, contactsScored: 2960, contactsChanged: 2900, propertiesChanged: 41_000, written: 2899, writeFailures: 1, writeCalls: 29, durationMs: 2000, warnings: ["tickets: not available"],
};

describe("formatSummary", () => {
  const text = formatSummary(run);

  it("counts records in, with the rate", () => {
    expect(text).toContain("records in      64,000 (contacts 3,000, products 300, events 60,700; 32,000/s)");
  });

  it("lists quarantine reasons, most frequent first", () => {
    expect(text.indexOf("contactId: unknown contact")).toBeLessThan(text.indexOf("email: not a valid address"));
  });

  it("shows merges, changes, writes, refusals and warnings", () => {
    expect(text).toContain("30 identities, 49 duplicate orders (same id 40, same contents 9), 1 category names");
    expect(text).toContain("2,900 contacts, 41,000 property values");
    expect(text).toContain("2,899 contacts in 29 calls, 1 refused");
    expect(text).toContain("warning         tickets: not available");
  });

  it("reports slot health, and names each leak when there is one", () => {
    const leaks = { unknown_product: 0, inactive: 0, out_of_stock: 0, excluded: 0, below_margin_floor: 0, already_bought_not_replenishable: 0, outside_price_band: 0, repeated: 0 };
    const recommendations = {
      contacts: 2, slotsFilled: 9, slotsEmpty: 1, productsRecommended: 5, productsEligible: 10, coverage: 0.5, diversity: 0.8, fallbackShare: 0.25, explorationShare: null,
      bySource: { personal: 2, bestsellers: 7 }, catalog: { products: 12, withoutPrice: 1, withoutCategory: 0 }, leaks, leakExamples: [],
    };
    const clean = formatSummary({ ...run, recommendations });
    expect(clean).toContain("9 filled, 1 empty; coverage 50.0 % of 10 eligible products, diversity 80.0 %, fallback 25.0 %, exploration n/a");
    expect(clean).toContain("slot sources    bestsellers 7, personal 2");
    expect(clean).toContain("slot leaks      0 (every slot re-checked against the rules)");
    expect(formatSummary({ ...run, recommendations: { ...recommendations, leaks: { ...leaks, inactive: 2 } } })).toContain("slot leaks      2: inactive 2");
  });

  it("says when a dry run wrote nothing", () => {
    expect(formatSummary({ ...run, dryRun: true })).toContain("(dry run: nothing written)");
  });
});
