// @ts-check
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

const pureCore = ["src/domain/**", "src/ingest/**", "src/engine/**"];
const noIo = ["node:fs", "node:fs/*", "node:http", "node:https", "node:net", "node:timers*", "node:child_process", "node:worker_threads", "express", "lowdb", "lowdb/*", "node-cron", "@hubspot/*", "klaviyo-api", "csv-parse", "csv-parse/*", "pino"];

export default defineConfig(
  // extensions/ holds HubSpot UI extensions (React, built by HubSpot's CLI against its own packages), not our code.
  // src/server/static/ holds the few lines of browser script the panel serves as files (no TS project; the e2e tests run them).
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "data/**", ".tailor/**", "extensions/**", "src/server/static/**", "test-results/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  { languageOptions: { parserOptions: { projectService: { allowDefaultProject: ["eslint.config.js", "scripts/*.js"] }, tsconfigRootDir: import.meta.dirname } } },
  {
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: pureCore,
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/connectors/**", "**/store/**", "**/sync/**", "**/server/**", "**/demo/**", "**/cli.js", "**/config.js"], message: "The core is pure: take data in, return data out." },
        { group: noIo, message: "No I/O in the pure core." },
      ] }],
      "no-restricted-syntax": ["error",
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: "Pass `now` in." },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Pass `now` in." },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: "Use the seeded rng you were given." },
        { selector: "MemberExpression[object.name='process']", message: "The core never reads the process: config is read once in src/config.ts." },
      ],
    },
  },
  {
    // domain/ is the vocabulary: zod only.
    files: ["src/domain/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/ingest/**", "**/engine/**", "**/connectors/**", "**/store/**", "**/sync/**", "**/server/**", "**/demo/**"], message: "domain/ imports zod only." },
        { group: ["node:*", ...noIo], message: "domain/ imports zod only." },
      ] }],
    },
  },
  {
    files: ["src/ingest/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/engine/**", "**/connectors/**", "**/store/**", "**/sync/**", "**/server/**", "**/demo/**"], message: "ingest/ imports domain only." },
        { group: noIo, message: "No I/O in the pure core." },
      ] }],
    },
  },
  {
    files: ["src/engine/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/ingest/**", "**/connectors/**", "**/store/**", "**/sync/**", "**/server/**", "**/demo/**"], message: "engine/ imports domain only." },
        { group: noIo, message: "No I/O in the pure core." },
      ] }],
    },
  },
  {
    files: ["src/sync/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/connectors/**", "**/store/**", "**/server/**", "**/demo/**", "**/cli.js"], message: "sync/ gets its connector and store passed in." },
        { group: ["@hubspot/*", "klaviyo-api", "lowdb", "lowdb/*", "express"], message: "sync/ gets its connector and store passed in." },
      ] }],
    },
  },
  {
    files: ["src/connectors/**"],
    rules: {
      // The ESP SDKs declare request bodies as codegen classes but document plain objects.
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/sync/**", "**/server/**", "**/store/**", "**/ingest/**", "**/engine/**", "**/demo/**", "**/cli.js"], message: "Connectors only know the domain." },
      ] }],
    },
  },
  {
    files: ["src/store/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/sync/**", "**/server/**", "**/connectors/**", "**/ingest/**", "**/engine/**", "**/demo/**", "**/cli.js"], message: "The store only knows the domain." },
      ] }],
    },
  },
  {
    files: ["src/server/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/connectors/**", "**/store/*-store*", "**/demo/**", "**/cli.js", "lowdb", "lowdb/*", "@hubspot/*", "klaviyo-api"], message: "The server gets its store and connector passed in." },
      ] }],
    },
  },
  {
    // Tests and scripts may reach anything, and use non-null assertions on fixtures they built.
    files: ["tests/**", "bench/**", "scripts/**"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
