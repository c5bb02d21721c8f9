import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../src/server/app.js";
import { createMemoryStore } from "../../../src/store/memory-store.js";
import { listen, type Listening } from "../../helpers/listen.js";
import { silentLog } from "../../helpers/panel-client.js";

let server: Listening;

beforeAll(async () => {
  server = await listen(createApp({ store: createMemoryStore(), log: silentLog(), installationId: "demo" }));
});

afterAll(async () => {
  await server.close();
});

const image = (name: string) => fetch(`${server.base}/demo/images/${name}.svg`);

describe("GET /demo/images/<name>.svg", () => {
  it("serves an SVG tile with the name on it, cacheable for a long time, without a session", async () => {
    const response = await image("p12");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(response.headers.get("cache-control")).toContain("max-age=31536000");
    const svg = await response.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="400" height="400"/);
    expect(svg).toContain(">p12</text>");
  });

  it("gives the same name the same bytes and another name another colour", async () => {
    const [a, again, b] = await Promise.all(["p1", "p1", "p2"].map(async (name) => (await image(name)).text()));
    expect(again).toBe(a);
    expect(b?.replaceAll("p2", "p1")).not.toBe(a);
  });

  it.each(["a.b", "%3Cscript%3E", "x".repeat(65), "p1%20p2"])("answers 404 for the name %s", async (name) => {
    expect((await image(name)).status).toBe(404);
  });
});
