import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Integration tests bind ephemeral ports and write temp folders; 2 cores here.
    pool: "forks",
    testTimeout: 30_000,
  },
});
