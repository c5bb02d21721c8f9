import React, { useEffect, useState } from "react";
import {
  DescriptionList,
  DescriptionListItem,
  EmptyState,
  ErrorState,
  Flex,
  Heading,
  Link,
  LoadingSpinner,
  Text,
  hubspot,
  useExtensionContext,
} from "@hubspot/ui-extensions";

// The one Tailor host in this project: replace it with your PUBLIC_URL everywhere (see extensions/hubspot/README.md).
const TAILOR_URL = "https://tailor.example.com";
// Under hubspot.fetch's 15 s ceiling, so a slow panel shows an error here instead of HubSpot's.
const TIMEOUT_MS = 10_000;

/** One value Tailor wrote, with the reason it gives (the `Decided` of src/domain). */
type Decided = { readonly value: string | number | boolean | null; readonly why: string };
/** What GET /installations/:id/contacts/:contactId.json answers. */
type Profile = { readonly contactId: string; readonly properties: Readonly<Record<string, Decided | undefined>> };
type Load =
  | { readonly state: "loading" }
  | { readonly state: "missing" }
  | { readonly state: "failed"; readonly message: string }
  | { readonly state: "ready"; readonly profile: Profile };

const percent = (value: Decided["value"]): string => (typeof value === "number" ? `${Math.round(value * 100)} %` : "");

/** The facts the card shows, in order; each comes with Tailor's reason. */
const FACTS: readonly { readonly property: string; readonly label: string; readonly show?: (value: Decided["value"]) => string }[] = [
  { property: "tailor_segment", label: "Segment" },
  { property: "tailor_churn_risk", label: "Churn risk", show: percent },
  { property: "tailor_clv_tier", label: "Value tier (12-month CLV)" },
  { property: "tailor_next_order_date", label: "Next order expected" },
];

/** Each recommendation slot: the product id (which carries the reason) and its title. */
const SLOTS: readonly { readonly product: string; readonly title: string }[] = [
  { product: "tailor_rec_1", title: "tailor_rec_1_title" },
  { product: "tailor_rec_2", title: "tailor_rec_2_title" },
  { product: "tailor_rec_3", title: "tailor_rec_3_title" },
  { product: "tailor_rec_4", title: "tailor_rec_4_title" },
  { product: "tailor_rec_5", title: "tailor_rec_5_title" },
  { product: "tailor_rec_6", title: "tailor_rec_6_title" },
];

const isBlank = (value: Decided["value"] | undefined): boolean => value === undefined || value === null || value === "";

hubspot.extend<"crm.record.tab">(() => <ProfileCard />);

/** This contact's Tailor profile, read from the Tailor server for this installation. */
function ProfileCard(): React.ReactElement {
  const { crm, portal } = useExtensionContext<"crm.record.tab">();
  const installationUrl = `${TAILOR_URL}/installations/hubspot-${String(portal.id)}`;
  const [load, setLoad] = useState<Load>({ state: "loading" });

  useEffect(() => {
    let current = true;
    // hubspot.fetch sends no custom headers but signs the request (X-HubSpot-Signature headers); the server checks that.
    hubspot
      .fetch(`${TAILOR_URL}/installations/hubspot-${String(portal.id)}/contacts/${String(crm.objectId)}.json`, { method: "GET", timeout: TIMEOUT_MS })
      .then(async (response): Promise<Load> => {
        if (response.status === 404) return { state: "missing" };
        if (!response.ok) return { state: "failed", message: `Tailor answered ${String(response.status)}.` };
        return { state: "ready", profile: (await response.json()) as Profile };
      })
      .catch((): Load => ({ state: "failed", message: "Tailor could not be reached." }))
      .then((next) => {
        if (current) setLoad(next);
      });
    return () => {
      current = false;
    };
  }, [crm.objectId, portal.id]);

  if (load.state === "loading") return <LoadingSpinner label="Loading the Tailor profile" />;
  if (load.state === "failed") return <ErrorState title="The Tailor profile is unavailable"><Text>{load.message}</Text></ErrorState>;
  if (load.state === "missing") {
    return (
      <EmptyState title="Not scored yet" layout="vertical">
        <Text>Tailor scores this contact on its next sync.</Text>
      </EmptyState>
    );
  }

  const properties = load.profile.properties;
  const recommendations = SLOTS.flatMap((slot) => {
    const title = properties[slot.title];
    const product = properties[slot.product];
    return title === undefined || isBlank(title.value) ? [] : [{ slot: slot.product, title: String(title.value), why: product?.why ?? title.why }];
  });
  return (
    <Flex direction="column" gap="medium">
      <DescriptionList direction="column">
        {FACTS.map((fact) => {
          const decided = properties[fact.property];
          const value = decided === undefined || isBlank(decided.value) ? "—" : (fact.show ?? String)(decided.value);
          return (
            <DescriptionListItem key={fact.property} label={fact.label}>
              <Text format={{ fontWeight: "bold" }}>{value}</Text>
              <Text variant="microcopy">{decided?.why ?? "Not computed yet."}</Text>
            </DescriptionListItem>
          );
        })}
      </DescriptionList>
      <Heading>Recommendations</Heading>
      {recommendations.length === 0 ? (
        <Text>No product passes the business rules for this contact yet.</Text>
      ) : (
        recommendations.map((r) => (
          <Flex key={r.slot} direction="column" gap="extra-small">
            <Text format={{ fontWeight: "bold" }}>{r.title}</Text>
            <Text variant="microcopy">{r.why}</Text>
          </Flex>
        ))
      )}
      <Link href={installationUrl}>Open Tailor</Link>
    </Flex>
  );
}
