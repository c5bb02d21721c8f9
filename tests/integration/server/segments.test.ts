import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPanel, type PanelClient } from "../../helpers/panel-client.js";
import type { Profile } from "../../../src/domain/index.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";

const member = (contactId: string, segment: string): Profile => ({
  contactId,
  properties: {
    tailor_segment: { value: segment, why: `guards of ${segment} held` },
    tailor_orders: { value: 3, why: "3 orders" },
  },
});

let panel: PanelClient;

beforeAll(async () => {
  const store = createMemoryStore();
  await store.saveInstallation({ id: "shop-1", esp: "files", name: "Shop", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  await store.saveInstallation({ id: "shop-2", esp: "files", name: "Other", createdAt: "2025-01-01T00:00:00.000Z", propertiesDefined: [] });
  await store.saveProfiles("shop-1", [
    ...Array.from({ length: 40 }, (_, i) => member(`a${i}`, "Active repeat buyer")),
    ...Array.from({ length: 3 }, (_, i) => member(`l${i}`, "Lapsing")),
  ]);
  panel = await openPanel(store, "shop-1");
});

afterAll(() => panel.close());

const get = (path: string) => panel.get(path);
const sampleIds = async (path: string): Promise<string[]> => ((await (await get(path)).json()) as Profile[]).map((p) => p.contactId);

describe("segment sample", () => {
  it("serves n members of the segment as JSON profiles", async () => {
    const res = await get("/installations/shop-1/segments/Active%20repeat%20buyer/sample.json?n=5&seed=1");
    const body = (await res.json()) as Profile[];
    expect([res.status, body.length, body.every((p) => p.properties.tailor_segment?.value === "Active repeat buyer")]).toEqual([200, 5, true]);
  });

  it("serves the same sample for the same seed", async () => {
    const path = "/installations/shop-1/segments/active-repeat-buyer/sample.json?n=5&seed=7";
    expect(await sampleIds(path)).toEqual(await sampleIds(path));
  });

  it("serves another sample when reseeded", async () => {
    const one = await sampleIds("/installations/shop-1/segments/active-repeat-buyer/sample.json?n=5&seed=7");
    const two = await sampleIds("/installations/shop-1/segments/active-repeat-buyer/sample.json?n=5&seed=8");
    expect(one).not.toEqual(two);
  });

  it("samples 20 members when n is not given", async () => {
    expect(await sampleIds("/installations/shop-1/segments/active-repeat-buyer/sample.json")).toHaveLength(20);
  });

  it("serves the sample as CSV with a text/csv content type", async () => {
    const res = await get("/installations/shop-1/segments/lapsing/sample.csv?n=10&seed=1");
    const lines = (await res.text()).trimEnd().split("\n");
    expect([res.headers.get("content-type"), lines[0], lines.length]).toEqual(["text/csv; charset=utf-8", "contact_id,segment,tailor_orders", 4]);
  });

  it("keeps samples out of shared caches", async () => {
    const res = await get("/installations/shop-1/segments/lapsing/sample.json");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  it("serves an empty list for a segment with no members", async () => {
    const res = await get("/installations/shop-1/segments/win-back/sample.json");
    expect([res.status, await res.json()]).toEqual([200, []]);
  });

  it.each(["n=0", "n=501", "n=abc", "n=2.5", "seed=abc", "seed=4294967296"])("answers 400 to %s", async (query) => {
    const res = await get(`/installations/shop-1/segments/lapsing/sample.json?${query}`);
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, "invalid_request"]);
  });

  it("never serves another installation's sample to this session", async () => {
    const res = await get("/installations/shop-2/segments/lapsing/sample.csv");
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([403, "forbidden"]);
  });

  it("answers 401 without a session", async () => {
    const res = await fetch(`${panel.base}/installations/shop-1/segments/lapsing/sample.json`);
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([401, "unauthorized"]);
  });
});
