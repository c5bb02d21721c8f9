import type { Client } from "@hubspot/api-client";

/**
 * Which HubSpot budget a call spends: the 10-second bucket (100 calls / 10 s for OAuth apps) or
 * the CRM search limit (5 calls / s per token, exempt from the 10-second bucket).
 */
export type CallBudget = "standard" | "search";

/**
 * Runs one SDK call under the installation's rate limiter and our retry policy, translating
 * failures into EspError. Every HubSpot request goes through one of these; nothing calls the SDK bare.
 */
export type HubSpotCall = <T>(budget: CallBudget, what: string, fn: (sdk: Client) => Promise<T>) => Promise<T>;
