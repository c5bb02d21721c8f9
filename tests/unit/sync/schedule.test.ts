import { describe, expect, it } from "vitest";
import { cronFor } from "../../../src/sync/schedule.js";

describe("cronFor", () => {
  it.each([
    [5, "*/5 * * * *"],
    [30, "*/30 * * * *"],
    [60, "0 */1 * * *"],
    [180, "0 */3 * * *"],
    [1440, "0 0 * * *"],
  ])("runs every %i minutes as %s", (minutes, expression) => {
    expect(cronFor(minutes)).toBe(expression);
  });
});
