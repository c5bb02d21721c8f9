import { z } from "zod";

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./.tailor"),
  PUBLIC_URL: z.url().default("http://localhost:3000"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Tokens at rest are encrypted with this key; only the ESP connectors need it, so demo runs without. */
  TOKEN_KEY: z.string().regex(/^[0-9a-f]{64}$/i, "must be 32 bytes of hex (64 hex digits)").optional(),
  /** Signs the OAuth state and panel sessions; required once any ESP app is configured. */
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** Your HubSpot app's credentials (developer account → app → Auth); both or neither. */
  HUBSPOT_CLIENT_ID: z.string().min(1).optional(),
  HUBSPOT_CLIENT_SECRET: z.string().min(1).optional(),
  /** A private-app token, for development and self-hosting without OAuth. */
  HUBSPOT_PRIVATE_APP_TOKEN: z.string().min(1).optional(),
  /** Where the HubSpot API lives; only tests and local mocks change it. */
  HUBSPOT_API_BASE: z.url().default("https://api.hubapi.com"),
  /** Your Klaviyo app's OAuth credentials (Klaviyo → Settings → Integrations → Manage apps); both or neither. */
  KLAVIYO_CLIENT_ID: z.string().min(1).optional(),
  KLAVIYO_CLIENT_SECRET: z.string().min(1).optional(),
  /** A private API key (pk_…), for development and self-hosting without OAuth. */
  KLAVIYO_PRIVATE_API_KEY: z.string().min(1).optional(),
  /** Where the Klaviyo API lives; only tests and local mocks change it. */
  KLAVIYO_API_BASE: z.url().default("https://a.klaviyo.com"),
}).superRefine((env, ctx) => {
  if ((env.HUBSPOT_CLIENT_ID === undefined) !== (env.HUBSPOT_CLIENT_SECRET === undefined)) {
    ctx.addIssue({ code: "custom", path: ["HUBSPOT_CLIENT_SECRET"], message: "HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET go together" });
  }
  if ((env.KLAVIYO_CLIENT_ID === undefined) !== (env.KLAVIYO_CLIENT_SECRET === undefined)) {
    ctx.addIssue({ code: "custom", path: ["KLAVIYO_CLIENT_SECRET"], message: "KLAVIYO_CLIENT_ID and KLAVIYO_CLIENT_SECRET go together" });
  }
  if ((env.HUBSPOT_CLIENT_ID !== undefined || env.KLAVIYO_CLIENT_ID !== undefined) && (env.TOKEN_KEY === undefined || env.SESSION_SECRET === undefined)) {
    ctx.addIssue({ code: "custom", path: ["TOKEN_KEY"], message: "an OAuth app needs TOKEN_KEY (tokens are encrypted at rest) and SESSION_SECRET" });
  }
});
export type AppConfig = z.infer<typeof EnvSchema>;

/** Reads the environment once, at startup. Nothing else in src/ touches process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  // Name every bad key at once, never echo a value: some of them are secrets.
  const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
  throw new Error(`Invalid configuration:\n${problems.join("\n")}`);
}
