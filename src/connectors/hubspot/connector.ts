import type { Connector } from "../../domain/index.js";
import type { HubSpotCall } from "./hubspot-call.js";
import { defineProperties } from "./properties.js";
import { pullContacts } from "./pull-contacts.js";
import { pullEvents } from "./pull-events.js";
import { pullProducts } from "./pull-products.js";
import { BATCH_LIMIT, pushChanges } from "./push.js";

export type HubSpotConnectorDeps = {
  /** The installation's call: its token, its limiters, our retry (see createHubSpotCall). */
  readonly call: HubSpotCall;
  readonly now: () => number;
  /** Setup notes (properties created, existing ones that differ); never given secrets. */
  readonly log?: (message: string) => void;
};

/** One HubSpot installation as a Connector: the only shape sync/ sees. */
export function createHubSpotConnector(deps: HubSpotConnectorDeps): Connector {
  const { call, now } = deps;
  return {
    esp: "hubspot",
    maxBatch: BATCH_LIMIT,
    pullContacts: (from, refresh = []) => pullContacts(call, from, refresh, now),
    pullProducts: (from) => pullProducts(call, from, now),
    pullEvents: (from) => pullEvents(call, from, now),
    defineProperties: async (definitions) => {
      await defineProperties(call, definitions, deps.log);
    },
    pushChanges: (changes) => pushChanges(call, changes),
    // HubL in HubSpot emails reads contact properties, never an external feed, so the slots'
    // display fields are pushed as tailor_rec_N_* properties instead; there is nothing to publish.
    publishFeed: () => Promise.resolve(),
  };
}
